"""The officials' screen socket: read-only, opened with the town hall's secret key."""

from __future__ import annotations

import secrets
from urllib.parse import parse_qs

from consumers import protocol
from consumers.base import TownHallConsumer
from consumers.snapshots import screen_snapshot
from moderation import rights
from moderation.models import TownHall
from moderation.presenters import Viewer


class ScreenConsumer(TownHallConsumer):
    role = "screen"

    async def authorize(self) -> int | None:
        if self.townhall.status == TownHall.Status.DRAFT:
            # A draft exists only for its moderators until it goes live.
            return protocol.CLOSE_UNKNOWN_TOWNHALL
        query = parse_qs(self.scope.get("query_string", b"").decode("latin-1"))
        given = (query.get("key") or [""])[0]
        if not given or not secrets.compare_digest(given.encode(), self.townhall.screen_key.encode()):
            return protocol.CLOSE_FORBIDDEN
        # Re-checked live: a rotated key closes this socket (moderation/services/rights.py).
        self.claim = rights.ScreenClaim(townhall_id=self.townhall.pk, key=given)
        self.viewer = Viewer(role="screen")
        return None

    async def build_snapshot(self, request_id: str | None, floor: int) -> tuple[str, int]:
        assert self.room is not None
        state = await self.room.public_state(floor)
        return screen_snapshot(state, request_id), state.seq
