"""PostgreSQL unreachable for a few seconds under a real Daphne process.

The server reaches PostgreSQL through a TCP proxy the test cuts (never the
machine's PostgreSQL itself). Clients get ``unavailable`` error frames, no
socket is closed by an exception (1011), and once the database is back the
same process serves again: no restart.
"""

from __future__ import annotations

import asyncio
import secrets
import urllib.parse
from collections.abc import Iterator
from contextlib import AsyncExitStack

import pytest
from websockets.exceptions import ConnectionClosed

from tests.support.servers import citizen_cookie, fresh_database, login, manage, open_socket

pytestmark = [pytest.mark.multiprocess, pytest.mark.asyncio]

PASSWORD = "faults-" + secrets.token_urlsafe(8)


@pytest.fixture
def demo_database() -> Iterator[str]:
    with fresh_database(require_postgres=True) as database_url:
        manage(database_url, "demo", env={"DEMO_MODERATOR_PASSWORD": PASSWORD})
        yield database_url


async def until_ok(sock, frame_type: str, timeout: float = 60.0, **fields) -> dict:
    """Send the request again while it gets ``unavailable``, with the page's back-off
    (the pool reconnects with a doubling delay, so it may take a few tries)."""
    delay = 0.5
    async with asyncio.timeout(timeout):
        while True:
            reply = await sock.request(frame_type, **fields)
            if reply.get("code") != "unavailable":
                return reply
            await asyncio.sleep(delay)  # a client's back-off between tries, not a wait for an event
            delay = min(2 * delay, 4.0)


def through(proxy, database_url: str) -> str:
    """``database_url`` with its host and port replaced by the proxy's."""
    parts = urllib.parse.urlsplit(database_url)
    credentials = parts.netloc.rpartition("@")[0]
    netloc = f"{credentials}@127.0.0.1:{proxy.port}" if credentials else f"127.0.0.1:{proxy.port}"
    return urllib.parse.urlunsplit(parts._replace(netloc=netloc))


async def test_an_unreachable_database_gives_unavailable_errors_and_the_process_recovers_without_a_restart(
    demo_database, postgres_proxy, live_server_factory
):
    # given a server that reaches PostgreSQL through the proxy, a console and a citizen
    server = live_server_factory(through(postgres_proxy, demo_database), DATABASE_POOL_TIMEOUT="2")
    moderator_cookie = login(server.url, "moderator", PASSWORD)
    cookie = citizen_cookie(server.url, "demo")
    async with AsyncExitStack() as stack:
        moderator = await stack.enter_async_context(open_socket(server, "/ws/t/demo/moderate/", moderator_cookie))
        await moderator.until("snapshot")
        citizen = await stack.enter_async_context(open_socket(server, "/ws/t/demo/", cookie))
        await citizen.until("snapshot")
        first = await citizen.request("question.submit", text="Is the pool open in August?", client_key="k1")
        assert first["type"] == "ok", first
        question_id = first["question"]["id"]

        # when PostgreSQL becomes unreachable
        postgres_proxy.cut()

        # then requests get unavailable, and the sockets stay open
        reply = await citizen.request("question.submit", text="Who cleans the river banks?", client_key="k2")
        assert (reply["type"], reply.get("code")) == ("error", "unavailable"), reply
        reply = await moderator.request("question.approve", question_id=question_id, version=1)
        assert (reply["type"], reply.get("code")) == ("error", "unavailable"), reply
        reply = await citizen.request("resync")
        assert (reply["type"], reply.get("code")) == ("error", "unavailable"), reply
        # and a socket opened meanwhile is told so, and closed with 4503, "try again later" (not 1011)
        async with open_socket(server, "/ws/t/demo/", cookie) as late:
            refused = await late.until("error")
            assert refused["code"] == "unavailable"
            with pytest.raises(ConnectionClosed) as closed:
                await late.until()
            assert closed.value.rcvd.code == 4503

        # when PostgreSQL is back
        postgres_proxy.restore()

        # then the same process serves again: the question sent again with its key is stored once
        reply = await until_ok(citizen, "question.submit", text="Who cleans the river banks?", client_key="k2")
        assert reply["type"] == "ok" and not reply["duplicate"], reply
        await moderator.until("question.created", where=lambda f: f["question"]["id"] == reply["question"]["id"])
        reply = await until_ok(moderator, "question.approve", question_id=question_id, version=1)
        assert reply["type"] == "ok", reply
        await citizen.until("question.updated", where=lambda f: f["question"]["id"] == question_id)
        async with open_socket(server, "/ws/t/demo/", cookie) as again:
            assert len((await again.until("snapshot"))["questions"]) == 2
    # and nothing crashed inside the application
    assert "Exception inside application" not in server.log()
