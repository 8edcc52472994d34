"""The rules of a question, as data. Pure Python: no ORM, no I/O.

This module is the one source of:

- the statuses a question can have, and the actions that move it
  (``TRANSITIONS`` maps ``(from_status, action)`` to the resulting status; a
  move that is not in the table is refused with :class:`InvalidTransition`);
- the name of each action on the wire (``REQUEST_TYPES``), so that a page
  never re-encodes the table: the server tells each viewer which requests it
  may send for each question (:func:`moderator_requests`,
  :func:`citizen_requests`);
- the audit actions a ``Decision`` row records (``AUDIT_ACTIONS``);
- the limits on what citizens type.

Where one action has several names (the wire, the service, the handler), the
table in ``docs/architecture.md`` lists them.
"""

from __future__ import annotations

from typing import Final

# --- statuses ------------------------------------------------------------------

PENDING: Final = "pending"
APPROVED: Final = "approved"
REJECTED: Final = "rejected"
ANSWERED: Final = "answered"
WITHDRAWN: Final = "withdrawn"
MERGED: Final = "merged"  # folded into another question (a duplicate); its votes moved there
UNHANDLED: Final = "unhandled"  # still pending when the town hall closed

STATUSES: Final = (PENDING, APPROVED, REJECTED, ANSWERED, WITHDRAWN, MERGED, UNHANDLED)

# --- actions that move a question (the state table) ---------------------------------

APPROVE: Final = "approve"
REJECT: Final = "reject"
EDIT: Final = "edit"
ANSWER: Final = "answer"
WITHDRAW: Final = "withdraw"
MERGE: Final = "merge"
RESTORE: Final = "restore"  # from the archive: answered or merged back to the queue
CLOSE: Final = "close"  # the town hall closed: what was still pending was not handled

ACTIONS: Final = (APPROVE, REJECT, EDIT, ANSWER, WITHDRAW, MERGE, RESTORE, CLOSE)

# A target that is not one status: the move goes back to the status the
# question had before it reached this one (a merged question is restored to
# pending or approved, whichever it was). The service passes that status to
# :func:`next_status`, which checks it is one of ``RETURN_STATUSES``.
BEFORE: Final = "<before>"

TRANSITIONS: Final[dict[tuple[str, str], str]] = {
    (PENDING, APPROVE): APPROVED,
    (REJECTED, APPROVE): APPROVED,  # a moderator reconsiders
    (PENDING, REJECT): REJECTED,
    (APPROVED, REJECT): REJECTED,  # pulled back before it was answered
    (PENDING, EDIT): PENDING,
    (APPROVED, EDIT): APPROVED,
    (APPROVED, ANSWER): ANSWERED,
    (PENDING, WITHDRAW): WITHDRAWN,
    (APPROVED, WITHDRAW): WITHDRAWN,
    (PENDING, MERGE): MERGED,
    (APPROVED, MERGE): MERGED,
    (ANSWERED, RESTORE): APPROVED,  # back at the end of the queue
    (MERGED, RESTORE): BEFORE,  # and its votes go back to it
    (PENDING, CLOSE): UNHANDLED,
}

# The statuses a BEFORE move may return to, per (from_status, action).
RETURN_STATUSES: Final[dict[tuple[str, str], frozenset[str]]] = {
    (MERGED, RESTORE): frozenset({PENDING, APPROVED}),
}

# Who may take each action: the asker withdraws, moderators do the rest;
# closing the town hall (a moderator's ``townhall.close`` or the command line)
# moves every pending question at once, it is not a request on one question.
CITIZEN_ACTIONS: Final = frozenset({WITHDRAW})
MODERATOR_ACTIONS: Final = frozenset({APPROVE, REJECT, EDIT, ANSWER, MERGE, RESTORE})
TOWNHALL_ACTIONS: Final = frozenset({CLOSE})

# A question may be merged only into one of these.
MERGE_TARGET_STATUSES: Final = frozenset({PENDING, APPROVED})

# What may go on the officials' screen, and what citizens may vote on.
SCREEN_STATUSES: Final = frozenset({APPROVED})
VOTE_STATUSES: Final = frozenset({APPROVED})

# What the public (citizens who did not ask, and the screen) may see.
PUBLIC_STATUSES: Final = frozenset({APPROVED, ANSWERED})

REJECT_REASONS: Final = ("off_topic", "duplicate", "abusive", "personal_data", "other")
# Rejecting for this reason redacts the question: what the citizen typed is
# removed from every stored copy (moderation/redaction.py), and cannot come back.
PERSONAL_DATA_REASON: Final = "personal_data"

# --- audit actions (Decision.action) ----------------------------------------------

SHOW: Final = "show"  # a question put on the screen
CLEAR: Final = "clear"  # the screen cleared
NEXT: Final = "next"  # the question on screen answered and the next one shown, in one step
REORDER: Final = "reorder"  # the screen queue reordered by hand (queue order: manual)
SORT: Final = "sort"  # the screen queue back to "by votes"
HELD_TERMS: Final = "held_terms"  # the town hall's held terms replaced
UNDO: Final = "undo"  # a decision undone (the row says which one)
PAUSE: Final = "pause"  # new questions paused (townhall.pause)
RESUME: Final = "resume"  # new questions let in again
SLOW_MODE: Final = "slow_mode"  # seconds between two questions of a session (reason: the seconds)
FLOOD_REVIEW: Final = "flood_review"  # the votes held with a flood alert accepted or dropped
SCREEN_KEY: Final = "screen_key"  # the screen key rotated (the old one's screens closed)
REDACT: Final = "redact"  # an edit that removed personal data from every stored copy (moderation/redaction.py)
CHARTER: Final = "charter"  # the town hall's moderation charter edited
DISPLAY_NAME: Final = "display_name"  # a moderator changed the name the public sees
TOPIC: Final = "topic"  # a moderator set a question's topic (reason: the new key, "" for none)

AUDIT_ACTIONS: Final = (
    APPROVE,
    REJECT,
    EDIT,
    ANSWER,
    MERGE,
    RESTORE,
    SHOW,
    CLEAR,
    NEXT,
    REORDER,
    SORT,
    HELD_TERMS,
    CLOSE,
    UNDO,
    PAUSE,
    RESUME,
    SLOW_MODE,
    FLOOD_REVIEW,
    SCREEN_KEY,
    REDACT,
    CHARTER,
    DISPLAY_NAME,
    TOPIC,
)

# The decisions ``decision.undo`` can undo (within ``UNDO_WINDOW`` seconds,
# and only while what they changed has not changed again). A redaction
# (``redact``, or a ``reject`` for ``PERSONAL_DATA_REASON``) never can: the
# text it removed is gone.
UNDOABLE_ACTIONS: Final = frozenset(
    {APPROVE, REJECT, EDIT, ANSWER, MERGE, RESTORE, SHOW, CLEAR, NEXT, REORDER, SORT, TOPIC}
)


def undoable(action: str, reason: str = "") -> bool:
    """Whether a decision of ``action`` (with ``reason``) may be undone at all
    (the undo window and later changes are checked apart)."""
    return action in UNDOABLE_ACTIONS and not (action == REJECT and reason == PERSONAL_DATA_REASON)


# --- the order of the screen queue ---------------------------------------------------

QUEUE_BY_VOTES: Final = "votes"  # most votes first, then position (the default)
QUEUE_MANUAL: Final = "manual"  # position only, once a moderator moved a question
QUEUE_ORDERS: Final = (QUEUE_BY_VOTES, QUEUE_MANUAL)


def queue_key(*, votes: int, position: float | None, order: str) -> tuple[float, ...]:
    """Sort key of an approved question in the screen queue (lowest first)."""
    rank = float("inf") if position is None else position
    return (-votes, rank) if order == QUEUE_BY_VOTES else (rank,)


# --- names on the wire (docs/protocol.md) --------------------------------------------

# The request that takes each action. ``question.answered`` is protocol v1's
# name for ``answer``; the wire names are the contract and do not change.
REQUEST_TYPES: Final[dict[str, str]] = {
    APPROVE: "question.approve",
    REJECT: "question.reject",
    EDIT: "question.edit",
    ANSWER: "question.answered",
    WITHDRAW: "question.withdraw",
    MERGE: "question.merge",
    RESTORE: "question.restore",
}
SCREEN_SHOW_REQUEST: Final = "screen.show"
VOTE_REQUEST: Final = "question.vote"

# --- limits on what citizens type ------------------------------------------------

MAX_AUTHOR_LENGTH: Final = 80
MAX_PLACE_LENGTH: Final = 80


class InvalidTransition(Exception):
    """Raised when ``action`` is not allowed from ``status``."""

    def __init__(self, status: str, action: str) -> None:
        self.status = status
        self.action = action
        super().__init__(f"cannot {action} a question that is {status}")


def next_status(status: str, action: str, *, before: str | None = None) -> str:
    """Return the status that ``action`` leads to from ``status``.

    For a move whose target is ``BEFORE`` (restoring a merged question),
    ``before`` is the status the question had before; it must be one of
    ``RETURN_STATUSES`` for that move.

    Raises ``InvalidTransition`` if the move is not in the table (or
    ``before`` is not a status it may return to), and ``ValueError`` for a
    status or action that does not exist at all.
    """
    if status not in STATUSES:
        raise ValueError(f"unknown status {status!r}")
    if action not in ACTIONS:
        raise ValueError(f"unknown action {action!r}")
    try:
        target = TRANSITIONS[(status, action)]
    except KeyError:
        raise InvalidTransition(status, action) from None
    if target != BEFORE:
        return target
    if before not in RETURN_STATUSES[(status, action)]:
        raise InvalidTransition(status, action)
    return before


def allowed_actions(status: str) -> list[str]:
    """The actions the table allows from ``status``, in ``ACTIONS`` order."""
    return [action for action in ACTIONS if (status, action) in TRANSITIONS]


def _moderator_requests(status: str) -> tuple[str, ...]:
    requests = [REQUEST_TYPES[a] for a in allowed_actions(status) if a in MODERATOR_ACTIONS]
    if status in SCREEN_STATUSES:
        requests.append(SCREEN_SHOW_REQUEST)
    return tuple(requests)


def _citizen_requests(status: str, mine: bool) -> tuple[str, ...]:
    requests = [REQUEST_TYPES[a] for a in allowed_actions(status) if a in CITIZEN_ACTIONS] if mine else []
    if status in VOTE_STATUSES:
        requests.append(VOTE_REQUEST)
    return tuple(requests)


# Derived once from the table above: every rendered question of every event
# asks for its list, once per receiving socket.
_MODERATOR_REQUESTS: Final = {status: _moderator_requests(status) for status in STATUSES}
_CITIZEN_REQUESTS: Final = {
    (status, mine): _citizen_requests(status, mine) for status in STATUSES for mine in (True, False)
}


def moderator_requests(status: str) -> list[str]:
    """The requests a moderator may send for a question in ``status``: the
    state table's moderator actions, as wire names, then ``screen.show`` when
    the question may go on screen."""
    return list(_MODERATOR_REQUESTS[status])


def citizen_requests(status: str, *, mine: bool) -> list[str]:
    """The requests a citizen may send for a question in ``status``
    (``mine``: they asked it). Whether the town hall is live is checked apart."""
    return list(_CITIZEN_REQUESTS[(status, mine)])
