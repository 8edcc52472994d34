"""Who is in the moderator console, and which question each one is editing.

Presence is stored (so that every process sees it) and signalled like any
other event, to moderators only.
"""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone

from moderation import events, selectors
from moderation.exceptions import NotFound
from moderation.models import ModeratorPresence, Question
from moderation.services._core import append_event, lock_townhall


def _announce(townhall_id: int) -> None:
    townhall = lock_townhall(townhall_id)
    append_event(townhall, events.PRESENCE_CHANGED, {"presence": selectors.presence_list(townhall_id)})


def presence_join(*, townhall_id: int, user: AbstractBaseUser, channel_name: str) -> None:
    """A moderator console opened."""
    with transaction.atomic():
        lock_townhall(townhall_id)
        ModeratorPresence.objects.update_or_create(
            channel_name=channel_name, defaults={"townhall_id": townhall_id, "user": user, "editing": None}
        )
        _announce(townhall_id)


def presence_leave(*, channel_name: str) -> None:
    """A moderator console closed. Unknown channels are ignored."""
    with transaction.atomic():
        row = ModeratorPresence.objects.filter(channel_name=channel_name).first()
        if row is None:
            return
        lock_townhall(row.townhall_id)
        row.delete()
        _announce(row.townhall_id)


def presence_editing(*, channel_name: str, question_id: int | None) -> None:
    """This console opened the editor on ``question_id`` (or closed it: ``None``).

    Raises ``NotFound`` for a question of another town hall.
    """
    with transaction.atomic():
        row = ModeratorPresence.objects.select_for_update().filter(channel_name=channel_name).first()
        if row is None:
            return
        lock_townhall(row.townhall_id)
        if (
            question_id is not None
            and not Question.objects.filter(pk=question_id, townhall_id=row.townhall_id).exists()
        ):
            raise NotFound("No such question.")
        if row.editing_id == question_id:
            row.save(update_fields=["last_seen"])
            return
        row.editing_id = question_id
        row.save(update_fields=["editing", "last_seen"])
        _announce(row.townhall_id)


def presence_ping(*, channel_name: str) -> None:
    """Keep this console listed (consoles ping every minute)."""
    ModeratorPresence.objects.filter(channel_name=channel_name).update(last_seen=timezone.now())
