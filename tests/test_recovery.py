"""Questions are never lost: retries after scorer failures, recovery after a restart."""

from __future__ import annotations

import secrets
import threading
from collections.abc import Iterator
from contextlib import AsyncExitStack
from datetime import timedelta

import pytest
from channels.db import database_sync_to_async
from django.db import OperationalError
from django.utils import timezone

from harness.servers import _sqlite_database
from moderation import scoring_runner as runner
from moderation import services
from moderation.models import Question
from moderation.scoring import registry
from tests.conftest import FakeScorer
from tests.support import factories
from tests.support.servers import citizen_cookie, fresh_database, login, manage, open_socket
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


class FlakyScorer(FakeScorer):
    """Fails its first ``failures`` calls, then scores."""

    def __init__(self, failures: int) -> None:
        super().__init__()
        self.failures = failures

    def score_batch(self, texts: list[str]):
        if len(self.calls) < self.failures:
            self.calls.append(list(texts))
            raise RuntimeError(f"transient failure {len(self.calls)}")
        return super().score_batch(texts)


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_failed_attempts_are_retried_while_the_question_stays_pending(connect, settings):
    # given a scorer that fails twice then works, three attempts allowed, and a moderator watching
    settings.SCORING_RETRY_DELAY = 0.01
    settings.SCORING_MAX_ATTEMPTS = 3
    _, question, session = await room_with_unscored_question()
    with registry.use_scorer(FlakyScorer(failures=2)) as scorer:
        mod = await connect("/ws/t/room/moderate/", session=session)
        await expect(mod, "snapshot")

        # when recovery scores it
        assert await runner.recover_unscored() == [question.pk]

        # then the moderators get one event: the score, never a "failed" in between
        scored = await until(mod, "question.scored")
    assert scored["question"]["toxicity"]["status"] == "scored"
    assert len(scorer.calls) == 3
    stored = await reload(question)
    assert stored.scoring_attempts == 3 and stored.scoring_status == "scored"


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_retries_are_bounded_and_then_the_question_is_failed_for_good(connect, fake_scorer, settings):
    # given a scorer that always fails, and three attempts allowed
    settings.SCORING_RETRY_DELAY = 0.01
    settings.SCORING_MAX_ATTEMPTS = 3
    fake_scorer.error = RuntimeError("broken for good")
    _, question, session = await room_with_unscored_question()
    mod = await connect("/ws/t/room/moderate/", session=session)
    await expect(mod, "snapshot")

    # when recovery scores it and every attempt fails
    assert await runner.recover_unscored() == [question.pk]

    # then the moderators get one event, after the last attempt: failed (final)
    failed = await until(mod, "question.scored")
    assert failed["question"]["toxicity"]["status"] == "failed"
    assert failed["question"]["status"] == "pending"
    # and there is no fourth attempt
    assert await mod.receive_nothing(timeout=0.3)
    assert len(fake_scorer.calls) == 3
    stored = await reload(question)
    assert stored.scoring_status == "failed" and stored.scoring_attempts == 3 and stored.toxicity_score is None


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_a_database_error_while_storing_is_retried(connect, fake_scorer, settings, monkeypatch):
    # given the database refuses the first write of the score (SQLite under a burst)
    settings.SCORING_RETRY_DELAY = 0.01
    real = services.question_apply_score
    refusals = []

    def locked_once(**fields):
        if not refusals:
            refusals.append(fields["question_id"])
            raise OperationalError("database is locked")
        return real(**fields)

    monkeypatch.setattr(services, "question_apply_score", locked_once)
    _, question, session = await room_with_unscored_question()
    mod = await connect("/ws/t/room/moderate/", session=session)
    await expect(mod, "snapshot")

    # when it is scored
    runner.schedule(question.pk)

    # then the attempt is made again and the score stored
    scored = await until(mod, "question.scored")
    assert scored["question"]["toxicity"]["status"] == "scored"
    assert refusals == [question.pk]


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_a_scoring_task_that_crashes_is_observed_and_logged(fake_scorer, monkeypatch, caplog):
    # given a bug in the scoring path (not the scorer, not the database)
    _, question, _ = await room_with_unscored_question()

    def broken(question_id):
        raise KeyError("a bug")

    monkeypatch.setattr(runner.selectors, "question_text", broken)

    # when it is scheduled
    task = runner.schedule(question.pk)
    await runner.drain()

    # then its exception was retrieved by the runner and logged with the question
    assert task.done() and isinstance(task.exception(), KeyError)
    assert f"scoring task for question {question.pk} failed" in caplog.text
    # and the question stays pending, for the sweep
    assert (await reload(question)).scoring_status == "pending"


@database_sync_to_async
def age(question: Question, seconds: float) -> None:
    Question.objects.filter(pk=question.pk).update(updated_at=timezone.now() - timedelta(seconds=seconds))


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_the_sweep_requeues_a_question_whose_task_was_lost(connect, fake_scorer, settings):
    # given a question left pending for longer than twice the timeout (its task was lost),
    # and a process whose watch sweeps often
    settings.SCORING_TIMEOUT = 1.0
    settings.SEQ_POLL_INTERVAL = 0.05
    settings.SCORING_SWEEP_INTERVAL = 0.1
    _, question, session = await room_with_unscored_question()
    await age(question, 2.5)

    # when a moderator is connected (nobody schedules the question)
    mod = await connect("/ws/t/room/moderate/", session=session)
    (seen,) = (await expect(mod, "snapshot"))["questions"]
    assert seen["toxicity"]["status"] == "pending"

    # then the sweep scores it
    scored = await until(mod, "question.scored")
    assert scored["question"]["id"] == question.pk
    assert scored["question"]["toxicity"]["status"] == "scored"


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_the_sweep_leaves_recent_and_in_flight_questions_alone(fake_scorer, settings):
    # given a question pending for a short while, and an old one this process is already scoring
    settings.SCORING_TIMEOUT = 1.0
    _, recent, _ = await room_with_unscored_question()
    fake_scorer.gate = threading.Event()
    old = await database_sync_to_async(factories.make_question)(recent.townhall, text="Old one?")
    await age(old, 5)
    task = runner.schedule(old.pk)

    # when the sweep runs
    swept = await runner.sweep()

    # then it re-queues neither
    assert swept == []
    fake_scorer.gate.set()
    await runner.drain()
    assert task.done() and (await reload(old)).scoring_status == "scored"


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


@pytest.fixture
def sqlite_demo() -> Iterator[str]:
    """The embedded default database (a SQLite file), even where PostgreSQL is reachable."""
    with _sqlite_database() as database_url:
        manage(database_url, "demo", env={"DEMO_MODERATOR_PASSWORD": PASSWORD})
        yield database_url


@pytest.mark.multiprocess
@pytest.mark.asyncio
async def test_after_a_burst_on_a_real_server_no_question_is_left_waiting(sqlite_demo, live_server_factory):
    # given a Daphne on the embedded defaults with a timeout tight enough that some
    # batches fail under the burst (each then retried, or failed for good)
    server = live_server_factory(
        sqlite_demo, SCORING_TIMEOUT="0.012", SCORING_RETRY_DELAY="0.2", SCORING_MAX_ATTEMPTS="3"
    )
    async with AsyncExitStack() as stack:
        moderator = await stack.enter_async_context(
            open_socket(server, "/ws/t/demo/moderate/", login(server.url, "moderator", PASSWORD))
        )
        await moderator.until("snapshot")
        citizens = []
        for _ in range(12):
            citizen = await stack.enter_async_context(
                open_socket(server, "/ws/t/demo/", citizen_cookie(server.url, "demo"))
            )
            await citizen.until("snapshot")
            citizens.append(citizen)

        # when 60 questions arrive at once
        for c, citizen in enumerate(citizens):
            for n in range(5):
                text = f"Question {n} from citizen {c}: when will the works on line {c * 5 + n} end?"
                await citizen.send({"type": "question.submit", "id": f"q{n}", "text": text, "client_key": f"b{n}"})
        ids = set()
        for citizen in citizens:
            for n in range(5):
                reply = await citizen.until("ok", "error", where=lambda f, n=n: f.get("id") == f"q{n}")
                assert reply["type"] == "ok", reply
                ids.add(reply["question"]["id"])

        # then each question gets its one final score event: scored, or failed for good
        final = {}
        while set(final) != ids:
            frame = await moderator.until("question.scored", timeout=30)
            final[frame["question"]["id"]] = frame["question"]["toxicity"]["status"]
        assert set(final.values()) <= {"scored", "failed"}

        # and a fresh console agrees: nothing is left pending
        late = await stack.enter_async_context(
            open_socket(server, "/ws/t/demo/moderate/", login(server.url, "moderator", PASSWORD))
        )
        snapshot = await late.until("snapshot")
    statuses = {q["id"]: q["toxicity"]["status"] for q in snapshot["questions"] if q["id"] in ids}
    assert len(statuses) == 60 and "pending" not in statuses.values(), statuses
    assert "never retrieved" not in server.log() and "Traceback" not in server.log(), server.log()
