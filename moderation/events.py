"""Event names, group names and publishing after commit.

The database is the truth; the channel layer only signals. A message on the
layer carries the stored event (seq, type, payload) so that consumers can
render it without a query, and replay from ``moderation.Event`` when they
notice a gap in ``seq``.
"""

from __future__ import annotations

import asyncio
import logging
import os
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


# How long a database thread waits for its server's event loop to take a signal.
PUBLISH_TIMEOUT = 5.0


def _server_loop() -> asyncio.AbstractEventLoop | None:
    """The event loop whose ``sync_to_async`` call runs this thread, if any.

    asgiref keeps it in a thread-local; ``async_to_sync`` would use the same one.
    """
    if getattr(SyncToAsync.threadlocal, "main_event_loop_pid", None) != os.getpid():
        return None
    return getattr(SyncToAsync.threadlocal, "main_event_loop", None)


def _publish(townhall_id: int, message: dict[str, Any]) -> None:
    layer = get_channel_layer()
    if layer is None:
        return
    if not layer_health.should_try():
        # Redis is down and its next retry is not due: the event is stored,
        # and each process's hub delivers it from the database (its poll).
        return
    loop = _server_loop()
    try:
        if loop is None:  # a management command, a script: no server loop
            async_to_sync(layer.group_send)(group_name(townhall_id), message)
        elif not loop.is_running() or loop.is_closed():
            # The server is stopping (SIGTERM while a socket disconnects):
            # waiting for its loop would hang the process's exit.
            logger.info("not publishing seq %s: the server's event loop has stopped", message["seq"])
            return
        else:
            sent = asyncio.run_coroutine_threadsafe(layer.group_send(group_name(townhall_id), message), loop)
            try:
                sent.result(timeout=PUBLISH_TIMEOUT)
            except TimeoutError:
                sent.cancel()
                raise
    except LAYER_ERRORS as exc:
        # The event is stored: sockets catch up from the database (the hubs'
        # poll, a gap replay, a snapshot). Never fail the already-committed
        # write because the signal could not be sent. Logged once per outage.
        layer_health.failed(f"publishing seq {message['seq']} of town hall {townhall_id}", exc)
        return
    layer_health.recovered()
