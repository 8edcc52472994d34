"""Scoring: the score result, the registry, and the off-loop runner."""

from __future__ import annotations

import asyncio
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from channels.db import database_sync_to_async

from moderation import scoring_runner as runner
from moderation import selectors, services
from moderation.models import Event, Question
from moderation.presenters import Viewer
from moderation.scoring import registry
from moderation.scoring.base import ScoreResult, ScorerUnavailable
from moderation.scoring.normalize import normalize_for_model
from moderation.scoring.offline import OfflineScorer
from tests.support import factories

OBSCENE = "You are a fucking piece of shit, go to hell you stupid asshole"
CIVIL = [
    "When will the tram reach the north district?",
    "What is the budget for school repairs next year?",
    "Pourquoi la piscine est-elle fermée le dimanche ?",
]


def test_score_result_score_is_the_highest_label():
    # given / when / then
    assert ScoreResult(labels={"a": 0.2, "b": 0.8, "c": 0.5}, model="m").score == 0.8
    assert ScoreResult(labels={}, model="m").score == 0.0


# --- the registry ------------------------------------------------------------------


@pytest.fixture
def fresh_registry():
    registry.reset()
    yield
    registry.reset()


def test_get_scorer_loads_the_configured_scorer_once(settings, fresh_registry):
    # given the offline configuration
    settings.TOXICITY_SCORER = "profanity-check"

    # when it is asked for twice
    first = registry.get_scorer()
    second = registry.get_scorer()

    # then it is the same, real, loaded object
    assert first is second
    assert isinstance(first, OfflineScorer)
    assert registry.scorer_status() == {"name": first.name, "status": "ready"}
    assert registry.scorer_details()["configured"] == "profanity-check"


def test_get_scorer_from_many_threads_gives_one_object():
    # given / when
    with ThreadPoolExecutor(max_workers=8) as pool:
        scorers = list(pool.map(lambda _: registry.get_scorer(), range(16)))

    # then
    assert len({id(s) for s in scorers}) == 1


def test_use_scorer_swaps_and_restores(fake_scorer):
    # given a fake installed by the fixture
    # when / then it is what get_scorer gives, until the block ends
    assert registry.get_scorer() is fake_scorer
    assert registry.scorer_status() == {"name": "fake-scorer 1.0", "status": "ready"}
    other = type(fake_scorer)()
    with registry.use_scorer(other):
        assert registry.get_scorer() is other
    assert registry.get_scorer() is fake_scorer


# --- the runner ---------------------------------------------------------------------


@database_sync_to_async
def a_question(text: str = CIVIL[0], **townhall_fields) -> Question:
    townhall = factories.make_townhall(**townhall_fields)
    return factories.make_question(townhall, text=text)


@database_sync_to_async
def reload(question: Question) -> Question:
    return Question.objects.get(pk=question.pk)


@database_sync_to_async
def moderator_sees(question: Question) -> dict | None:
    snapshot = selectors.snapshot(Viewer(role="moderator"), question.townhall_id)
    return next((q for q in snapshot["questions"] if q["id"] == question.pk), None)


@database_sync_to_async
def last_event_type(question: Question) -> str:
    return Event.objects.filter(townhall_id=question.townhall_id).latest("seq").type


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_runner_stores_the_score(fake_scorer):
    # given
    fake_scorer.scores = {CIVIL[0]: 0.03}
    question = await a_question()

    # when
    await runner.score_question(question.pk)

    # then
    stored = await reload(question)
    assert stored.scoring_status == "scored"
    assert stored.toxicity_score == pytest.approx(0.03)
    assert stored.toxicity_model == "fake-scorer 1.0"
    assert stored.held is False
    assert fake_scorer.calls == [[normalize_for_model(CIVIL[0])]]
    assert await last_event_type(question) == "question.scored"


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_the_runner_gives_the_offline_scorer_the_stored_text_not_a_normalised_one():
    # given the offline scorer, which makes its own readings of a text, and a
    # spelled-out insult after a one-letter word: normalised once, it would
    # read "what amoron", where neither the lexicon nor the model finds one
    text = "What a m o r o n this man is."
    question = await a_question(text)
    with registry.use_scorer(OfflineScorer()):
        # when the runner scores it
        await runner.score_question(question.pk)

    # then it is held, as the offline scorer holds the text on its own
    stored = await reload(question)
    assert stored.toxicity_score == pytest.approx(OfflineScorer().score_batch([text])[0].score)
    assert stored.held is True


@pytest.mark.parametrize(
    ("score", "threshold", "held"),
    [(0.9, 0.5, True), (0.5, 0.5, True), (0.49, 0.5, False), (0.9, 0.95, False), (0.95, 0.95, True)],
)
@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_runner_holds_a_question_at_the_threshold(fake_scorer, score: float, threshold: float, held: bool):
    # given a town hall with this threshold and a scorer giving this score
    text = "Is this question acceptable?"
    fake_scorer.scores = {text: score}
    question = await a_question(text, hold_threshold=threshold)

    # when
    await runner.score_question(question.pk)

    # then
    stored = await reload(question)
    assert stored.held is held
    assert stored.toxicity_score == pytest.approx(score)
    seen = await moderator_sees(question)
    assert seen["held"] is held and seen["toxicity"]["status"] == "scored"


@pytest.mark.parametrize(
    "error",
    [RuntimeError("model exploded"), ValueError("bad input"), ScorerUnavailable("no weights")],
    ids=["runtime", "value", "unavailable"],
)
@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_runner_marks_the_question_failed_when_the_scorer_raises(fake_scorer, error: Exception, settings):
    # given a scorer that fails, on the last attempt allowed
    settings.SCORING_MAX_ATTEMPTS = 1
    fake_scorer.error = error
    question = await a_question()

    # when
    await runner.score_question(question.pk)

    # then the question stays, pending and unscored, in the moderators' queue
    stored = await reload(question)
    assert stored.scoring_status == "failed"
    assert stored.status == "pending" and stored.toxicity_score is None and stored.held is False
    seen = await moderator_sees(question)
    assert seen is not None
    assert seen["status"] == "pending"
    assert seen["toxicity"] == {"score": None, "labels": {}, "model": None, "status": "failed"}
    # and moderators are told
    assert await last_event_type(question) == "question.scored"


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_a_failed_attempt_with_attempts_left_keeps_the_question_pending(fake_scorer, settings):
    # given a scorer that fails, and a retry due later
    settings.SCORING_MAX_ATTEMPTS = 3
    settings.SCORING_RETRY_DELAY = 60
    fake_scorer.error = RuntimeError("transient")
    question = await a_question()
    before = await last_event_type(question)

    # when the first attempt fails
    await runner.score_question(question.pk)

    # then the question is still waiting for a score, and nobody was told otherwise
    stored = await reload(question)
    assert stored.scoring_status == "pending" and stored.scoring_attempts == 1
    assert (await moderator_sees(question))["toxicity"]["status"] == "pending"
    assert await last_event_type(question) == before
    await runner.drain()  # drops the retry


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_runner_marks_the_question_failed_when_the_scorer_hangs(fake_scorer, settings):
    # given a scorer that never answers during the call, a short timeout, and one attempt allowed
    fake_scorer.gate = threading.Event()
    settings.SCORING_TIMEOUT = 0.2
    settings.SCORING_MAX_ATTEMPTS = 1
    question = await a_question()

    # when
    await runner.score_question(question.pk)

    # then the question is left unscored and visible (the fixture opens the gate on teardown)
    assert not fake_scorer.gate.is_set()
    assert fake_scorer.calls == [[normalize_for_model(CIVIL[0])]]
    stored = await reload(question)
    assert stored.scoring_status == "failed" and stored.status == "pending"
    assert (await moderator_sees(question))["toxicity"]["status"] == "failed"


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_runner_ignores_a_question_that_no_longer_exists(fake_scorer):
    # given a question deleted before scoring
    question = await a_question()
    await database_sync_to_async(Question.objects.filter(pk=question.pk).delete)()

    # when
    await runner.score_question(question.pk)

    # then the scorer is not even called
    assert fake_scorer.calls == []


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_runner_schedule_and_drain(fake_scorer):
    # given two questions
    first = await a_question("First?")
    second = await a_question("Second?")

    # when they are scheduled and the runner drained
    tasks = [runner.schedule(first.pk), runner.schedule(second.pk)]
    await runner.drain()

    # then both are scored
    assert all(task.done() for task in tasks)
    assert (await reload(first)).scoring_status == "scored"
    assert (await reload(second)).scoring_status == "scored"


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_runner_with_the_real_scorer_holds_an_obscene_question():
    # given the configured (real) scorer, loaded as the server preloads it (the
    # load is not a scoring call: under load it can outlast SCORING_TIMEOUT)
    await asyncio.get_running_loop().run_in_executor(None, registry.get_scorer)
    obscene = await a_question(OBSCENE)
    civil = await a_question(CIVIL[1])

    # when
    await runner.score_question(obscene.pk)
    await runner.score_question(civil.pk)

    # then
    obscene, civil = await reload(obscene), await reload(civil)
    assert obscene.held is True and obscene.toxicity_score > 0.5
    assert civil.held is False and civil.toxicity_score < 0.5
    assert obscene.toxicity_model.startswith("offline (alt-profanity-check")


@pytest.mark.django_db
def test_apply_score_through_the_service_matches_the_runner_rule():
    # given a question and a score exactly at the threshold
    townhall = factories.make_townhall(hold_threshold=0.3)
    question = factories.make_question(townhall)

    # when
    services.question_apply_score(question_id=question.pk, result=ScoreResult({"profanity": 0.3}, "m"))

    # then at the threshold counts as held
    assert Question.objects.get(pk=question.pk).held is True
