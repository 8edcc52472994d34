"""Thin page views: find the town hall, check access, render. No domain logic."""

from __future__ import annotations

import asyncio
import io
import logging
import secrets

import segno
from asgiref.sync import sync_to_async
from channels.layers import get_channel_layer
from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from moderation import participants, selectors, services
from moderation.exceptions import RateLimited
from moderation.models import TownHall
from moderation.scoring import registry
from townhall import links
from townhall.client_ip import client_ip

logger = logging.getLogger(__name__)


def index(request: HttpRequest) -> HttpResponse:
    townhalls = TownHall.objects.filter(status=TownHall.Status.LIVE).order_by("title")
    return render(request, "index.html", {"townhalls": townhalls})


def join(request: HttpRequest) -> HttpResponse:
    """The short code shown on the projector leads here: /join?code=K7M2QX."""
    code = request.GET.get("code", "")
    if code:
        townhall = selectors.townhall_by_join_code(code)
        if townhall is not None:
            return redirect("citizen", slug=townhall.slug)
        return render(request, "join.html", {"code": code[:20], "unknown": True}, status=404)
    return render(request, "join.html", {"code": ""})


def join_qr(request: HttpRequest, slug: str) -> HttpResponse:
    """The join link as a QR code, drawn on the server (no third-party service)."""
    townhall = get_object_or_404(TownHall, slug=slug)
    url = links.absolute(links.citizen_path(townhall.slug), request)
    buffer = io.BytesIO()
    segno.make(url, error="m").save(buffer, kind="svg", scale=8, border=2, dark="#000", light="#fff", xmldecl=False)
    response = HttpResponse(buffer.getvalue(), content_type="image/svg+xml")
    response["Cache-Control"] = "public, max-age=300"
    return response


@never_cache
def citizen(request: HttpRequest, slug: str) -> HttpResponse:
    townhall = get_object_or_404(TownHall, slug=slug)
    if participants.participant_of(request.session) is None:
        # A new citizen session, counted per address (flood control).
        try:
            participant = services.citizen_session_start(townhall_id=townhall.pk, ip=client_ip(request))
        except RateLimited as exc:
            response = render(
                request,
                "error.html",
                {
                    "title": _("Too many visitors"),
                    "message": _("Too many new visitors from your network. Please try again in a moment."),
                },
                status=429,
            )
            response["Retry-After"] = str(exc.retry_after)
            return response
        participants.set_participant(request.session, participant)
    return render(
        request, "citizen.html", {"townhall": townhall, "ws_path": links.socket_path("citizen", townhall.slug)}
    )


@never_cache
@login_required
def moderate(request: HttpRequest, slug: str) -> HttpResponse:
    townhall = get_object_or_404(TownHall, slug=slug)
    if not selectors.is_moderator(request.user, townhall):
        return render(
            request,
            "error.html",
            {"title": _("Not a moderator"), "message": _("Your account is not a moderator of this town hall.")},
            status=403,
        )
    return render(
        request,
        "moderator.html",
        {
            "townhall": townhall,
            "ws_path": links.socket_path("moderator", townhall.slug),
            "screen_url": links.absolute(links.screen_path(townhall.slug, townhall.screen_key), request),
        },
    )


@never_cache
def screen(request: HttpRequest, slug: str) -> HttpResponse:
    townhall = get_object_or_404(TownHall, slug=slug)
    key = request.GET.get("key", "")
    if not key or not secrets.compare_digest(key.encode(), townhall.screen_key.encode()):
        return render(
            request,
            "error.html",
            {"title": _("Wrong screen key"), "message": _("Open the screen link given in the moderator console.")},
            status=403,
        )
    return render(
        request,
        "screen.html",
        {
            "townhall": townhall,
            "ws_path": links.socket_path("screen", townhall.slug, townhall.screen_key),
            "join_url": links.absolute(links.citizen_path(townhall.slug), request),
        },
    )


def _database_status() -> dict[str, str]:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:  # any driver error means "down": report it, do not raise
        return {"status": "down", "vendor": connection.vendor, "error": str(exc)}
    return {"status": "ok", "vendor": connection.vendor}


async def _channel_layer_status() -> dict[str, str]:
    layer = get_channel_layer()
    if layer is None:
        return {"status": "down", "error": "no channel layer configured"}
    backend = type(layer).__module__ + "." + type(layer).__name__
    try:
        channel = await layer.new_channel("healthz.")
        await asyncio.wait_for(layer.send(channel, {"type": "healthz.ping"}), 2)
        message = await asyncio.wait_for(layer.receive(channel), 2)
    except Exception as exc:  # Redis down, timeouts: report, do not raise
        return {"status": "down", "backend": backend, "error": f"{type(exc).__name__}: {exc}"}
    if message.get("type") != "healthz.ping":
        return {"status": "down", "backend": backend, "error": "round trip returned another message"}
    return {"status": "ok", "backend": backend}


@never_cache
async def healthz(request: HttpRequest) -> JsonResponse:
    database = await sync_to_async(_database_status, thread_sensitive=True)()
    layer = await _channel_layer_status()
    scorer = registry.scorer_details()
    healthy = database["status"] == "ok" and layer["status"] == "ok"
    body = {
        "status": "ok" if healthy else "degraded",
        "database": database,
        "channel_layer": layer,
        "scorer": {
            "name": scorer["name"] or scorer["configured"],
            "status": scorer["status"],
            "mode": scorer["mode"],
            "load_seconds": scorer["load_seconds"],
            "error": scorer["error"],
            "fallback_reason": scorer["fallback_reason"],
        },
    }
    return JsonResponse(body, status=200 if healthy else 503)
