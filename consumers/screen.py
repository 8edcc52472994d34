"""The officials' screen socket: read-only, opened with the town hall's secret key."""

from __future__ import annotations

import secrets
from urllib.parse import parse_qs

from consumers import protocol
from consumers.base import TownHallConsumer
from moderation.presenters import Viewer


class ScreenConsumer(TownHallConsumer):
    role = "screen"

    async def authorize(self) -> int | None:
        query = parse_qs(self.scope.get("query_string", b"").decode("latin-1"))
        given = (query.get("key") or [""])[0]
        if not given or not secrets.compare_digest(given.encode(), self.townhall.screen_key.encode()):
            return protocol.CLOSE_FORBIDDEN
        self.viewer = Viewer(role="screen")
        return None
