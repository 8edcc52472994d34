"""The sockets on the Redis channel layer (channels_redis), driven in-process.

Same shape as tests/test_consumers.py, but every signal goes through a real
Redis with a prefix of its own, so at-most-once delivery and idle blocking
reads are the real ones.
"""

from __future__ import annotations

import pytest
import pytest_asyncio
from channels.db import database_sync_to_async
from channels.layers import get_channel_layer

from moderation import events, services
from moderation.models import Decision, Event
from tests.support import factories
from tests.support.ws import expect, next_frame, request, until, until_status

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.asyncio]

# channels_redis blocks 5 s per BZPOPMIN on an idle channel; a socket must
# outlive several of those reads.
LONGER_THAN_A_BLOCKING_READ = 7.0


@pytest_asyncio.fixture
async def redis_layer(settings, redis_url, channel_prefix):
    """Force channels_redis for this test, with a prefix no other test uses; flush it afterwards."""
    settings.CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {"hosts": [redis_url], "prefix": channel_prefix, "capacity": 1000, "expiry": 30},
        }
    }
    layer = get_channel_layer()
    assert type(layer).__module__ == "channels_redis.core"
    yield layer
    await layer.flush()


@database_sync_to_async
def setup_room(**fields):
    moderator = factories.make_user("alice", first_name="Alice")
    townhall = factories.make_townhall(moderators=[moderator], slug="room", **fields)
    return townhall, moderator, factories.login_session(moderator)


@database_sync_to_async
def citizen():
    return factories.citizen_session()


async def test_whole_loop_over_redis(redis_layer, connect):
    # given a moderator, a citizen and the screen on one town hall
    townhall, _, mod_session = await setup_room()
    citizen_session, _ = await citizen()
    mod = await connect("/ws/t/room/moderate/", session=mod_session)
    assert (await expect(mod, "snapshot"))["seq"] == 1  # its own arrival (presence)
    cit = await connect("/ws/t/room/", session=citizen_session)
    await expect(cit, "snapshot")
    screen = await connect(f"/ws/t/room/screen/?key={townhall.screen_key}")
    await expect(screen, "snapshot")

    # when the citizen asks
    reply = await request(cit, "question.submit", text="Why is the library closed on Sundays?", client_key="k1")

    # then moderators get it at once, then its score, through Redis
    assert reply["type"] == "ok" and reply["duplicate"] is False
    question = reply["question"]
    created = await expect(mod, "question.created")
    assert created["question"]["id"] == question["id"]
    scored = await expect(mod, "question.scored")
    assert scored["seq"] == created["seq"] + 1
    assert scored["question"]["toxicity"]["status"] == "scored"
    assert await screen.receive_nothing(timeout=0.2)

    # when the moderator approves it, everyone who may see it gets question.updated
    reply = await request(mod, "question.approve", question_id=question["id"], version=question["version"])
    assert reply["type"] == "ok" and reply["question"]["status"] == "approved"
    for comm in (mod, cit, screen):
        await until_status(comm, "approved")

    # when it is shown, everyone gets screen.changed
    reply = await request(mod, "screen.show", question_id=question["id"])
    assert reply["screen"]["question"]["id"] == question["id"]
    for comm in (mod, cit, screen):
        assert (await until(comm, "screen.changed"))["question"]["id"] == question["id"]

    # when it is marked answered, it leaves the screen
    reply = await request(mod, "question.answered", question_id=question["id"])
    assert reply["question"]["status"] == "answered"
    for comm in (cit, screen):
        await until_status(comm, "answered")
        assert (await until(comm, "screen.changed"))["question"] is None

    # and the log holds every event once, in order
    seqs = await database_sync_to_async(lambda: list(Event.objects.values_list("seq", flat=True)))()
    assert seqs == list(range(1, len(seqs) + 1))


async def test_lost_signal_is_replayed_from_the_database(redis_layer, connect, monkeypatch):
    # given a pending question, and a moderator and a citizen connected after it
    townhall, moderator, mod_session = await setup_room()
    question = await database_sync_to_async(factories.make_question)(townhall, text="Who maintains the bike lanes?")
    citizen_session, _ = await citizen()
    mod = await connect("/ws/t/room/moderate/", session=mod_session)
    assert (await expect(mod, "snapshot"))["seq"] == 2  # the question, then its own arrival (presence)
    cit = await connect("/ws/t/room/", session=citizen_session)
    assert (await expect(cit, "snapshot"))["questions"] == []

    # and a channel layer that loses exactly one signal
    dropped: list[tuple[int, str]] = []
    publish = events.publish_on_commit

    def lose_first(townhall_id, seq, event_type, payload):
        if not dropped:
            dropped.append((seq, event_type))
            return
        publish(townhall_id, seq, event_type, payload)

    monkeypatch.setattr(events, "publish_on_commit", lose_first)

    # when the question is approved and its signal is lost
    await database_sync_to_async(services.question_approve)(
        townhall_id=townhall.pk, question_id=question.pk, moderator=moderator
    )
    assert dropped == [(3, "question.updated")]
    assert await mod.receive_nothing(timeout=0.3)
    assert await cit.receive_nothing(timeout=0.1)

    # and then it is shown, with its signal delivered
    await database_sync_to_async(services.screen_show)(
        townhall_id=townhall.pk, question_id=question.pk, moderator=moderator
    )

    # then both sockets get the lost event from the database, then the new one, in seq order
    replayed = {}
    for name, comm in (("moderator", mod), ("citizen", cit)):
        replayed[name] = await next_frame(comm)
        assert (replayed[name]["type"], replayed[name]["seq"]) == ("question.updated", 3)
        assert replayed[name]["question"]["id"] == question.pk
        assert replayed[name]["question"]["status"] == "approved"
        shown = await next_frame(comm)
        assert (shown["type"], shown["seq"]) == ("screen.changed", 4)
        assert shown["question"]["id"] == question.pk
        assert await comm.receive_nothing(timeout=0.1)
    # and the replayed frame is rendered for its receiver, like a live one
    assert replayed["moderator"]["question"]["toxicity"]["status"] == "pending"
    assert replayed["citizen"]["question"]["mine"] is False and "toxicity" not in replayed["citizen"]["question"]

    decisions = await database_sync_to_async(lambda: list(Decision.objects.values_list("action", flat=True)))()
    assert decisions == ["approve", "show"]


async def test_idle_socket_keeps_receiving_after_blocking_reads(redis_layer, connect):
    # given a moderator socket that has nothing to receive for longer than a blocking read
    townhall, _, mod_session = await setup_room()
    citizen_session, _ = await citizen()
    mod = await connect("/ws/t/room/moderate/", session=mod_session)
    await expect(mod, "snapshot")
    assert await mod.receive_nothing(timeout=LONGER_THAN_A_BLOCKING_READ)

    # when a citizen asks
    cit = await connect("/ws/t/room/", session=citizen_session)
    await expect(cit, "snapshot")
    reply = await request(cit, "question.submit", text="Can the market stay open later?", client_key="idle-1")
    assert reply["type"] == "ok"

    # then the idle moderator socket still gets it
    created = await expect(mod, "question.created")
    assert created["question"]["id"] == reply["question"]["id"]
