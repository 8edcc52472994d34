"""Who moderates, in public: the charter's texts and the moderators' public names.

Both are audited: one ``charter`` decision for a charter edit, one
``display_name`` decision per town hall of a moderator who changes the name
the public sees; each town hall concerned gets ``townhall.updated`` (its
``team`` is what the screen shows as "Moderated by").
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction

from moderation import events, states
from moderation.charter import MAX_CHARTER_CONTACT, MAX_CHARTER_TEXT
from moderation.exceptions import BadRequest, Forbidden, TooLong
from moderation.models import TownHall
from moderation.selectors import townhall_record
from moderation.services._core import append_event, check_moderator, decide, lock_townhall, with_decision
from moderation.text import clean_line, clean_text

# A display name is shown on the projector: as long as a citizen's name.
MAX_DISPLAY_NAME = states.MAX_AUTHOR_LENGTH


def _charter_text(value: object, name: str, limit: int, *, multiline: bool) -> str:
    if not isinstance(value, str):
        raise BadRequest(f"{name} must be a string.")
    cleaned = clean_text(value) if multiline else clean_line(value)
    if len(cleaned) > limit:
        raise TooLong(f"{name} is limited to {limit} characters.")
    return cleaned


def townhall_set_charter(
    *, townhall_id: int, moderator: AbstractBaseUser, scope: str, contest: str, contact: str
) -> TownHall:
    """Replace the charter's "what is accepted" and "how to contest" texts and
    its contact. An empty text means the translated default
    (``moderation.charter``). Writing what is already there changes nothing
    (``.decision`` is ``None``).

    Raises ``BadRequest`` (not a string), ``TooLong`` (texts over
    ``MAX_CHARTER_TEXT``, contact over ``MAX_CHARTER_CONTACT``), ``Forbidden``
    (not a moderator of it), ``NotFound``.
    """
    fields = {
        "charter_scope": _charter_text(scope, "scope", MAX_CHARTER_TEXT, multiline=True),
        "charter_contest": _charter_text(contest, "contest", MAX_CHARTER_TEXT, multiline=True),
        "charter_contact": _charter_text(contact, "contact", MAX_CHARTER_CONTACT, multiline=False),
    }
    with transaction.atomic():
        townhall = lock_townhall(townhall_id)
        check_moderator(townhall, moderator)
        if all(getattr(townhall, name) == value for name, value in fields.items()):
            return with_decision(townhall, None)
        for name, value in fields.items():
            setattr(townhall, name, value)
        TownHall.objects.filter(pk=townhall.pk).update(**fields)
        decision = decide(townhall, moderator=moderator, action=states.CHARTER)
        append_event(townhall, events.TOWNHALL_UPDATED, {"townhall": townhall_record(townhall), "decision": decision})
    return with_decision(townhall, decision)


def moderator_set_display_name(*, user: AbstractBaseUser, name: str) -> list[TownHall]:
    """Set the name the public sees for ``user`` (``moderation.team.display_name``
    reads it as the full name; empty: the user name is shown).

    Each town hall ``user`` moderates gets a ``display_name`` decision and
    ``townhall.updated`` with its new team. Returns those town halls (each with
    ``.decision``); none when the name did not change.

    Raises ``BadRequest`` (not a string), ``TooLong`` (over
    ``MAX_DISPLAY_NAME``), ``Forbidden`` (an inactive account).
    """
    if not isinstance(name, str):
        raise BadRequest("name must be a string.")
    name = clean_line(name)
    if len(name) > MAX_DISPLAY_NAME:
        raise TooLong(f"A display name is limited to {MAX_DISPLAY_NAME} characters.")
    if not user.is_active:
        raise Forbidden("This account is deactivated.")
    with transaction.atomic():
        # Town halls first, in one order, as every service locks them.
        townhalls = list(TownHall.objects.select_for_update().filter(moderators=user).order_by("pk"))
        account = get_user_model().objects.select_for_update().get(pk=user.pk)
        if (account.first_name, account.last_name) == (name, ""):
            return []
        account.first_name, account.last_name = name, ""
        account.save(update_fields=["first_name", "last_name"])
        user.first_name, user.last_name = name, ""
        changed = []
        for townhall in townhalls:
            decision = decide(townhall, moderator=account, action=states.DISPLAY_NAME)
            record = townhall_record(townhall)
            append_event(townhall, events.TOWNHALL_UPDATED, {"townhall": record, "decision": decision})
            changed.append(with_decision(townhall, decision))
    return changed
