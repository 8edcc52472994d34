"""Python's garbage collector in a server process that holds thousands of sockets.

Each open socket keeps a few hundred objects alive (Twisted's protocol,
autobahn's state, the ASGI application and its consumer). CPython's full
collection walks every one of them: with 10,000 sockets it took about a
second, and with the default thresholds it ran every ~25 s while idle (young
objects of Daphne's once-a-second connection sweep reach the old generation)
and 18 times during a 10,000-socket connection storm (9 s of 19 s).
See BENCHMARKS.md, "Garbage collection".

``tune()`` runs once when the ASGI application is imported:

- ``gc.freeze()`` moves what importing Django, Channels and the project left
  into the permanent generation, which no collection walks again;
- ``gc.set_threshold(*settings.GC_THRESHOLDS)``: a larger first threshold lets
  short-lived objects die by reference counting before a collection promotes
  them, so the old generation, and the full collections, grow far less often.
  Reference cycles are still collected, only later.
"""

from __future__ import annotations

import gc
import logging

from django.conf import settings

logger = logging.getLogger(__name__)


def tune() -> None:
    """Freeze the import-time heap and apply ``settings.GC_THRESHOLDS`` (empty: Python's)."""
    gc.collect()
    gc.freeze()
    thresholds = settings.GC_THRESHOLDS
    if thresholds:
        gc.set_threshold(*thresholds)
    logger.debug("gc: %d objects frozen, thresholds %s", gc.get_freeze_count(), gc.get_threshold())
