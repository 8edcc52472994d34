"""The session of a socket: read, never written.

Channels' ``SessionMiddleware`` wraps the socket's ``send`` so that it can save
a modified session when an HTTP response or a websocket accept goes out. The
sockets here only read the session (the citizen page's view writes it), and
that wrapper ran on every frame sent: in a py-spy profile of one approval
delivered to 5,000 citizens it took 18 % of the delivery (a lazy session
object's attributes read per frame). This middleware resolves the session in
the same way and passes the server's ``send`` through untouched.
"""

from __future__ import annotations

from channels.sessions import CookieMiddleware, InstanceSessionWrapper, SessionMiddleware


class ReadOnlySessionMiddleware(SessionMiddleware):
    """``scope["session"]`` as Channels gives it (lazy, from the cookie); ``send`` not wrapped."""

    async def __call__(self, scope, receive, send):
        wrapper = InstanceSessionWrapper(scope, send)
        await wrapper.resolve_session()
        return await self.inner(wrapper.scope, receive, send)


def ReadOnlySessionMiddlewareStack(inner):  # noqa: N802 (named like Channels' SessionMiddlewareStack)
    return CookieMiddleware(ReadOnlySessionMiddleware(inner))
