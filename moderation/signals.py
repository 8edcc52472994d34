"""Edges only: Django's own write paths that end a moderator's rights.

The admin's user form (``is_active``), ``user.save()`` in code or a shell,
``townhall.moderators.remove()``/``clear()`` (and the reverse
``user.moderated_townhalls``), and ``logout()`` do not go through our
services: these receivers are the only hook every one of them passes. Each
calls one service, ``moderator_sockets_close``, which publishes after commit
and stores nothing; no domain logic lives here. Writes that skip even these
(``QuerySet.update``, raw SQL) are caught by each hub's poll, which re-reads
the rights (``moderation.rights``).
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_logged_out
from django.db.models.signals import m2m_changed, post_save

from moderation.models import TownHall
from moderation.services.rights import moderator_sockets_close


def _moderators_changed(
    sender: Any, instance: Any, action: str, reverse: bool, pk_set: set[int] | None, **_: Any
) -> None:
    if action == "post_remove":
        ids = set(pk_set or ())
    elif action == "pre_clear":  # pk_set is None: read who is about to go
        if reverse:
            ids = set(sender.objects.filter(user_id=instance.pk).values_list("townhall_id", flat=True))
        else:
            ids = set(sender.objects.filter(townhall_id=instance.pk).values_list("user_id", flat=True))
    else:
        return
    if reverse:  # instance is the user, ids are town halls
        if ids:
            moderator_sockets_close(user_id=instance.pk, townhall_ids=ids)
        return
    for user_id in sorted(ids):
        moderator_sockets_close(user_id=user_id, townhall_ids=[instance.pk])


def _user_saved(sender: Any, instance: Any, created: bool, **_: Any) -> None:
    if not created and not instance.is_active:
        moderator_sockets_close(user_id=instance.pk)


def _logged_out(sender: Any, request: Any, user: Any, **_: Any) -> None:
    # Sent before the session is flushed: its key still names the sockets it opened.
    session_key = getattr(getattr(request, "session", None), "session_key", None)
    if user is not None and session_key:
        moderator_sockets_close(user_id=user.pk, session_key=session_key)


def connect() -> None:
    m2m_changed.connect(_moderators_changed, sender=TownHall.moderators.through, dispatch_uid="moderators-changed")
    post_save.connect(_user_saved, sender=get_user_model(), dispatch_uid="moderator-deactivated")
    user_logged_out.connect(_logged_out, dispatch_uid="moderator-logged-out")
