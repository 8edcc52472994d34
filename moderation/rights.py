"""Who may still hold a socket: the reads behind "rights checked live".

A moderator socket is allowed while its user is active, still a moderator of
the town hall and its login session (the one that opened the socket) still
exists and is still that user's; a screen socket while the key it opened
with is still the town hall's. The sockets check at every action and
``resync``, each process's hub at every poll (``consumers/hub.py``) and when
the services signal a change (``moderation/services/rights.py``).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from importlib import import_module

from django.conf import settings
from django.contrib.auth import HASH_SESSION_KEY, SESSION_KEY, get_user_model
from django.utils.crypto import constant_time_compare, salted_hmac

from moderation.models import TownHall


@dataclass(frozen=True)
class ModeratorClaim:
    """What a moderator socket was opened with."""

    townhall_id: int
    user_id: int
    session_key: str | None

    @property
    def session(self) -> str | None:
        return None if self.session_key is None else session_tag(self.session_key)


@dataclass(frozen=True)
class ScreenClaim:
    """What a screen socket was opened with."""

    townhall_id: int
    key: str


Claim = ModeratorClaim | ScreenClaim


def session_tag(session_key: str) -> str:
    """What names a login session in a stored event: a keyed hash, since the
    session key itself is a credential."""
    return salted_hmac("moderation.rights.session", session_key).hexdigest()[:32]


# The stored events that may end rights (``revokes``).
REVOKING_EVENTS = frozenset({"presence.changed", "townhall.updated"})


def revokes(claim: Claim | None, event_type: str, payload: dict) -> bool:
    """Whether this stored event ends what ``claim`` was opened with: a
    ``presence.changed`` that revokes its user (its session), or a
    ``townhall.updated`` carrying another screen key. Pure: the hubs ask it
    for every socket before delivering the event."""
    if isinstance(claim, ModeratorClaim):
        revoked = payload.get("revoked") if event_type == "presence.changed" else None
        return (
            revoked is not None
            and revoked.get("user_id") == claim.user_id
            and revoked.get("session") in (None, claim.session)
        )
    if isinstance(claim, ScreenClaim) and event_type == "townhall.updated":
        key = payload.get("townhall", {}).get("screen_key")
        return key is not None and not secrets.compare_digest(key.encode(), claim.key.encode())
    return False


def _session_login(session_key: str) -> tuple[str | None, str]:
    """The user id and auth hash a stored login session holds (``None``:
    logged out, expired, gone)."""
    store = import_module(settings.SESSION_ENGINE).SessionStore(session_key=session_key)
    data = store.load()
    value = data.get(SESSION_KEY)
    return (None if value is None else str(value)), str(data.get(HASH_SESSION_KEY, ""))


def moderator_allowed(claim: ModeratorClaim) -> bool:
    """Whether a moderator socket may still act and receive (one or two queries)."""
    return claims_allowed([claim]) == [True]


def claims_allowed(claims: list[Claim]) -> list[bool]:
    """For each claim, whether its socket may stay open, as the database says now.

    One query for the memberships, one for the screen keys, one per distinct
    login session (moderators are few). The user rows and the sessions are
    read one after the other: a password change committed between the two
    reads looks like a logout of the very session that changed it (its new
    hash against the user's old one). So each refusal is read a second time,
    and holds only if that read agrees: it sees the change whole.
    """
    allowed = _claims_allowed_once(claims)
    if all(allowed):
        return allowed
    confirmed = iter(_claims_allowed_once([c for c, ok in zip(claims, allowed, strict=True) if not ok]))
    return [ok or next(confirmed) for ok in allowed]


def _claims_allowed_once(claims: list[Claim]) -> list[bool]:
    moderators = [c for c in claims if isinstance(c, ModeratorClaim)]
    screens = [c for c in claims if isinstance(c, ScreenClaim)]
    members: set[tuple[int, int]] = set()
    users: dict[int, object] = {}
    if moderators:
        through = TownHall.moderators.through
        users = get_user_model().objects.filter(pk__in={c.user_id for c in moderators}, is_active=True).in_bulk()
        members = set(
            through.objects.filter(
                townhall_id__in={c.townhall_id for c in moderators}, user_id__in=list(users)
            ).values_list("townhall_id", "user_id")
        )
    sessions = {c.session_key: _session_login(c.session_key) for c in moderators if c.session_key}
    keys: dict[int, str] = {}
    if screens:
        keys = dict(TownHall.objects.filter(pk__in={c.townhall_id for c in screens}).values_list("pk", "screen_key"))
    allowed = []
    for claim in claims:
        if isinstance(claim, ModeratorClaim):
            ok = (claim.townhall_id, claim.user_id) in members and (
                claim.session_key is None or _same_login(sessions[claim.session_key], users[claim.user_id])
            )
        else:
            key = keys.get(claim.townhall_id)
            ok = key is not None and secrets.compare_digest(key.encode(), claim.key.encode())
        allowed.append(ok)
    return allowed


def _same_login(login: tuple[str | None, str], user: object) -> bool:
    """The session is still this user's login, and its password was not
    changed since (Django's own session hash check)."""
    user_id, auth_hash = login
    return user_id == str(user.pk) and constant_time_compare(auth_hash, user.get_session_auth_hash())
