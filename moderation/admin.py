"""Read-only admin for auditing. Changes go through the consoles and services."""

from django.contrib import admin

from moderation.models import Decision, Event, Question, TownHall


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(TownHall)
class TownHallAdmin(ReadOnlyAdmin):
    list_display = ("slug", "title", "status", "max_question_length", "hold_threshold")


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
