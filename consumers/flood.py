"""The moderators' flood controls: pause new questions, slow mode, review a
flood alert (docs/protocol.md). Kept apart from consumers/moderator.py, which
lists them in its handlers."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from consumers import protocol
from consumers.protocol import ProtocolError, Request
from moderation import selectors, services
from moderation.presenters import render_townhall

if TYPE_CHECKING:
    from consumers.base import Handler
    from consumers.moderator import ModeratorConsumer


def _townhall(service: Any, **fields: Any) -> tuple[dict[str, Any], dict[str, Any] | None]:
    townhall = service(**fields)
    return selectors.townhall_record(townhall), townhall.decision


def _review(**fields: Any) -> tuple[dict[str, Any], dict[str, Any] | None]:
    alert = services.flood_review(**fields)
    return selectors.flood_alert_record(alert), alert.decision


async def handle_pause(socket: ModeratorConsumer, request: Request) -> dict[str, Any]:
    townhall, decision = await socket.database(_townhall)(
        services.townhall_pause,
        townhall_id=socket.townhall.pk,
        moderator=socket.user,
        paused=request.bool_field("paused"),
    )
    return protocol.ok_frame(request.id, townhall=render_townhall(socket.viewer, townhall), decision=decision)


async def handle_slow_mode(socket: ModeratorConsumer, request: Request) -> dict[str, Any]:
    seconds = request.int_field("seconds")
    townhall, decision = await socket.database(_townhall)(
        services.townhall_slow_mode, townhall_id=socket.townhall.pk, moderator=socket.user, seconds=seconds
    )
    return protocol.ok_frame(request.id, townhall=render_townhall(socket.viewer, townhall), decision=decision)


async def handle_review(socket: ModeratorConsumer, request: Request) -> dict[str, Any]:
    alert_id = request.int_field("alert_id")
    accept = request.fields.get("accept")
    if not isinstance(accept, bool):
        raise ProtocolError("accept must be true or false.", request.id)
    alert, decision = await socket.database(_review)(
        townhall_id=socket.townhall.pk, moderator=socket.user, alert_id=alert_id, accept=accept
    )
    return protocol.ok_frame(request.id, alert=alert, decision=decision)


def flood_handlers(socket: ModeratorConsumer) -> dict[str, Handler]:
    return {
        "townhall.pause": lambda request: handle_pause(socket, request),
        "townhall.slow_mode": lambda request: handle_slow_mode(socket, request),
        "flood.review": lambda request: handle_review(socket, request),
    }
