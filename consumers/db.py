"""Where the consumers' database calls run.

Channels' ``database_sync_to_async`` runs every call of a process, one at a
time, on one thread. During a burst of questions that queue holds hundreds
of submissions, and a moderator's approve waited seconds behind them
(BENCHMARKS.md, "The room under a burst"). Moderators' calls run on their own
thread instead, with their own database connection: they still take the
same row locks (``lock_townhall``), so their writes stay serialised with the
citizens' in the database, but they no longer wait in the citizens' line.
Events published from either thread may reach the layer out of ``seq``
order; consumers already handle that (a gap is replayed from the database,
an older ``seq`` is ignored).
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from channels.db import database_sync_to_async

# One thread: one connection, and a moderator's actions keep their order.
STAFF_EXECUTOR = ThreadPoolExecutor(max_workers=1, thread_name_prefix="staff-db")


def staff_database_sync_to_async(func: Callable[..., Any]) -> Callable[..., Any]:
    """``database_sync_to_async`` on the moderators' own database thread."""
    return database_sync_to_async(func, thread_sensitive=False, executor=STAFF_EXECUTOR)
