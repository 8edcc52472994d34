"""The client's address, the same way for every limit and every check.

Behind nginx (deploy/nginx/townhall.conf) every request reaches Daphne from
127.0.0.1; the browser's address is in ``X-Forwarded-For``, which nginx sets.
A client can write that header too, so it is read only when
``TRUSTED_PROXY_COUNT`` says how many proxies in front of Daphne append (or
set) it: with ``n`` proxies the client is the ``n``-th address from the right,
the one the outermost trusted proxy saw. With 0 (the default: Daphne reached
directly, as under ``make run``) the header is ignored and the address is the
connection's own.

Login throttling (django-axes), flood control and the ``/healthz`` details all
ask here, so one setting decides for all of them.
"""

from __future__ import annotations

import ipaddress
from typing import Any

from django.conf import settings
from django.http import HttpRequest

LOOPBACK = {"127.0.0.1", "::1"}


def _forwarded_for_and_peer(request_or_scope: HttpRequest | dict[str, Any]) -> tuple[str | None, str]:
    if isinstance(request_or_scope, dict):  # an ASGI scope (websockets)
        headers = dict(request_or_scope.get("headers") or [])
        forwarded = headers.get(b"x-forwarded-for")
        client = request_or_scope.get("client") or ("", 0)
        return (forwarded.decode("latin-1") if forwarded is not None else None), str(client[0] or "")
    return request_or_scope.META.get("HTTP_X_FORWARDED_FOR"), request_or_scope.META.get("REMOTE_ADDR", "") or ""


def _valid(address: str) -> str | None:
    address = address.strip()
    if address.startswith("[") and address.endswith("]"):
        address = address[1:-1]
    try:
        return str(ipaddress.ip_address(address))
    except ValueError:
        return None


def trusted_proxy_count() -> int:
    return max(0, int(getattr(settings, "TRUSTED_PROXY_COUNT", 0)))


def client_ip(request_or_scope: HttpRequest | dict[str, Any]) -> str:
    """The address of the client that sent this request or opened this socket.

    ``X-Forwarded-For`` counts only with ``TRUSTED_PROXY_COUNT`` > 0; an entry
    that is not an IP address, or a header shorter than the number of trusted
    proxies (a request that did not come through them), falls back to the
    connection's own address.
    """
    forwarded, peer = _forwarded_for_and_peer(request_or_scope)
    count = trusted_proxy_count()
    if count and forwarded:
        chain = [item for item in forwarded.split(",") if item.strip()]
        if len(chain) >= count:
            address = _valid(chain[-count])
            if address is not None:
                return address
    return _valid(peer) or peer


def is_local(request_or_scope: HttpRequest | dict[str, Any]) -> bool:
    """The request comes from this machine itself (loopback), as far as can be known.

    A loopback connection carrying an ``X-Forwarded-For`` that is not trusted
    (``TRUSTED_PROXY_COUNT`` = 0) may be a proxy relaying someone else: it is
    not local.
    """
    forwarded, _ = _forwarded_for_and_peer(request_or_scope)
    if forwarded and not trusted_proxy_count():
        return False
    return client_ip(request_or_scope) in LOOPBACK
