"""The citizen socket: ask, withdraw, vote. No account: the Django session
set by the citizen page carries a random participant id."""
from __future__ import annotations

from typing import Any

from consumers import protocol
from consumers.base import Handler, TownHallConsumer
from consumers.protocol import Request
from moderation import selectors, services
from moderation.presenters import Viewer, render_question
from moderation.scoring import runner

SESSION_PARTICIPANT_KEY = "participant"
MAX_PREVIEW_CHARS = 5000


def _participant_from_session(session: Any) -> str | None:
    value = session.get(SESSION_PARTICIPANT_KEY) if session is not None else None
    return value if isinstance(value, str) and value else None


class CitizenConsumer(TownHallConsumer):
    role = "citizen"

    async def authorize(self) -> int | None:
        participant = await self.database(_participant_from_session)(self.scope.get("session"))
        if participant is None:
            return protocol.CLOSE_UNAUTHENTICATED
        self.viewer = Viewer(role="citizen", participant=participant)
        return None

    async def refresh_viewer(self) -> None:
        assert self.townhall is not None
        self.viewer.voted = await self.database(selectors.participant_votes)(
            self.townhall, self.viewer.participant
        )

    def handlers(self) -> dict[str, Handler]:
        return {
            **super().handlers(),
            "question.submit": self.handle_submit,
            "question.withdraw": self.handle_withdraw,
            "question.vote": self.handle_vote,
            "question.preview": self.handle_preview,
        }

    async def handle_submit(self, request: Request) -> dict[str, Any]:
        question, created = await self.database(services.question_submit)(
            townhall_id=self.townhall.pk,
            participant=self.viewer.participant,
            text=request.str_field("text"),
            author=request.str_field("author", required=False),
            place=request.str_field("place", required=False),
            client_key=request.str_field("client_key"),
        )
        if created:
            # Acknowledge first; the score follows as question.scored.
            runner.schedule(question.pk)
        record = selectors.question_record(question)
        return protocol.ok_frame(request.id, question=render_question(self.viewer, record), duplicate=not created)

    async def handle_preview(self, request: Request) -> dict[str, Any]:
        """Would this draft be held for review? Nothing is stored."""
        text = request.str_field("text")[:MAX_PREVIEW_CHARS]
        townhall = await self.database(selectors.townhall_by_slug)(self.townhall.slug)
        terms = await self.database(selectors.held_term_matches)(townhall, text)
        score = None if terms else await runner.preview_score(text)
        held = bool(terms) or (score is not None and score >= townhall.hold_threshold)
        return protocol.ok_frame(request.id, may_be_held=held)

    async def handle_withdraw(self, request: Request) -> dict[str, Any]:
        question = await self.database(services.question_withdraw)(
            townhall_id=self.townhall.pk,
            question_id=request.int_field("question_id"),
            participant=self.viewer.participant,
        )
        return protocol.ok_frame(request.id, question=render_question(self.viewer, selectors.question_record(question)))

    async def handle_vote(self, request: Request) -> dict[str, Any]:
        question_id = request.int_field("question_id")
        up = request.bool_field("up")
        question, voted = await self.database(services.question_vote)(
            townhall_id=self.townhall.pk, question_id=question_id, participant=self.viewer.participant, up=up
        )
        if voted:
            self.viewer.voted.add(question.pk)
        else:
            self.viewer.voted.discard(question.pk)
        return protocol.ok_frame(request.id, question=render_question(self.viewer, selectors.question_record(question)))
