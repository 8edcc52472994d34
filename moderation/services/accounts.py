"""Moderators who leave: deactivation, then anonymisation that keeps the record.

A moderator's decisions are the public record of a session ("who moderates,
and how"): the ``Decision`` rows keep pointing at the account whatever
happens to it. Deactivating the account ends its rights at once (its open
consoles close: ``moderation/signals.py`` sees ``is_active`` change).
Anonymising it later replaces its user name, names and e-mail address with a
stable pseudonym (``moderator-<id>``) everywhere they were stored: the
account, the copies of its name in the event log (the ``decision`` and
``presence`` records events carry), the admin's log and the login throttle's
rows. The record then counts its decisions under the pseudonym
(``moderation.team.display_name``).
"""

from __future__ import annotations

from typing import Any

from django.apps import apps
from django.contrib.admin.models import LogEntry
from django.contrib.auth.models import AbstractBaseUser
from django.contrib.contenttypes.models import ContentType
from django.db import transaction

from moderation.models import Event

PSEUDONYM_PREFIX = "moderator-"
_BATCH = 500
# django-axes' tables that name a user who tried to log in.
_LOGIN_LOGS = ("AccessAttempt", "AccessLog", "AccessFailureLog")


def pseudonym(user: AbstractBaseUser) -> str:
    """The stable public name of an anonymised account: ``moderator-<id>``."""
    return f"{PSEUDONYM_PREFIX}{user.pk}"


def moderator_deactivate(*, user: AbstractBaseUser) -> AbstractBaseUser:
    """Deactivate an account: it can no longer log in, and its open consoles
    close at once on every process (the ``post_save`` edge calls
    ``moderator_sockets_close`` in this transaction). Its decisions stay.
    Deactivating an inactive account changes nothing. Raises nothing."""
    with transaction.atomic():
        if user.is_active:
            user.is_active = False
            user.save(update_fields=["is_active"])
    return user


def moderator_anonymise(*, user: AbstractBaseUser) -> AbstractBaseUser:
    """Replace the account's user name, first and last names and e-mail with
    its pseudonym (deactivating it first if needed), in the account and in
    every stored copy (see the module docstring); its password becomes
    unusable. The ``Decision`` rows keep pointing at it. Running it again
    changes nothing. Raises ``ValueError`` if the pseudonym is another
    account's user name."""
    new_name = pseudonym(user)
    model = type(user)
    if model.objects.filter(username=new_name).exclude(pk=user.pk).exists():
        raise ValueError(f"Another account is called {new_name!r}.")
    with transaction.atomic():
        moderator_deactivate(user=user)
        old_name = user.get_username()
        user.username = new_name
        user.first_name = user.last_name = user.email = ""
        user.set_unusable_password()
        user.save()
        _rename_in_events(old_name, new_name)
        _rename_in_admin_log(user, new_name)
        _forget_login_attempts(old_name)
    return user


def _rename_in_events(old_name: str, new_name: str) -> int:
    """Events carry moderators as ``{"username", "name", ...}`` (decisions,
    presence, redactions): each one of this account gets the pseudonym."""
    if old_name == new_name:
        return 0
    changed: list[Event] = []
    rows = Event.objects.exclude(type="question.votes").only("id", "payload")
    for event in rows.iterator(chunk_size=_BATCH):
        payload = _renamed(event.payload, old_name, new_name)
        if payload != event.payload:
            event.payload = payload
            changed.append(event)
    Event.objects.bulk_update(changed, ["payload"], batch_size=_BATCH)
    return len(changed)


def _renamed(value: Any, old_name: str, new_name: str) -> Any:
    if isinstance(value, list):
        return [_renamed(item, old_name, new_name) for item in value]
    if not isinstance(value, dict):
        return value
    if value.get("username") == old_name and "name" in value:
        return {**value, "username": new_name, "name": new_name}
    return {key: _renamed(item, old_name, new_name) for key, item in value.items()}


def _rename_in_admin_log(user: AbstractBaseUser, new_name: str) -> None:
    """The admin's history names an edited account by its ``str()``, the user name."""
    content_type = ContentType.objects.get_for_model(type(user))
    LogEntry.objects.filter(content_type=content_type, object_id=str(user.pk)).update(object_repr=new_name)


def _forget_login_attempts(old_name: str) -> None:
    """The login throttle's rows name the account tried: they go (they only
    throttle logins, which this account can no longer make)."""
    if not apps.is_installed("axes"):
        return
    for name in _LOGIN_LOGS:
        try:
            model = apps.get_model("axes", name)
        except LookupError:
            continue
        model.objects.filter(username=old_name).delete()
