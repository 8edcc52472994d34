"""Redis killed (SIGKILL) and restarted under two real Daphne processes.

The database is the truth and the channel layer only signals: while Redis is
down no socket closes, requests keep working, and events still arrive (each
process polls the database's ``last_seq`` and replays what it missed). Once
Redis is back the processes join their groups again and every client holds
what a fresh snapshot holds.
"""

from __future__ import annotations

import asyncio
import secrets
import time
from collections.abc import Iterator
from contextlib import AsyncExitStack

import pytest
import redis.asyncio

from harness.servers import LiveSocket
from tests.support.faults import held
from tests.support.servers import citizen_cookie, fresh_database, login, manage, open_socket

pytestmark = [pytest.mark.multiprocess, pytest.mark.asyncio]

PASSWORD = "faults-" + secrets.token_urlsafe(8)
POLL = "0.5"
OUTAGE = 10.0


@pytest.fixture
def demo_database() -> Iterator[str]:
    with fresh_database() as database_url:
        manage(database_url, "demo", env={"DEMO_MODERATOR_PASSWORD": PASSWORD})
        yield database_url


async def ask(citizen: LiveSocket, text: str, key: str) -> int:
    reply = await citizen.request("question.submit", text=text, client_key=key)
    assert reply["type"] == "ok", reply
    return reply["question"]["id"]


async def group_members(url: str, prefix: str, count: int, timeout: float = 15.0) -> None:
    """Wait until ``count`` channels are in the (only) town hall's group on that
    Redis (the hubs re-joined): the test's own Redis tells each change of a
    group key (keyspace notifications), and the group is counted at each."""
    client = redis.asyncio.Redis.from_url(url)
    pubsub = client.pubsub()
    try:
        await client.config_set("notify-keyspace-events", "Kzg")  # sorted-set and generic commands
        await pubsub.psubscribe(f"__keyspace@0__:{prefix}:group:townhall.*")
        async with asyncio.timeout(timeout):
            while True:
                keys = [key async for key in client.scan_iter(f"{prefix}:group:townhall.*")]
                if keys and await client.zcard(keys[0]) >= count:
                    return
                await pubsub.get_message(ignore_subscribe_messages=True, timeout=timeout)
    finally:
        await pubsub.aclose()
        await client.aclose()


async def test_a_redis_outage_closes_no_socket_and_every_client_ends_up_with_the_fresh_snapshot(
    demo_database, private_redis, live_servers
):
    # given two processes on a private Redis, a console on B, citizens and the screen on both
    server_a, server_b = live_servers.start_many(2, demo_database, private_redis.url, SEQ_POLL_INTERVAL=POLL)
    moderator_cookie = login(server_b.url, "moderator", PASSWORD)
    cookies = [citizen_cookie(server.url, "demo") for server in (server_a, server_b, server_a)]
    async with AsyncExitStack() as stack:
        moderator = await stack.enter_async_context(open_socket(server_b, "/ws/t/demo/moderate/", moderator_cookie))
        screen_key = (await moderator.until("snapshot"))["townhall"]["screen_key"]
        citizen_a = await stack.enter_async_context(open_socket(server_a, "/ws/t/demo/", cookies[0]))
        citizen_b = await stack.enter_async_context(open_socket(server_b, "/ws/t/demo/", cookies[1]))
        screen = await stack.enter_async_context(open_socket(server_a, f"/ws/t/demo/screen/?key={screen_key}"))
        for sock in (citizen_a, citizen_b, screen):
            await sock.until("snapshot")
        before = await ask(citizen_a, "Will the library open on Sundays?", "before")
        await moderator.until("question.created", where=lambda f: f["question"]["id"] == before)

        # when Redis is killed
        private_redis.kill()
        killed = time.monotonic()

        # then requests keep working on both processes, and the console on B still learns of them
        during_a = await ask(citizen_a, "Who pays for the new bridge?", "during-a")
        during_b = await ask(citizen_b, "Can the market stay on Saturdays?", "during-b")
        for question_id in (during_a, during_b):
            await moderator.until("question.created", where=lambda f, q=question_id: f["question"]["id"] == q)
        reply = await moderator.request("question.approve", question_id=during_a, version=1)
        assert reply["type"] == "ok", reply
        await moderator.request("screen.show", question_id=during_a)
        for sock in (citizen_a, citizen_b, screen):
            await sock.until("screen.changed", where=lambda f: f["question"] and f["question"]["id"] == during_a)
        # and votes are still counted and reported
        vote = await citizen_b.request("question.vote", question_id=during_a, up=True)
        assert vote["type"] == "ok" and vote["question"]["votes"] == 1, vote
        await citizen_a.until("question.votes", where=lambda f: {"id": during_a, "votes": 1} in f["votes"])
        # and a new socket (a new console too) opens
        late = await stack.enter_async_context(open_socket(server_a, "/ws/t/demo/", cookies[2]))
        await late.until("snapshot")
        second_console = await stack.enter_async_context(
            open_socket(server_a, "/ws/t/demo/moderate/", login(server_a.url, "moderator", PASSWORD))
        )
        await second_console.until("snapshot")
        # and the outage lasts 10 s without closing anything (a close would raise here)
        assert await citizen_a.nothing(timeout=max(0.0, OUTAGE - (time.monotonic() - killed)))

        # when Redis comes back (empty: it lost every group membership)
        private_redis.start()

        # then both processes join the town hall's group again
        await group_members(private_redis.url, server_a.channel_prefix, 2)
        # and the events of the questions asked after it reach the other process
        after = await ask(citizen_b, "When will the pool reopen?", "after")
        await moderator.request("question.approve", question_id=after, version=1)
        for sock in (citizen_a, screen, late, second_console):
            await sock.until("question.updated", where=lambda f: f["question"]["id"] == after)
        await moderator.until("question.scored", where=lambda f: f["question"]["id"] == after)

        # then no socket was closed, and each holds what a fresh snapshot holds
        sockets = {
            "moderator": (moderator, server_b, moderator_cookie, "/ws/t/demo/moderate/"),
            "second console": (second_console, server_a, moderator_cookie, "/ws/t/demo/moderate/"),
            "citizen a": (citizen_a, server_a, cookies[0], "/ws/t/demo/"),
            "citizen b": (citizen_b, server_b, cookies[1], "/ws/t/demo/"),
            "late citizen": (late, server_a, cookies[2], "/ws/t/demo/"),
            "screen": (screen, server_a, None, f"/ws/t/demo/screen/?key={screen_key}"),
        }
        for name, (sock, server, cookie, path) in sockets.items():
            # (the same server: links in the town hall name the server that renders them)
            async with open_socket(server, path, cookie) as fresh_socket:
                fresh = await fresh_socket.until("snapshot")
            expected = held([fresh])[1]
            # (a citizen gets no frame for the events it may not see: wait for the state, not for a seq)
            while held(sock.frames)[1] != expected:
                try:
                    await sock.until(timeout=5)
                except AssertionError:
                    assert (name, held(sock.frames)[1]) == (name, expected)
