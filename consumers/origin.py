"""The websocket Origin check (docs/protocol.md): same origin, scheme and port included.

Channels' ``AllowedHostsOriginValidator`` accepts any Origin whose host is in
``ALLOWED_HOSTS``, whatever its scheme and port: ``http://example.org:8080``
(another service on the same host) could open sockets for a page served at
``https://example.org``. Here the Origin must be the page's own origin, as
the browser computes it for the page that opened the socket: the request's
scheme (https when the TLS proxy says so, as for Django's CSRF check: see
``TRUST_X_FORWARDED_PROTO``) and its ``Host`` header, which must itself be
allowed (``ALLOWED_HOSTS``; otherwise a rebound DNS name would be its own
origin). Or it is an entry of ``CSRF_TRUSTED_ORIGINS``, as for forms.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import ParseResult, urlparse

from channels.security.websocket import OriginValidator, WebsocketDenier
from django.conf import settings
from django.http.request import split_domain_port, validate_host

# Django's own default when DEBUG is on and ALLOWED_HOSTS is empty (HttpRequest.get_host).
DEBUG_ALLOWED_HOSTS = [".localhost", "127.0.0.1", "[::1]"]


def _headers(scope: dict[str, Any]) -> dict[bytes, str]:
    return {name.lower(): value.decode("latin1") for name, value in scope.get("headers", [])}


def request_scheme(scope: dict[str, Any], headers: dict[bytes, str]) -> str:
    """``http`` or ``https``: the scheme of the page whose socket this is, as
    Django decides it for a request (``SECURE_PROXY_SSL_HEADER``, else the
    connection's own scheme)."""
    proxy_header = getattr(settings, "SECURE_PROXY_SSL_HEADER", None)
    if proxy_header:
        name, secure_value = proxy_header
        value = headers.get(name.removeprefix("HTTP_").lower().replace("_", "-").encode("latin1"))
        if value is not None:
            return "https" if value.split(",", 1)[0].strip() == secure_value else "http"
    return "https" if scope.get("scheme") in ("https", "wss") else "http"


class SameOriginValidator(OriginValidator):
    """Refuses (HTTP 403 during the handshake) a socket whose Origin is not the
    page's own origin nor one of ``CSRF_TRUSTED_ORIGINS``; also one without an
    Origin or a ``Host``, or whose ``Host`` is not allowed."""

    def __init__(self, application: Any) -> None:
        super().__init__(application, allowed_origins=())

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> Any:
        if scope["type"] != "websocket":
            raise ValueError("SameOriginValidator only guards websockets")
        if self.same_origin(scope):
            return await self.application(scope, receive, send)
        return await WebsocketDenier()(scope, receive, send)

    def same_origin(self, scope: dict[str, Any]) -> bool:
        headers = _headers(scope)
        origin, host = headers.get(b"origin"), headers.get(b"host")
        if origin is None or host is None:
            return False
        domain, _ = split_domain_port(host)
        allowed_hosts = settings.ALLOWED_HOSTS or (DEBUG_ALLOWED_HOSTS if settings.DEBUG else [])
        if not domain or not validate_host(domain, allowed_hosts):
            return False
        parsed = urlparse(origin)
        own = urlparse(f"{request_scheme(scope, headers)}://{host}")
        try:
            if parsed.hostname is None:  # "null", garbage
                return False
            return self._same(parsed, own) or any(
                # Django writes a subdomain wildcard "https://*.example.org", Channels "https://.example.org".
                self.match_allowed_origin(parsed, trusted.replace("://*.", "://.", 1))
                for trusted in settings.CSRF_TRUSTED_ORIGINS
            )
        except ValueError:  # a port that is not a port
            return False

    def _same(self, origin: ParseResult, own: ParseResult) -> bool:
        """Exactly the same scheme, host and port (default ports filled in)."""
        mine = (own.scheme, own.hostname, self.get_origin_port(own))
        return (origin.scheme, origin.hostname, self.get_origin_port(origin)) == mine
