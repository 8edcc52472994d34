"""Dispatch without Channels' per-message trip to the database thread.

Channels' ``AsyncConsumer.dispatch`` awaits ``aclose_old_connections()``
before every message: a ``sync_to_async`` call on the single thread that
runs every ``database_sync_to_async`` call of the process. A town-hall event
fans out to every socket of the town hall, so during a burst of questions
each delivery queued behind every pending database call: the moderators saw
new questions seconds late, and the consumers' channels filled up until the
layer dropped messages (see BENCHMARKS.md, "The room under a burst").

Our consumers only reach the database through ``database_sync_to_async``,
which closes stale connections itself, on that thread, before and after each
call. So the extra trip is dropped; events that need no query are delivered
without touching the database thread.
"""

from __future__ import annotations

from typing import Any

from channels.consumer import get_handler_name


class DirectDispatchMixin:
    async def dispatch(self, message: dict[str, Any]) -> None:
        handler = getattr(self, get_handler_name(message), None)
        if handler is None:
            raise ValueError(f"No handler for message type {message['type']}")
        await handler(message)
