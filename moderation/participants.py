"""Citizens have no account: a random participant id in their Django session
makes "my questions" and one-vote-each work. The citizen page sets it; the
citizen socket reads it.

A session holds one id per town hall (``{"<townhall id>": participant}``
under ``SESSION_KEY``), never one shared by every town hall: two town halls
cannot link what one browser did in each (docs/security.md, "Personal data").

Sessions made before issue 11 hold one id under ``LEGACY_KEY``. It is still
that citizen's id in the town hall whose page drew it (its ``CitizenSession``
row says which), and in no other: the citizen page moves it under
``SESSION_KEY`` the next time it is loaded (``adopt_legacy``).
"""

from __future__ import annotations

from typing import Any

SESSION_KEY = "participants"
LEGACY_KEY = "participant"


def _ids(session: Any) -> dict[str, str]:
    value = session.get(SESSION_KEY) if session is not None else None
    return value if isinstance(value, dict) else {}


def participant_of(session: Any, townhall_id: int) -> str | None:
    """The session's participant id in town hall ``townhall_id``, or ``None``
    (no session, or this town hall's citizen page was never loaded)."""
    value = _ids(session).get(str(townhall_id))
    return value if isinstance(value, str) and value else None


def set_participant(session: Any, townhall_id: int, participant: str) -> None:
    """Give the session a participant id in ``townhall_id`` (drawn by ``services.citizen_session_start``)."""
    session[SESSION_KEY] = {**_ids(session), str(townhall_id): participant}


def forget_participant(session: Any, townhall_id: int) -> None:
    """Drop the session's id in ``townhall_id`` (after the citizen erased their data)."""
    ids = _ids(session)
    if str(townhall_id) in ids:
        session[SESSION_KEY] = {key: value for key, value in ids.items() if key != str(townhall_id)}


def legacy_participant(session: Any) -> str | None:
    """The one id a session made before per-town-hall ids holds, if any."""
    value = session.get(LEGACY_KEY) if session is not None else None
    return value if isinstance(value, str) and value else None


def adopt_legacy(session: Any, townhall_id: int, participant: str) -> None:
    """Keep a legacy id as this town hall's id (the town hall that drew it) and drop the shared key."""
    set_participant(session, townhall_id, participant)
    session.pop(LEGACY_KEY, None)
