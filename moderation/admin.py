"""Admin for auditing, read-only but for who moderates a town hall and its topics.

Changes go through the consoles and services: the town hall form changes
its moderators through ``services.townhall_moderators_set``, which closes
the consoles of those removed at once (docs/security.md, "Rights and sockets"),
and its topic list through ``services.townhall_set_topics``.
"""

from typing import Any

from django import forms
from django.contrib import admin
from django.http import HttpRequest

from moderation import services
from moderation.models import Decision, Event, Question, TownHall
from moderation.topics import DEFAULT_TOPICS, MAX_TOPICS, validate_topics


class TownHallForm(forms.ModelForm):
    """The topic list as words in key order ("transport housing budget"), checked
    like ``manage.py townhall topics``; empty: the default set."""

    topics = forms.CharField(
        required=False,
        widget=forms.TextInput(attrs={"size": 80}),  # nine keys fit
        help_text=(
            f"Topic keys in the console's key order (1-{MAX_TOPICS}), separated by spaces or commas; "
            f"empty: all of {' '.join(DEFAULT_TOPICS)}."
        ),
    )

    class Meta:
        model = TownHall
        fields = ("moderators", "topics")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.initial["topics"] = " ".join(self.instance.topics or [])

    def clean_topics(self) -> list[str]:
        keys = self.cleaned_data["topics"].replace(",", " ").split()
        try:
            return validate_topics(keys)
        except ValueError as exc:
            raise forms.ValidationError(str(exc)) from exc


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
    # Only the moderators and topics can be changed here (the rest: the console, manage.py townhall).
    form = TownHallForm
    fields = ("title", "slug", "status", "moderators", "topics")
    readonly_fields = ("title", "slug", "status")
    filter_horizontal = ("moderators",)

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def save_model(self, request: HttpRequest, obj: TownHall, form: Any, change: bool) -> None:
        """Nothing but the moderators and topics is editable: ``save_related`` stores them."""

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        services.townhall_moderators_set(townhall_id=form.instance.pk, users=form.cleaned_data["moderators"])
        if "topics" in form.changed_data:
            services.townhall_set_topics(townhall_id=form.instance.pk, topics=form.cleaned_data["topics"])


@admin.register(Question)
class QuestionAdmin(ReadOnlyAdmin):
    list_display = ("id", "townhall", "status", "topic", "held", "toxicity_score", "votes", "starred", "created_at")
    list_filter = ("townhall", "status", "topic", "topic_source", "held", "starred")
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
