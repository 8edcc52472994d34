"""Admin for auditing, read-only but for who moderates a town hall.

Changes go through the consoles and services: the town hall form changes
its moderators through ``services.townhall_moderators_set``, which closes
the consoles of those removed at once (docs/security.md, "Rights and sockets").
"""

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from moderation import services
from moderation.models import Decision, Event, Question, TownHall


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(TownHall)
class TownHallAdmin(admin.ModelAdmin):
    list_display = ("slug", "title", "status", "max_question_length", "hold_threshold")
    # Only the moderators can be changed here (the rest: the console, manage.py townhall).
    fields = ("title", "slug", "status", "moderators")
    readonly_fields = ("title", "slug", "status")
    filter_horizontal = ("moderators",)

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def save_model(self, request: HttpRequest, obj: TownHall, form: Any, change: bool) -> None:
        """Nothing but the moderators is editable: ``save_related`` stores them."""

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        services.townhall_moderators_set(townhall_id=form.instance.pk, users=form.cleaned_data["moderators"])


@admin.register(Question)
class QuestionAdmin(ReadOnlyAdmin):
    list_display = ("id", "townhall", "status", "held", "toxicity_score", "votes", "starred", "created_at")
    list_filter = ("townhall", "status", "held", "starred")
    search_fields = ("text", "original_text", "author", "original_author", "place", "original_place")


@admin.register(Decision)
class DecisionAdmin(ReadOnlyAdmin):
    list_display = (
        "created_at",
        "townhall",
        "moderator",
        "action",
        "question",
        "from_status",
        "to_status",
        "reason",
        "undoes",
    )
    list_filter = ("townhall", "action", "moderator")


@admin.register(Event)
class EventAdmin(ReadOnlyAdmin):
    list_display = ("townhall", "seq", "type", "created_at")
    list_filter = ("townhall", "type")
