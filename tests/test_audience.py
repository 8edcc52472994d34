"""A real audience on real servers (issue 9): a storm of votes across two Daphne
processes, and every phone reconnecting at once after a restart.

The clients are ``websockets`` clients in the test process; the servers are
their own processes.
"""

from __future__ import annotations

import asyncio
import copy
import secrets
import time
from collections.abc import Iterator
from contextlib import AsyncExitStack
from typing import Any

import pytest

from harness.servers import _sqlite_database
from tests.support.servers import citizen_cookie, fresh_database, login, manage, open_socket

pytestmark = [pytest.mark.multiprocess, pytest.mark.asyncio]

PASSWORD = "aud-" + secrets.token_urlsafe(8)
FLUSH = 0.5


def _demo(database_url: str) -> str:
    manage(database_url, "demo", env={"DEMO_MODERATOR_PASSWORD": PASSWORD})
    return database_url


@pytest.fixture
def postgres_demo() -> Iterator[str]:
    with fresh_database(require_postgres=True) as database_url:
        yield _demo(database_url)


@pytest.fixture
def sqlite_demo() -> Iterator[str]:
    """The embedded default database, even where PostgreSQL is reachable."""
    with _sqlite_database() as database_url:
        yield _demo(database_url)


async def approved_question(moderator, citizen, text: str) -> int:
    reply = await citizen.request("question.submit", text=text, client_key=secrets.token_hex(6))
    question_id = reply["question"]["id"]
    assert (await moderator.request("question.approve", question_id=question_id))["type"] == "ok"
    return question_id


async def test_a_hundred_quick_votes_reach_another_citizen_as_a_few_frames(postgres_demo, redis_url, live_servers):
    # given two Daphne processes on Redis, 100 voters spread over both and an onlooker on each
    servers = live_servers.start_many(2, postgres_demo, redis_url, VOTE_FLUSH_INTERVAL=str(FLUSH))
    cookies = await asyncio.gather(*(asyncio.to_thread(citizen_cookie, servers[i % 2].url, "demo") for i in range(102)))
    async with AsyncExitStack() as stack:
        moderator = await stack.enter_async_context(
            open_socket(servers[0], "/ws/t/demo/moderate/", login(servers[0].url, "moderator", PASSWORD))
        )
        await moderator.until("snapshot")
        sockets = [
            await stack.enter_async_context(open_socket(servers[i % 2], "/ws/t/demo/", c))
            for i, c in enumerate(cookies)
        ]
        for sock in sockets:
            await sock.until("snapshot")
        onlookers, voters = sockets[:2], sockets[2:]
        question_id = await approved_question(moderator, voters[0], "Faut-il un second marché le samedi ?")
        for sock in onlookers:
            await sock.until("question.updated", where=lambda f: f["question"]["status"] == "approved")

        # when the 100 vote at once
        started = time.monotonic()
        replies = await asyncio.gather(*(v.request("question.vote", question_id=question_id, up=True) for v in voters))

        # then every vote is acknowledged with a count
        assert [r["type"] for r in replies] == ["ok"] * 100
        assert max(r["question"]["votes"] for r in replies) == 100
        # and each onlooker sees the counts rise to 100, in far fewer frames: at most
        # one per flush interval from each of the two processes
        for onlooker in onlookers:
            counts: list[int] = []
            while not counts or counts[-1] < 100:
                frame = await onlooker.until("question.votes", timeout=10)
                counts += [item["votes"] for item in frame["votes"] if item["id"] == question_id]
            elapsed = time.monotonic() - started
            assert counts == sorted(counts), counts
            assert len(counts) <= 2 * (elapsed / FLUSH + 1), (counts, elapsed)
            assert len(counts) < 50, counts
            assert not [f for f in onlooker.frames if f["type"] == "question.updated" and f["seq"] > frame["seq"]]
        # and the console's count is the same
        votes = await moderator.until("question.votes", where=lambda f: any(i["votes"] == 100 for i in f["votes"]))
        assert votes["votes"] == [{"id": question_id, "votes": 100}]


def apply(state: dict[str, Any], frame: dict[str, Any]) -> None:
    """A client's store (static/js/store.js), enough for citizens."""
    if frame["type"] == "question.updated":
        state["questions"][frame["question"]["id"]] = frame["question"]
    elif frame["type"] == "question.removed":
        state["questions"].pop(frame["question_id"], None)
    elif frame["type"] == "question.votes":
        for item in frame["votes"]:
            if item["id"] in state["questions"]:
                state["questions"][item["id"]]["votes"] = item["votes"]
            if state["screen"] and state["screen"]["id"] == item["id"]:
                state["screen"]["votes"] = item["votes"]
    elif frame["type"] == "screen.changed":
        state["screen"] = frame["question"]
    elif frame["type"] == "townhall.updated":
        state["townhall"] = frame["townhall"]


def picture(frame: dict[str, Any]) -> dict[str, Any]:
    return {
        "townhall": frame["townhall"],
        "questions": {q["id"]: q for q in frame["questions"]},
        "screen": frame["screen"]["question"],
    }


async def test_after_a_restart_everyone_reconnects_at_once_to_a_consistent_snapshot(sqlite_demo, live_server_factory):
    # given a Daphne on the embedded defaults with questions, votes and 40 citizens
    server = live_server_factory(sqlite_demo)
    cookies = await asyncio.gather(*(asyncio.to_thread(citizen_cookie, server.url, "demo") for _ in range(40)))
    moderator_cookie = login(server.url, "moderator", PASSWORD)
    async with AsyncExitStack() as stack:
        moderator = await stack.enter_async_context(open_socket(server, "/ws/t/demo/moderate/", moderator_cookie))
        await moderator.until("snapshot")
        asker = await stack.enter_async_context(open_socket(server, "/ws/t/demo/", cookies[0]))
        await asker.until("snapshot")
        first = await approved_question(moderator, asker, "Quand rouvre la médiathèque ?")
        await asker.request("question.vote", question_id=first, up=True)

    # when the server restarts and every citizen reconnects at once, while a
    # moderator keeps working and citizens keep voting
    server.restart()
    async with AsyncExitStack() as stack:
        moderator = await stack.enter_async_context(open_socket(server, "/ws/t/demo/moderate/", moderator_cookie))
        await moderator.until("snapshot")

        async def reconnect(cookie: str):
            return await stack.enter_async_context(open_socket(server, "/ws/t/demo/", cookie))

        connecting = asyncio.gather(*(reconnect(c) for c in cookies))
        asker = await reconnect(cookies[1])
        await asker.until("snapshot")
        second = await approved_question(moderator, asker, "Et la piscine ?")
        await moderator.request("screen.show", question_id=first)
        citizens = await connecting
        for sock in citizens[2:12]:
            assert (await sock.request("question.vote", question_id=second, up=True))["type"] == "ok"
        await moderator.request("question.reject", question_id=second, reason="duplicate")
        rejected = await moderator.until(
            "question.updated", where=lambda f: f["question"]["id"] == second and f["question"]["status"] == "rejected"
        )

        # then each citizen's snapshot, with the events after it applied, is what
        # a fresh snapshot says now
        for sock in citizens:
            await sock.until(where=lambda f: f.get("seq") == rejected["seq"])
            snapshot = next(f for f in sock.frames if f["type"] == "snapshot")
            state = picture(copy.deepcopy(snapshot))
            for frame in sock.frames:
                if frame["type"] != "snapshot" and frame.get("seq", 0) > snapshot["seq"]:
                    apply(state, frame)
            fresh = await sock.request("resync")
            assert state == picture(fresh)
            assert state["screen"]["id"] == first
            assert state["questions"][first]["votes"] == 1
        # (the asker of the rejected question still sees it, with its reason)
        assert picture(fresh)["questions"].get(second) is None
        mine = await citizens[1].request("resync")
        assert picture(mine)["questions"][second]["reason"] == "duplicate"
