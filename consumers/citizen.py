"""The citizen socket: ask, withdraw, vote. No account: the Django session
set by the citizen page carries a random participant id."""

from __future__ import annotations

from typing import Any

from consumers import protocol
from consumers.base import Handler, TownHallConsumer
from consumers.hub import hub
from consumers.protocol import Request
from consumers.session_sockets import session_sockets
from consumers.snapshots import citizen_snapshot
from moderation import duplicates_runner, scoring_runner, selectors, services, states
from moderation.models import TownHall
from moderation.presenters import Viewer, render_question
from moderation.scoring.lexicon import matches_held_terms
from townhall.client_ip import client_ip

MAX_PREVIEW_CHARS = 5000


def _submit(**fields: Any) -> tuple[int, dict[str, Any], bool]:
    question, created = services.question_submit(**fields)
    return question.pk, selectors.question_record(question), created


def _withdraw(**fields: Any) -> dict[str, Any]:
    return selectors.question_record(services.question_withdraw(**fields))


def _vote(**fields: Any) -> tuple[dict[str, Any], bool, bool]:
    question, voted = services.question_vote(**fields)
    return selectors.question_record(question), voted, question.vote_held


def _preview_terms(townhall_id: int, text: str) -> tuple[list[str], float]:
    terms, threshold = selectors.hold_rules(townhall_id)
    return matches_held_terms(text, terms), threshold


class CitizenConsumer(TownHallConsumer):
    role = "citizen"
    # The participant whose socket slot this one holds (consumers/session_sockets.py).
    _slot: str | None = None

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        try:
            await super().__call__(scope, receive, send)
        finally:
            slot, self._slot = self._slot, None
            if slot is not None:
                session_sockets().release(slot)

    async def enter(self, slug: str) -> int | None:
        entry = await hub().entries.enter(slug, self.scope.get("session"))
        self.townhall, participant, voted = entry.townhall, entry.participant, entry.voted
        if self.townhall is None or self.townhall.status == TownHall.Status.DRAFT:
            # A draft exists only for its moderators until it goes live.
            return protocol.CLOSE_UNKNOWN_TOWNHALL
        if participant is None:
            return protocol.CLOSE_UNAUTHENTICATED
        # One session, at most SOCKETS_PER_SESSION sockets sharing one frame budget.
        frame_times = session_sockets().acquire(participant)
        if frame_times is None:
            return protocol.CLOSE_TOO_MANY_SOCKETS
        self._slot, self._frame_times = participant, frame_times
        self.viewer = Viewer(role="citizen", participant=participant, voted=voted)
        self.ip = client_ip(self.scope)
        self._votes_fresh = True
        return None

    async def build_snapshot(self, request_id: str | None, floor: int) -> tuple[str, int]:
        assert self.townhall is not None and self.room is not None
        if not self._votes_fresh:  # a resync: another page of this citizen may have voted
            self.viewer.voted = await self.database(selectors.participant_votes)(self.townhall, self.viewer.participant)
        self._votes_fresh = False
        state = await self.room.public_state(floor)
        return citizen_snapshot(state, self.viewer, request_id), state.seq

    def handlers(self) -> dict[str, Handler]:
        return {
            **super().handlers(),
            "question.submit": self.handle_submit,
            states.REQUEST_TYPES[states.WITHDRAW]: self.handle_withdraw,
            states.VOTE_REQUEST: self.handle_vote,
            "question.preview": self.handle_preview,
        }

    async def handle_submit(self, request: Request) -> dict[str, Any]:
        question_id, record, created = await self.database(_submit)(
            townhall_id=self.townhall.pk,
            participant=self.viewer.participant,
            text=request.str_field("text"),
            author=request.str_field("author", required=False),
            place=request.str_field("place", required=False),
            client_key=request.str_field("client_key"),
            ip=self.ip,
        )
        if created:
            # Acknowledge first; the score follows as question.scored, likely
            # duplicates as a moderators-only question.updated (own thread each).
            scoring_runner.schedule(question_id)
            duplicates_runner.schedule(question_id)
        return protocol.ok_frame(request.id, question=render_question(self.viewer, record), duplicate=not created)

    async def handle_preview(self, request: Request) -> dict[str, Any]:
        """Would this draft be held for review? Nothing is stored."""
        text = request.str_field("text")[:MAX_PREVIEW_CHARS]
        terms, threshold = await self.database(_preview_terms)(self.townhall.pk, text)
        score = None if terms else await scoring_runner.preview_score(text)
        held = bool(terms) or (score is not None and score >= threshold)
        return protocol.ok_frame(request.id, may_be_held=held)

    async def handle_withdraw(self, request: Request) -> dict[str, Any]:
        record = await self.database(_withdraw)(
            townhall_id=self.townhall.pk,
            question_id=request.int_field("question_id"),
            participant=self.viewer.participant,
        )
        return protocol.ok_frame(request.id, question=render_question(self.viewer, record))

    async def handle_vote(self, request: Request) -> dict[str, Any]:
        record, voted, held = await self.database(_vote)(
            townhall_id=self.townhall.pk,
            question_id=request.int_field("question_id"),
            participant=self.viewer.participant,
            up=request.bool_field("up"),
            ip=self.ip,
        )
        if voted:
            self.viewer.voted.add(record["id"])
        else:
            self.viewer.voted.discard(record["id"])
        # The others learn the count from the next coalesced question.votes.
        hub().votes.changed(self.townhall.pk, record["id"])
        extra = {"vote_held": True} if held else {}
        return protocol.ok_frame(request.id, question=render_question(self.viewer, record), **extra)
