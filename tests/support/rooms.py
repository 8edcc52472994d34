"""One town hall with its moderator, a citizen and the screen, over sockets
through the full ASGI application (the consumer tests' common set-up)."""

from __future__ import annotations

from typing import Any, NamedTuple

from channels.db import database_sync_to_async

from moderation.models import TownHall
from tests.support import factories
from tests.support.ws import expect


class Room(NamedTuple):
    townhall: TownHall
    moderator: Any
    mod_session: str
    citizen_session: str
    participant: str


class OpenRoom(NamedTuple):
    room: Room
    mod: Any
    cit: Any
    screen: Any


@database_sync_to_async
def make_room(slug: str = "room") -> Room:
    """A live town hall ``slug`` moderated by alice, and a citizen's session."""
    moderator = factories.make_user("alice", first_name="Alice")
    townhall = factories.make_townhall(moderators=[moderator], slug=slug)
    citizen_session, participant = factories.citizen_session(townhall)
    return Room(townhall, moderator, factories.login_session(moderator), citizen_session, participant)


async def open_room(connect, slug: str = "room") -> OpenRoom:
    """A moderator, the citizen and the screen connected to a new town hall, snapshots read."""
    room = await make_room(slug)
    mod = await connect(f"/ws/t/{slug}/moderate/", session=room.mod_session)
    await expect(mod, "snapshot")
    cit = await connect(f"/ws/t/{slug}/", session=room.citizen_session)
    await expect(cit, "snapshot")
    screen = await connect(f"/ws/t/{slug}/screen/?key={room.townhall.screen_key}")
    await expect(screen, "snapshot")
    return OpenRoom(room, mod, cit, screen)
