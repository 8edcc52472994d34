"""What every town-hall socket does: connect, snapshot, dispatch, deliver events.

Subclasses set ``role``, implement ``authorize`` and list their ``handlers``.
A handler takes a parsed :class:`Request` and returns the fields of the ``ok``
reply; domain errors become error frames here.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections import deque
from collections.abc import Awaitable, Callable
from typing import Any

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer

from consumers import protocol
from consumers.dispatch import DirectDispatchMixin
from consumers.protocol import ProtocolError, Request
from consumers.watch import watch
from moderation import events, selectors
from moderation.exceptions import DomainError, Forbidden
from moderation.models import Event, TownHall
from moderation.presenters import Role, Viewer, render_event

logger = logging.getLogger(__name__)

Handler = Callable[[Request], Awaitable[dict[str, Any]]]

FRAME_RATE_COUNT = 30
FRAME_RATE_WINDOW = 10.0


class TownHallConsumer(DirectDispatchMixin, AsyncWebsocketConsumer):
    role: Role
    # How this socket's database calls run (see consumers/db.py).
    database = staticmethod(database_sync_to_async)

    townhall: TownHall | None = None
    viewer: Viewer
    last_seq: int = 0
    joined: bool = False
    watched: bool = False

    # --- lifecycle -----------------------------------------------------------

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        try:
            await super().__call__(scope, receive, send)
        finally:
            # Also when the server cancels the socket on shutdown, which skips
            # ``disconnect``: the process's watch stops with its last socket.
            await self._unwatch()

    async def connect(self) -> None:
        slug = self.scope["url_route"]["kwargs"]["slug"]
        self.townhall = await self.database(selectors.townhall_by_slug)(slug)
        self._frame_times: deque[float] = deque()
        # Events reach a socket from the layer and from the process's watch
        # (consumers/watch.py): one at a time, in seq order.
        self._delivery = asyncio.Lock()
        # Accept first: a close code can only reach the client on an open socket.
        await self.accept()
        if self.townhall is None:
            await self.close(code=protocol.CLOSE_UNKNOWN_TOWNHALL)
            return
        refusal = await self.authorize()
        if refusal is not None:
            await self.close(code=refusal)
            return
        self.group = events.group_name(self.townhall.pk)
        await self.channel_layer.group_add(self.group, self.channel_name)
        self.joined = True
        await self.on_joined()
        await self.send_snapshot(None)
        watch().add(self.townhall.pk, self)
        self.watched = True

    async def disconnect(self, code: int) -> None:
        await self._unwatch()
        if self.joined:
            await self.channel_layer.group_discard(self.group, self.channel_name)
            self.joined = False
            await self.on_left()

    async def _unwatch(self) -> None:
        if self.watched:
            self.watched = False
            await watch().remove(self.townhall.pk, self)

    async def on_joined(self) -> None:
        """After the socket joined its town hall's group, before the snapshot."""

    async def on_left(self) -> None:
        """After the socket left its town hall's group."""

    async def authorize(self) -> int | None:
        """Set ``self.viewer``; return a close code to refuse the socket."""
        raise NotImplementedError

    def handlers(self) -> dict[str, Handler]:
        return {"resync": self.handle_resync}

    # --- frames in -----------------------------------------------------------

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        if not self.joined:
            return
        request_id: str | None = None
        try:
            if self._over_frame_rate():
                await self.send_json(protocol.error_frame(None, protocol.RATE_LIMITED, "Too many frames; slow down."))
                return
            request = protocol.parse_frame(text_data, bytes_data)
            request_id = request.id
            handler = self.handlers().get(request.type)
            if handler is None:
                if request.type in protocol.ALL_ACTIONS:
                    raise Forbidden(f"{request.type} is not allowed on this socket.")
                raise ProtocolError(f"Unknown type {request.type!r}.", request_id)
            reply = await handler(request)
        except ProtocolError as exc:
            await self.send_json(protocol.error_frame(exc.request_id or request_id, protocol.BAD_REQUEST, exc.message))
            return
        except DomainError as exc:
            await self.send_json(protocol.error_frame(request_id, exc.code, exc.message))
            return
        if reply is not None:
            await self.send_json(reply)

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

    async def send_json(self, frame: dict[str, Any]) -> None:
        await self.send(text_data=json.dumps(frame, ensure_ascii=False, separators=(",", ":")))

    async def send_snapshot(self, request_id: str | None) -> None:
        assert self.townhall is not None
        async with self._delivery:
            await self.refresh_viewer()
            frame = await self.database(selectors.snapshot)(self.viewer, self.townhall.pk)
            if request_id is not None:
                frame["id"] = request_id
            self.last_seq = frame["seq"]
            await self.send_json(frame)

    async def refresh_viewer(self) -> None:
        """Reload per-viewer state before a snapshot (citizens: their votes)."""

    async def townhall_event(self, message: dict[str, Any]) -> None:
        """A stored event signalled on the channel layer (see moderation.events)."""
        seq = message["seq"]
        async with self._delivery:
            if seq <= self.last_seq:
                return
            if seq > self.last_seq + 1:
                assert self.townhall is not None
                missed = await self.database(selectors.events_between)(self.townhall.pk, self.last_seq, seq)
                for event in missed:
                    await self._deliver(event.seq, event.type, event.payload)
            await self._deliver(seq, message["event"], message["payload"])

    async def catch_up(self, missed: list[Event]) -> None:
        """Stored events, in seq order, that this process's watch found this socket
        had not received (a write by another process, a lost signal)."""
        async with self._delivery:
            for event in missed:
                if event.seq == self.last_seq + 1:
                    await self._deliver(event.seq, event.type, event.payload)

    async def _deliver(self, seq: int, event_type: str, payload: dict[str, Any]) -> None:
        self.last_seq = seq
        frame = render_event(self.viewer, seq, event_type, payload)
        if frame is not None:
            await self.send_json(frame)
