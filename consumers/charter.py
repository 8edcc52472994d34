"""The moderators' charter edit (``townhall.charter``, docs/protocol.md). Kept
apart from consumers/moderator.py, which lists it in its handlers."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from consumers import protocol
from consumers.protocol import ProtocolError, Request
from moderation import services

if TYPE_CHECKING:
    from consumers.base import Handler
    from consumers.moderator import ModeratorConsumer

CHARTER_FIELDS = ("scope", "contest", "contact")


def _set_charter(**fields: Any) -> tuple[dict[str, str], dict[str, Any] | None]:
    townhall = services.townhall_set_charter(**fields)
    charter = {
        "scope": townhall.charter_scope,
        "contest": townhall.charter_contest,
        "contact": townhall.charter_contact,
    }
    return charter, townhall.decision


async def handle_charter(socket: ModeratorConsumer, request: Request) -> dict[str, Any]:
    texts: dict[str, str] = {}
    for name in CHARTER_FIELDS:
        value = request.fields.get(name, "")
        if not isinstance(value, str):
            raise ProtocolError(f"{name} must be a string.", request.id)
        texts[name] = value
    charter, decision = await socket.database(_set_charter)(
        townhall_id=socket.townhall.pk, moderator=socket.user, **texts
    )
    return protocol.ok_frame(request.id, charter=charter, decision=decision)


def charter_handlers(socket: ModeratorConsumer) -> dict[str, Handler]:
    return {"townhall.charter": lambda request: handle_charter(socket, request)}
