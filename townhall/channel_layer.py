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
"""

from __future__ import annotations

import asyncio
import time
from copy import deepcopy
from typing import Any

from channels.exceptions import ChannelFull
from channels.layers import InMemoryChannelLayer


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


__all__ = ["TownHallInMemoryChannelLayer", "ChannelFull"]
