"""The question state table. Pure Python: no ORM, no I/O.

``TRANSITIONS`` maps ``(from_status, action)`` to the resulting status. A move
that is not in the table is refused with :class:`InvalidTransition`.
"""
from __future__ import annotations

from typing import Final

PENDING: Final = "pending"
APPROVED: Final = "approved"
REJECTED: Final = "rejected"
ANSWERED: Final = "answered"
WITHDRAWN: Final = "withdrawn"
MERGED: Final = "merged"  # folded into another question (a duplicate); its votes moved there

STATUSES: Final = (PENDING, APPROVED, REJECTED, ANSWERED, WITHDRAWN, MERGED)

APPROVE: Final = "approve"
REJECT: Final = "reject"
EDIT: Final = "edit"
ANSWER: Final = "answer"
WITHDRAW: Final = "withdraw"
MERGE: Final = "merge"

ACTIONS: Final = (APPROVE, REJECT, EDIT, ANSWER, WITHDRAW, MERGE)

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
}

# A question may be merged only into one of these.
MERGE_TARGET_STATUSES: Final = frozenset({PENDING, APPROVED})

REJECT_REASONS: Final = ("off_topic", "duplicate", "abusive", "personal_data", "other")

# What the public (citizens who did not ask, and the screen) may see.
PUBLIC_STATUSES: Final = frozenset({APPROVED, ANSWERED})


class InvalidTransition(Exception):
    """Raised when ``action`` is not allowed from ``status``."""

    def __init__(self, status: str, action: str) -> None:
        self.status = status
        self.action = action
        super().__init__(f"cannot {action} a question that is {status}")


def next_status(status: str, action: str) -> str:
    """Return the status that ``action`` leads to from ``status``.

    Raises ``InvalidTransition`` if the move is not in the table, and
    ``ValueError`` for a status or action that does not exist at all.
    """
    if status not in STATUSES:
        raise ValueError(f"unknown status {status!r}")
    if action not in ACTIONS:
        raise ValueError(f"unknown action {action!r}")
    try:
        return TRANSITIONS[(status, action)]
    except KeyError:
        raise InvalidTransition(status, action) from None


def allowed_actions(status: str) -> list[str]:
    """The actions the table allows from ``status``, in ``ACTIONS`` order."""
    return [action for action in ACTIONS if (status, action) in TRANSITIONS]
