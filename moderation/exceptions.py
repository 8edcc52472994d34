"""Domain errors. Each carries the protocol error code the consumers send."""

from __future__ import annotations


class DomainError(Exception):
    code = "bad_request"

    def __init__(self, message: str) -> None:
        self.message = message
        super().__init__(message)

    def extra(self) -> dict[str, object]:
        """Fields the error frame carries besides code and message."""
        return {}


class BadRequest(DomainError):
    code = "bad_request"


class Forbidden(DomainError):
    code = "forbidden"


class NotFound(DomainError):
    code = "not_found"


class Conflict(DomainError):
    code = "conflict"


class TooLong(DomainError):
    code = "too_long"


class RateLimited(DomainError):
    """A flood limit (docs/security.md); ``retry_after``: whole seconds until the same request may succeed."""

    code = "rate_limited"

    def __init__(self, message: str, retry_after: int = 1) -> None:
        super().__init__(message)
        self.retry_after = max(1, int(retry_after))

    def extra(self) -> dict[str, object]:
        return {"retry_after": self.retry_after}


class Paused(DomainError):
    """The moderators paused new questions (townhall.pause)."""

    code = "paused"


class TownHallClosed(DomainError):
    code = "closed"


class PersonalData(DomainError):
    """Batch approval of a question that looks like it holds personal data."""

    code = "personal_data"


class Expired(DomainError):
    """An undo too late, or after what the decision changed changed again."""

    code = "expired"
