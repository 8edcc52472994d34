"""One hub per server process: a town hall's events reach the process once,
and its sockets from there.

Channels' usual design, one layer channel per socket in the town hall's group,
makes every event cost one layer message, one render and one JSON encoding per
socket: with thousands of citizens that is most of the server's work, and a
citizen receives (and drops) what only moderators see. Here the process joins
each town hall's group once, with one channel of its own (Phoenix PubSub and
Centrifugo fan out per node the same way). For each event a :class:`Room`
renders and encodes one frame per audience (``presenters.audience_key``:
moderators, screen, citizens who did or did not vote on the question, its
asker) and hands the same string to every socket of that audience.

The database stays the truth. A room delivers events in ``seq`` order: a gap
is replayed from ``moderation.Event`` before the next event, once per process.
Every ``SEQ_POLL_INTERVAL`` seconds the hub also reads the ``last_seq`` of its
town halls in one query and replays what it missed: a write by another process
on the in-memory layer (``manage.py townhall close``), or a signal Redis lost.
The same task runs the scoring sweep every ``SCORING_SWEEP_INTERVAL`` seconds.

Votes are coalesced (docs/protocol.md): a vote stores no event; the hub notes
the question and, at most every ``VOTE_FLUSH_INTERVAL`` seconds per town hall,
stores one ``question.votes`` event with the latest counts (``votes.py``).

Rights are checked live (docs/security.md, "Rights and sockets"): an event
that ends rights (``moderation.rights.revokes``: a ``presence.changed`` that
revokes a moderator, a ``townhall.updated`` with a new screen key) closes the
matching sockets of the room before it is rendered, so that, events being
delivered in ``seq`` order, nothing from that event on reaches them. Every
poll also re-reads the rights of the moderator and screen sockets from the
database, for writes that skipped the services.

The hub starts with the process's first socket and stops when the last one
leaves, or when the loop shuts down (Daphne cancels every connection on
SIGTERM: the sockets' ``finally`` unregisters them, and the last one awaits
the hub's end). Errors of one round are logged and the next round runs.
"""

from __future__ import annotations

import asyncio
import json
import logging
import weakref
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Protocol

from asgiref.sync import sync_to_async
from channels.db import database_sync_to_async
from channels.layers import get_channel_layer
from django.conf import settings
from django.db import DatabaseError, connections

from consumers import db
from consumers.entries import EntryReader
from consumers.snapshots import PublicState, public_state
from consumers.votes import VoteCoalescer
from moderation import events, rights, scoring_runner, selectors
from moderation.presenters import Viewer, audience_key, render_event
from townhall.channel_layer import LAYER_ERRORS, layer_health

logger = logging.getLogger(__name__)

# Its own thread and connection: replays, snapshots and vote counts never wait
# behind a burst of citizens' submissions on the sockets' shared thread.
_EXECUTOR = ThreadPoolExecutor(max_workers=1, thread_name_prefix="hub-db")

# channels_redis forgets a group membership after a day (``group_expiry``):
# the hub renews its memberships this often (seconds).
RESUBSCRIBE_INTERVAL = 600.0

StoredEvent = tuple[int, str, dict[str, Any]]


def hub_database(func: Callable[..., Any]) -> Callable[..., Any]:
    return database_sync_to_async(func, thread_sensitive=False, executor=_EXECUTOR)


def encode(frame: dict[str, Any]) -> str:
    """A frame as the text the socket sends (also for per-socket frames)."""
    return json.dumps(frame, ensure_ascii=False, separators=(",", ":"))


class Member(Protocol):
    """What a room needs from a socket (``consumers.base.TownHallConsumer``).

    ``ready`` is false while the socket is between reading its snapshot and
    sending it: events then go to ``pending``, and the socket sends those newer
    than its snapshot itself. A version-1 socket (``version == 1``) gets a fresh
    snapshot instead of ``question.votes`` (``resnapshot``).
    """

    viewer: Viewer
    version: int
    last_seq: int
    ready: bool
    pending: list[StoredEvent]
    # What a moderator or screen socket was opened with (``None``: a citizen).
    claim: rights.Claim | None

    async def send_text(self, text: str) -> None: ...

    def resnapshot(self) -> None: ...

    def revoke(self) -> None:
        """Its rights ended: send nothing more, close with 4403."""


class Room:
    """The sockets of one town hall in this process, and what they were sent."""

    def __init__(self, townhall_id: int, last_seq: int, on_votes: Callable[[int, int], None] | None = None) -> None:
        self.townhall_id = townhall_id
        # Told when a question.votes event was delivered (consumers/votes.py paces its reports on it).
        self._on_votes = on_votes
        # The last seq this process delivered: a newer event with a gap before
        # it is replayed from the database first.
        self.last_seq = last_seq
        self.members: set[Member] = set()
        self._lock = asyncio.Lock()
        self._state: PublicState | None = None
        self._building: asyncio.Future[PublicState] | None = None

    async def receive(self, seq: int, event_type: str, payload: dict[str, Any]) -> None:
        """An event signalled on the layer: deliver it, after any gap before it."""
        async with self._lock:
            if seq <= self.last_seq:
                return
            await self._replay(before=seq)
            await self._deliver(seq, event_type, payload)

    async def catch_up(self, last_seq: int) -> None:
        """The database is at ``last_seq``: deliver what this process missed."""
        async with self._lock:
            await self._replay(before=last_seq + 1)

    async def _replay(self, *, before: int) -> None:
        """Deliver the stored events after ``last_seq`` and before ``before`` (a gap), in order."""
        if before <= self.last_seq + 1:
            return
        missed = await hub_database(selectors.events_between)(self.townhall_id, self.last_seq, before)
        for event in missed:
            await self._deliver(event.seq, event.type, event.payload)

    async def _deliver(self, seq: int, event_type: str, payload: dict[str, Any]) -> None:
        if seq <= self.last_seq:
            return
        self.last_seq = seq
        self.revoke_ended(event_type, payload)
        texts: dict[Any, str | None] = {}
        for member in list(self.members):
            if member.last_seq >= seq:
                continue  # its snapshot is newer
            if not member.ready:
                member.pending.append((seq, event_type, payload))
                continue
            if member.version < 2 and event_type == events.QUESTION_VOTES:
                member.resnapshot()
                continue
            key = audience_key(member.viewer, payload)
            if key not in texts:
                frame = render_event(member.viewer, seq, event_type, payload)
                texts[key] = None if frame is None else encode(frame)
            member.last_seq = seq
            text = texts[key]
            if text is None:
                continue
            try:
                await member.send_text(text)
            except Exception:  # one socket's failure must not stop the others' delivery
                logger.exception("could not deliver seq %s to a socket of town hall %s", seq, self.townhall_id)
                self.members.discard(member)
        if event_type == events.QUESTION_VOTES and self._on_votes is not None:
            self._on_votes(self.townhall_id, seq)

    def revoke_ended(self, event_type: str, payload: dict[str, Any]) -> None:
        """Close (4403) the sockets whose rights this event ends, before it or
        anything after it is rendered for them (``Member.revoke`` leaves the room)."""
        if event_type not in rights.REVOKING_EVENTS:
            return
        for member in list(self.members):
            if rights.revokes(member.claim, event_type, payload):
                member.revoke()

    async def database_seq(self) -> int:
        """The town hall's last event in the database now (which this room may not have delivered yet)."""
        latest = await hub_database(selectors.last_seqs)([self.townhall_id])
        return latest.get(self.townhall_id, self.last_seq)

    async def public_state(self, floor: int) -> PublicState:
        """What every citizen and the screen may see, at a ``seq`` of at least
        ``floor``: read from the database once, shared by every socket that
        (re)connects meanwhile (after a restart, all of them at once)."""
        while True:
            state = self._state
            if state is not None and state.seq >= floor:
                return state
            if self._building is None:
                self._building = asyncio.ensure_future(hub_database(public_state)(self.townhall_id))
            building = self._building
            try:
                state = await asyncio.shield(building)
            finally:
                if self._building is building and building.done():
                    self._building = None
            if self._state is None or state.seq > self._state.seq:
                self._state = state


class Hub:
    """The rooms of one event loop (one server process) and the tasks that serve them."""

    def __init__(self) -> None:
        self.rooms: dict[int, Room] = {}
        self.votes = VoteCoalescer(hub_database)
        self.entries = EntryReader(hub_database)
        self.channel: str | None = None
        # Town halls whose group this process could not join (the layer was
        # down): joined again by the listener or the poll once it is back.
        self.unjoined: set[int] = set()
        self.tasks: list[asyncio.Task[None]] = []
        self.rounds = 0  # completed polls: the sweep and the renewal run every so many
        self._lock = asyncio.Lock()

    # --- membership -----------------------------------------------------------

    async def join(self, townhall_id: int, member: Member, last_seq: int) -> Room:
        """Add ``member`` to its town hall's room (made and subscribed if new).

        ``last_seq`` is the town hall's counter as the caller read it: a new
        room delivers what comes after.
        """
        async with self._lock:
            if not self.tasks:
                await self._start()
            room = self.rooms.get(townhall_id)
            if room is None:
                room = self.rooms[townhall_id] = Room(townhall_id, last_seq, self.votes.delivered)
                await self._subscribe(townhall_id)
            room.members.add(member)
            return room

    async def leave(self, townhall_id: int, member: Member) -> None:
        """Forget ``member``; the last socket of the process stops the hub and waits for it."""
        async with self._lock:
            room = self.rooms.get(townhall_id)
            if room is not None:
                room.members.discard(member)
                if not room.members:
                    del self.rooms[townhall_id]
                    await self._unsubscribe(townhall_id)
            if self.rooms or not self.tasks:
                return
            tasks, self.tasks = self.tasks, []
            # Shielded: when this socket is itself being cancelled (shutdown),
            # the wait still lets the hub finish before the loop stops.
            await asyncio.shield(self._stop(tasks))

    # --- the layer ------------------------------------------------------------

    async def _start(self) -> None:
        layer = get_channel_layer()
        self.channel = None if layer is None else await layer.new_channel()
        loop = asyncio.get_running_loop()
        self.tasks = [loop.create_task(self._poll(), name="hub-poll")]
        if self.channel is not None:
            self.tasks.append(loop.create_task(self._listen(layer, self.channel), name="hub-listen"))
        for task in self.tasks:
            task.add_done_callback(_report)

    async def _stop(self, tasks: list[asyncio.Task[None]]) -> None:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        await self.votes.flush_all()
        self.channel = None
        await _close_connections()

    async def _subscribe(self, townhall_id: int) -> None:
        """Join the town hall's group; if the layer is down, note it for later (never raises for that)."""
        layer = get_channel_layer()
        if layer is None or self.channel is None:
            return
        try:
            await layer.group_add(events.group_name(townhall_id), self.channel)
        except LAYER_ERRORS as exc:
            # The socket opens anyway: the poll serves it from the database meanwhile.
            layer_health.failed(f"joining the group of town hall {townhall_id}", exc)
            self.unjoined.add(townhall_id)
            return
        self.unjoined.discard(townhall_id)

    async def _rejoin(self) -> bool:
        """Join again the groups noted in ``unjoined``; ``True`` when none is left."""
        for townhall_id in list(self.unjoined):
            if townhall_id not in self.rooms:
                self.unjoined.discard(townhall_id)
                continue
            await self._subscribe(townhall_id)
            if townhall_id in self.unjoined:
                return False
        return True

    async def _unsubscribe(self, townhall_id: int) -> None:
        self.unjoined.discard(townhall_id)
        layer = get_channel_layer()
        if layer is not None and self.channel is not None:
            try:
                await layer.group_discard(events.group_name(townhall_id), self.channel)
            except LAYER_ERRORS as exc:  # Redis down: the membership expires on its own
                logger.info("could not leave the group of town hall %s: %r", townhall_id, exc)

    async def _listen(self, layer: Any, channel: str) -> None:
        """Receive the layer's events for this process, for as long as it runs.

        Redis down (killed, restarted, unreachable) is logged once; the
        listener retries with a doubling delay, and once Redis answers again
        it joins every town hall's group again first (a restarted Redis
        forgot them). Meanwhile the poll keeps the sockets up to date from the
        database, and nothing reaches the sockets as an error.
        """
        while True:
            if self.unjoined and not await self._rejoin():
                await asyncio.sleep(layer_health.failed("joining groups again", ConnectionError("still down")))
                continue
            try:
                message = await layer.receive(channel)
            except LAYER_ERRORS as exc:
                delay = layer_health.failed("receiving", exc)
                # Whatever Redis held may be gone (a restart): join every group again.
                self.unjoined.update(self.rooms)
                await asyncio.sleep(delay)
                continue
            layer_health.recovered()
            if message.get("type") != events.LAYER_MESSAGE_TYPE:
                logger.warning("hub: ignoring a layer message of type %r", message.get("type"))
                continue
            room = self.rooms.get(_townhall_of(message))
            if room is None:
                continue
            try:
                await room.receive(message["seq"], message["event"], message["payload"])
            except DatabaseError as exc:
                logger.warning("hub: could not replay a gap (%s); the poll will", exc)

    # --- the poll -------------------------------------------------------------

    async def _poll(self) -> None:
        interval = settings.SEQ_POLL_INTERVAL
        sweep_every = max(1, round(settings.SCORING_SWEEP_INTERVAL / interval))
        resubscribe_every = max(1, round(RESUBSCRIBE_INTERVAL / interval))
        while True:
            await asyncio.sleep(interval)
            try:
                await self.check_rights()  # first: what the catch-up replays must not reach them
                await self.check()
                if (self.rounds + 1) % sweep_every == 0:
                    await scoring_runner.sweep()
                if (self.rounds + 1) % resubscribe_every == 0:
                    self.unjoined.update(self.rooms)
                if self.unjoined:
                    await self._rejoin()
            except (DatabaseError, OSError, ConnectionError) as exc:
                logger.warning("hub: database or layer unavailable (%s); next try in %ss", exc, interval)
            except Exception:  # a bug in one round must not stop the delivery of the next ones
                logger.exception("hub: round failed; next try in %ss", interval)
            self.rounds += 1

    async def check(self) -> None:
        """One round: one query for every town hall with sockets, then the catch-up of those behind."""
        ids = list(self.rooms)
        if not ids:
            return
        latest = await hub_database(selectors.last_seqs)(ids)
        for townhall_id, last_seq in latest.items():
            room = self.rooms.get(townhall_id)
            if room is not None and room.last_seq < last_seq:
                await room.catch_up(last_seq)

    # --- rights ---------------------------------------------------------------

    async def check_rights(self) -> None:
        """Close the moderator and screen sockets whose rights the database no
        longer grants (a write that skipped the services: a bulk update, a
        session deleted or expired, a password changed)."""
        held = [member for room in list(self.rooms.values()) for member in list(room.members) if member.claim]
        if not held:
            return
        allowed = await hub_database(rights.claims_allowed)([member.claim for member in held])
        for member, ok in zip(held, allowed, strict=True):
            if not ok:
                member.revoke()


def _townhall_of(message: dict[str, Any]) -> int | None:
    value = message.get("townhall_id")
    return value if isinstance(value, int) else None


async def _close_connections() -> None:
    """The last socket of the process left: close the database connections of
    the threads that served sockets (the hub's, the moderators', the shared
    one). An idle process holds no connection outside its pool (PostgreSQL:
    ``DATABASE_POOL_MIN_SIZE``), a test database can be dropped,
    and no connection is left for the interpreter to collect at exit from
    another thread than its own."""
    loop = asyncio.get_running_loop()
    await loop.run_in_executor(_EXECUTOR, connections.close_all)
    await loop.run_in_executor(db.STAFF_EXECUTOR, connections.close_all)
    await sync_to_async(connections.close_all)()  # thread-sensitive: the sockets' shared thread


def _report(task: asyncio.Task[None]) -> None:
    """The tasks end by cancellation only; anything else is a bug worth a traceback."""
    if task.cancelled():
        return
    exc = task.exception()
    if exc is not None:
        logger.error("the hub's task %s stopped", task.get_name(), exc_info=exc)


_hubs: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, Hub] = weakref.WeakKeyDictionary()


def hub() -> Hub:
    """The running loop's hub (one per server process)."""
    loop = asyncio.get_running_loop()
    found = _hubs.get(loop)
    if found is None:
        found = _hubs[loop] = Hub()
    return found
