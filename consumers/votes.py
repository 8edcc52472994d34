"""Votes, coalesced: at most one ``question.votes`` event per town hall every
``VOTE_FLUSH_INTERVAL`` seconds, all server processes together (docs/protocol.md).

A vote is stored and acknowledged to the voter at once; the counts reach the
other sockets later, batched, the latest count winning, as Slack and Discord
do for counters. A storm of a thousand votes then costs a few events, not a
thousand events times every socket.

The next report of a town hall waits until this process has delivered the
previous one to its own sockets, then ``VOTE_FLUSH_INTERVAL`` more: with
thousands of sockets a delivery takes a while, and reports back to back would
leave the event loop no time for the votes themselves (BENCHMARKS.md, "A real
audience"). If that delivery never comes (the layer lost it and the room
left), the report goes anyway after twice ``SEQ_POLL_INTERVAL``. Each report
reaches the sockets of every process, so the processes also space their
reports from the town hall's last one, whoever stored it (``spacing``).

The questions waiting to be reported live in this process's memory: if the
process dies in the interval, those counts reach the others with the next
vote on the question, or their next snapshot. The counts themselves are
stored with each vote, so nothing that decides (the queue by votes, the
screen's "next") ever waits for this.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.db import DatabaseError

from moderation import services

logger = logging.getLogger(__name__)


class VoteCoalescer:
    """The questions whose votes changed, per town hall, and the timers that report them."""

    def __init__(self, database: Callable[..., Any]) -> None:
        self._database = database
        self._dirty: dict[int, set[int]] = {}
        self._last: dict[int, float] = {}
        self._timers: dict[int, asyncio.TimerHandle] = {}
        self._flushing: dict[int, asyncio.Task[None]] = {}
        # The seq of the last report stored, and when, until this process delivered it.
        self._awaiting: dict[int, tuple[int, float]] = {}
        # Another process reported the town hall a moment ago: not before then.
        self._not_before: dict[int, float] = {}

    def changed(self, townhall_id: int, question_id: int) -> None:
        """A vote on ``question_id`` was stored: report it with the next batch."""
        self._dirty.setdefault(townhall_id, set()).add(question_id)
        self._schedule(townhall_id)

    def _schedule(self, townhall_id: int) -> None:
        if townhall_id in self._timers or townhall_id in self._flushing:
            return  # the timer, or the flush's end, schedules the next one
        since = self._last.get(townhall_id, float("-inf"))
        awaiting = self._awaiting.get(townhall_id)
        if awaiting is not None:  # ``delivered`` reschedules sooner
            since = awaiting[1] + 2 * settings.SEQ_POLL_INTERVAL
        now = time.monotonic()
        wait = max(since + settings.VOTE_FLUSH_INTERVAL, self._not_before.get(townhall_id, now)) - now
        loop = asyncio.get_running_loop()
        self._timers[townhall_id] = loop.call_later(max(0.0, wait), self._start, townhall_id)

    def _start(self, townhall_id: int) -> None:
        self._timers.pop(townhall_id, None)
        task = asyncio.get_running_loop().create_task(self._flush(townhall_id), name=f"votes-{townhall_id}")
        self._flushing[townhall_id] = task
        task.add_done_callback(lambda _: self._done(townhall_id))

    def _done(self, townhall_id: int) -> None:
        self._flushing.pop(townhall_id, None)
        if self._dirty.get(townhall_id):
            self._schedule(townhall_id)

    async def _flush(self, townhall_id: int) -> None:
        ids = self._dirty.pop(townhall_id, set())
        if not ids:
            return
        self._last[townhall_id] = time.monotonic()
        try:
            event = await self._database(services.question_votes_publish)(
                townhall_id=townhall_id, question_ids=ids, spacing=settings.VOTE_FLUSH_INTERVAL
            )
        except services.ReportTooSoon as exc:
            # Another process reported this town hall a moment ago: the counts
            # are stored, only the report waits for its turn.
            self._dirty.setdefault(townhall_id, set()).update(ids)
            self._not_before[townhall_id] = time.monotonic() + exc.wait
            return
        except DatabaseError as exc:
            # Keep them for the next try: the counts are stored, only the report waits.
            logger.warning("could not report the votes of town hall %s (%s); retrying", townhall_id, exc)
            self._dirty.setdefault(townhall_id, set()).update(ids)
            return
        if event is not None:
            self._awaiting[townhall_id] = (event.seq, time.monotonic())

    def delivered(self, townhall_id: int, seq: int) -> None:
        """This process delivered the ``question.votes`` event ``seq`` to its sockets."""
        awaiting = self._awaiting.get(townhall_id)
        if awaiting is None or seq < awaiting[0]:
            return
        del self._awaiting[townhall_id]
        self._last[townhall_id] = time.monotonic()
        timer = self._timers.pop(townhall_id, None)
        if timer is not None:
            timer.cancel()
        if self._dirty.get(townhall_id):
            self._schedule(townhall_id)

    async def flush_all(self) -> None:
        """Report everything now (the process's last socket left, or it is stopping)."""
        for timer in self._timers.values():
            timer.cancel()
        self._timers.clear()
        await asyncio.gather(*self._flushing.values(), return_exceptions=True)
        for townhall_id in list(self._dirty):
            await self._flush(townhall_id)
        for timer in self._timers.values():
            timer.cancel()  # scheduled by a flush that ended meanwhile: nothing left to report
        self._timers.clear()
