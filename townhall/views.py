"""Thin page views: find the town hall, check access, render. No domain logic."""

from __future__ import annotations

import asyncio
import io
import logging
import secrets
from typing import Any

import segno
from asgiref.sync import sync_to_async
from channels.layers import get_channel_layer
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import LoginView
from django.db import connection
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from moderation import exports, participants, selectors, services
from moderation.exceptions import RateLimited
from moderation.models import TownHall
from moderation.scoring import registry
from moderation.team import townhall_team
from townhall import charter_views, client_ip, links

logger = logging.getLogger(__name__)


def _published() -> QuerySet[TownHall]:
    """Town halls citizens and the screen may open: a draft exists only for its
    moderators (the console) until it goes live, so its pages are 404."""
    return TownHall.objects.exclude(status=TownHall.Status.DRAFT)


class SignInView(LoginView):
    """Django's login view; it offers password reset only when mail is configured."""

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return {**super().get_context_data(**kwargs), "password_reset": settings.PASSWORD_RESET_ENABLED}


def index(request: HttpRequest) -> HttpResponse:
    townhalls = TownHall.objects.filter(status=TownHall.Status.LIVE).order_by("title")
    return render(request, "index.html", {"townhalls": townhalls})


def join(request: HttpRequest) -> HttpResponse:
    """The short code shown on the projector leads here: /join?code=K7M2QX."""
    code = request.GET.get("code", "")
    if code:
        townhall = selectors.townhall_by_join_code(code)
        if townhall is not None and townhall.status != TownHall.Status.DRAFT:
            return redirect("citizen", slug=townhall.slug)
        return render(request, "join.html", {"code": code[:20], "unknown": True}, status=404)
    return render(request, "join.html", {"code": ""})


def join_qr(request: HttpRequest, slug: str) -> HttpResponse:
    """The join link as a QR code, drawn on the server (no third-party service)."""
    townhall = get_object_or_404(_published(), slug=slug)
    url = links.absolute(links.citizen_path(townhall.slug), request)
    buffer = io.BytesIO()
    segno.make(url, error="m").save(buffer, kind="svg", scale=8, border=2, dark="#000", light="#fff", xmldecl=False)
    response = HttpResponse(buffer.getvalue(), content_type="image/svg+xml")
    response["Cache-Control"] = "public, max-age=300"
    return response


@never_cache
def citizen(request: HttpRequest, slug: str) -> HttpResponse:
    townhall = get_object_or_404(_published(), slug=slug)
    if participants.participant_of(request.session, townhall.pk) is None:
        legacy = participants.legacy_participant(request.session)
        if legacy is not None and selectors.citizen_session_townhall(legacy) == townhall.pk:
            participants.adopt_legacy(request.session, townhall.pk, legacy)
        else:
            refused = _start_citizen_session(request, townhall)
            if refused is not None:
                return refused
    if not request.user.is_authenticated:
        # A citizen's cookie lives CITIZEN_SESSION_AGE after their last visit
        # (docs/security.md, "Personal data"); a moderator's keeps SESSION_COOKIE_AGE.
        request.session.set_expiry(settings.CITIZEN_SESSION_AGE)
    context = {
        "townhall": townhall,
        "ws_path": links.socket_path("citizen", townhall.slug),
        "my_data_url": links.my_data_path(townhall.slug),
        "erase_url": links.my_data_erase_path(townhall.slug),
        "erased": request.GET.get("erased") == "1",
        "retention_days": settings.RETENTION_DAYS,
    }
    return render(request, "citizen.html", {**context, **charter_views.charter_context(townhall)})


def _start_citizen_session(request: HttpRequest, townhall: TownHall) -> HttpResponse | None:
    """Draw this town hall's participant id for the session (counted per
    address: flood control); the 429 page when the address made too many."""
    try:
        participant = services.citizen_session_start(townhall_id=townhall.pk, ip=client_ip.client_ip(request))
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
    participants.set_participant(request.session, townhall.pk, participant)
    return None


def _not_a_moderator(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "error.html",
        {"title": _("Not a moderator"), "message": _("Your account is not a moderator of this town hall.")},
        status=403,
    )


@never_cache
@login_required
def moderate(request: HttpRequest, slug: str) -> HttpResponse:
    townhall = get_object_or_404(TownHall, slug=slug)
    if not selectors.is_moderator(request.user, townhall):
        return _not_a_moderator(request)
    return render(
        request,
        "moderator.html",
        {
            "townhall": townhall,
            "ws_path": links.socket_path("moderator", townhall.slug),
            "screen_url": links.absolute(links.screen_path(townhall.slug, townhall.screen_key), request),
            "export_urls": links.export_paths(townhall.slug),
            "charter_edit_url": links.charter_edit_path(townhall.slug),
        },
    )


@never_cache
@login_required
def moderate_export(request: HttpRequest, slug: str, what: str, fmt: str) -> HttpResponse:
    """A download of the town hall's questions or decisions (docs/exports.md),
    for its moderators only (403 otherwise; anonymous: to the login page).
    ``?excel=1`` asks CSV for French spreadsheets."""
    townhall = get_object_or_404(TownHall, slug=slug)
    if not selectors.is_moderator(request.user, townhall):
        return _not_a_moderator(request)
    excel = fmt == exports.CSV and request.GET.get("excel") == "1"
    result = exports.export(townhall, what=what, fmt=fmt, excel=excel)
    response = HttpResponse(result.content, content_type=result.content_type)
    response["Content-Disposition"] = content_disposition_header(True, result.filename)
    return response


@never_cache
def screen(request: HttpRequest, slug: str) -> HttpResponse:
    townhall = get_object_or_404(_published(), slug=slug)
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
            "team": townhall_team(townhall),
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


async def _may_see_details(request: HttpRequest) -> bool:
    """Staff, or this machine itself: the details name hosts, ports and error texts."""
    if client_ip.is_local(request):
        return True
    user = await request.auser()
    return bool(user.is_active and user.is_staff)


@never_cache
async def healthz(request: HttpRequest) -> JsonResponse:
    """``{"status": "ok"|"degraded"}`` (200 or 503) for anyone; the database,
    channel layer and scorer details for staff and loopback (docs/protocol.md)."""
    database = await sync_to_async(_database_status, thread_sensitive=True)()
    layer = await _channel_layer_status()
    healthy = database["status"] == "ok" and layer["status"] == "ok"
    status = 200 if healthy else 503
    if not await _may_see_details(request):
        return JsonResponse({"status": "ok" if healthy else "degraded"}, status=status)
    scorer = registry.scorer_details()
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
    return JsonResponse(body, status=status)
