"""Domain errors. Each carries the protocol error code the consumers send."""

from __future__ import annotations


class DomainError(Exception):
    code = "bad_request"

    def __init__(self, message: str) -> None:
        self.message = message
        super().__init__(message)


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
    code = "rate_limited"


class TownHallClosed(DomainError):
    code = "closed"


class PersonalData(DomainError):
    """Batch approval of a question that looks like it holds personal data."""

    code = "personal_data"


class Expired(DomainError):
    """An undo too late, or after what the decision changed changed again."""

    code = "expired"
