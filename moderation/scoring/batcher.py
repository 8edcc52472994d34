"""Micro-batching for the scorer.

Questions that arrive within ``wait_ms`` of each other are scored together,
up to ``max_batch`` at a time. When questions wait (a burst), each batch is
the oldest waiting question plus those closest to it in length, so padding
stays small and no question waits behind ever-newer ones. One batch runs at
a time, in a dedicated executor thread: the event loop never runs the model,
and the model is never used by two threads at once. ``batch_timeout`` bounds
the model call, not the time spent waiting in line: a burst never times
questions out merely for queueing.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from concurrent.futures import Executor

from moderation.scoring.base import ScoreResult

logger = logging.getLogger(__name__)

ScoreBatch = Callable[[list[str]], list[ScoreResult]]


class MicroBatcher:
    """Collects texts on one event loop and scores them in batches.

    ``score(text)`` returns the text's result, or raises what the scorer
    raised for its batch. Cancelling the awaiting task (a timeout) abandons
    that text's result; the rest of its batch is unaffected.
    """

    def __init__(
        self,
        score_batch: Callable[[], ScoreBatch],
        *,
        executor: Executor,
        max_batch: int,
        wait_ms: float,
        batch_timeout: float | None = None,
    ) -> None:
        if max_batch < 1:
            raise ValueError("max_batch must be at least 1")
        self._get_score_batch = score_batch
        self._executor = executor
        self._max_batch = max_batch
        self._wait = max(wait_ms, 0.0) / 1000.0
        self._batch_timeout = batch_timeout
        self._queue: asyncio.Queue[tuple[str, asyncio.Future[ScoreResult]]] = asyncio.Queue()
        # Questions taken off the queue but not yet scored, oldest first.
        self._backlog: list[tuple[str, asyncio.Future[ScoreResult]]] = []
        self._worker: asyncio.Task[None] | None = None
        # A batch that timed out keeps running in the executor thread (a thread
        # cannot be stopped); the next batch waits for it before its own
        # timeout starts, or every batch behind it would time out too.
        self._overrunning: asyncio.Future[list[ScoreResult]] | None = None
        self._loaded = False  # whether ``score_batch()`` has returned once (the scorer is loaded)
        self.batch_sizes: list[int] = []  # observed sizes, for benchmarks and tests

    async def score(self, text: str) -> ScoreResult:
        future: asyncio.Future[ScoreResult] = asyncio.get_running_loop().create_future()
        await self._queue.put((text, future))
        if self._worker is None or self._worker.done():
            self._worker = asyncio.get_running_loop().create_task(self._run())
        return await future

    async def _collect(self) -> list[tuple[str, asyncio.Future[ScoreResult]]]:
        backlog = self._backlog
        if not backlog:
            backlog.append(await self._queue.get())
        while not self._queue.empty():
            backlog.append(self._queue.get_nowait())
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self._wait
        while len(backlog) < self._max_batch:
            remaining = deadline - loop.time()
            if remaining <= 0:
                break
            try:
                # The batching window: more questions may arrive within it.
                backlog.append(await asyncio.wait_for(self._queue.get(), remaining))
            except TimeoutError:
                break
        backlog[:] = [item for item in backlog if not item[1].done()]
        if len(backlog) <= self._max_batch:
            batch, backlog[:] = list(backlog), []
            return batch
        # The oldest waiting question, and those nearest to it in length.
        anchor = len(backlog[0][0])
        nearest = sorted(range(len(backlog)), key=lambda i: (i != 0, abs(len(backlog[i][0]) - anchor), i))
        chosen = set(nearest[: self._max_batch])
        batch = [item for i, item in enumerate(backlog) if i in chosen]
        backlog[:] = [item for i, item in enumerate(backlog) if i not in chosen]
        return batch

    async def _run(self) -> None:
        while True:
            batch = await self._collect()
            live = [(text, future) for text, future in batch if not future.done()]
            if not live:
                continue
            live.sort(key=lambda item: len(item[0]))
            texts = [text for text, _ in live]
            self.batch_sizes.append(len(texts))
            loop = asyncio.get_running_loop()
            if self._overrunning is not None:
                # At most one more timeout: a scorer stuck for good still fails each batch.
                finished, _ = await asyncio.wait([self._overrunning], timeout=self._batch_timeout)
                if not finished:
                    self._fail(live, TimeoutError())
                    continue
                self._overrunning = None
            if not self._loaded:
                # Loading the scorer (a model, or the offline lexicons' regexes: seconds on a
                # busy machine) is not scoring: the first batch waits for it outside the timeout.
                try:
                    await loop.run_in_executor(self._executor, self._get_score_batch)
                except Exception as exc:
                    self._fail(live, exc)
                    continue
                self._loaded = True
            call = loop.run_in_executor(self._executor, self._score_in_thread, texts)
            # Whatever happens to the wait below, the call's outcome is observed.
            call.add_done_callback(_observe)
            try:
                results = await asyncio.wait_for(asyncio.shield(call), self._batch_timeout)
            except TimeoutError as exc:
                self._overrunning = call
                self._fail(live, exc)
                continue
            except Exception as exc:  # the scorer's failure belongs to every text of the batch
                self._fail(live, exc)
                continue
            for (_, future), result in zip(live, results, strict=True):
                if not future.done():
                    future.set_result(result)

    @staticmethod
    def _fail(live: list[tuple[str, asyncio.Future[ScoreResult]]], exc: BaseException) -> None:
        for _, future in live:
            if not future.done():
                future.set_exception(exc)

    def _score_in_thread(self, texts: list[str]) -> list[ScoreResult]:
        results = self._get_score_batch()(texts)
        if len(results) != len(texts):
            raise RuntimeError(f"scorer returned {len(results)} results for {len(texts)} texts")
        return results

    def close(self) -> None:
        if self._worker is not None:
            self._worker.cancel()


def _observe(call: asyncio.Future[list[ScoreResult]]) -> None:
    """Retrieve a finished call's exception: the batch's futures already got it,
    or got a timeout; a late failure is logged rather than left unobserved."""
    if not call.cancelled() and call.exception() is not None:
        logger.debug("a scoring batch failed: %r", call.exception())
