"""Questions are never lost: retries after scorer failures, recovery after a restart."""

from __future__ import annotations

import secrets
from collections.abc import Iterator

import pytest
from channels.db import database_sync_to_async

from moderation import scoring_runner as runner
from moderation.models import Question
from tests.support import factories
from tests.support.servers import fresh_database, login, manage, open_socket
from tests.support.ws import expect, until

PASSWORD = "recovery-" + secrets.token_urlsafe(8)


@database_sync_to_async
def room_with_unscored_question(text: str = "Will the pool reopen in June?"):
    moderator = factories.make_user("alice")
    townhall = factories.make_townhall(moderators=[moderator], slug="room")
    # Stored but never scored: what a crash between the two steps leaves behind.
    question = factories.make_question(townhall, text=text)
    return townhall, question, factories.login_session(moderator)


@database_sync_to_async
def reload(question: Question) -> Question:
    return Question.objects.get(pk=question.pk)


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_an_unscored_question_is_scored_when_the_process_starts_serving(connect, fake_scorer, settings):
    # given a question left unscored, and recovery on
    settings.SCORING_RECOVER_ON_START = True
    fake_scorer.scores = {"Will the pool reopen in June?": 0.07}
    _, question, session = await room_with_unscored_question()

    # when the process serves its first connection
    mod = await connect("/ws/t/room/moderate/", session=session)

    # then the question is scored, and the moderators see it: in their snapshot
    # if scoring won the race with the socket, or as an event after it
    (seen,) = (await expect(mod, "snapshot"))["questions"]
    if seen["toxicity"]["status"] != "scored":
        seen = (await until(mod, "question.scored"))["question"]
    assert seen["id"] == question.pk
    assert seen["toxicity"]["score"] == pytest.approx(0.07)
    assert (await reload(question)).scoring_status == "scored"


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_a_failed_attempt_is_retried_and_then_succeeds(connect, fake_scorer, settings):
    # given a scorer that fails once, and a moderator watching
    settings.SCORING_RETRY_DELAY = 0.01
    fake_scorer.error = RuntimeError("transient")
    _, question, session = await room_with_unscored_question()
    mod = await connect("/ws/t/room/moderate/", session=session)
    await expect(mod, "snapshot")

    # when recovery scores it and the first attempt fails
    assert await runner.recover_unscored() == [question.pk]
    failed = await until(mod, "question.scored")
    assert failed["question"]["toxicity"]["status"] == "failed"
    fake_scorer.error = None

    # then the retry scores it
    scored = await until(mod, "question.scored")
    assert scored["question"]["toxicity"]["status"] == "scored"
    stored = await reload(question)
    assert stored.scoring_attempts == 2 and stored.scoring_status == "scored"


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_retries_are_bounded_and_the_question_stays_visible(connect, fake_scorer, settings):
    # given a scorer that always fails, and two attempts allowed
    settings.SCORING_RETRY_DELAY = 0.01
    settings.SCORING_MAX_ATTEMPTS = 2
    fake_scorer.error = RuntimeError("broken for good")
    _, question, session = await room_with_unscored_question()
    mod = await connect("/ws/t/room/moderate/", session=session)
    await expect(mod, "snapshot")

    # when recovery scores it and both attempts fail
    assert await runner.recover_unscored() == [question.pk]
    for _ in range(2):
        assert (await until(mod, "question.scored"))["question"]["toxicity"]["status"] == "failed"

    # then there is no third attempt, and the question is still pending, unscored
    assert await mod.receive_nothing(timeout=0.3)
    assert len(fake_scorer.calls) == 2
    stored = await reload(question)
    assert stored.status == "pending" and stored.scoring_attempts == 2 and stored.toxicity_score is None


@pytest.fixture
def demo_database() -> Iterator[str]:
    """A fresh database with the demo town hall (dropped after the servers stop)."""
    with fresh_database() as database_url:
        manage(database_url, "demo", env={"DEMO_MODERATOR_PASSWORD": PASSWORD})
        yield database_url


@pytest.mark.multiprocess
@pytest.mark.asyncio
async def test_a_real_restart_scores_what_the_previous_process_left(demo_database, live_server_factory):
    # given a database where a question was stored but never scored (the process died)
    manage(
        demo_database,
        "shell",
        "--no-imports",
        "-c",
        "from moderation import services; from moderation.models import TownHall; "
        "services.question_submit(townhall_id=TownHall.objects.get(slug='demo').pk, participant='p1', "
        "text='Who decided to close the night bus line?', client_key='k1')",
    )

    # when a new Daphne process starts on it
    server = live_server_factory(demo_database, TOXICITY_SCORER="offline")

    # then the question gets scored without anyone touching it
    async with open_socket(server, "/ws/t/demo/moderate/", login(server.url, "moderator", PASSWORD)) as mod:
        snapshot = await mod.until("snapshot")
        (question,) = snapshot["questions"]
        if question["toxicity"]["status"] != "scored":
            question = (await mod.until("question.scored", timeout=15))["question"]
        assert question["toxicity"]["status"] == "scored"
        assert "alt-profanity-check" in question["toxicity"]["model"]
