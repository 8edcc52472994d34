"""Faults made on purpose, with real processes: a private Redis that a test
kills and restarts, and a TCP proxy in front of PostgreSQL that a test cuts.

Never the machine's own services: ``PrivateRedis`` runs its own
``redis-server`` on a free port and only ever signals its own PID;
``TcpProxy`` listens on a free port of its own and forwards to the real
server, so cutting it makes the database unreachable for the processes
pointed at the proxy only.
"""

from __future__ import annotations

import asyncio
import base64
import copy
import json
import os
import shutil
import signal
import socket
import subprocess
import threading
import urllib.parse
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from harness.servers import ServiceUnavailable, free_port, postgres_admin_url
from tests.support.client_state import apply, picture
from tests.support.servers import service_unavailable

START_TIMEOUT = 10.0


class PrivateRedis:
    """A ``redis-server`` of the test's own, on a free port, without persistence."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.port = free_port()
        self.process: subprocess.Popen[bytes] | None = None
        self.url = f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> PrivateRedis:
        binary = shutil.which("redis-server")
        if binary is None:
            raise ServiceUnavailable("redis-server is not installed")
        self.process = subprocess.Popen(
            [binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
            cwd=self.directory,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
        )
        ready = threading.Event()
        log = self.directory / f"redis-{self.port}.log"
        threading.Thread(target=self._copy_log, args=(log, ready), name="redis-log", daemon=True).start()
        # redis-server says when it listens; its output also ends if it exits.
        if not ready.wait(START_TIMEOUT) or self.process.poll() is not None:
            raise ServiceUnavailable(f"the private redis-server on port {self.port} did not start (see {log})")
        return self

    def _copy_log(self, path: Path, ready: threading.Event) -> None:
        """Copy the server's output to its log file; set ``ready`` at its ready line."""
        assert self.process is not None and self.process.stdout is not None
        with path.open("ab") as log:
            for line in self.process.stdout:
                log.write(line)
                log.flush()
                if b"Ready to accept connections" in line:
                    ready.set()

    def kill(self) -> None:
        """SIGKILL, by PID: every connection to it drops, everything it held is lost."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait()

    def stop(self) -> None:
        self.kill()
        self.process = None


class TcpProxy:
    """Forwards ``127.0.0.1:<port>`` to ``target``, in a thread of its own.

    ``cut()`` drops every open connection and refuses new ones (the server
    looks unreachable: "connection refused"); ``restore()`` forwards again.
    """

    def __init__(self, target_host: str, target_port: int) -> None:
        self.target = (target_host, target_port)
        self.port = free_port()
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="tcp-proxy", daemon=True)
        self._server: asyncio.Server | None = None
        self._writers: set[asyncio.StreamWriter] = set()
        self.connections = 0  # accepted so far

    def start(self) -> TcpProxy:
        self._thread.start()
        self._call(self._listen())
        return self

    def cut(self) -> None:
        self._call(self._cut())

    def restore(self) -> None:
        self._call(self._listen())

    def stop(self) -> None:
        if self._thread.is_alive():
            self._call(self._cut())
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(timeout=5)
            self._loop.close()

    def _call(self, coroutine) -> None:
        asyncio.run_coroutine_threadsafe(coroutine, self._loop).result(timeout=10)

    async def _listen(self) -> None:
        if self._server is None:
            self._server = await asyncio.start_server(self._serve, "127.0.0.1", self.port)

    async def _cut(self) -> None:
        server, self._server = self._server, None
        if server is not None:
            server.close()
        for writer in list(self._writers):
            writer.transport.abort()
        self._writers.clear()
        if server is not None:
            await server.wait_closed()

    async def _serve(self, client_reader: asyncio.StreamReader, client_writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        try:
            upstream_reader, upstream_writer = await asyncio.open_connection(*self.target)
        except OSError:
            client_writer.transport.abort()
            return
        self._writers.update((client_writer, upstream_writer))
        await asyncio.gather(
            _pipe(client_reader, upstream_writer), _pipe(upstream_reader, client_writer), return_exceptions=True
        )
        for writer in (client_writer, upstream_writer):
            self._writers.discard(writer)
            writer.transport.abort()


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
    finally:
        writer.transport.abort()


# --- what a client holds ---------------------------------------------------------


def held(frames: list[dict[str, Any]]) -> tuple[int, dict[str, Any]]:
    """``(seq, state)`` a client holds after ``frames``: its last snapshot, then
    the newer events and the questions its replies carried (its own)."""
    start = max(i for i, f in enumerate(frames) if f["type"] == "snapshot")
    seq = frames[start]["seq"]
    state = picture(copy.deepcopy(frames[start]))
    for frame in frames[start + 1 :]:
        if frame["type"] == "ok" and "question" in frame:
            # the asker learns of its own question, and a voter of its vote, from the reply
            apply(state, {"type": "question.updated", "question": frame["question"]})
        elif "seq" in frame and frame["seq"] > seq:
            seq = frame["seq"]
            apply(state, frame)
    return seq, state


# --- fixtures (tests/conftest.py loads this module as a plugin) --------------------


@pytest.fixture
def private_redis(tmp_path: Path) -> Iterator[PrivateRedis]:
    """A started ``PrivateRedis``; killed at teardown. Missing ``redis-server``:
    skip, or fail under ``REQUIRE_SERVICES=1``."""
    server = PrivateRedis(tmp_path)
    try:
        server.start()
    except ServiceUnavailable as exc:
        service_unavailable(str(exc))
    yield server
    server.stop()


@pytest.fixture
def postgres_proxy() -> Iterator[TcpProxy]:
    """A ``TcpProxy`` in front of the PostgreSQL server the suite uses."""
    url = urllib.parse.urlsplit(postgres_admin_url())
    proxy = TcpProxy(url.hostname or "127.0.0.1", url.port or 5432).start()
    yield proxy
    proxy.stop()


# --- a citizen that resends, as static/js/socket.js and citizen-form.js do ------------


class ResendingCitizen:
    """Asks its questions one after another; when its socket dies it reconnects
    (to the next server of its list) and sends the unacknowledged question
    again with the same ``client_key``, as the citizen page does."""

    def __init__(self, name: str, servers: list[Any], cookie: str) -> None:
        self.name = name
        self.servers = servers
        self.cookie = cookie
        self.acknowledged: dict[str, dict[str, Any]] = {}  # client_key -> ok reply
        self.reconnects = 0
        self.resent = 0  # questions sent again after a reconnection

    async def ask(self, texts: list[str], *, on_reply: Any = None) -> None:
        from websockets.exceptions import ConnectionClosed

        from harness.servers import open_socket

        keys = [f"{self.name}-{index}" for index in range(len(texts))]
        server_index = 0
        in_flight: str | None = None
        while len(self.acknowledged) < len(texts):
            try:
                async with open_socket(self.servers[server_index], "/ws/t/demo/", self.cookie) as sock:
                    await sock.until("snapshot")
                    for key, text in zip(keys, texts, strict=True):
                        if key in self.acknowledged:
                            continue
                        if key == in_flight:
                            self.resent += 1
                        in_flight = key
                        reply = await sock.request("question.submit", text=text, client_key=key)
                        assert reply["type"] == "ok", reply
                        self.acknowledged[key] = reply
                        if on_reply is not None:
                            await on_reply(self, reply)
            except (ConnectionClosed, OSError):
                # its server died: the next one, and the unacknowledged question again
                self.reconnects += 1
                server_index = (server_index + 1) % len(self.servers)


# --- a client that never reads ------------------------------------------------------


class NonReadingSocket:
    """A websocket client that opens, then never reads (with a tiny receive
    buffer). The kernels of both ends still hold a few MB (Linux autotunes the
    server's send buffer, ``net.ipv4.tcp_wmem``) before anything waits in the
    server's own memory. ``send()`` sends requests all the same; ``drain()`` reads everything afterwards and returns the
    close code it found (``None``: the connection ended without a close frame)."""

    RECEIVE_BUFFER = 4096

    def __init__(self, server: Any, path: str, cookie: str | None = None) -> None:
        self.server = server
        self.path = path
        self.cookie = cookie
        self.sock: socket.socket | None = None

    def open(self) -> NonReadingSocket:
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, self.RECEIVE_BUFFER)
        sock.settimeout(10)
        sock.connect(("127.0.0.1", self.server.port))
        lines = [
            f"GET {self.path} HTTP/1.1",
            f"Host: 127.0.0.1:{self.server.port}",
            "Upgrade: websocket",
            "Connection: Upgrade",
            f"Sec-WebSocket-Key: {base64.b64encode(os.urandom(16)).decode()}",
            "Sec-WebSocket-Version: 13",
            f"Origin: {self.server.url}",
        ]
        if self.cookie:
            lines.append(f"Cookie: {self.cookie}")
        sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
        head = b""
        while b"\r\n\r\n" not in head:
            head += sock.recv(1)  # one byte at a time: leave the frames unread
        assert head.startswith(b"HTTP/1.1 101"), head
        self.sock = sock
        return self

    def send(self, frame: dict[str, Any]) -> None:
        """Send a request (a client's frames are masked); the server's replies stay unread."""
        assert self.sock is not None
        payload = json.dumps(frame).encode()
        mask = os.urandom(4)
        if len(payload) < 126:
            header = bytes([0x81, 0x80 | len(payload)])
        else:
            header = bytes([0x81, 0x80 | 126]) + len(payload).to_bytes(2, "big")
        self.sock.sendall(header + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(payload)))

    def drain(self, timeout: float = 30.0) -> int | None:
        """Read every frame until the connection ends; the close frame's code, if one came."""
        assert self.sock is not None
        self.sock.settimeout(timeout)
        data = b""
        try:
            while chunk := self.sock.recv(65536):
                data += chunk
        except (ConnectionResetError, TimeoutError):
            pass
        finally:
            self.sock.close()
        return _close_code(data)

    def close(self) -> None:
        if self.sock is not None:
            self.sock.close()


def _close_code(data: bytes) -> int | None:
    """The code of the close frame in a server's stream of (unmasked) frames."""
    position = 0
    while position + 2 <= len(data):
        opcode, length = data[position] & 0x0F, data[position + 1] & 0x7F
        position += 2
        if length == 126:
            length = int.from_bytes(data[position : position + 2], "big")
            position += 2
        elif length == 127:
            length = int.from_bytes(data[position : position + 8], "big")
            position += 8
        if opcode == 0x8 and length >= 2:
            return int.from_bytes(data[position : position + 2], "big")
        position += length
    return None
