"""Event names, group names and publishing after commit.

The database is the truth; the channel layer only signals. A message on the
layer carries the stored event (seq, type, payload) so that consumers can
render it without a query, and replay from ``moderation.Event`` when they
notice a gap in ``seq``.
"""

from __future__ import annotations

import asyncio
import collections
import logging
import os
import weakref
from typing import Any

from asgiref.sync import SyncToAsync, async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction

from townhall.channel_layer import LAYER_ERRORS, layer_health

logger = logging.getLogger(__name__)

QUESTION_CREATED = "question.created"
QUESTION_SCORED = "question.scored"
QUESTION_UPDATED = "question.updated"
QUESTION_REMOVED = "question.removed"
SCREEN_CHANGED = "screen.changed"
TOWNHALL_UPDATED = "townhall.updated"
PRESENCE_CHANGED = "presence.changed"
# Coalesced vote counts (docs/protocol.md, "Votes are coalesced").
QUESTION_VOTES = "question.votes"
# Moderators only: submissions, votes or new sessions jumped (docs/security.md, "Flood control").
FLOOD_ALERT = "flood.alert"

STORED_EVENT_TYPES = (
    QUESTION_CREATED,
    QUESTION_SCORED,
    QUESTION_UPDATED,
    SCREEN_CHANGED,
    TOWNHALL_UPDATED,
    PRESENCE_CHANGED,
    QUESTION_VOTES,
    FLOOD_ALERT,
)

# The type of the layer messages the hub of each process receives (consumers/hub.py).
LAYER_MESSAGE_TYPE = "townhall.event"


def group_name(townhall_id: int) -> str:
    """The channel-layer group every socket of a town hall joins."""
    return f"townhall.{townhall_id}"


def layer_message(townhall_id: int, seq: int, event_type: str, payload: dict[str, Any]) -> dict[str, Any]:
    """What the layer carries to each process's hub (consumers/hub.py)."""
    return {"type": LAYER_MESSAGE_TYPE, "townhall_id": townhall_id, "seq": seq, "event": event_type, "payload": payload}


def publish_on_commit(townhall_id: int, seq: int, event_type: str, payload: dict[str, Any]) -> None:
    """Signal the event to the town hall's sockets once the transaction commits.

    Must be called inside the transaction that stored the event. If the
    transaction rolls back nothing is sent.
    """
    message = layer_message(townhall_id, seq, event_type, payload)
    transaction.on_commit(lambda: _publish(townhall_id, message))


# How long the server's loop waits for the layer to take one signal before
# counting the layer as failing (the event is stored either way).
PUBLISH_TIMEOUT = 5.0


def _server_loop() -> asyncio.AbstractEventLoop | None:
    """The event loop whose ``sync_to_async`` call runs this thread, if any.

    asgiref keeps it in a thread-local; ``async_to_sync`` would use the same one.
    """
    if getattr(SyncToAsync.threadlocal, "main_event_loop_pid", None) != os.getpid():
        return None
    return getattr(SyncToAsync.threadlocal, "main_event_loop", None)


class _Outbox:
    """A server loop's signals from its database threads, sent to the layer in
    the order they were committed, by one task.

    A database thread hands its signal over and returns at once: waiting for
    the loop (busy for a moment delivering a vote count to thousands of
    sockets) held a moderator's reply up to a second during a vote storm
    (BENCHMARKS.md, "A real audience"). Created and used on the loop only.
    """

    _by_loop: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _Outbox] = weakref.WeakKeyDictionary()

    def __init__(self) -> None:
        self._pending: collections.deque[tuple[int, dict[str, Any]]] = collections.deque()
        self._task: asyncio.Task[None] | None = None

    @classmethod
    def put(cls, townhall_id: int, message: dict[str, Any]) -> None:
        loop = asyncio.get_running_loop()
        outbox = cls._by_loop.get(loop)
        if outbox is None:
            outbox = cls._by_loop[loop] = cls()
        outbox._pending.append((townhall_id, message))
        if outbox._task is None or outbox._task.done():
            outbox._task = loop.create_task(outbox._drain(), name="layer-outbox")

    async def _drain(self) -> None:
        while self._pending:
            townhall_id, message = self._pending.popleft()
            await _send(townhall_id, message)


async def _send(townhall_id: int, message: dict[str, Any]) -> None:
    """One signal to the layer; a failure is logged once per outage and never raised."""
    layer = get_channel_layer()
    if layer is None or not layer_health.should_try():
        # Redis is down and its next retry is not due: the event is stored,
        # and each process's hub delivers it from the database (its poll).
        return
    try:
        await asyncio.wait_for(layer.group_send(group_name(townhall_id), message), PUBLISH_TIMEOUT)
    except LAYER_ERRORS as exc:
        # The event is stored: sockets catch up from the database (the hubs'
        # poll, a gap replay, a snapshot). Never fail the already-committed
        # write because the signal could not be sent. Logged once per outage.
        layer_health.failed(f"publishing seq {message['seq']} of town hall {townhall_id}", exc)
        return
    layer_health.recovered()


def _publish(townhall_id: int, message: dict[str, Any]) -> None:
    """Send a committed event's signal: from a server's database thread, hand
    it to the server loop's outbox and return; elsewhere (a management
    command, a script), send it now."""
    loop = _server_loop()
    if loop is None:
        async_to_sync(_send)(townhall_id, message)
    elif not loop.is_running() or loop.is_closed():
        # The server is stopping (SIGTERM while a socket disconnects): its hub
        # is gone, and the other processes read the event from the database.
        logger.info("not publishing seq %s: the server's event loop has stopped", message["seq"])
    else:
        try:
            loop.call_soon_threadsafe(_Outbox.put, townhall_id, message)
        except RuntimeError:  # closed between the check and the call
            logger.info("not publishing seq %s: the server's event loop has stopped", message["seq"])
