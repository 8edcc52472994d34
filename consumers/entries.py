"""Citizens' connections, read from the database in batches.

A citizen's socket needs its town hall, its participant id (in its Django
session) and the questions it voted on before its snapshot. After a Daphne
restart every phone reconnects at once, and three queries per socket, one
socket at a time on a database thread, made that thread the bottleneck
(BENCHMARKS.md, "A real audience"). Here the connections that arrive while
one batch is being read wait for the next, and a batch costs three queries
whatever its size: no timer, the batch is simply what queued meanwhile
(the scoring batcher works the same way).

Sessions are read from Django's database session backend directly (the one
the service uses); with another ``SESSION_ENGINE`` each session is loaded
through its store instead. A session holds one participant id per town hall
(moderation/participants.py); a session made before that holds one id, valid
only in the town hall that drew it (a fourth query, only when there is one).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.contrib.sessions.models import Session
from django.utils import timezone

from moderation import participants
from moderation.models import CitizenSession, TownHall, Vote

DB_SESSIONS = "django.contrib.sessions.backends.db"
MAX_BATCH = 500


@dataclass
class Entry:
    """What a citizen's socket learns before its snapshot."""

    townhall: TownHall | None
    participant: str | None
    voted: set[int] = field(default_factory=set)


def read_entries(requests: list[tuple[str, Any]]) -> list[Entry]:
    """``(slug, session)`` pairs to entries, in three queries (runs in a database thread)."""
    townhalls = {t.slug: t for t in TownHall.objects.filter(slug__in={slug for slug, _ in requests})}
    if settings.SESSION_ENGINE == DB_SESSIONS:
        data = _db_sessions(requests, townhalls)
    else:
        data = [session if slug in townhalls else None for slug, session in requests]
    found = _participants(requests, townhalls, data)
    voted: dict[tuple[int, str], set[int]] = {}
    wanted = {p for p in found if p}
    if wanted:
        rows = Vote.objects.filter(question__townhall__in=list(townhalls.values()), participant__in=wanted).values_list(
            "question__townhall_id", "participant", "question_id"
        )
        for townhall_id, participant, question_id in rows:
            voted.setdefault((townhall_id, participant), set()).add(question_id)
    entries = []
    for (slug, _), participant in zip(requests, found, strict=True):
        townhall = townhalls.get(slug)
        votes = voted.get((townhall.pk, participant), set()) if townhall and participant else set()
        entries.append(Entry(townhall, participant if townhall else None, votes))
    return entries


def _db_sessions(requests: list[tuple[str, Any]], townhalls: dict[str, TownHall]) -> list[dict[str, Any] | None]:
    """Each request's session data, read in one query (``None``: no live session)."""
    keys = {getattr(session, "session_key", None) for slug, session in requests if slug in townhalls}
    keys.discard(None)
    rows = Session.objects.filter(session_key__in=keys, expire_date__gt=timezone.now()).values_list(
        "session_key", "session_data"
    )
    decoder = _decoder()
    data = {key: decoder(value) for key, value in rows}
    out: list[dict[str, Any] | None] = []
    for slug, session in requests:
        key = getattr(session, "session_key", None)
        out.append(data.get(key) if slug in townhalls and key else None)
    return out


def _participants(requests: list[tuple[str, Any]], townhalls: dict[str, TownHall], data: list[Any]) -> list[str | None]:
    """Each request's participant id in its own town hall; a legacy id counts
    only in the town hall whose page drew it (its ``CitizenSession`` row)."""
    found: list[str | None] = []
    legacy: dict[int, str] = {}
    for index, ((slug, _), session) in enumerate(zip(requests, data, strict=True)):
        townhall = townhalls.get(slug)
        participant = participants.participant_of(session, townhall.pk) if townhall else None
        if townhall is not None and participant is None and participants.legacy_participant(session):
            legacy[index] = participants.legacy_participant(session) or ""
        found.append(participant)
    if legacy:
        drawn_in = dict(
            CitizenSession.objects.filter(participant__in=set(legacy.values())).values_list(
                "participant", "townhall_id"
            )
        )
        for index, participant in legacy.items():
            if drawn_in.get(participant) == townhalls[requests[index][0]].pk:
                found[index] = participant
    return found


def _decoder() -> Callable[[str], dict[str, Any]]:
    from django.contrib.sessions.backends.db import SessionStore

    return SessionStore().decode


class EntryReader:
    """Queues citizens' connections and reads them a batch at a time."""

    def __init__(self, database: Callable[..., Any]) -> None:
        self._database = database
        self._waiting: list[tuple[str, Any, asyncio.Future[Entry]]] = []
        self._task: asyncio.Task[None] | None = None
        self.batches = 0  # for tests and benchmarks

    async def enter(self, slug: str, session: Any) -> Entry:
        future: asyncio.Future[Entry] = asyncio.get_running_loop().create_future()
        self._waiting.append((slug, session, future))
        if self._task is None or self._task.done():
            self._task = asyncio.get_running_loop().create_task(self._run(), name="citizen-entries")
        return await future

    async def _run(self) -> None:
        while self._waiting:
            batch, self._waiting = self._waiting[:MAX_BATCH], self._waiting[MAX_BATCH:]
            try:
                entries = await self._database(read_entries)([(slug, session) for slug, session, _ in batch])
            except Exception as exc:  # handed to every waiting socket, which fails its own way
                for _, _, future in batch:
                    if not future.done():
                        future.set_exception(exc)
                continue
            self.batches += 1
            for (_, _, future), entry in zip(batch, entries, strict=True):
                if not future.done():
                    future.set_result(entry)
