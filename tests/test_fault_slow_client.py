"""A client that never reads: the server bounds what it keeps for that socket
(``SOCKET_BUFFER_LIMIT``) and closes it with 4408; the others are served as before.

The others' latency under such clients is a benchmark figure
(bench/slow_client.py, BENCHMARKS.md); this test proves the bound and the close.
"""

from __future__ import annotations

import asyncio
import json
import re
import secrets
from collections.abc import Iterator
from contextlib import AsyncExitStack

import pytest

from tests.support.faults import NonReadingSocket
from tests.support.servers import citizen_cookie, fresh_database, login, manage, open_socket

pytestmark = [pytest.mark.multiprocess, pytest.mark.asyncio]

PASSWORD = "faults-" + secrets.token_urlsafe(8)
# Above the largest frame (a snapshot of every question, ~200 kB here): a
# console that reads is never caught by the limit while one snapshot is on its way.
LIMIT = 512 * 1024
CITIZENS = 40
QUESTIONS = 5  # each: QUESTION_RATE_COUNT
TEXT = "When will the works on the avenue end, and who pays for the detours? " * 6
# Resyncs the stalled console asks for (under the frame rate limit): each is a
# snapshot of every question, so that more than the kernels hold (a few MB)
# is sent to it.
RESYNCS = 28


@pytest.fixture
def demo_database() -> Iterator[str]:
    with fresh_database() as database_url:
        manage(database_url, "demo", env={"DEMO_MODERATOR_PASSWORD": PASSWORD})
        yield database_url


async def ask_all(server, cookie: str, name: str) -> None:
    async with open_socket(server, "/ws/t/demo/", cookie) as citizen:
        await citizen.until("snapshot")
        for n in range(QUESTIONS):
            reply = await citizen.request("question.submit", text=f"{name}.{n}: {TEXT}", client_key=f"{name}-{n}")
            assert reply["type"] == "ok", reply


async def closing_lines(server, timeout: float = 60.0) -> list[str]:
    """The sizes in the server's "closing a socket whose client does not read"
    lines, once there is one (polling its log file: no other sign is given)."""
    pattern = r"closing a socket whose client does not read \((\d+) bytes waiting"
    async with asyncio.timeout(timeout):
        while not (found := re.findall(pattern, server.log())):
            await asyncio.sleep(0.1)  # polling a file another process writes
    return found


async def test_a_console_that_never_reads_is_closed_with_4408_past_the_limit(demo_database, live_server_factory):
    # given a server with a small buffer limit, a console that never reads and one that does
    server = live_server_factory(demo_database, SOCKET_BUFFER_LIMIT=str(LIMIT))
    moderator_cookie = login(server.url, "moderator", PASSWORD)
    stalled = NonReadingSocket(server, "/ws/t/demo/moderate/?v=2", moderator_cookie).open()
    try:
        async with AsyncExitStack() as stack:
            reader = await stack.enter_async_context(open_socket(server, "/ws/t/demo/moderate/", moderator_cookie))
            await reader.until("snapshot")
            cookies = await asyncio.gather(
                *(asyncio.to_thread(citizen_cookie, server.url, "demo") for _ in range(CITIZENS))
            )

            # when citizens ask far more than the limit's worth of questions
            await asyncio.gather(*(ask_all(server, cookie, f"c{i}") for i, cookie in enumerate(cookies)))

            # then the console that reads gets every one
            for _ in range(CITIZENS * QUESTIONS):
                await reader.until("question.created")

            # when the console that never reads asks for snapshot after snapshot
            for n in range(RESYNCS):
                stalled.send({"type": "resync", "id": f"r{n}"})
            # then the one that reads is still served
            reply = await reader.request("resync")
            assert reply["type"] == "snapshot" and len(reply["questions"]) == CITIZENS * QUESTIONS
            snapshot_size = len(json.dumps(reply, ensure_ascii=False, separators=(",", ":")).encode())
        # and the one that never read is closed by the server: before it reads anything
        # (reading would empty what waits for it), the server says so in its log,
        # which gives no event to wait on; its resyncs may still be queued behind
        # the reader's
        closing = await closing_lines(server)
        assert len(closing) == 1, server.log()[-3000:]
        # when it finally reads, its connection is over (a 4408, or dropped before
        # that close frame could reach it)
        assert await asyncio.to_thread(stalled.drain) in (4408, None)
        # once past the limit, holding no more than a frame over it
        assert LIMIT < int(closing[0]) <= LIMIT + snapshot_size + 1024
    finally:
        stalled.close()
