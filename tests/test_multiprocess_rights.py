"""Rights end on every server process at once (docs/security.md, "Rights and sockets").

Two real Daphne processes on PostgreSQL and the Redis channel layer; the
change comes from a third process (``manage.py townhall``) or over HTTP on
one server. The servers poll rarely here (``SEQ_POLL_INTERVAL=60``), so what
closes the sockets within seconds is the signal, not the poll.
"""

from __future__ import annotations

import asyncio
import json
import secrets
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import AsyncExitStack
from http.cookies import SimpleCookie

import pytest
from websockets.exceptions import ConnectionClosed

from harness.servers import LiveSocket
from tests.support.servers import fresh_database, login, manage, open_socket

pytestmark = [pytest.mark.multiprocess, pytest.mark.asyncio]

PASSWORD = "demo-" + secrets.token_urlsafe(12)
RARE_POLL = {"SEQ_POLL_INTERVAL": "60"}


@pytest.fixture
def demo_database() -> Iterator[str]:
    """A fresh PostgreSQL database holding the demo town hall and its moderator."""
    with fresh_database(require_postgres=True) as database_url:
        manage(database_url, "demo", env={"DEMO_MODERATOR_PASSWORD": PASSWORD})
        yield database_url


async def closed_with(sock: LiveSocket, timeout: float = 10.0) -> tuple[int, list[str]]:
    """Read from the wire until the server closes the socket: its close code
    and the types of the frames that came first (after those already read)."""
    types: list[str] = []
    async with asyncio.timeout(timeout):
        while True:
            try:
                raw = await sock.ws.recv()
            except ConnectionClosed as closed:
                assert closed.rcvd is not None, "closed without a close frame"
                return closed.rcvd.code, types
            types.append(json.loads(raw)["type"])


async def drained(sock: LiveSocket) -> None:
    """Wait until the socket is quiet (the consoles' presence frames read)."""
    while not await sock.nothing(timeout=0.5):
        pass


async def test_a_moderator_removed_by_a_command_loses_the_consoles_on_both_processes(
    demo_database, redis_url, live_servers
):
    # given the demo moderator's console open on both servers
    server_a, server_b = live_servers.start_many(2, demo_database, redis_url, **RARE_POLL)
    cookie = login(server_a.url, "moderator", PASSWORD)
    async with AsyncExitStack() as sockets:
        consoles = [
            await sockets.enter_async_context(open_socket(server, "/ws/t/demo/moderate/", cookie))
            for server in (server_a, server_b)
        ]
        for sock in consoles:
            await sock.until("snapshot")
            await drained(sock)

        # when an operator removes them from the town hall in another process
        manage(
            demo_database,
            "townhall",
            "remove-moderator",
            "demo",
            "moderator",
            env={"REDIS_URL": redis_url, "CHANNEL_PREFIX": live_servers.prefix},
        )

        # then both consoles close with 4403, with no frame before
        for sock in consoles:
            assert await closed_with(sock) == (4403, [])


async def test_a_logout_on_one_process_closes_that_sessions_console_on_the_other(
    demo_database, redis_url, live_servers
):
    # given the moderator logged in twice, each session with a console on server B
    server_a, server_b = live_servers.start_many(2, demo_database, redis_url, **RARE_POLL)
    laptop = login(server_a.url, "moderator", PASSWORD)
    phone = login(server_a.url, "moderator", PASSWORD)
    async with AsyncExitStack() as sockets:
        laptop_console = await sockets.enter_async_context(open_socket(server_b, "/ws/t/demo/moderate/", laptop))
        phone_console = await sockets.enter_async_context(open_socket(server_b, "/ws/t/demo/moderate/", phone))
        for sock in (laptop_console, phone_console):
            await sock.until("snapshot")
            await drained(sock)

        # when the laptop's session logs out on server A
        csrf = SimpleCookie(laptop)["csrftoken"].value
        logout = urllib.request.Request(
            server_a.url + "/accounts/logout/",
            data=b"",
            headers={"Cookie": laptop, "X-CSRFToken": csrf, "Referer": server_a.url + "/"},
            method="POST",
        )
        try:
            with urllib.request.urlopen(logout, timeout=10) as response:
                assert response.status in (200, 302)
        except urllib.error.HTTPError as exc:
            assert exc.code == 302, exc

        # then the laptop's console on B closes with 4403
        assert await closed_with(laptop_console) == (4403, [])
        # and the phone's still answers
        reply = await phone_console.request("presence.ping")
        assert reply["type"] == "ok", reply


async def test_rotating_the_screen_key_closes_the_screens_on_both_processes(demo_database, redis_url, live_servers):
    # given the demo screen open on both servers, and a moderator's console
    server_a, server_b = live_servers.start_many(2, demo_database, redis_url, **RARE_POLL)
    async with AsyncExitStack() as sockets:
        moderator = await sockets.enter_async_context(
            open_socket(server_b, "/ws/t/demo/moderate/", login(server_b.url, "moderator", PASSWORD))
        )
        old_key = (await moderator.until("snapshot"))["townhall"]["screen_key"]
        screens = [
            await sockets.enter_async_context(open_socket(server, f"/ws/t/demo/screen/?key={old_key}"))
            for server in (server_a, server_b)
        ]
        for sock in screens:
            await sock.until("snapshot")

        # when the operator rotates the key in another process
        out = manage(
            demo_database,
            "townhall",
            "rotate-screen-key",
            "demo",
            env={"REDIS_URL": redis_url, "CHANNEL_PREFIX": live_servers.prefix},
        )

        # then both screens close with 4403
        for sock in screens:
            code, _ = await closed_with(sock)
            assert code == 4403
        # and the moderator gets the new key, which the command printed
        updated = await moderator.until("townhall.updated")
        new_key = updated["townhall"]["screen_key"]
        assert new_key != old_key and f"Screen key: {new_key}" in out
        fresh = await sockets.enter_async_context(open_socket(server_a, f"/ws/t/demo/screen/?key={new_key}"))
        await fresh.until("snapshot")
