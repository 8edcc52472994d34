"""Who moderates a town hall, the screen key, and closing the sockets whose rights end.

A right that ends (a moderator removed from a town hall, an account
deactivated, a login session ended, a screen key rotated) closes the sockets
that held it at once, on every server process, before any later event
reaches them: the change appends an event to each town hall concerned, in
the same transaction: ``presence.changed`` carrying ``revoked`` (who; never
rendered to clients), or ``townhall.updated`` with the new screen key. Every
process's hub delivers events in ``seq`` order, and closes the matching
sockets (4403) when it reaches that event, before rendering it or anything
after it (``consumers/hub.py``). The database stays the truth: a write that
skips the services is caught by the hubs' poll, and every moderator action
and ``resync`` re-checks (``moderation.rights``).
"""

from __future__ import annotations

from collections.abc import Iterable

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction

from moderation import events, rights, selectors, states
from moderation.models import ModeratorPresence, TownHall, new_screen_key
from moderation.selectors import townhall_record
from moderation.services._core import append_event, check_moderator, decide, lock_townhall, with_decision


def moderator_sockets_close(
    *, user_id: int, session_key: str | None = None, townhall_ids: Iterable[int] | None = None
) -> None:
    """Close the moderator sockets of ``user_id`` (only those its login
    session ``session_key`` opened, if given) on every process.

    ``townhall_ids``: where; by default every town hall the user has a
    console open in (``ModeratorPresence``: a console writes its row before
    it reads its snapshot, which re-checks the rights, so none is missed).
    Call it with (in the same transaction as) the change that ended the
    rights: deactivation and logout come here (``moderation/signals.py``).
    Unknown town halls are skipped.
    """
    if townhall_ids is None:
        townhall_ids = set(ModeratorPresence.objects.filter(user_id=user_id).values_list("townhall_id", flat=True))
    with transaction.atomic():
        for townhall in TownHall.objects.select_for_update().filter(pk__in=set(townhall_ids)).order_by("pk"):
            _revoke(townhall, user_id=user_id, session_key=session_key)


def _revoke(townhall: TownHall, *, user_id: int, session_key: str | None) -> None:
    """On a locked town hall: the user's consoles there leave the presence list
    (all of them, or, for one session, when they close) and every process
    closes them on this event."""
    if session_key is None:
        ModeratorPresence.objects.filter(townhall_id=townhall.pk, user_id=user_id).delete()
    revoked = {"user_id": user_id, "session": None if session_key is None else rights.session_tag(session_key)}
    append_event(
        townhall, events.PRESENCE_CHANGED, {"presence": selectors.presence_list(townhall.pk), "revoked": revoked}
    )


def townhall_moderators_set(*, townhall_id: int, users: Iterable[AbstractBaseUser]) -> TownHall:
    """Make ``users`` the town hall's moderators (the admin's form comes here).

    The consoles of those removed close at once (4403). Raises ``NotFound``.
    """
    with transaction.atomic():
        townhall = lock_townhall(townhall_id)
        _set_moderators(townhall, {user.pk for user in users})
    return townhall


def townhall_moderator_add(*, townhall_id: int, user: AbstractBaseUser) -> TownHall:
    """Add a moderator (nothing changes if it is one already). Raises ``NotFound``."""
    with transaction.atomic():
        townhall = lock_townhall(townhall_id)
        _set_moderators(townhall, _moderator_ids(townhall) | {user.pk})
    return townhall


def townhall_moderator_remove(*, townhall_id: int, user: AbstractBaseUser) -> TownHall:
    """Remove a moderator from a town hall: its consoles there close at once
    (4403) on every process. Removing a non-moderator changes nothing.
    Raises ``NotFound``."""
    with transaction.atomic():
        townhall = lock_townhall(townhall_id)
        _set_moderators(townhall, _moderator_ids(townhall) - {user.pk})
    return townhall


def _moderator_ids(townhall: TownHall) -> set[int]:
    return set(TownHall.moderators.through.objects.filter(townhall_id=townhall.pk).values_list("user_id", flat=True))


def _set_moderators(townhall: TownHall, wanted: set[int]) -> None:
    """On a locked town hall. Through the table, not ``moderators.set()``: the
    m2m_changed edge (moderation/signals.py) is for writes that bypass the services."""
    through = TownHall.moderators.through
    current = _moderator_ids(townhall)
    removed = current - wanted
    through.objects.filter(townhall_id=townhall.pk, user_id__in=removed).delete()
    through.objects.bulk_create([through(townhall_id=townhall.pk, user_id=pk) for pk in sorted(wanted - current)])
    for user_id in sorted(removed):
        _revoke(townhall, user_id=user_id, session_key=None)
    if removed or wanted - current:
        # The team changed: screens and citizen pages show who moderates.
        append_event(townhall, events.TOWNHALL_UPDATED, {"townhall": townhall_record(townhall)})


def townhall_rotate_screen_key(*, townhall_id: int, moderator: AbstractBaseUser | None = None) -> TownHall:
    """Give the town hall a new screen key (``manage.py townhall rotate-screen-key``:
    ``moderator=None``).

    The screens open with the old key close at once (4403) on every process,
    when the hubs reach this ``townhall.updated`` (it carries the new key;
    they never render it for a screen); the moderators get it with the new
    ``screen_key`` and ``screen_url``. One ``screen_key`` Decision (which never holds the keys).
    Raises ``NotFound``, ``Forbidden`` (not a moderator of it).
    """
    with transaction.atomic():
        townhall = lock_townhall(townhall_id)
        if moderator is not None:
            check_moderator(townhall, moderator)
        townhall.screen_key = new_screen_key()
        TownHall.objects.filter(pk=townhall.pk).update(screen_key=townhall.screen_key)
        decision = decide(townhall, moderator=moderator, action=states.SCREEN_KEY)
        append_event(townhall, events.TOWNHALL_UPDATED, {"townhall": townhall_record(townhall), "decision": decision})
    return with_decision(townhall, decision)
