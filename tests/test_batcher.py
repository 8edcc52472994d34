"""The micro-batcher: batching, ordering, failures, timeouts. No database."""

from __future__ import annotations

import asyncio
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from moderation.scoring.base import ScoreResult
from moderation.scoring.batcher import MicroBatcher


class RecordingScorer:
    def __init__(self) -> None:
        self.batches: list[list[str]] = []
        self.gate: threading.Event | None = None
        self.error: Exception | None = None
        self.entered = threading.Event()

    def score_batch(self, texts: list[str]) -> list[ScoreResult]:
        self.batches.append(list(texts))
        self.entered.set()
        if self.gate is not None:
            self.gate.wait(timeout=10)
        if self.error is not None:
            raise self.error
        return [ScoreResult(labels={"toxicity": len(t) / 1000}, model="len") for t in texts]


@pytest.fixture
def executor():
    with ThreadPoolExecutor(max_workers=1) as pool:
        yield pool


def make(scorer: RecordingScorer, executor, *, max_batch: int = 8, wait_ms: float = 50) -> MicroBatcher:
    return MicroBatcher(lambda: scorer.score_batch, executor=executor, max_batch=max_batch, wait_ms=wait_ms)


@pytest.mark.asyncio
async def test_questions_arriving_together_are_scored_in_one_batch_sorted_by_length(executor):
    # given
    scorer = RecordingScorer()
    batcher = make(scorer, executor)
    texts = ["a much longer question about the budget?", "short?", "a medium question?"]

    # when
    results = await asyncio.gather(*(batcher.score(t) for t in texts))

    # then one batch, shortest first, and each caller gets its own result
    assert scorer.batches == [sorted(texts, key=len)]
    assert [r.labels["toxicity"] for r in results] == [len(t) / 1000 for t in texts]
    batcher.close()


@pytest.mark.asyncio
async def test_batches_never_exceed_the_maximum_size(executor):
    scorer = RecordingScorer()
    batcher = make(scorer, executor, max_batch=3)

    results = await asyncio.gather(*(batcher.score(f"question {i}") for i in range(10)))

    assert len(results) == 10
    assert all(len(batch) <= 3 for batch in scorer.batches)
    assert sum(len(batch) for batch in scorer.batches) == 10
    batcher.close()


@pytest.mark.asyncio
async def test_questions_arriving_while_a_batch_runs_form_the_next_batch(executor):
    # given a first batch held inside the scorer
    scorer = RecordingScorer()
    scorer.gate = threading.Event()
    batcher = make(scorer, executor, wait_ms=0)
    first = asyncio.ensure_future(batcher.score("first"))
    assert await asyncio.get_running_loop().run_in_executor(None, scorer.entered.wait, 5)

    # when three more arrive meanwhile, then the gate opens
    later = [asyncio.ensure_future(batcher.score(t)) for t in ("b", "cc", "ddd")]
    await asyncio.sleep(0)  # one loop turn: the three tasks enqueue their texts
    scorer.gate.set()
    await asyncio.gather(first, *later)

    # then they were scored together in the second batch
    assert scorer.batches == [["first"], ["b", "cc", "ddd"]]
    batcher.close()


@pytest.mark.asyncio
async def test_a_scorer_failure_reaches_every_caller_of_the_batch_and_the_next_batch_works(executor):
    scorer = RecordingScorer()
    scorer.error = RuntimeError("model exploded")
    batcher = make(scorer, executor)

    outcomes = await asyncio.gather(batcher.score("one"), batcher.score("two"), return_exceptions=True)
    assert all(isinstance(o, RuntimeError) for o in outcomes)

    scorer.error = None
    assert (await batcher.score("three")).model == "len"
    batcher.close()


@pytest.mark.asyncio
async def test_a_caller_that_times_out_does_not_break_the_batch(executor):
    scorer = RecordingScorer()
    scorer.gate = threading.Event()
    batcher = make(scorer, executor, wait_ms=0)
    patient = asyncio.ensure_future(batcher.score("patient"))

    with pytest.raises(TimeoutError):
        await asyncio.wait_for(batcher.score("impatient"), 0.05)
    scorer.gate.set()

    assert (await patient).labels["toxicity"] == len("patient") / 1000
    batcher.close()


def test_a_batch_size_below_one_is_refused(executor):
    with pytest.raises(ValueError):
        MicroBatcher(lambda: None, executor=executor, max_batch=0, wait_ms=1)


@pytest.mark.asyncio
async def test_a_backlog_is_batched_oldest_first_with_questions_of_similar_length(executor):
    # given a scorer held on a first question while a backlog of mixed lengths builds up
    scorer = RecordingScorer()
    scorer.gate = threading.Event()
    batcher = make(scorer, executor, max_batch=3, wait_ms=0)
    first = asyncio.ensure_future(batcher.score("first"))
    assert await asyncio.get_running_loop().run_in_executor(None, scorer.entered.wait, 5)
    texts = ["m" * 50, "s" * 5, "l" * 300, "s" * 6, "l" * 290, "m" * 55, "s" * 7]
    later = [asyncio.ensure_future(batcher.score(t)) for t in texts]
    await asyncio.sleep(0)  # one loop turn: they all join the backlog

    # when the scorer is released
    scorer.gate.set()
    await asyncio.gather(first, *later)

    # then each batch is the oldest waiting question plus the nearest in length
    # (50 is oldest: 55 and 7 join it; then 5 is oldest: 6 and 290; then 300)
    batches = [sorted(len(t) for t in batch) for batch in scorer.batches[1:]]
    assert batches == [[7, 50, 55], [5, 6, 290], [300]]
    batcher.close()


@pytest.mark.asyncio
async def test_waiting_in_line_does_not_count_against_the_timeout(executor):
    # given a model call that takes a while, a tight per-batch timeout, and a burst
    scorer = RecordingScorer()
    slow = threading.Event()
    original = scorer.score_batch

    def score_batch(texts):
        slow.wait(0.05)  # each batch takes about 50 ms
        return original(texts)

    batcher = MicroBatcher(lambda: score_batch, executor=executor, max_batch=2, wait_ms=0, batch_timeout=0.5)

    # when 40 questions arrive at once (about 1 s of work in all, 20 batches)
    results = await asyncio.gather(*(batcher.score(f"question {i}") for i in range(40)))

    # then none timed out, although the last ones waited longer than the timeout
    assert len(results) == 40 and len(scorer.batches) == 20
    batcher.close()


@pytest.mark.asyncio
async def test_a_hung_model_call_times_out_its_batch(executor):
    scorer = RecordingScorer()
    scorer.gate = threading.Event()
    batcher = MicroBatcher(lambda: scorer.score_batch, executor=executor, max_batch=4, wait_ms=0, batch_timeout=0.1)

    with pytest.raises(TimeoutError):
        await batcher.score("hangs")
    scorer.gate.set()
    batcher.close()


@pytest.mark.asyncio
async def test_a_batch_behind_one_that_overran_its_timeout_does_not_time_out_too(executor):
    # given model calls close to the timeout (1 s): the first takes 1.5 s, the next 0.7 s
    scorer = RecordingScorer()
    original = scorer.score_batch
    compute = threading.Event()  # never set: wait() stands for the model's compute time

    def score_batch(texts):
        compute.wait(1.5 if not scorer.batches else 0.7)
        return original(texts)

    batcher = MicroBatcher(lambda: score_batch, executor=executor, max_batch=1, wait_ms=0, batch_timeout=1.0)

    # when the first times out and the next question arrives while that call still runs
    with pytest.raises(TimeoutError):
        await batcher.score("overruns")
    result = await batcher.score("next one")

    # then the next one is scored: its timeout counts its own call, not the end of the first
    assert result.model == "len" and scorer.batches == [["overruns"], ["next one"]]
    batcher.close()


@pytest.mark.asyncio
async def test_loading_the_scorer_does_not_count_against_the_first_batch_timeout(executor):
    # given a scorer whose loading (once, like the registry's) takes longer than the batch timeout (0.1 s)
    scorer = RecordingScorer()
    loading = threading.Event()  # never set: wait() stands for the load time
    loaded: list[bool] = []

    def load():
        if not loaded:
            loading.wait(0.4)
            loaded.append(True)
        return scorer.score_batch

    batcher = MicroBatcher(load, executor=executor, max_batch=4, wait_ms=0, batch_timeout=0.1)

    # when the first question arrives
    result = await batcher.score("first")

    # then it is scored once the scorer is loaded, not failed by the timeout
    assert result.model == "len" and scorer.batches == [["first"]]
    batcher.close()


@pytest.mark.asyncio
async def test_a_scorer_that_fails_to_load_fails_the_batch_and_is_tried_again(executor):
    # given a scorer whose first load fails
    scorer = RecordingScorer()
    attempts: list[int] = []

    def load():
        attempts.append(1)
        if len(attempts) == 1:
            raise RuntimeError("model missing")
        return scorer.score_batch

    batcher = MicroBatcher(load, executor=executor, max_batch=4, wait_ms=0, batch_timeout=1.0)

    # when two questions arrive one after the other
    with pytest.raises(RuntimeError):
        await batcher.score("first")
    result = await batcher.score("second")

    # then the first fails with the load error and the second loads again and is scored
    assert result.model == "len" and scorer.batches == [["second"]]
    batcher.close()
