"""One watch per server process: writes made elsewhere reach the local sockets.

The channel layer only signals. The in-memory layer cannot hear a write made
by another process (``manage.py townhall close``, a cron job), and Redis
pub/sub may lose a message. So each process runs one task (not one per
socket) that, every ``SEQ_POLL_INTERVAL`` seconds, reads the ``last_seq`` of
every town hall it has sockets for, in one query. When a socket is behind
it, the missed events are read from the database once per town hall and
handed to each socket behind, which ignores what it already has
(``TownHallConsumer.catch_up``).

The same task runs the scoring sweep (``scoring_runner.sweep``) every
``SCORING_SWEEP_INTERVAL`` seconds: questions a lost task left ``pending``.

The task starts when the first socket of the process joins and stops when
the last one leaves, or when the loop shuts down (Daphne cancels every
connection's application on SIGTERM: the sockets' ``finally`` unregisters
them, and the last one awaits the task's end). Errors of one round are
logged and the next round runs: the task never dies with an unobserved
exception.
"""

from __future__ import annotations

import asyncio
import logging
import weakref
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Protocol

from asgiref.sync import sync_to_async
from channels.db import database_sync_to_async
from django.conf import settings
from django.db import DatabaseError, connections

from consumers import db
from moderation import scoring_runner, selectors
from moderation.models import Event

logger = logging.getLogger(__name__)

# Its own thread and connection: a check never waits behind a burst of
# citizens' submissions on the sockets' shared database thread.
_EXECUTOR = ThreadPoolExecutor(max_workers=1, thread_name_prefix="seq-watch")


def watch_database(func: Callable[..., Any]) -> Callable[..., Any]:
    return database_sync_to_async(func, thread_sensitive=False, executor=_EXECUTOR)


async def _close_connections() -> None:
    """The last socket of the process left: close the database connections of
    the threads that served sockets (the watch's, the moderators', the shared
    one). An idle process holds no connection, a test database can be dropped,
    and no connection is left for the interpreter to collect at exit from
    another thread than its own."""
    loop = asyncio.get_running_loop()
    await loop.run_in_executor(_EXECUTOR, connections.close_all)
    await loop.run_in_executor(db.STAFF_EXECUTOR, connections.close_all)
    await sync_to_async(connections.close_all)()  # thread-sensitive: the sockets' shared thread


class Watched(Protocol):
    """What the watch needs from a socket (``TownHallConsumer``)."""

    last_seq: int

    async def catch_up(self, events: list[Event]) -> None: ...


class SeqWatch:
    """The sockets of one event loop, by town hall, and the task that checks on them."""

    def __init__(self) -> None:
        self.sockets: dict[int, set[Watched]] = {}
        self.task: asyncio.Task[None] | None = None
        self.rounds = 0  # completed checks, for tests

    def add(self, townhall_id: int, socket: Watched) -> None:
        self.sockets.setdefault(townhall_id, set()).add(socket)
        if self.task is None or self.task.done():
            self.task = asyncio.get_running_loop().create_task(self._run(), name="seq-watch")
            self.task.add_done_callback(_report)

    async def remove(self, townhall_id: int, socket: Watched) -> None:
        """Forget ``socket``; the last socket of the process stops the task and waits for it."""
        members = self.sockets.get(townhall_id)
        if members is not None:
            members.discard(socket)
            if not members:
                del self.sockets[townhall_id]
        if self.sockets or self.task is None:
            return
        task, self.task = self.task, None
        task.cancel()
        # Shielded: when this socket is itself being cancelled (shutdown), the
        # wait still lets the task finish before the loop stops.
        await asyncio.shield(asyncio.gather(task, return_exceptions=True))

    async def _run(self) -> None:
        try:
            await self._rounds()
        finally:
            await _close_connections()

    async def _rounds(self) -> None:
        interval = settings.SEQ_POLL_INTERVAL
        sweep_every = max(1, round(settings.SCORING_SWEEP_INTERVAL / interval))
        while True:
            await asyncio.sleep(interval)
            try:
                await self.check()
                if (self.rounds + 1) % sweep_every == 0:
                    await scoring_runner.sweep()
            except DatabaseError as exc:
                logger.warning("seq watch: database unavailable (%s); next try in %ss", exc, interval)
            except Exception:  # a bug in one round must not stop the delivery of the next ones
                logger.exception("seq watch: round failed; next try in %ss", interval)
            self.rounds += 1

    async def check(self) -> None:
        """One round: one query for every watched town hall, then the catch-up of those behind."""
        ids = list(self.sockets)
        if not ids:
            return
        latest = await watch_database(selectors.last_seqs)(ids)
        for townhall_id, last_seq in latest.items():
            behind = [s for s in self.sockets.get(townhall_id, ()) if s.last_seq < last_seq]
            if behind:
                await self._catch_up(townhall_id, behind, last_seq)

    async def _catch_up(self, townhall_id: int, behind: list[Watched], last_seq: int) -> None:
        since = min(s.last_seq for s in behind)
        missed = await watch_database(selectors.events_between)(townhall_id, since, last_seq + 1)
        results = await asyncio.gather(*(s.catch_up(missed) for s in behind), return_exceptions=True)
        for result in results:
            if isinstance(result, Exception):
                # A socket that closed meanwhile; the others got their events.
                logger.info("seq watch: a socket of town hall %s could not catch up: %r", townhall_id, result)


def _report(task: asyncio.Task[None]) -> None:
    """The task ends by cancellation only; anything else is a bug worth a traceback."""
    if task.cancelled():
        return
    exc = task.exception()
    if exc is not None:
        logger.error("the seq watch stopped", exc_info=exc)


_watches: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, SeqWatch] = weakref.WeakKeyDictionary()


def watch() -> SeqWatch:
    """The running loop's watch (one per server process)."""
    loop = asyncio.get_running_loop()
    found = _watches.get(loop)
    if found is None:
        found = _watches[loop] = SeqWatch()
    return found
