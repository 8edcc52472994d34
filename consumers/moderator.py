"""The moderator socket: triage and screen control for a town hall's named moderators."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from consumers import protocol
from consumers.base import Handler, RightsEnded, TownHallConsumer
from consumers.charter import charter_handlers
from consumers.db import staff_database_sync_to_async
from consumers.flood import flood_handlers
from consumers.hub import encode
from consumers.protocol import ProtocolError, Request
from moderation import rights, selectors, services, states
from moderation.presenters import Viewer, render_question, render_townhall

MAX_BATCH = 200

Record = dict[str, Any]

# The services below run in the moderators' database thread, and so does
# turning what they return into records: a record may need a query (the
# question a merged one points to), and the event loop makes none.


def _question(service: Callable[..., Any], **fields: Any) -> tuple[Record, Record | None]:
    question = service(**fields)
    return selectors.question_record(question), question.decision


def _merge(**fields: Any) -> tuple[Record, Record, Record | None]:
    merged, target = services.question_merge(**fields)
    return selectors.question_record(merged), selectors.question_record(target), merged.decision


def _approve_many(**fields: Any) -> tuple[list[Record], list[dict[str, Any]], list[Record]]:
    approved, refused = services.question_approve_many(**fields)
    return (
        [selectors.question_record(q) for q in approved],
        [{"question_id": qid, "code": exc.code, "message": exc.message} for qid, exc in refused],
        [q.decision for q in approved],
    )


def _screen(service: Callable[..., Any], **fields: Any) -> tuple[Record | None, Record | None]:
    townhall = service(**fields)
    return selectors.screen_question_record(townhall), townhall.decision


def _queue(service: Callable[..., Any], **fields: Any) -> tuple[list[int], Record | None]:
    queue = service(**fields)
    return [q.pk for q in queue], queue.decision


def _undo(**fields: Any) -> dict[str, Any]:
    undone = services.decision_undo(**fields)
    result: dict[str, Any] = {"decision": undone.decision}
    if undone.question is not None:
        result["question"] = selectors.question_record(undone.question)
    if undone.screen is not None:
        result["screen"] = selectors.screen_question_record(undone.screen)
    return result


def _close(**fields: Any) -> tuple[Record, Record | None]:
    townhall = services.townhall_close(**fields)
    return selectors.townhall_record(townhall), townhall.decision


def _snapshot(viewer: Viewer, townhall_id: int, claim: rights.ModeratorClaim) -> Record | None:
    if not rights.moderator_allowed(claim):
        return None
    return selectors.snapshot(viewer, townhall_id)


def _optional_str(request: Request, name: str) -> str | None:
    """A field that may be left out (``None``), or must be a string."""
    value = request.fields.get(name)
    if value is None:
        return None
    if not isinstance(value, str):
        raise ProtocolError(f"{name} must be a string.", request.id)
    return value


class ModeratorConsumer(TownHallConsumer):
    role = "moderator"
    # Moderators' database calls do not queue behind the citizens' (consumers/db.py).
    database = staticmethod(staff_database_sync_to_async)

    async def authorize(self) -> int | None:
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            return protocol.CLOSE_UNAUTHENTICATED
        # The socket belongs to the login session that opened it: a logout
        # of that session closes it, not the user's other sessions'.
        session = self.scope.get("session")
        claim = rights.ModeratorClaim(
            townhall_id=self.townhall.pk, user_id=user.pk, session_key=getattr(session, "session_key", None)
        )
        if not await self.database(rights.moderator_allowed)(claim):
            return protocol.CLOSE_FORBIDDEN
        self.claim = claim
        self.user = user
        self.viewer = Viewer(role="moderator")
        return None

    async def build_snapshot(self, request_id: str | None, floor: int) -> tuple[str, int]:
        """The moderators' snapshot (the screen key...), read with a fresh check
        of the rights in the same database call: never sent once they ended."""
        frame = await self.database(_snapshot)(self.viewer, self.townhall.pk, self.claim)
        if frame is None:
            raise RightsEnded("Your rights on this town hall have ended.")
        if request_id is not None:
            frame["id"] = request_id
        return encode(frame), frame["seq"]

    async def on_joined(self) -> None:
        await self.database(services.presence_join)(
            townhall_id=self.townhall.pk, user=self.user, channel_name=self.connection_id
        )

    async def on_left(self) -> None:
        await self.database(services.presence_leave)(channel_name=self.connection_id)

    def handlers(self) -> dict[str, Handler]:
        request = states.REQUEST_TYPES
        return {
            **super().handlers(),
            request[states.APPROVE]: self.handle_approve,
            request[states.REJECT]: self.handle_reject,
            request[states.EDIT]: self.handle_edit,
            request[states.ANSWER]: self.handle_answer,
            request[states.MERGE]: self.handle_merge,
            request[states.RESTORE]: self.handle_restore,
            "question.star": self.handle_star,
            "question.topic": self.handle_topic,
            "decision.undo": self.handle_undo,
            "townhall.close": self.handle_close,
            "screen.sort_by_votes": self.handle_screen_sort_by_votes,
            states.SCREEN_SHOW_REQUEST: self.handle_screen_show,
            "screen.clear": self.handle_screen_clear,
            "screen.next": self.handle_screen_next,
            "screen.reorder": self.handle_screen_reorder,
            "question.approve_many": self.handle_approve_many,
            "townhall.held_terms": self.handle_held_terms,
            "question.editing": self.handle_editing,
            "presence.ping": self.handle_ping,
            **flood_handlers(self),
            **charter_handlers(self),
        }

    def _target(self, request: Request) -> dict[str, Any]:
        return {
            "townhall_id": self.townhall.pk,
            "question_id": request.int_field("question_id"),
            "moderator": self.user,
            "version": request.int_field("version", required=False),
        }

    async def _act(self, request: Request, service: Callable[..., Any], **fields: Any) -> dict[str, Any]:
        record, decision = await self.database(_question)(service, **self._target(request), **fields)
        return protocol.ok_frame(request.id, question=render_question(self.viewer, record), decision=decision)

    def _screen_frame(self, record: Record | None) -> dict[str, Any]:
        return {"question": None if record is None else render_question(self.viewer, record)}

    async def _screen(self, request: Request, service: Callable[..., Any], **fields: Any) -> dict[str, Any]:
        record, decision = await self.database(_screen)(
            service, townhall_id=self.townhall.pk, moderator=self.user, **fields
        )
        return protocol.ok_frame(request.id, screen=self._screen_frame(record), decision=decision)

    async def _queue(self, request: Request, service: Callable[..., Any], **fields: Any) -> dict[str, Any]:
        queue, decision = await self.database(_queue)(
            service, townhall_id=self.townhall.pk, moderator=self.user, **fields
        )
        return protocol.ok_frame(request.id, queue=queue, decision=decision)

    async def handle_approve(self, request: Request) -> dict[str, Any]:
        return await self._act(request, services.question_approve)

    async def handle_reject(self, request: Request) -> dict[str, Any]:
        return await self._act(request, services.question_reject, reason=request.str_field("reason"))

    async def handle_edit(self, request: Request) -> dict[str, Any]:
        edits = {name: _optional_str(request, name) for name in ("text", "author", "place")}
        redaction = request.bool_field("redaction") if "redaction" in request.fields else False
        return await self._act(request, services.question_edit, **edits, redaction=redaction)

    async def handle_restore(self, request: Request) -> dict[str, Any]:
        return await self._act(request, services.question_restore)

    async def handle_star(self, request: Request) -> dict[str, Any]:
        target = self._target(request)
        del target["version"]  # a star changes no version: it never conflicts
        record, _ = await self.database(_question)(
            services.question_star, **target, starred=request.bool_field("starred")
        )
        return protocol.ok_frame(request.id, question=render_question(self.viewer, record), decision=None)

    async def handle_topic(self, request: Request) -> dict[str, Any]:
        target = self._target(request)
        del target["version"]  # a topic changes no version: it never conflicts
        record, decision = await self.database(_question)(
            services.question_set_topic, **target, topic=request.str_field("topic", required=False)
        )
        return protocol.ok_frame(request.id, question=render_question(self.viewer, record), decision=decision)

    async def handle_undo(self, request: Request) -> dict[str, Any]:
        result = await self.database(_undo)(
            townhall_id=self.townhall.pk, moderator=self.user, decision_id=request.int_field("decision_id")
        )
        if "question" in result:
            result["question"] = render_question(self.viewer, result["question"])
        if "screen" in result:
            result["screen"] = self._screen_frame(result["screen"])
        return protocol.ok_frame(request.id, **result)

    async def handle_close(self, request: Request) -> dict[str, Any]:
        townhall, decision = await self.database(_close)(townhall_id=self.townhall.pk, moderator=self.user)
        return protocol.ok_frame(request.id, townhall=render_townhall(self.viewer, townhall), decision=decision)

    async def handle_answer(self, request: Request) -> dict[str, Any]:
        return await self._act(request, services.question_answer)

    async def handle_merge(self, request: Request) -> dict[str, Any]:
        merged, target, decision = await self.database(_merge)(
            **self._target(request), into_id=request.int_field("into_id")
        )
        return protocol.ok_frame(
            request.id,
            question=render_question(self.viewer, merged),
            into=render_question(self.viewer, target),
            decision=decision,
        )

    async def handle_approve_many(self, request: Request) -> dict[str, Any]:
        raw = request.fields.get("items")
        if not isinstance(raw, list) or not raw or len(raw) > MAX_BATCH:
            raise ProtocolError(
                f"items must be a list of 1 to {MAX_BATCH} {{question_id, version}} objects.", request.id
            )
        items = []
        for entry in raw:
            if not isinstance(entry, dict):
                raise ProtocolError("each item must be an object {question_id, version}.", request.id)
            item = Request(type=request.type, id=request.id, fields=entry)
            items.append((item.int_field("question_id"), item.int_field("version", required=False)))
        approved, refused, decisions = await self.database(_approve_many)(
            townhall_id=self.townhall.pk, moderator=self.user, items=items
        )
        return protocol.ok_frame(
            request.id,
            approved=[render_question(self.viewer, r) for r in approved],
            refused=refused,
            decisions=decisions,
        )

    async def handle_screen_show(self, request: Request) -> dict[str, Any]:
        return await self._screen(request, services.screen_show, question_id=request.int_field("question_id"))

    async def handle_screen_clear(self, request: Request) -> dict[str, Any]:
        return await self._screen(request, services.screen_clear)

    async def handle_screen_next(self, request: Request) -> dict[str, Any]:
        return await self._screen(request, services.screen_next)

    async def handle_screen_reorder(self, request: Request) -> dict[str, Any]:
        raw = request.fields.get("question_ids")
        if not isinstance(raw, list) or not all(isinstance(i, int) and not isinstance(i, bool) for i in raw):
            raise ProtocolError("question_ids must be a list of question ids.", request.id)
        return await self._queue(request, services.screen_reorder, question_ids=raw)

    async def handle_screen_sort_by_votes(self, request: Request) -> dict[str, Any]:
        return await self._queue(request, services.screen_sort_by_votes)

    async def handle_held_terms(self, request: Request) -> dict[str, Any]:
        townhall = await self.database(services.townhall_set_held_terms)(
            townhall_id=self.townhall.pk, moderator=self.user, terms=request.fields.get("terms")
        )
        return protocol.ok_frame(
            request.id, townhall={"held_terms": list(townhall.held_terms)}, decision=townhall.decision
        )

    async def handle_editing(self, request: Request) -> dict[str, Any]:
        question_id = request.int_field("question_id", required=False)
        await self.database(services.presence_editing)(channel_name=self.connection_id, question_id=question_id)
        return protocol.ok_frame(request.id)

    async def handle_ping(self, request: Request) -> dict[str, Any]:
        await self.database(services.presence_ping)(channel_name=self.connection_id)
        return protocol.ok_frame(request.id)
