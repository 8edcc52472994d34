"""A citizen's own data in one town hall: download it, erase it
(docs/security.md, "Personal data"). No account: the session's participant
id for that town hall says whose (moderation/participants.py)."""

from __future__ import annotations

import json

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from moderation import participants, selectors, services
from moderation.models import TownHall
from townhall import links


def _townhall(slug: str) -> TownHall:
    return get_object_or_404(TownHall.objects.exclude(status=TownHall.Status.DRAFT), slug=slug)


@never_cache
@require_GET
def download(request: HttpRequest, slug: str) -> HttpResponse:
    """``my-data.json``: what the service holds about this session in this
    town hall (``selectors.citizen_data``), as a file. Empty lists for a
    session that never asked or voted there. 404 for a draft or unknown slug."""
    townhall = _townhall(slug)
    data = selectors.citizen_data(townhall, participants.participant_of(request.session, townhall.pk))
    response = HttpResponse(
        json.dumps(data, ensure_ascii=False, indent=2), content_type="application/json; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="{townhall.slug}-my-data.json"'
    return response


@never_cache
@require_POST
def erase(request: HttpRequest, slug: str) -> HttpResponse:
    """Erase this session's questions and votes in this town hall
    (``services.citizen_erase``; CSRF-checked; the form's ``confirm=yes``
    box must be ticked, else nothing happens), forget its participant id
    there, and go back to the citizen page, which says it is done.
    A session without an id there has nothing to erase."""
    townhall = _townhall(slug)
    if request.POST.get("confirm") != "yes":
        return redirect(links.citizen_path(townhall.slug) + "#my-data")
    participant = participants.participant_of(request.session, townhall.pk)
    if participant is not None:
        services.citizen_erase(townhall_id=townhall.pk, participant=participant)
        participants.forget_participant(request.session, townhall.pk)
    return redirect(links.citizen_path(townhall.slug) + "?erased=1#my-data")
