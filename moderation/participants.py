"""Citizens have no account: a random participant id in their Django session
makes "my questions" and one-vote-each work. The citizen page sets it; the
citizen socket reads it."""

from __future__ import annotations

import uuid
from typing import Any

SESSION_KEY = "participant"


def ensure_participant(session: Any) -> str:
    """The session's participant id, drawn now if it has none."""
    participant = participant_of(session)
    if participant is None:
        participant = uuid.uuid4().hex
        session[SESSION_KEY] = participant
    return participant


def set_participant(session: Any, participant: str) -> None:
    """Give the session a participant id drawn by ``services.citizen_session_start``."""
    session[SESSION_KEY] = participant


def participant_of(session: Any) -> str | None:
    """The session's participant id, or ``None`` (no session, or the citizen page was never loaded)."""
    value = session.get(SESSION_KEY) if session is not None else None
    return value if isinstance(value, str) and value else None
