"""Frame size and Origin through a real Daphne process (docs/protocol.md;
docs/security.md, "Text, frames and Origin").

A frame over 1 MiB (``WEBSOCKET_MAX_FRAME``) closes the socket with 1009:
the client gets a close frame, not a TCP reset. Frames between 16 KiB and
1 MiB get ``bad_request`` and the socket stays open. A socket whose Origin
has another port than the page's is refused during the handshake.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator

import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed, InvalidStatus

from tests.support.servers import DaphneServer, citizen_cookie, fresh_database, manage, open_socket

pytestmark = pytest.mark.multiprocess

MIB = 1024 * 1024
CLOSE_TIMEOUT = 10


@pytest.fixture
def demo_database() -> Iterator[str]:
    """A fresh database (PostgreSQL when reachable, else SQLite) holding the demo town hall."""
    with fresh_database() as database_url:
        manage(database_url, "demo", env={"DEMO_MODERATOR_PASSWORD": "frames-test-password"})
        yield database_url


@pytest.fixture
def server(demo_database, live_server_factory) -> DaphneServer:
    return live_server_factory(demo_database)


def submit(size: int) -> str:
    """A ``question.submit`` frame of exactly ``size`` bytes."""
    frame = {"type": "question.submit", "id": "big", "client_key": "k", "text": ""}
    padding = size - len(json.dumps(frame))
    return json.dumps({**frame, "text": "a" * padding})


@pytest.mark.asyncio
async def test_a_frame_over_1_mib_closes_the_socket_with_1009_and_smaller_ones_get_bad_request(server):
    async with open_socket(server, "/ws/t/demo/", citizen_cookie(server.url, "demo")) as sock:
        await sock.until("snapshot")

        # given frames of 16 KiB + 1 and of exactly 1 MiB: too big for a request, small enough to read
        for size in (16 * 1024 + 1, MIB):
            # when the citizen sends one
            await sock.ws.send(submit(size))

            # then it is answered with bad_request and the socket stays open
            reply = await sock.until("error")
            assert reply["code"] == "bad_request", size
        assert (await sock.request("resync"))["type"] == "snapshot"

        # when the citizen sends one byte more than 1 MiB
        await sock.ws.send(submit(MIB + 1))

        # then the server closes the socket with 1009 (message too big): a close frame, no reset
        with pytest.raises(ConnectionClosed) as closed:
            await asyncio.wait_for(sock.ws.recv(), CLOSE_TIMEOUT)
        assert closed.value.rcvd is not None, f"no close frame: {closed.value!r}"
        assert closed.value.rcvd.code == 1009

    # and the server still serves others
    async with open_socket(server, "/ws/t/demo/", citizen_cookie(server.url, "demo")) as other:
        assert (await other.until("snapshot"))["type"] == "snapshot"


@pytest.mark.asyncio
async def test_a_fragmented_message_over_1_mib_closes_the_socket_with_1009(server):
    async with open_socket(server, "/ws/t/demo/", citizen_cookie(server.url, "demo")) as sock:
        await sock.until("snapshot")

        # when a message of 2 x 600 KiB fragments arrives (each fragment under the limit)
        async def fragments():
            yield "[" + "a" * (600 * 1024)
            yield "a" * (600 * 1024) + "]"

        await sock.ws.send(fragments())

        # then the message as a whole is too big: 1009
        with pytest.raises(ConnectionClosed) as closed:
            await asyncio.wait_for(sock.ws.recv(), CLOSE_TIMEOUT)
        assert closed.value.rcvd is not None and closed.value.rcvd.code == 1009


@pytest.mark.asyncio
async def test_a_socket_from_another_port_of_the_same_host_is_refused(server):
    # given a page served by another service on this machine (same host, another port)
    cookie = citizen_cookie(server.url, "demo")
    for origin in (f"http://127.0.0.1:{server.port + 1}", f"https://127.0.0.1:{server.port}"):
        # when it opens a socket to the town hall
        with pytest.raises(InvalidStatus) as refused:
            async with connect(
                server.ws_url + "/ws/t/demo/?v=2", additional_headers={"Origin": origin, "Cookie": cookie}
            ):
                pass

        # then the handshake is refused
        assert refused.value.response.status_code == 403, origin
