"""Fan-out per audience (consumers/hub.py) and coalesced votes (consumers/votes.py),
through the full ASGI application and the real channel layer of the run.

docs/protocol.md, "Fan-out" and "Votes are coalesced".
"""

from __future__ import annotations

import asyncio
import json
import time

import pytest
from channels.db import database_sync_to_async

import consumers.hub
from tests.support import factories
from tests.support.ws import expect, request, until, until_status

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.asyncio]

PUBLIC_EVENTS = {"question.updated", "question.removed", "screen.changed", "townhall.updated", "question.votes"}
MODERATOR_FIELDS = {"toxicity", "held", "original_text", "starred", "personal_data", "decided_at"}


@database_sync_to_async
def room(citizens: int):
    moderator = factories.make_user("alice")
    townhall = factories.make_townhall(moderators=[moderator], slug="room")
    return townhall, factories.login_session(moderator), [factories.citizen_session() for _ in range(citizens)]


async def drain(comm) -> list[dict]:
    """Every frame the socket holds now (kept or queued), without waiting for more."""
    frames = []
    while not await comm.receive_nothing(timeout=0.05):
        frames.append(json.loads(await comm.receive_from()))
    return frames


async def test_an_event_is_rendered_once_per_audience_not_once_per_socket(connect, monkeypatch):
    # given two consoles, the screen, the asker and twenty other citizens
    townhall, mod_session, sessions = await room(21)
    consoles = [await connect("/ws/t/room/moderate/", session=mod_session) for _ in range(2)]
    screen = await connect(f"/ws/t/room/screen/?key={townhall.screen_key}")
    citizens = [await connect("/ws/t/room/", session=key) for key, _ in sessions]
    for comm in (*consoles, screen, *citizens):
        await until(comm, "snapshot")
    asker = citizens[0]
    reply = await request(asker, "question.submit", text="Quand rouvre la piscine ?", client_key="k1")
    question = reply["question"]
    await until(consoles[0], "question.scored")
    renders = []
    real_render = consumers.hub.render_event
    monkeypatch.setattr(
        consumers.hub, "render_event", lambda viewer, *args: renders.append(viewer.role) or real_render(viewer, *args)
    )

    # when a moderator approves it
    await request(consoles[0], "question.approve", question_id=question["id"])

    # then all 24 sockets have it, from 4 renders: moderators, screen, the asker, the others
    for comm in (*consoles, screen, *citizens):
        frame = await until_status(comm, "approved")
        assert frame["question"]["id"] == question["id"]
    assert sorted(renders) == ["citizen", "citizen", "moderator", "screen"]
    assert frame["question"]["mine"] is False
    mine = [f for f in await drain(asker)]
    assert all(f["question"]["mine"] for f in mine if f["type"] == "question.updated")


async def test_citizens_and_the_screen_never_receive_what_only_moderators_see(connect):
    # given a console, the screen, an asker and an onlooker
    townhall, mod_session, [(asker_key, _), (onlooker_key, _)] = await room(2)
    console = await connect("/ws/t/room/moderate/", session=mod_session)
    screen = await connect(f"/ws/t/room/screen/?key={townhall.screen_key}")
    asker = await connect("/ws/t/room/", session=asker_key)
    onlooker = await connect("/ws/t/room/", session=onlooker_key)
    for comm in (console, screen, asker, onlooker):
        await until(comm, "snapshot")

    # when everything only moderators see happens: a question arrives and is scored,
    # edited and starred while pending, a second console joins, one is rejected
    first = (await request(asker, "question.submit", text="Pourquoi ce retard ?", client_key="a"))["question"]
    second = (await request(asker, "question.submit", text="Et le budget ?", client_key="b"))["question"]
    for _ in range(2):
        await until(console, "question.scored")
    await request(console, "question.edit", question_id=first["id"], text="Pourquoi ce retard des travaux ?")
    await request(console, "question.star", question_id=first["id"], starred=True)
    await connect("/ws/t/room/moderate/", session=mod_session)
    await until(console, "presence.changed")
    await request(console, "question.reject", question_id=second["id"], reason="off_topic")
    # and then one thing everyone sees
    await request(console, "question.approve", question_id=first["id"])
    await until_status(onlooker, "approved")
    await until_status(screen, "approved")

    # then the onlooker and the screen got that approval and nothing before it
    for comm in (onlooker, screen):
        assert await drain(comm) == []
    # and the asker got its own questions' changes, never a moderator's field
    own = await drain(asker)
    assert {f["type"] for f in own} <= PUBLIC_EVENTS
    for frame in own:
        assert not MODERATOR_FIELDS & set(frame["question"])
        assert frame["question"]["mine"] is True
    rejected = [f for f in own if f["question"]["id"] == second["id"]]
    assert rejected and rejected[-1]["question"]["reason"] == "off_topic"


async def test_a_storm_of_votes_reaches_an_onlooker_as_a_few_frames_with_the_final_count(connect, settings):
    # given an approved question, 30 voters and an onlooker
    settings.VOTE_FLUSH_INTERVAL = 0.3
    townhall, mod_session, sessions = await room(31)
    console = await connect("/ws/t/room/moderate/", session=mod_session)
    await until(console, "snapshot")
    question = await database_sync_to_async(factories.make_question)(townhall)
    await request(console, "question.approve", question_id=question.pk)
    onlooker = await connect("/ws/t/room/", session=sessions[0][0])
    await until(onlooker, "snapshot")
    voters = [await connect("/ws/t/room/", session=key) for key, _ in sessions[1:]]
    for comm in voters:
        await until(comm, "snapshot")

    # when they all vote at once
    started = time.monotonic()
    replies = await asyncio.gather(
        *(request(comm, "question.vote", f"v{i}", question_id=question.pk, up=True) for i, comm in enumerate(voters))
    )

    # then each voter had the count at once in its reply
    assert sorted(r["question"]["votes"] for r in replies) == list(range(1, 31))
    assert all(r["question"]["voted"] for r in replies)
    # and the onlooker gets counts coalesced, ending with all 30, in no more
    # frames than one per flush interval (plus the last one)
    counts = []
    while not counts or counts[-1] < 30:
        frame = await until(onlooker, "question.votes")
        counts += [item["votes"] for item in frame["votes"] if item["id"] == question.pk]
    elapsed = time.monotonic() - started
    assert counts == sorted(counts) and counts[-1] == 30
    assert len(counts) <= elapsed / settings.VOTE_FLUSH_INTERVAL + 1
    assert len(counts) < 30
    # (a flush may repeat the final count: a vote's report can follow the read that counted it)
    later = []
    while not await onlooker.receive_nothing(timeout=2 * settings.VOTE_FLUSH_INTERVAL):
        later.append(json.loads(await onlooker.receive_from()))
    assert {f["type"] for f in later} <= {"question.votes"}
    assert {i["votes"] for f in later for i in f["votes"] if i["id"] == question.pk} <= {30}
    # and the console learns the same count (it sorts its queue by votes)
    assert (await until(console, "question.votes"))["votes"] is not None


async def test_a_version_1_page_learns_vote_counts_from_a_fresh_snapshot(connect, settings):
    # given an approved question, a page of protocol version 1 and a voter
    settings.VOTE_FLUSH_INTERVAL = 0.05
    townhall, mod_session, [(old_key, _), (voter_key, _)] = await room(2)
    console = await connect("/ws/t/room/moderate/", session=mod_session)
    await until(console, "snapshot")
    question = await database_sync_to_async(factories.make_question)(townhall)
    await request(console, "question.approve", question_id=question.pk)
    old = await connect("/ws/t/room/", session=old_key, version=None)
    await expect(old, "snapshot")
    voter = await connect("/ws/t/room/", session=voter_key)
    await until(voter, "snapshot")

    # when someone votes
    await request(voter, "question.vote", question_id=question.pk, up=True)

    # then the old page gets a snapshot with the count, and no frame it does not know
    frame = await until(old, "snapshot")
    assert [q["votes"] for q in frame["questions"] if q["id"] == question.pk] == [1]
    assert all(f["type"] != "question.votes" for f in await drain(old))


async def test_citizens_connecting_at_once_are_read_from_the_database_in_a_few_batches(connect):
    # given 30 citizens, one of whom voted and one of whom asked
    townhall, mod_session, sessions = await room(30)
    console = await connect("/ws/t/room/moderate/", session=mod_session)
    await until(console, "snapshot")
    asked = await database_sync_to_async(factories.make_question)(townhall, participant=sessions[0][1])
    await request(console, "question.approve", question_id=asked.pk)
    voter = await connect("/ws/t/room/", session=sessions[1][0])
    await until(voter, "snapshot")
    await request(voter, "question.vote", question_id=asked.pk, up=True)
    batches_before = consumers.hub.hub().entries.batches

    # when all 30 connect at once (the voter a second time)
    comms = await asyncio.gather(*(connect("/ws/t/room/", session=key) for key, _ in sessions))
    snapshots = [await until(comm, "snapshot") for comm in comms]

    # then they were read in far fewer batches than sockets, each with its own session and votes
    assert consumers.hub.hub().entries.batches - batches_before < 10
    flags = [(q["mine"], q["voted"]) for q in (s["questions"][0] for s in snapshots)]
    assert flags[0] == (True, False) and flags[1] == (False, True)
    assert set(flags[2:]) == {(False, False)}
