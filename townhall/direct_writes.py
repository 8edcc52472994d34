"""Twisted TCP writes that go straight to the kernel when nothing is queued.

Twisted's ``FileDescriptor.write`` never sends: it appends to the
transport's buffer and registers the socket for writing; the reactor sends
on the next writable event, then unregisters it. Under Daphne's asyncio
reactor that is two ``epoll_ctl`` calls, a loop turn and the send, for every
frame. A town hall of 5,000 citizens gets 5,000 frames per event: py-spy
showed 70 % of the delivery of one approval in those two calls
(BENCHMARKS.md, "A real audience").

``install()`` (once, from ``asgi.py``) makes ``tcp.Connection.write`` send
at once when the transport has nothing queued, as asyncio's own transports
do. Whatever the kernel does not take, and any write behind queued data,
goes through Twisted's buffer as before (pausing a registered producer when
it grows, as before: an upgraded HTTP channel stays registered), so the order of bytes, the
transport's buffer (which consumers/send_buffer.py measures for slow
clients) and the reactor's handling of errors are unchanged: a send that
fails is left to the reactor's next write, which reports the lost
connection as it always did.
"""

from __future__ import annotations

from typing import Any

from twisted.internet import tcp
from twisted.python.runtime import platform

_INSTALLED = "_townhall_direct_writes"


def _direct_write(original: Any) -> Any:
    def write(self: tcp.Connection, data: bytes) -> None:
        if (
            type(data) is bytes
            and data
            and self.connected
            and not self.disconnecting
            and not self._writeDisconnected
            and not getattr(self, "TLS", False)
            and not self._tempDataLen
            and len(self.dataBuffer) == self.offset
        ):
            try:
                sent = self.socket.send(data)
            except OSError:
                sent = 0  # full (EAGAIN) or failing: the reactor's write finds out which
            if sent >= len(data):
                return
            data = data[sent:]
        original(self, data)

    write.__wrapped__ = original  # type: ignore[attr-defined]
    return write


def install() -> bool:
    """Make TCP transports write through when their buffer is empty; idempotent.
    Returns whether it is installed (not on Windows, whose sockets Twisted limits)."""
    if platform.isWindows():
        return False
    if not getattr(tcp.Connection, _INSTALLED, False):
        tcp.Connection.write = _direct_write(tcp.Connection.write)
        setattr(tcp.Connection, _INSTALLED, True)
    return True
