"""consumers/sessions.py: sockets read the citizen's session and send frames without a wrapper."""

from __future__ import annotations

import pytest
from asgiref.sync import sync_to_async
from django.conf import settings
from django.contrib.sessions.backends.db import SessionStore

from consumers.sessions import ReadOnlySessionMiddleware, ReadOnlySessionMiddlewareStack

pytestmark = pytest.mark.asyncio


async def _call(middleware_stack, scope):
    seen = {}

    async def inner(scope, receive, send):
        seen["scope"], seen["send"] = scope, send

    async def server_send(message):  # what Daphne gives the application
        raise AssertionError("not called here")

    await middleware_stack(inner)(scope, None, server_send)
    return seen, server_send


@pytest.mark.django_db(transaction=True)
async def test_the_session_is_the_cookies_and_frames_go_straight_to_the_server():
    # given a citizen session holding a participant id
    store = SessionStore()
    store["participant"] = "p-1"
    await sync_to_async(store.save)()
    cookie = f"{settings.SESSION_COOKIE_NAME}={store.session_key}".encode()
    scope = {"type": "websocket", "headers": [(b"cookie", cookie)]}

    # when the socket goes through the middleware
    seen, server_send = await _call(ReadOnlySessionMiddlewareStack, scope)

    # then the session is the cookie's, loaded on first use
    session = seen["scope"]["session"]
    assert session.session_key == store.session_key
    assert await sync_to_async(session.get)("participant") == "p-1"
    # and the application sends with the server's own send (Channels' session
    # middleware would wrap it and look at the session on every frame)
    assert seen["send"] is server_send


async def test_a_socket_without_a_cookie_gets_an_empty_session():
    seen, _ = await _call(ReadOnlySessionMiddleware, {"type": "websocket", "cookies": {}})
    assert seen["scope"]["session"].session_key is None
