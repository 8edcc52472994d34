"""townhall/direct_writes.py on a real Twisted TCP connection, under the
asyncio reactor Daphne runs: frames go to the kernel at once when nothing is
queued, bytes keep their order, and what a client does not read still waits
in Twisted's buffer (where consumers/send_buffer.py measures it).

Each case runs in a fresh interpreter: a Twisted reactor is installed once
per process."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

SCRIPT = textwrap.dedent(
    """
    import asyncio, json, socket, sys
    from twisted.internet import asyncioreactor
    asyncioreactor.install(asyncio.new_event_loop())
    from twisted.internet import protocol, reactor
    from townhall import direct_writes

    if sys.argv[1] == "on":
        assert direct_writes.install() and direct_writes.install()  # idempotent
    from consumers.send_buffer import buffered_bytes

    calls = {"add_writer": 0}
    add_writer = reactor.addWriter
    def counting_add_writer(writer):
        calls["add_writer"] += 1
        return add_writer(writer)
    reactor.addWriter = counting_add_writer

    result = {}
    small = [f"frame {n};".encode() for n in range(200)]
    big = bytes(range(256)) * 40000  # 10 MB: more than the kernel takes at once

    class Server(protocol.Protocol):
        def connectionMade(self):
            self.transport.setTcpNoDelay(True)
            before = calls["add_writer"]
            for frame in small:
                self.transport.write(frame)
            result["add_writer_small"] = calls["add_writer"] - before
            self.transport.write(big)  # the kernel takes part: the rest waits in Twisted
            result["buffered_after_big"] = buffered_bytes(self)
            self.transport.write(b"END")  # behind queued data: must follow it
            reactor.callLater(0, read)

    client = socket.socket()

    def read():
        client.setblocking(True)
        expected = b"".join(small) + big + b"END"
        received = bytearray()
        def pull():
            try:
                client.setblocking(False)
                while True:
                    chunk = client.recv(1 << 20)
                    if not chunk:
                        break
                    received.extend(chunk)
            except BlockingIOError:
                pass
            if len(received) < len(expected):
                reactor.callLater(0.001, pull)  # the reactor's turn: it sends the rest
                return
            result["intact"] = bytes(received) == expected
            reactor.stop()
        pull()

    factory = protocol.Factory.forProtocol(Server)
    port = reactor.listenTCP(0, factory, interface="127.0.0.1")
    client.connect(("127.0.0.1", port.getHost().port))
    reactor.callLater(20, reactor.stop)
    reactor.run()
    print(json.dumps(result))
    """
)


def run(mode: str) -> dict:
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT, mode], cwd=ROOT, capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_frames_go_straight_to_the_kernel_in_order_and_the_rest_waits_in_twisted():
    # given the direct writes installed / when a server writes 200 small frames,
    # then 10 MB, then a last frame, to a client that reads only afterwards
    result = run("on")

    # then the small frames asked the reactor for no writable event
    assert result["add_writer_small"] == 0
    # and what the kernel did not take waits in Twisted's buffer, measured
    assert result["buffered_after_big"] > 0
    # and the client got every byte, in order
    assert result["intact"] is True


def test_twisted_alone_asks_the_reactor_for_every_frame():
    # the control: without the direct writes, the same frames each wait for the reactor
    result = run("off")
    assert result["add_writer_small"] == 200
    assert result["buffered_after_big"] > 10_000_000  # all of it: nothing was sent yet
    assert result["intact"] is True
