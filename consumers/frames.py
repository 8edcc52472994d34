"""Frames too big to read close the socket with 1009 (docs/protocol.md, close codes).

Daphne runs its websockets on autobahn, which stops reading a frame or a
fragmented message over its payload limit and then "fails the connection".
By default it fails it by dropping TCP, so the client sees a reset and no
close frame, and cannot tell a too-big frame from a crash. With
``failByDrop = False`` autobahn sends the close frame first (1009, "message
too big"), skips the rest of that frame without buffering it, and drops the
connection once the client answers or its close timeout passes.

Daphne sets these options on its factory from its command line, which this
project does not own (Makefile, deploy/systemd, harness/servers.py launch
``daphne ... asgi:application``); autobahn copies a factory option to a
connection only when the protocol class does not define it. So they are
set on Daphne's protocol class, once, by ``asgi.py``: every Daphne process
imports it before it accepts a connection, whatever its command line says.
"""

from __future__ import annotations

from daphne.ws_protocol import WebSocketProtocol
from django.conf import settings


def close_oversized_frames() -> None:
    """Make every Daphne websocket close with 1009 on a frame or message over
    ``WEBSOCKET_MAX_FRAME`` bytes (instead of resetting TCP). Idempotent."""
    WebSocketProtocol.failByDrop = False
    WebSocketProtocol.maxFramePayloadSize = settings.WEBSOCKET_MAX_FRAME
    WebSocketProtocol.maxMessagePayloadSize = settings.WEBSOCKET_MAX_FRAME
