"""How many bytes wait to be sent to one websocket client, and the ASGI
middleware that lets a socket ask (docs/security.md, "Faults").

A client that stops reading (a phone gone to sleep on a bad network, or a
script) leaves every frame the server sends it in memory: the kernel's send
buffer fills, then Twisted's transport buffer grows without bound (autobahn
writes to it without back-pressure, and Daphne offers no API to ask). A town
hall of thousands sends every socket every public event: one such client can
hold megabytes a minute.

Daphne hands each application ``send = partial(server.handle_reply,
protocol)``; :class:`SendBufferProbe` finds that protocol and puts a function
returning its buffered byte count into the scope (``SCOPE_KEY``). Under
another server the scope has no probe and nothing is bounded here (the
server's own limits apply).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

SCOPE_KEY = "townhall.send_buffer"

Probe = Callable[[], int]


def buffered_bytes(protocol: Any) -> int:
    """Bytes written by the application and not yet handed to the kernel:
    Twisted's transport buffer, plus autobahn's own queue (chopped or
    synchronous sends, usually empty)."""
    transport = getattr(protocol, "transport", None)
    size = 0
    if transport is not None:
        size += len(getattr(transport, "dataBuffer", b"")) - getattr(transport, "offset", 0)
        size += getattr(transport, "_tempDataLen", 0)
    for data, _sync in getattr(protocol, "send_queue", ()):
        size += len(data)
    return size


def probe_for(send: Any) -> Probe | None:
    """A probe for the Daphne protocol behind ``send``, or ``None`` (another server)."""
    if not isinstance(send, functools.partial) or not send.args:
        return None
    protocol = send.args[0]
    if getattr(protocol, "transport", None) is None or not hasattr(protocol, "sendMessage"):
        return None
    return functools.partial(buffered_bytes, protocol)


class SendBufferProbe:
    """ASGI middleware (outermost for websockets): adds ``SCOPE_KEY`` to the scope."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> Any:
        probe = probe_for(send)
        if probe is not None:
            scope = dict(scope, **{SCOPE_KEY: probe})
        return await self.app(scope, receive, send)
