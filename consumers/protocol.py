"""Frame parsing and building for protocol v1 (docs/protocol.md). Pure.

Consumers call :func:`parse_frame` on every text frame, then the field
helpers inside their handlers; a :class:`ProtocolError` becomes a
``bad_request`` error frame.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from moderation import states

MAX_FRAME_BYTES = 16 * 1024
MAX_ID_LENGTH = 64

BAD_REQUEST = "bad_request"
FORBIDDEN = "forbidden"
NOT_FOUND = "not_found"
CONFLICT = "conflict"
TOO_LONG = "too_long"
RATE_LIMITED = "rate_limited"
CLOSED = "closed"
PERSONAL_DATA = "personal_data"
EXPIRED = "expired"
PAUSED = "paused"
UNAVAILABLE = "unavailable"
ERROR_CODES = (
    BAD_REQUEST,
    FORBIDDEN,
    NOT_FOUND,
    CONFLICT,
    TOO_LONG,
    RATE_LIMITED,
    CLOSED,
    PERSONAL_DATA,
    EXPIRED,
    PAUSED,
    UNAVAILABLE,
)

CLOSE_UNKNOWN_TOWNHALL = 4404
CLOSE_UNAUTHENTICATED = 4401
CLOSE_FORBIDDEN = 4403
CLOSE_TOO_MANY_SOCKETS = 4429
# The client did not read: more than SOCKET_BUFFER_LIMIT bytes waited for it.
CLOSE_NOT_READING = 4408
# The database was unreachable when the socket opened: no snapshot; reconnect
# later. (1013 "try again later" is what this means, but autobahn lets a
# server close only with 1000 or 3000-4999.)
CLOSE_TRY_AGAIN_LATER = 4503

# Every request any socket understands; one known here but not handled by a
# socket gets ``forbidden`` rather than ``bad_request``. The requests that
# move a question take their names from the state table (moderation.states).
ALL_ACTIONS = frozenset(
    {
        *states.REQUEST_TYPES.values(),
        states.SCREEN_SHOW_REQUEST,
        states.VOTE_REQUEST,
        "resync",
        "question.submit",
        "question.preview",
        "question.editing",
        "question.approve_many",
        "question.star",
        "question.topic",
        "decision.undo",
        "presence.ping",
        "screen.clear",
        "screen.next",
        "screen.reorder",
        "screen.sort_by_votes",
        "townhall.held_terms",
        "townhall.close",
        "townhall.pause",
        "townhall.slow_mode",
        "townhall.charter",
        "flood.review",
    }
)


class ProtocolError(Exception):
    """A frame that does not follow the protocol. Carries the echo id when known."""

    def __init__(self, message: str, request_id: str | None = None) -> None:
        self.message = message
        self.request_id = request_id
        super().__init__(message)


@dataclass(frozen=True)
class Request:
    type: str
    id: str | None
    fields: dict[str, Any]

    def str_field(self, name: str, *, required: bool = True, default: str = "") -> str:
        value = self.fields.get(name)
        if value is None:
            if required:
                raise ProtocolError(f"{name} is required.", self.id)
            return default
        if not isinstance(value, str):
            raise ProtocolError(f"{name} must be a string.", self.id)
        return value

    def int_field(self, name: str, *, required: bool = True) -> int | None:
        value = self.fields.get(name)
        if value is None:
            if required:
                raise ProtocolError(f"{name} is required.", self.id)
            return None
        # bool is an int in Python; true is not a question id.
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise ProtocolError(f"{name} must be a non-negative integer.", self.id)
        return value

    def bool_field(self, name: str) -> bool:
        value = self.fields.get(name)
        if not isinstance(value, bool):
            raise ProtocolError(f"{name} must be true or false.", self.id)
        return value


def _echo_id(frame: dict[str, Any]) -> str | None:
    value = frame.get("id")
    return value if isinstance(value, str) and len(value) <= MAX_ID_LENGTH else None


def parse_frame(text: str | None, binary: bytes | None = None) -> Request:
    """Turn a text frame into a :class:`Request`. Raises ``ProtocolError``."""
    if text is None:
        raise ProtocolError("Binary frames are not accepted; send JSON text.")
    if len(text.encode("utf-8", "surrogatepass")) > MAX_FRAME_BYTES:
        raise ProtocolError(f"Frame larger than {MAX_FRAME_BYTES} bytes.")
    try:
        frame = json.loads(text)
    except (ValueError, RecursionError):
        raise ProtocolError("Frame is not valid JSON.") from None
    if not isinstance(frame, dict):
        raise ProtocolError("Frame must be a JSON object.")
    request_id = _echo_id(frame)
    kind = frame.get("type")
    if not isinstance(kind, str) or not kind:
        raise ProtocolError("Frame needs a string 'type'.", request_id)
    fields = {k: v for k, v in frame.items() if k not in ("type", "id")}
    return Request(type=kind, id=request_id, fields=fields)


def ok_frame(request_id: str | None, **result: Any) -> dict[str, Any]:
    return {"type": "ok", "id": request_id, **result}


def error_frame(request_id: str | None, code: str, message: str, **extra: Any) -> dict[str, Any]:
    if code not in ERROR_CODES:
        raise ValueError(f"unknown error code {code!r}")
    return {"type": "error", "id": request_id, "code": code, "message": message, **extra}
