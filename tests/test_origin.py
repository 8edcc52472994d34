"""The websocket Origin check compares scheme, host and port (docs/protocol.md;
docs/security.md, "Text, frames and Origin").

The validator guards a tiny application here, so each case costs no database;
``tests/test_frames_and_origin.py`` checks the same through a real Daphne.
"""

from __future__ import annotations

import pytest
from channels.generic.websocket import AsyncWebsocketConsumer
from channels.testing import WebsocketCommunicator

from asgi import application
from consumers.origin import SameOriginValidator


class Accept(AsyncWebsocketConsumer):
    async def connect(self) -> None:
        await self.accept()


guarded = SameOriginValidator(Accept.as_asgi())


async def accepted(origin: str | None, host: str | None = "testserver", **extra: str) -> bool:
    headers = [(name.replace("_", "-").encode(), value.encode()) for name, value in extra.items()]
    if origin is not None:
        headers.append((b"origin", origin.encode()))
    if host is not None:
        headers.append((b"host", host.encode()))
    comm = WebsocketCommunicator(guarded, "/ws/", headers=headers)
    connected, _ = await comm.connect(timeout=2)
    await comm.disconnect()
    return connected


@pytest.mark.asyncio
@pytest.mark.parametrize(
    ("origin", "host"),
    [
        ("http://testserver", "testserver"),
        ("http://testserver:80", "testserver"),
        ("http://TestServer", "testserver"),
        ("http://127.0.0.1:8001", "127.0.0.1:8001"),
        ("http://[::1]:8001", "[::1]:8001"),
    ],
)
async def test_the_pages_own_origin_is_accepted(origin, host):
    assert await accepted(origin, host) is True


@pytest.mark.asyncio
@pytest.mark.parametrize(
    ("origin", "host"),
    [
        ("https://testserver", "testserver"),  # another scheme
        ("http://testserver:8080", "testserver"),  # another port, same host
        ("http://127.0.0.1:8002", "127.0.0.1:8001"),  # another service on this machine
        ("http://localhost:8001", "127.0.0.1:8001"),  # another allowed host
        ("https://evil.example", "testserver"),
        ("null", "testserver"),
        ("http://testserver:99999", "testserver"),  # not a port
        (None, "testserver"),  # no Origin
        ("http://testserver", None),  # no Host
    ],
)
async def test_any_other_origin_is_refused(origin, host):
    assert await accepted(origin, host) is False


@pytest.mark.asyncio
async def test_a_host_outside_allowed_hosts_is_refused_even_as_its_own_origin():
    # given a DNS name rebound to this server: the page's origin is its own, its host not ours
    # when, then
    assert await accepted("http://rebound.example", "rebound.example") is False


@pytest.mark.asyncio
async def test_behind_a_tls_proxy_the_origin_is_https(settings):
    # given TRUST_X_FORWARDED_PROTO (nginx says the page is https)
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

    # when, then: the https page's sockets are accepted, an http page's refused
    assert await accepted("https://testserver", x_forwarded_proto="https") is True
    assert await accepted("http://testserver", x_forwarded_proto="https") is False
    assert await accepted("http://testserver", x_forwarded_proto="http") is True


@pytest.mark.asyncio
async def test_without_the_proxy_setting_a_claimed_https_is_ignored():
    # given no SECURE_PROXY_SSL_HEADER (settings' default): a client could write the header
    # when, then
    assert await accepted("https://testserver", x_forwarded_proto="https") is False


@pytest.mark.asyncio
async def test_csrf_trusted_origins_are_accepted(settings):
    # given a second public name for the service, trusted for forms
    settings.CSRF_TRUSTED_ORIGINS = ["https://questions.example.org", "https://*.mairie.example"]

    # when, then: pages served there may open sockets; other schemes and ports may not
    assert await accepted("https://questions.example.org") is True
    assert await accepted("https://salle.mairie.example") is True
    assert await accepted("http://questions.example.org") is False
    assert await accepted("https://questions.example.org:8443") is False


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_the_application_refuses_another_scheme_or_port_for_an_allowed_host():
    # given the served application (asgi.py), a page on http://testserver
    for origin in (b"https://testserver", b"http://testserver:8080"):
        # when a socket comes from another scheme or port of the same host
        comm = WebsocketCommunicator(
            application, "/ws/t/room/", headers=[(b"host", b"testserver"), (b"origin", origin)]
        )
        connected, _ = await comm.connect(timeout=5)
        await comm.disconnect()

        # then it is refused during the handshake
        assert connected is False, origin
