"""What every town-hall socket does: connect, snapshot, dispatch, deliver events.

Subclasses set ``role``, implement ``authorize`` and ``build_snapshot`` and
list their ``handlers``. A handler takes a parsed :class:`Request` and returns
the fields of the ``ok`` reply; domain errors become error frames here.

Events do not come to a socket from the channel layer: the process's hub
(``consumers/hub.py``) receives each event once and hands every socket the
frame of its audience, already encoded (``send_text``).
"""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from collections import deque
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import parse_qs

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer
from django.conf import settings
from django.db import DatabaseError

from consumers import protocol
from consumers.dispatch import DirectDispatchMixin
from consumers.hub import Room, StoredEvent, encode, hub
from consumers.protocol import ProtocolError, Request
from consumers.send_buffer import SCOPE_KEY as SEND_BUFFER
from moderation import events, rights, selectors
from moderation.exceptions import DomainError, Forbidden
from moderation.models import TownHall
from moderation.presenters import PROTOCOL_VERSION, Role, Viewer, render_event

logger = logging.getLogger(__name__)

Handler = Callable[[Request], Awaitable[dict[str, Any]]]

UNAVAILABLE_MESSAGE = "The service cannot reach its database; nothing was stored. Try again in a moment."

FRAME_RATE_COUNT = 30
FRAME_RATE_WINDOW = 10.0

# Not a configured layer alias: Channels then gives a socket no channel of its
# own (and no task waiting on it). The hub listens for the whole process.
NO_CHANNEL_LAYER = "sockets-are-served-by-the-hub"


class RightsEnded(Forbidden):
    """A moderator or screen socket whose rights the database no longer grants."""


def protocol_version(scope: dict[str, Any]) -> int:
    """The protocol the page speaks: ``v=2`` in the socket's query string, else 1."""
    query = parse_qs(scope.get("query_string", b"").decode("latin-1"))
    return PROTOCOL_VERSION if (query.get("v") or [""])[0] == str(PROTOCOL_VERSION) else 1


class TownHallConsumer(DirectDispatchMixin, AsyncWebsocketConsumer):
    role: Role
    # How this socket's database calls run (see consumers/db.py).
    database = staticmethod(database_sync_to_async)
    channel_layer_alias = NO_CHANNEL_LAYER

    townhall: TownHall | None = None
    viewer: Viewer
    room: Room | None = None
    version: int = 1
    # The last seq this socket was given (snapshot or event); older events are skipped.
    last_seq: int = 0
    # False while a snapshot is on its way: the hub keeps events in ``pending``.
    ready: bool = False
    # What a moderator or screen socket was opened with, re-checked live
    # (``moderation.rights``); ``None`` for citizens.
    claim: rights.Claim | None = None
    # Its rights ended: nothing more is sent, the socket is closing (4403).
    revoked: bool = False
    # Closed with 4408 (its client stopped reading): nothing more is sent.
    overflowed: bool = False

    # --- lifecycle -----------------------------------------------------------

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        try:
            await super().__call__(scope, receive, send)
        finally:
            # Also when the server cancels the socket on shutdown, which skips
            # ``disconnect``: the process's hub stops with its last socket.
            await self._leave_room()

    async def connect(self) -> None:
        # Names this socket where Channels would have used its channel (presence).
        self.connection_id = f"socket.{uuid.uuid4().hex}"
        self.version = protocol_version(self.scope)
        self.pending: list[StoredEvent] = []
        self._frame_times: deque[float] = deque()
        self._snapshotting = asyncio.Lock()
        self._resnapshot: asyncio.Task[None] | None = None
        # Accept first: a close code can only reach the client on an open socket.
        await self.accept()
        try:
            refusal = await self.enter(self.scope["url_route"]["kwargs"]["slug"])
            if refusal is not None:
                await self.close(code=refusal)
                return
            assert self.townhall is not None
            self.room = await hub().join(self.townhall.pk, self, self.townhall.last_seq)
            await self.on_joined()
            try:
                await self.send_snapshot(None)
            except RightsEnded:  # ended between the check above and the snapshot
                self.revoke()
        except DatabaseError as exc:
            # No snapshot without the database: say so, and let the client
            # reconnect later (4503 is not a final close code for the pages).
            logger.warning("a socket could not open: database unavailable (%s)", exc)
            await self.send_json(protocol.error_frame(None, protocol.UNAVAILABLE, UNAVAILABLE_MESSAGE))
            await self.close(code=protocol.CLOSE_TRY_AGAIN_LATER)

    async def enter(self, slug: str) -> int | None:
        """Find the town hall and authorise the socket; a close code refuses it."""
        self.townhall = await self.database(selectors.townhall_by_slug)(slug)
        if self.townhall is None:
            return protocol.CLOSE_UNKNOWN_TOWNHALL
        return await self.authorize()

    async def disconnect(self, code: int) -> None:
        if await self._leave_room():
            try:
                await self.on_left()
            except DatabaseError as exc:  # moderators' presence: a silent console drops out on its own
                logger.warning("a socket left while the database was unavailable (%s)", exc)

    async def _leave_room(self) -> bool:
        room, self.room = self.room, None
        if room is None:
            return False
        if self._resnapshot is not None:
            self._resnapshot.cancel()
        await hub().leave(room.townhall_id, self)
        return True

    async def on_joined(self) -> None:
        """After the socket joined its town hall's room, before the snapshot."""

    async def on_left(self) -> None:
        """After the socket left its town hall's room."""

    async def authorize(self) -> int | None:
        """Set ``self.viewer``; return a close code to refuse the socket."""
        raise NotImplementedError

    def handlers(self) -> dict[str, Handler]:
        return {"resync": self.handle_resync}

    # --- frames in -----------------------------------------------------------

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        if self.room is None or self.revoked:
            return
        request_id: str | None = None
        try:
            if self._over_frame_rate():
                await self.send_json(
                    protocol.error_frame(
                        None, protocol.RATE_LIMITED, "Too many frames; slow down.", retry_after=int(FRAME_RATE_WINDOW)
                    )
                )
                return
            request = protocol.parse_frame(text_data, bytes_data)
            request_id = request.id
            handler = self.handlers().get(request.type)
            if handler is None:
                if request.type in protocol.ALL_ACTIONS:
                    raise Forbidden(f"{request.type} is not allowed on this socket.")
                raise ProtocolError(f"Unknown type {request.type!r}.", request_id)
            if not await self.rights_hold():
                raise RightsEnded("Your rights on this town hall have ended.")
            reply = await handler(request)
        except ProtocolError as exc:
            await self.send_json(protocol.error_frame(exc.request_id or request_id, protocol.BAD_REQUEST, exc.message))
            return
        except DomainError as exc:
            await self.send_json(protocol.error_frame(request_id, exc.code, exc.message, **exc.extra()))
            # A service refused on its own check (rights ended meanwhile): re-read them.
            if isinstance(exc, RightsEnded) or (
                isinstance(exc, Forbidden) and self.claim is not None and not await self.rights_hold()
            ):
                self.revoke()
            return
        except DatabaseError as exc:
            # PostgreSQL unreachable (or SQLite locked for too long): the
            # transaction rolled back, nothing was stored. Django drops the
            # broken connection at the end of the call, so the next request
            # connects afresh: no restart needed once the database is back.
            logger.warning("a request failed: database unavailable (%s)", exc)
            await self.send_json(protocol.error_frame(request_id, protocol.UNAVAILABLE, UNAVAILABLE_MESSAGE))
            return
        if reply is not None:
            await self.send_json(reply)

    async def rights_hold(self) -> bool:
        """Whether the database still grants what this socket was opened with
        (every request of a moderator or screen socket asks: one or two queries)."""
        if self.claim is None:
            return True
        return (await self.database(rights.claims_allowed)([self.claim]))[0]

    def revoke(self) -> None:
        """Its rights ended (the hub or a refused request says so): leave the
        room at once, so that no further frame is rendered for it, and close
        with 4403. Frames already on their way to it are dropped (``send``)."""
        if self.revoked:
            return
        self.revoked = True
        self._stop_delivery()
        self._closing = asyncio.ensure_future(self.close(code=protocol.CLOSE_FORBIDDEN))

    def _over_frame_rate(self) -> bool:
        now = time.monotonic()
        while self._frame_times and now - self._frame_times[0] > FRAME_RATE_WINDOW:
            self._frame_times.popleft()
        self._frame_times.append(now)
        return len(self._frame_times) > FRAME_RATE_COUNT

    async def handle_resync(self, request: Request) -> dict[str, Any] | None:
        await self.send_snapshot(request.id)
        return None

    # --- frames out ----------------------------------------------------------

    async def send(self, text_data: str | None = None, bytes_data: bytes | None = None, close: bool = False) -> None:
        if self.revoked:
            return  # a revoked socket gets nothing but its close (``revoke``)
        await super().send(text_data=text_data, bytes_data=bytes_data, close=close)

    async def send_json(self, frame: dict[str, Any]) -> None:
        await self.send_text(encode(frame))

    async def send_text(self, text: str) -> None:
        """A frame for this client (the hub's events, encoded once per audience,
        come straight here: this runs once per socket per event).

        A client that stopped reading is closed with 4408 instead, once more
        than ``SOCKET_BUFFER_LIMIT`` bytes wait for it in the server
        (consumers/send_buffer.py): its frames would otherwise pile up in
        memory for as long as the connection lasts.
        """
        if self.revoked or self.overflowed:
            return
        probe = self.scope.get(SEND_BUFFER)
        if probe is not None:
            waiting = probe()
            if waiting > settings.SOCKET_BUFFER_LIMIT:
                await self._close_not_reading(waiting)
                return
        await self.base_send({"type": "websocket.send", "text": text})

    def _stop_delivery(self) -> None:
        """No more events are rendered for this socket (it is closing); the
        hub forgets it for good when its connection ends (``Hub.leave``)."""
        if self.room is not None:
            self.room.members.discard(self)

    async def _close_not_reading(self, waiting: int) -> None:
        self.overflowed = True
        self._stop_delivery()
        logger.warning(
            "closing a socket whose client does not read (%s bytes waiting, limit %s): %s",
            waiting,
            settings.SOCKET_BUFFER_LIMIT,
            protocol.CLOSE_NOT_READING,
        )
        # The close frame waits behind the unread ones; autobahn drops the
        # connection when the close handshake times out, which frees them.
        await self.base_send({"type": "websocket.close", "code": protocol.CLOSE_NOT_READING})

    async def build_snapshot(self, request_id: str | None, floor: int) -> tuple[str, int]:
        """This viewer's snapshot frame (encoded) and its ``seq``, at least ``floor``."""
        assert self.townhall is not None
        frame = await self.database(selectors.snapshot)(self.viewer, self.townhall.pk)
        if request_id is not None:
            frame["id"] = request_id
        return encode(frame), frame["seq"]

    async def send_snapshot(self, request_id: str | None) -> None:
        """Send a fresh snapshot, then the events that came meanwhile and are newer.

        The hub keeps delivering to the other sockets while this one waits for
        its snapshot: it parks this socket's events in ``pending``.
        """
        assert self.room is not None
        async with self._snapshotting:
            self.ready = False
            try:
                floor = self.room.last_seq
                if request_id is not None:
                    # An explicit resync: the client suspects it missed something,
                    # so no shared snapshot older than the database's last event.
                    floor = max(floor, await self.room.database_seq())
                again = True
                while again:
                    text, seq = await self.build_snapshot(request_id, floor)
                    request_id = None  # a second round (version 1, below) is unrequested
                    self.last_seq = seq
                    await self.send_text(text)
                    again = await self._send_pending()
            finally:
                self.pending.clear()
                self.ready = True

    async def _send_pending(self) -> bool:
        """Send the parked events newer than the snapshot, in order; ``True`` when a
        version-1 socket needs another snapshot (for ``question.votes``)."""
        while self.pending:
            seq, event_type, payload = self.pending.pop(0)
            if seq <= self.last_seq:
                continue
            if self.version < PROTOCOL_VERSION and event_type == events.QUESTION_VOTES:
                return True
            self.last_seq = seq
            frame = render_event(self.viewer, seq, event_type, payload)
            if frame is not None:
                await self.send_json(frame)
        return False

    def resnapshot(self) -> None:
        """A version-1 socket learns vote counts from a fresh snapshot (docs/protocol.md)."""
        if self._resnapshot is None or self._resnapshot.done():
            self._resnapshot = asyncio.ensure_future(self.send_snapshot(None))
            self._resnapshot.add_done_callback(_report_resnapshot)


def _report_resnapshot(task: asyncio.Task[None]) -> None:
    if not task.cancelled() and task.exception() is not None:
        logger.warning("a version-1 socket could not get a fresh snapshot", exc_info=task.exception())
