"""The embedded channel layer (no REDIS_URL): Channels' in-memory layer, made
to scale with the number of sockets.

The stock ``InMemoryChannelLayer`` walks every channel and every group to
expire old messages on *each* send and receive, and deep-copies a group
message once per member. A town-hall event goes to every socket of the town
hall, so one event cost O(sockets²): with a hundred citizens connected, a
burst of questions spent most of the event loop there (BENCHMARKS.md, "The
room under a burst"). Here the expiry sweep runs at most once per
``sweep_interval`` seconds (expiry is a 60 s safety net, a second late is
harmless), and a group message is copied once for the whole group: consumers
only read layer messages.

Also here: what every caller of the layer (the hub's listener, publishing
after commit, the scoring hand-off) treats as "the layer is unavailable", and
:data:`layer_health`, which logs an outage once and its end once, instead of
once per request while Redis is down (docs/security.md, "Faults").
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from copy import deepcopy
from typing import Any

from channels.exceptions import ChannelFull
from channels.layers import InMemoryChannelLayer

try:
    from redis.exceptions import RedisError
except ImportError:  # pragma: no cover - redis is a dependency; without it no Redis layer either

    class RedisError(Exception):  # type: ignore[no-redef]
        """Stands in for redis-py's base error."""


logger = logging.getLogger(__name__)

# A layer call that fails with one of these met an unavailable channel layer
# (redis-py's errors are not OSError); anything else is a bug and propagates.
LAYER_ERRORS: tuple[type[BaseException], ...] = (OSError, ConnectionError, TimeoutError, RedisError)

# Retry delays while the layer is down: doubling from the first to the last.
RETRY_FIRST = 0.25
RETRY_MAX = 5.0


class LayerHealth:
    """Whether the channel layer answered last time, shared by every thread of
    the process (the database threads publish; the event loop listens).

    While it is down, publishing is skipped until the next retry is due (the
    event is stored; the hubs' database poll delivers it), so a Redis that
    times out does not stall every write for the length of a timeout.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.down_since: float | None = None
        self._retry_at = 0.0
        self._delay = RETRY_FIRST

    @property
    def down(self) -> bool:
        return self.down_since is not None

    def should_try(self) -> bool:
        """False while the layer is down and its next retry is not due yet."""
        with self._lock:
            return self.down_since is None or time.monotonic() >= self._retry_at

    def failed(self, what: str, exc: BaseException) -> float:
        """A layer call failed: log the first failure of an outage, return the delay before the next try."""
        with self._lock:
            now = time.monotonic()
            if self.down_since is None:
                self.down_since = now
                self._delay = RETRY_FIRST
                logger.warning(
                    "channel layer unavailable (%s: %r); serving from the database until it is back", what, exc
                )
            else:
                self._delay = min(self._delay * 2, RETRY_MAX)
            self._retry_at = now + self._delay
            return self._delay

    def recovered(self) -> None:
        """A layer call succeeded: log the end of an outage, if there was one."""
        with self._lock:
            if self.down_since is not None:
                logger.warning("channel layer back after %.1fs", time.monotonic() - self.down_since)
            self.down_since = None
            self._delay = RETRY_FIRST


layer_health = LayerHealth()


class TownHallInMemoryChannelLayer(InMemoryChannelLayer):
    def __init__(self, *, sweep_interval: float = 1.0, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.sweep_interval = sweep_interval
        self._last_sweep = float("-inf")

    def _clean_expired(self) -> None:
        now = time.monotonic()
        if now - self._last_sweep < self.sweep_interval:
            return
        self._last_sweep = now
        super()._clean_expired()

    async def group_send(self, group: str, message: dict[str, Any]) -> None:
        assert isinstance(message, dict), "Message is not a dict"
        self.require_valid_group_name(group)
        self._clean_expired()
        shared = deepcopy(message)
        expires = time.time() + self.expiry
        for channel in list(self.groups.get(group, {})):
            queue = self.channels.setdefault(channel, asyncio.Queue(maxsize=self.get_capacity(channel)))
            try:
                queue.put_nowait((expires, shared))
            except asyncio.QueueFull:
                pass  # like the stock layer: a full channel loses the message (ChannelFull)


__all__ = ["LAYER_ERRORS", "ChannelFull", "LayerHealth", "TownHallInMemoryChannelLayer", "layer_health"]
