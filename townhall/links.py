"""Every URL the service builds, in one place.

Page paths come from ``townhall.urls`` and socket paths from
``consumers.routing``, both through ``reverse()``, so a route changes in one
place. Absolute URLs use the request when there is one (the browser's own
host and scheme) unless ``PUBLIC_BASE_URL`` is set, which always wins.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.conf import settings
from django.http import HttpRequest
from django.urls import reverse

from moderation.presenters import PROTOCOL_VERSION

SOCKET_URLCONF = "consumers.routing"


# Where `make run` serves: the base of links built without a request when
# PUBLIC_BASE_URL is not set.
DEVELOPMENT_BASE_URL = "http://127.0.0.1:8000"


def absolute(path: str, request: HttpRequest | None = None) -> str:
    """``path`` as an absolute URL: on ``PUBLIC_BASE_URL`` when it is set, so
    every link agrees whatever Host or scheme a request came with; else on
    the request's own scheme and host (https behind the TLS proxy when
    ``TRUST_X_FORWARDED_PROTO`` lets Django see the request as secure)."""
    if settings.PUBLIC_BASE_URL:
        return settings.PUBLIC_BASE_URL.rstrip("/") + path
    if request is not None:
        return request.build_absolute_uri(path)
    return DEVELOPMENT_BASE_URL + path


def citizen_path(slug: str) -> str:
    return reverse("citizen", args=[slug])


def my_data_path(slug: str) -> str:
    return reverse("my-data", args=[slug])


def my_data_erase_path(slug: str) -> str:
    return reverse("my-data-erase", args=[slug])


def moderate_path(slug: str) -> str:
    return reverse("moderate", args=[slug])


def export_path(slug: str, what: str, fmt: str, *, excel: bool = False) -> str:
    """A moderator's download of ``what`` (questions, decisions) as ``fmt``
    (csv, json); ``excel``: the CSV for French spreadsheets (docs/exports.md)."""
    path = reverse("moderate-export", kwargs={"slug": slug, "what": what, "fmt": fmt})
    return path + "?excel=1" if excel else path


def export_paths(slug: str) -> dict[str, dict[str, str]]:
    """Every export download of a town hall, for the console's Export menu:
    ``{"questions": {"csv": ..., "excel": ..., "json": ...}, "decisions": {...}}``."""
    return {
        what: {
            "csv": export_path(slug, what, "csv"),
            "excel": export_path(slug, what, "csv", excel=True),
            "json": export_path(slug, what, "json"),
        }
        for what in ("questions", "decisions")
    }


def record_path(slug: str) -> str:
    """The public moderation record of a town hall (docs/record.md)."""
    return reverse("record", args=[slug])


def record_json_path(slug: str) -> str:
    return reverse("record-json", args=[slug])


def charter_path(slug: str) -> str:
    return reverse("charter", args=[slug])


def charter_edit_path(slug: str) -> str:
    return reverse("charter-edit", args=[slug])


def screen_path(slug: str, screen_key: str) -> str:
    return reverse("screen", args=[slug]) + "?" + urlencode({"key": screen_key})


def socket_path(room: str, slug: str, screen_key: str | None = None) -> str:
    """The websocket path of ``room`` (``citizen``, ``moderator`` or ``screen``),
    asking for the protocol version the pages speak (docs/protocol.md)."""
    path = reverse(f"{room}-socket", args=[slug], urlconf=SOCKET_URLCONF)
    query = {} if screen_key is None else {"key": screen_key}
    query["v"] = PROTOCOL_VERSION
    return path + "?" + urlencode(query)


def townhall_urls(slug: str, screen_key: str, request: HttpRequest | None = None) -> dict[str, str]:
    """The three rooms' absolute URLs (the screen's carries its secret key)."""
    return {
        "join_url": absolute(citizen_path(slug), request),
        "moderate_url": absolute(moderate_path(slug), request),
        "screen_url": absolute(screen_path(slug, screen_key), request),
    }
