"""Two real Daphne processes share one PostgreSQL database and the Redis channel layer.

A citizen and the screen on server A, the moderator on server B: every event
must cross the process boundary through Redis, in both directions.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from contextlib import AsyncExitStack

import pytest

from tests.support.servers import citizen_cookie, fresh_database, login, manage, open_socket

pytestmark = pytest.mark.multiprocess

PASSWORD = "demo-" + secrets.token_urlsafe(12)


@pytest.fixture
def demo_database() -> Iterator[str]:
    """A fresh PostgreSQL database holding the demo town hall and its moderator."""
    with fresh_database(require_postgres=True) as database_url:
        manage(database_url, "demo", env={"DEMO_MODERATOR_PASSWORD": PASSWORD})
        yield database_url


def assert_seq_increasing(frames: list[dict]) -> None:
    seqs = [frame["seq"] for frame in frames]
    assert seqs == sorted(set(seqs)), seqs


@pytest.mark.asyncio
async def test_events_cross_processes_through_redis(demo_database, redis_url, live_servers):
    # given two servers on the same database and Redis layer
    server_a, server_b = live_servers.start_many(2, demo_database, redis_url)
    assert server_a.port != server_b.port
    for server in (server_a, server_b):
        assert server.health["database"] == {"status": "ok", "vendor": "postgresql"}
        assert server.health["channel_layer"]["backend"] == "channels_redis.core.RedisChannelLayer"

    async with AsyncExitStack() as sockets:
        # and the moderator on B, the citizen and the screen on A
        moderator = await sockets.enter_async_context(
            open_socket(server_b, "/ws/t/demo/moderate/", login(server_b.url, "moderator", PASSWORD))
        )
        snapshot = await moderator.until("snapshot")
        screen_key = snapshot["townhall"]["screen_key"]
        citizen = await sockets.enter_async_context(
            open_socket(server_a, "/ws/t/demo/", citizen_cookie(server_a.url, "demo"))
        )
        await citizen.until("snapshot")
        screen = await sockets.enter_async_context(open_socket(server_a, f"/ws/t/demo/screen/?key={screen_key}"))
        await screen.until("snapshot")

        # when the citizen asks on A
        reply = await citizen.request(
            "question.submit", text="Will the night buses run during the works?", author="Ines", client_key="mp-1"
        )
        assert reply["type"] == "ok", reply
        question_id = reply["question"]["id"]

        # then the moderator on B gets it, then its score (computed on A)
        created = await moderator.until("question.created")
        assert created["question"]["id"] == question_id
        assert created["question"]["toxicity"]["status"] == "pending"
        scored = await moderator.until("question.scored")
        assert scored["seq"] > created["seq"]
        assert scored["question"]["toxicity"]["status"] == "scored"

        # when the moderator approves it on B
        reply = await moderator.request("question.approve", question_id=question_id, version=1)
        assert reply["type"] == "ok" and reply["question"]["status"] == "approved", reply

        # then the citizen and the screen on A get the update
        for sock in (citizen, screen):
            updated = await sock.until(
                "question.updated",
                where=lambda f: f["question"]["id"] == question_id and f["question"]["status"] == "approved",
            )
            assert updated["seq"] > scored["seq"]
        assert updated["question"]["text"] == "Will the night buses run during the works?"

        # when the moderator puts it on screen from B
        reply = await moderator.request("screen.show", question_id=question_id)
        assert reply["type"] == "ok" and reply["screen"]["question"]["id"] == question_id, reply

        # then the screen (and the citizen) on A show it
        for sock in (screen, citizen):
            changed = await sock.until("screen.changed")
            assert changed["question"]["id"] == question_id
        # and each socket saw its events once, in seq order
        await moderator.until("screen.changed")
        for sock in (moderator, citizen, screen):
            assert_seq_increasing(sock.events())
        assert [f["type"] for f in moderator.events()] == [
            "question.created",
            "question.scored",
            "question.updated",
            "screen.changed",
        ]


@pytest.mark.asyncio
async def test_idle_socket_keeps_receiving_from_the_other_process(demo_database, redis_url, live_servers):
    # given a moderator on B that receives nothing for longer than a Redis blocking read (5 s)
    server_a, server_b = live_servers.start_many(2, demo_database, redis_url)
    async with AsyncExitStack() as sockets:
        moderator = await sockets.enter_async_context(
            open_socket(server_b, "/ws/t/demo/moderate/", login(server_b.url, "moderator", PASSWORD))
        )
        await moderator.until("snapshot")
        assert await moderator.nothing(timeout=7.0)

        # when a citizen asks on A
        citizen = await sockets.enter_async_context(
            open_socket(server_a, "/ws/t/demo/", citizen_cookie(server_a.url, "demo"))
        )
        await citizen.until("snapshot")
        reply = await citizen.request("question.submit", text="Is the pool reopening in June?", client_key="idle-1")
        assert reply["type"] == "ok", reply

        # then the moderator socket, still open, gets it
        created = await moderator.until("question.created")
        assert created["question"]["id"] == reply["question"]["id"]
