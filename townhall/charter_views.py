"""The charter pages: the public charter of a town hall, and its moderators'
form to edit it and to choose the name the public sees. Thin: every write
goes through ``moderation.services`` (audited)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache

from moderation import selectors, services
from moderation.charter import MAX_CHARTER_CONTACT, MAX_CHARTER_TEXT, charter_for
from moderation.exceptions import DomainError
from moderation.models import TownHall
from moderation.services.charter import MAX_DISPLAY_NAME
from moderation.team import display_name
from townhall import links


def privacy_context() -> dict[str, Any]:
    """What the privacy notice (partials/privacy_notice.html) shows, per deployment."""
    return {
        "retention_days": settings.RETENTION_DAYS,
        "controller": settings.PRIVACY_CONTROLLER,
        "contact": settings.PRIVACY_CONTACT,
    }


def charter_context(townhall: TownHall) -> dict[str, Any]:
    """The charter, its page's link and the privacy notice, for a template."""
    return {
        "charter": charter_for(townhall),
        "charter_url": links.charter_path(townhall.slug),
        "privacy": privacy_context(),
    }


def charter(request: HttpRequest, slug: str) -> HttpResponse:
    """The public charter of a town hall (a draft's is 404, as its other pages)."""
    townhall = get_object_or_404(TownHall.objects.exclude(status=TownHall.Status.DRAFT), slug=slug)
    context = {"townhall": townhall, "citizen_url": links.citizen_path(townhall.slug), **charter_context(townhall)}
    return render(request, "charter.html", context)


class CharterForm(forms.Form):
    scope = forms.CharField(
        label=gettext_lazy("What is accepted"),
        required=False,
        max_length=MAX_CHARTER_TEXT,
        widget=forms.Textarea(attrs={"rows": 5}),
    )
    contest = forms.CharField(
        label=gettext_lazy("How to contest a decision"),
        required=False,
        max_length=MAX_CHARTER_TEXT,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    contact = forms.CharField(label=gettext_lazy("Contact"), required=False, max_length=MAX_CHARTER_CONTACT)


class DisplayNameForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Your public name"), required=False, max_length=MAX_DISPLAY_NAME)


def _save(request: HttpRequest, townhall: TownHall, form: forms.Form) -> str | None:
    """Call the form's service; the domain error's message, if any."""
    try:
        if isinstance(form, CharterForm):
            services.townhall_set_charter(townhall_id=townhall.pk, moderator=request.user, **form.cleaned_data)
        else:
            services.moderator_set_display_name(user=request.user, name=form.cleaned_data["name"])
    except DomainError as exc:
        return exc.message
    return None


@never_cache
@login_required
def charter_edit(request: HttpRequest, slug: str) -> HttpResponse:
    """Moderators of the town hall only: the charter form and the public-name form.

    POST takes one of the two (``form`` = ``charter`` or ``name``) and
    redirects back with ``?saved=...`` on success (403 for others)."""
    townhall = get_object_or_404(TownHall, slug=slug)
    if not selectors.is_moderator(request.user, townhall):
        title, message = _("Not a moderator"), _("Your account is not a moderator of this town hall.")
        return render(request, "error.html", {"title": title, "message": message}, status=403)
    charter_form = CharterForm(
        initial={
            "scope": townhall.charter_scope,
            "contest": townhall.charter_contest,
            "contact": townhall.charter_contact,
        }
    )
    name_form = DisplayNameForm(initial={"name": request.user.get_full_name()})
    error = None
    if request.method == "POST":
        which = request.POST.get("form")
        form: forms.Form = CharterForm(request.POST) if which == "charter" else DisplayNameForm(request.POST)
        if which == "charter":
            charter_form = form
        else:
            name_form = form
        if form.is_valid():
            error = _save(request, townhall, form)
            if error is None:
                saved = "charter" if which == "charter" else "name"
                return redirect(links.charter_edit_path(townhall.slug) + "?saved=" + saved)
    context = {
        "townhall": townhall,
        "charter_form": charter_form,
        "name_form": name_form,
        "error": error,
        "saved": request.GET.get("saved", ""),
        "public_name": display_name(request.user),
        "moderate_url": links.moderate_path(townhall.slug),
        **charter_context(townhall),
    }
    return render(request, "charter_edit.html", context, status=400 if request.method == "POST" else 200)
