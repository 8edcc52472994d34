"""The client's address, from a Django request or an ASGI scope.

``TRUSTED_PROXY_COUNT`` (default 0) is how many reverse proxies in front of
the server append to ``X-Forwarded-For``: with 0 the header is ignored (any
client can write it); with N the address is the Nth entry from the right,
the one the outermost trusted proxy saw.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings


def client_ip(request_or_scope: Any) -> str:
    """The client's address as a string; ``""`` when the server was not told one."""
    if isinstance(request_or_scope, dict):
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in request_or_scope.get("headers", [])}
        forwarded = headers.get("x-forwarded-for", "")
        peer = (request_or_scope.get("client") or ("",))[0] or ""
    else:
        forwarded = request_or_scope.META.get("HTTP_X_FORWARDED_FOR", "")
        peer = request_or_scope.META.get("REMOTE_ADDR", "") or ""
    trusted = getattr(settings, "TRUSTED_PROXY_COUNT", 0)
    if trusted > 0 and forwarded:
        hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
        if hops:
            return hops[-min(trusted, len(hops))][:45]
    return str(peer)[:45]
