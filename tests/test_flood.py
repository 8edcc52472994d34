"""Flood control through the sockets (docs/security.md, "Flood control"):
a script from one address or rotating sessions is held to the limits, a
room of 300 phones behind one address asks and votes normally, moderators
pause and slow down questions, and votes from a burst of new sessions wait
for the moderators' review."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from asgiref.sync import sync_to_async
from django.db.models import F
from django.test import Client, RequestFactory

from moderation import services
from moderation.exceptions import RateLimited
from moderation.models import CitizenSession, Decision, FloodAlert, Question
from tests.support import factories
from tests.support.ws import request, until
from townhall.client_ip import client_ip

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.asyncio]

ROOM = "198.51.100.7"  # the town hall's public address: every phone in the room


def open_page(slug: str, ip: str) -> str:
    """Load the citizen page from ``ip`` as a phone does; the new session's key."""
    client = Client(REMOTE_ADDR=ip)
    response = client.get(f"/t/{slug}/")
    assert response.status_code == 200, response.status_code
    return client.cookies["sessionid"].value


def age_sessions(seconds: float) -> None:
    """The sessions made so far were opened ``seconds`` earlier (the clock moves on)."""
    CitizenSession.objects.update(created_at=F("created_at") - timedelta(seconds=seconds))


def approved_question(townhall, moderator) -> Question:
    question = factories.make_question(townhall, text="Will the library open on Sundays?")
    return services.question_approve(townhall_id=townhall.pk, question_id=question.pk, moderator=moderator)


@pytest.fixture(autouse=True)
def production_limits(settings):
    """The documented defaults (tests/settings.py turns flood control off for the other tests)."""
    for name, value in settings.FLOOD_CONTROL_DEFAULTS.items():
        setattr(settings, name, value)


@pytest.fixture
def room(db):
    moderator = factories.make_user()
    townhall = factories.make_townhall(moderators=[moderator], slug="flood")
    return townhall, moderator


async def ask(socket, n: int) -> dict:
    return await request(
        socket, "question.submit", request_id=f"q{n}", text=f"Question number {n}?", client_key=f"k{n}"
    )


async def test_a_fresh_session_every_five_questions_is_held_to_the_address_limit(room, connect, settings):
    # given the finding's script: one address, a fresh citizen session every 5 questions
    townhall, _ = room
    accepted, refused = 0, []

    # when it tries 120 questions
    for batch in range(24):
        session = await sync_to_async(open_page)(townhall.slug, "203.0.113.66")
        socket = await connect(f"/ws/t/{townhall.slug}/", session=session, client="203.0.113.66")
        for n in range(5):
            reply = await ask(socket, batch * 5 + n)
            if reply["type"] == "ok":
                accepted += 1
            else:
                refused.append(reply)
        await socket.disconnect()

    # then only the per-address limit got in, and every refusal says when to retry
    assert accepted == settings.QUESTION_IP_RATE_COUNT == 60
    assert {r["code"] for r in refused} == {"rate_limited"}
    assert all(1 <= r["retry_after"] <= settings.QUESTION_IP_RATE_WINDOW for r in refused)
    assert await sync_to_async(Question.objects.filter(townhall=townhall).count)() == 60


async def test_rotating_addresses_are_held_to_the_town_hall_limit(room, connect, settings):
    # given a script that also rotates addresses (a lower town-hall limit keeps the test short)
    settings.QUESTION_TOWNHALL_RATE_COUNT = 30
    townhall, _ = room
    accepted = 0

    # when 10 addresses send 5 questions each, each from a fresh session
    for batch in range(10):
        ip = f"203.0.113.{batch + 1}"
        session = await sync_to_async(open_page)(townhall.slug, ip)
        socket = await connect(f"/ws/t/{townhall.slug}/", session=session, client=ip)
        for n in range(5):
            reply = await ask(socket, batch * 5 + n)
            accepted += reply["type"] == "ok"
            if reply["type"] == "error":
                assert reply["code"] == "rate_limited" and reply["retry_after"] >= 1
        await socket.disconnect()

    # then the town hall took no more than its limit
    assert accepted == 30


async def test_a_hundred_fresh_session_votes_neither_count_at_once_nor_unreviewed(room, connect, settings):
    # given an approved question, a console, and the finding's script: 100 fresh sessions from one address
    townhall, moderator = room
    question = await sync_to_async(approved_question)(townhall, moderator)
    console = await connect(
        f"/ws/t/{townhall.slug}/moderate/", session=await sync_to_async(factories.login_session)(moderator)
    )

    # when each of 100 fresh sessions from one address votes at once
    sessions, replies = [], []
    for _ in range(100):
        session = await sync_to_async(open_page)(townhall.slug, "203.0.113.99")
        sessions.append(session)
        socket = await connect(f"/ws/t/{townhall.slug}/", session=session, client="203.0.113.99")
        replies.append(await request(socket, "question.vote", question_id=question.pk, up=True))
        await socket.disconnect()

    # then none counts: the sessions are too young
    assert {r["type"] for r in replies} == {"error"}
    assert {r["code"] for r in replies} == {"rate_limited"}
    assert all(1 <= r["retry_after"] <= 10 for r in replies)

    # and the burst of new sessions raised an alert in the console
    alert = (await until(console, "flood.alert"))["alert"]
    assert (
        alert["kind"] == "sessions"
        and alert["status"] == "open"
        and alert["count"] >= settings.FLOOD_ALERT_MIN_SESSIONS
    )

    # when they vote again once old enough
    await sync_to_async(age_sessions)(11)
    votes = []
    for session in sessions:
        socket = await connect(f"/ws/t/{townhall.slug}/", session=session, client="203.0.113.99")
        votes.append(await request(socket, "question.vote", question_id=question.pk, up=True))
        await socket.disconnect()

    # then their votes are stored but held: the count does not move
    assert all(v["type"] == "ok" and v["vote_held"] is True for v in votes)
    assert votes[-1]["question"]["votes"] == 0
    snapshot = await request(console, "resync", request_id="s1")
    assert [a["held_votes"] for a in snapshot["flood_alerts"]] == [100]

    # when a moderator drops them
    review = await request(console, "flood.review", request_id="r1", alert_id=alert["id"], accept=False)

    # then they never count, and the review is audited
    assert review["type"] == "ok" and review["alert"]["status"] == "dropped"
    assert review["decision"]["action"] == "flood_review" and review["decision"]["reason"] == "drop"
    await question.arefresh_from_db()
    assert question.votes == 0


async def test_accepting_a_burst_counts_its_held_votes(room, connect, settings):
    # given votes held by a sessions alert
    settings.FLOOD_ALERT_MIN_SESSIONS = 5
    townhall, moderator = room
    question = await sync_to_async(approved_question)(townhall, moderator)
    console = await connect(
        f"/ws/t/{townhall.slug}/moderate/", session=await sync_to_async(factories.login_session)(moderator)
    )
    sessions = [await sync_to_async(open_page)(townhall.slug, f"192.0.2.{n}") for n in range(1, 7)]
    alert = (await until(console, "flood.alert"))["alert"]
    await sync_to_async(age_sessions)(11)
    for session in sessions:
        socket = await connect(f"/ws/t/{townhall.slug}/", session=session)
        assert (await request(socket, "question.vote", question_id=question.pk, up=True))["vote_held"] is True
        await socket.disconnect()

    # when a moderator accepts the alert
    review = await request(console, "flood.review", request_id="r1", alert_id=alert["id"], accept=True)

    # then the votes count, and everyone gets the new count
    assert review["alert"]["status"] == "accepted" and review["alert"]["held_votes"] == 0
    # (the coalesced reports of the held votes, still 0, may come first)
    counts = await until(console, "question.votes")
    while counts["votes"] != [{"id": question.pk, "votes": 6}]:
        assert counts["votes"] == [{"id": question.pk, "votes": 0}]
        counts = await until(console, "question.votes")


async def test_a_room_of_300_behind_one_address_asks_and_votes_normally(room, connect, settings):
    # given 300 phones behind the room's address, arriving over ten minutes (30 a minute)
    townhall, moderator = room
    question = await sync_to_async(approved_question)(townhall, moderator)
    sessions = []
    for _minute in range(10):
        sessions += [await sync_to_async(open_page)(townhall.slug, ROOM) for _ in range(30)]
        await sync_to_async(age_sessions)(60)  # ...and the clock moves on a minute
    assert len(sessions) == 300

    # when 60 of them ask a question in the same minute, and all 300 vote
    asked, voted = [], []
    for n, session in enumerate(sessions):
        socket = await connect(f"/ws/t/{townhall.slug}/", session=session, client=ROOM)
        if n % 5 == 0:
            asked.append(await ask(socket, n))
        voted.append(await request(socket, "question.vote", request_id=f"v{n}", question_id=question.pk, up=True))
        await socket.disconnect()

    # then every question and every vote was taken, none held
    assert [r["type"] for r in asked] == ["ok"] * 60
    assert [r["type"] for r in voted] == ["ok"] * 300
    assert not any(r.get("vote_held") for r in voted)
    assert voted[-1]["question"]["votes"] == 300
    kinds = await sync_to_async(lambda: set(FloodAlert.objects.values_list("kind", flat=True)))()
    assert FloodAlert.Kind.SESSIONS not in kinds  # no vote of theirs waits for a review


async def test_pause_stops_questions_and_not_votes(room, connect):
    # given a console and a citizen
    townhall, moderator = room
    question = await sync_to_async(approved_question)(townhall, moderator)
    console = await connect(
        f"/ws/t/{townhall.slug}/moderate/", session=await sync_to_async(factories.login_session)(moderator)
    )
    session, _ = await sync_to_async(factories.citizen_session)(townhall)
    citizen = await connect(f"/ws/t/{townhall.slug}/", session=session)

    # when the moderator pauses new questions
    reply = await request(console, "townhall.pause", request_id="p1", paused=True)

    # then everyone learns it, questions are refused, votes still count
    assert reply["townhall"]["questions_paused"] is True and reply["decision"]["action"] == "pause"
    assert (await until(citizen, "townhall.updated"))["townhall"]["questions_paused"] is True
    refused = await ask(citizen, 1)
    assert refused["type"] == "error" and refused["code"] == "paused"
    vote = await request(citizen, "question.vote", request_id="v1", question_id=question.pk, up=True)
    assert vote["type"] == "ok" and vote["question"]["votes"] == 1

    # when paused again (nothing changes), then resumed
    again = await request(console, "townhall.pause", request_id="p2", paused=True)
    resumed = await request(console, "townhall.pause", request_id="p3", paused=False)

    # then one decision each way, and questions come in again
    assert again["decision"] is None
    assert resumed["decision"]["action"] == "resume" and resumed["townhall"]["questions_paused"] is False
    assert (await ask(citizen, 2))["type"] == "ok"
    actions = await sync_to_async(lambda: list(Decision.objects.values_list("action", flat=True)))()
    assert actions.count("pause") == 1 and actions.count("resume") == 1


async def test_slow_mode_spaces_each_sessions_questions(room, connect):
    # given slow mode at 30 seconds
    townhall, moderator = room
    console = await connect(
        f"/ws/t/{townhall.slug}/moderate/", session=await sync_to_async(factories.login_session)(moderator)
    )
    reply = await request(console, "townhall.slow_mode", request_id="s1", seconds=30)
    assert reply["townhall"]["slow_mode"] == 30 and reply["decision"]["reason"] == "30"
    session, _ = await sync_to_async(factories.citizen_session)(townhall)
    citizen = await connect(f"/ws/t/{townhall.slug}/", session=session)
    assert (await request(citizen, "resync", request_id="r"))["townhall"]["slow_mode"] == 30

    # when a citizen asks twice in a row
    first = await ask(citizen, 1)
    second = await ask(citizen, 2)

    # then the second waits for the rest of the 30 seconds
    assert first["type"] == "ok"
    assert second["code"] == "rate_limited" and 25 <= second["retry_after"] <= 30

    # and out-of-range values are refused, 0 turns it off
    bad = await request(console, "townhall.slow_mode", request_id="s2", seconds=5)
    assert bad["code"] == "bad_request"
    off = await request(console, "townhall.slow_mode", request_id="s3", seconds=0)
    assert off["townhall"]["slow_mode"] == 0
    assert (await ask(citizen, 3))["type"] == "ok"


async def test_citizens_cannot_pause_or_review(room, connect):
    # given a citizen
    townhall, _ = room
    session, _ = await sync_to_async(factories.citizen_session)(townhall)
    citizen = await connect(f"/ws/t/{townhall.slug}/", session=session)

    # when / then
    for frame_type, fields in (
        ("townhall.pause", {"paused": True}),
        ("townhall.slow_mode", {"seconds": 30}),
        ("flood.review", {"alert_id": 1, "accept": True}),
    ):
        reply = await request(citizen, frame_type, request_id=uuid.uuid4().hex[:8], **fields)
        assert reply["code"] == "forbidden"


async def test_one_session_is_held_to_its_vote_limit(room, settings):
    # given 31 approved questions and one session
    townhall, moderator = room

    def go() -> list[str]:
        questions = [approved_question(townhall, moderator) for _ in range(settings.VOTE_RATE_COUNT + 1)]
        outcomes = []
        for question in questions:
            try:
                services.question_vote(
                    townhall_id=townhall.pk, question_id=question.pk, participant="voter", up=True, ip=ROOM
                )
                outcomes.append("ok")
            except RateLimited as exc:
                outcomes.append(f"rate_limited {exc.retry_after}")
        return outcomes

    # when it votes on each
    outcomes = await sync_to_async(go)()

    # then the last one is refused, with the wait
    assert outcomes[:-1] == ["ok"] * settings.VOTE_RATE_COUNT == ["ok"] * 30
    assert outcomes[-1].startswith("rate_limited ") and 1 <= int(outcomes[-1].split()[1]) <= 60


@pytest.mark.parametrize(
    ("trusted", "forwarded", "expected"),
    [
        (0, "1.2.3.4", "10.0.0.9"),  # the header is ignored: anyone can write it
        (1, "1.2.3.4", "1.2.3.4"),
        (1, "6.6.6.6, 1.2.3.4", "1.2.3.4"),  # a client's own entry on the left is not trusted
        (2, "6.6.6.6, 1.2.3.4, 10.1.1.1", "1.2.3.4"),
        (1, "", "10.0.0.9"),
    ],
)
async def test_client_ip_trusts_only_the_configured_proxies(settings, trusted, forwarded, expected):
    # given a request through ``trusted`` proxies
    settings.TRUSTED_PROXY_COUNT = trusted
    scope = {"client": ("10.0.0.9", 5000), "headers": [(b"x-forwarded-for", forwarded.encode())]}

    # when / then: the same for a socket's scope and a page's request
    assert client_ip(scope) == expected
    page = RequestFactory().get("/", REMOTE_ADDR="10.0.0.9", HTTP_X_FORWARDED_FOR=forwarded)
    assert client_ip(page) == expected


async def test_one_address_minting_sessions_gets_429_with_retry_after(room, settings):
    # given a low limit of new sessions per address
    settings.CITIZEN_SESSION_RATE_COUNT = 3
    townhall, _ = room

    def load(ip: str) -> tuple[int, str | None]:
        response = Client(REMOTE_ADDR=ip).get(f"/t/{townhall.slug}/")
        return response.status_code, response.headers.get("Retry-After")

    # when one address loads the page without a cookie four times, and another once
    statuses = [await sync_to_async(load)("203.0.113.7") for _ in range(4)]
    other = await sync_to_async(load)("203.0.113.8")

    # then the fourth is refused with the wait, the other address is not
    assert [s for s, _ in statuses] == [200, 200, 200, 429]
    assert 1 <= int(statuses[-1][1]) <= settings.CITIZEN_SESSION_RATE_WINDOW
    assert other == (200, None)
    assert await sync_to_async(CitizenSession.objects.count)() == 4
