"""The moderator socket: triage and screen control for a town hall's named moderators."""
from __future__ import annotations

from typing import Any

from consumers import protocol
from consumers.base import Handler, TownHallConsumer
from consumers.db import staff_database_sync_to_async
from consumers.protocol import ProtocolError, Request
from moderation import selectors, services
from moderation.models import Question, TownHall
from moderation.presenters import Viewer, render_question


MAX_BATCH = 200


class ModeratorConsumer(TownHallConsumer):
    role = "moderator"
    # Moderators' database calls do not queue behind the citizens' (consumers/db.py).
    database = staticmethod(staff_database_sync_to_async)

    async def authorize(self) -> int | None:
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            return protocol.CLOSE_UNAUTHENTICATED
        if not await self.database(selectors.is_moderator)(user, self.townhall):
            return protocol.CLOSE_FORBIDDEN
        self.user = user
        self.viewer = Viewer(role="moderator")
        return None

    async def on_joined(self) -> None:
        await self.database(services.presence_join)(
            townhall_id=self.townhall.pk, user=self.user, channel_name=self.channel_name
        )

    async def on_left(self) -> None:
        await self.database(services.presence_leave)(channel_name=self.channel_name)

    def handlers(self) -> dict[str, Handler]:
        return {
            **super().handlers(),
            "question.approve": self.handle_approve,
            "question.reject": self.handle_reject,
            "question.edit": self.handle_edit,
            "question.answered": self.handle_answered,
            "screen.show": self.handle_screen_show,
            "screen.clear": self.handle_screen_clear,
            "townhall.held_terms": self.handle_held_terms,
            "question.merge": self.handle_merge,
            "question.approve_many": self.handle_approve_many,
            "screen.next": self.handle_screen_next,
            "screen.reorder": self.handle_screen_reorder,
            "question.editing": self.handle_editing,
            "presence.ping": self.handle_ping,
        }

    def _question_reply(self, request: Request, question: Question) -> dict[str, Any]:
        return protocol.ok_frame(request.id, question=render_question(self.viewer, selectors.question_record(question)))

    def _screen_reply(self, request: Request, townhall: TownHall) -> dict[str, Any]:
        current = townhall.screen_question
        question = None if current is None else render_question(self.viewer, selectors.question_record(current))
        return protocol.ok_frame(request.id, screen={"question": question})

    def _target(self, request: Request) -> dict[str, Any]:
        return {
            "townhall_id": self.townhall.pk,
            "question_id": request.int_field("question_id"),
            "moderator": self.user,
            "version": request.int_field("version", required=False),
        }

    async def handle_approve(self, request: Request) -> dict[str, Any]:
        question = await self.database(services.question_approve)(**self._target(request))
        return self._question_reply(request, question)

    async def handle_reject(self, request: Request) -> dict[str, Any]:
        question = await self.database(services.question_reject)(
            **self._target(request), reason=request.str_field("reason")
        )
        return self._question_reply(request, question)

    async def handle_edit(self, request: Request) -> dict[str, Any]:
        question = await self.database(services.question_edit)(
            **self._target(request), text=request.str_field("text")
        )
        return self._question_reply(request, question)

    async def handle_answered(self, request: Request) -> dict[str, Any]:
        question = await self.database(services.question_mark_answered)(**self._target(request))
        return self._question_reply(request, question)

    async def handle_screen_show(self, request: Request) -> dict[str, Any]:
        townhall = await self.database(self._screen_show)(request.int_field("question_id"))
        return self._screen_reply(request, townhall)

    async def handle_screen_clear(self, request: Request) -> dict[str, Any]:
        townhall = await self.database(services.screen_clear)(
            townhall_id=self.townhall.pk, moderator=self.user
        )
        return self._screen_reply(request, townhall)

    async def handle_held_terms(self, request: Request) -> dict[str, Any]:
        terms = request.fields.get("terms")
        townhall = await self.database(services.townhall_set_held_terms)(
            townhall_id=self.townhall.pk, moderator=self.user, terms=terms
        )
        return protocol.ok_frame(request.id, townhall={"held_terms": list(townhall.held_terms)})

    async def handle_merge(self, request: Request) -> dict[str, Any]:
        merged, target = await self.database(services.question_merge)(
            **self._target(request), into_id=request.int_field("into_id")
        )
        return protocol.ok_frame(
            request.id,
            question=render_question(self.viewer, selectors.question_record(merged)),
            into=render_question(self.viewer, selectors.question_record(target)),
        )

    async def handle_approve_many(self, request: Request) -> dict[str, Any]:
        raw = request.fields.get("items")
        if not isinstance(raw, list) or not raw or len(raw) > MAX_BATCH:
            raise ProtocolError(f"items must be a list of 1 to {MAX_BATCH} {{question_id, version}} objects.", request.id)
        items = []
        for entry in raw:
            if not isinstance(entry, dict):
                raise ProtocolError("each item must be an object {question_id, version}.", request.id)
            item = Request(type=request.type, id=request.id, fields=entry)
            items.append((item.int_field("question_id"), item.int_field("version", required=False)))
        approved, refused = await self.database(services.question_approve_many)(
            townhall_id=self.townhall.pk, moderator=self.user, items=items
        )
        return protocol.ok_frame(
            request.id,
            approved=[render_question(self.viewer, selectors.question_record(q)) for q in approved],
            refused=[{"question_id": qid, "code": exc.code, "message": exc.message} for qid, exc in refused],
        )

    async def handle_screen_next(self, request: Request) -> dict[str, Any]:
        townhall = await self.database(self._screen_call)(services.screen_next)
        return self._screen_reply(request, townhall)

    async def handle_screen_reorder(self, request: Request) -> dict[str, Any]:
        raw = request.fields.get("question_ids")
        if not isinstance(raw, list) or not all(isinstance(i, int) and not isinstance(i, bool) for i in raw):
            raise ProtocolError("question_ids must be a list of question ids.", request.id)
        ordered = await self.database(services.screen_reorder)(
            townhall_id=self.townhall.pk, moderator=self.user, question_ids=raw
        )
        return protocol.ok_frame(request.id, queue=[q.pk for q in ordered])

    async def handle_editing(self, request: Request) -> dict[str, Any]:
        question_id = request.int_field("question_id", required=False)
        await self.database(services.presence_editing)(channel_name=self.channel_name, question_id=question_id)
        return protocol.ok_frame(request.id)

    async def handle_ping(self, request: Request) -> dict[str, Any]:
        await self.database(services.presence_ping)(channel_name=self.channel_name)
        return protocol.ok_frame(request.id)

    def _screen_call(self, service) -> TownHall:
        townhall = service(townhall_id=self.townhall.pk, moderator=self.user)
        townhall.screen_question = Question.objects.filter(pk=townhall.screen_question_id).first()
        return townhall

    def _screen_show(self, question_id: int) -> TownHall:
        townhall = services.screen_show(townhall_id=self.townhall.pk, question_id=question_id, moderator=self.user)
        # Load the on-screen question here, in the database thread.
        townhall.screen_question = Question.objects.filter(pk=townhall.screen_question_id).first()
        return townhall
