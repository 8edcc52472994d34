"""The citizen sockets of each session in this process: a cap, and one frame budget.

One cookie opening 150 sockets must not get 150 times the frame budget: the
sockets of a citizen session (its participant id) share one frame-rate window
(``FRAME_RATE_COUNT`` frames in ``FRAME_RATE_WINDOW`` seconds), and a session
may hold at most ``SOCKETS_PER_SESSION`` open sockets (4429 beyond). Both are
per server process (docs/security.md, "Rights and sockets"): nginx spreads
one client's sockets over the N processes (``least_conn``), so a session may
hold up to N times ``SOCKETS_PER_SESSION`` in all, and N budgets. A global
count would need a shared counter that a crashed process could not leave
behind; N is small (2 in docs/deploy.md), so the bound stays.
"""

from __future__ import annotations

import asyncio
import weakref
from collections import deque

from django.conf import settings


class SessionSockets:
    def __init__(self) -> None:
        self._open: dict[str, int] = {}
        self._frames: dict[str, deque[float]] = {}

    def acquire(self, session: str) -> deque[float] | None:
        """A socket of ``session`` opens: its shared frame-time window, or
        ``None`` when the session holds ``SOCKETS_PER_SESSION`` already."""
        count = self._open.get(session, 0)
        if count >= settings.SOCKETS_PER_SESSION:
            return None
        self._open[session] = count + 1
        return self._frames.setdefault(session, deque())

    def release(self, session: str) -> None:
        count = self._open.get(session, 0) - 1
        if count > 0:
            self._open[session] = count
        else:
            self._open.pop(session, None)
            self._frames.pop(session, None)

    def count(self, session: str) -> int:
        return self._open.get(session, 0)


_registries: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, SessionSockets] = weakref.WeakKeyDictionary()


def session_sockets() -> SessionSockets:
    """The running loop's registry (one per server process)."""
    loop = asyncio.get_running_loop()
    found = _registries.get(loop)
    if found is None:
        found = _registries[loop] = SessionSockets()
    return found
