"""Personal data ends: a town hall's retention (``manage.py purge``) and a
citizen erasing their own questions (docs/security.md, "Personal data").

Both keep the anonymous record: questions stay with their status, reason,
votes, times and scores, decisions with their moderators; what goes is what
identifies or was typed by a citizen and never became public: names, places,
participant ids, addresses, the original and intermediate texts, and the
text of every question that was not approved (of every erased question). The
copies go too: every question record in the event log, the values before a
decision and an edit's previous text, the participant ids a merge moved.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from moderation import events, scrub, states
from moderation.models import CitizenSession, Decision, Event, Question, TownHall, Vote
from moderation.services._core import lock_townhall, question_event, refresh_personal_data, take_off_screen_if_needed

logger = logging.getLogger(__name__)

BATCH = 500


@dataclass
class Scrubbed:
    """How many rows one purge or erase changed, per table."""

    questions: int = 0
    votes: int = 0
    citizen_sessions: int = 0
    events: int = 0
    decisions: int = 0
    withdrawn: list[int] = field(default_factory=list)

    @property
    def total(self) -> int:
        return self.questions + self.votes + self.citizen_sessions + self.events + self.decisions


def townhalls_due_for_purge(now: datetime | None = None) -> QuerySet[TownHall]:
    """Closed town halls whose ``RETENTION_DAYS`` after closing are over and not yet purged."""
    limit = (now or timezone.now()) - timedelta(days=settings.RETENTION_DAYS)
    return TownHall.objects.filter(
        status=TownHall.Status.CLOSED, closed_at__lte=limit, purged_at__isnull=True
    ).order_by("closed_at", "pk")


def townhall_purge(*, townhall_id: int, dry_run: bool = False) -> Scrubbed:
    """Remove the personal data of a closed town hall (see the module docstring)
    and mark it purged. Running it again changes nothing.

    ``dry_run`` counts what would change and rolls back. Raises ``NotFound``;
    ``ValueError`` if the town hall is not closed.
    """
    with transaction.atomic():
        townhall = lock_townhall(townhall_id)
        if townhall.status != TownHall.Status.CLOSED:
            raise ValueError(f"Town hall {townhall.slug} is not closed.")
        questions = list(Question.objects.select_for_update().filter(townhall=townhall))
        records = {
            q.pk: scrub.record_fields(_values(q), drop_text=q.status not in states.PUBLIC_STATUSES) for q in questions
        }
        done = Scrubbed(questions=_store(questions, records))
        mapping: dict[str, str] = {}
        done.votes = _anonymise_votes(Vote.objects.filter(question__townhall=townhall), mapping)
        done.citizen_sessions, _ = CitizenSession.objects.filter(townhall=townhall).delete()
        done.events, done.decisions = _scrub_copies(townhall, records, mapping, everyone=True)
        if townhall.purged_at is None:
            TownHall.objects.filter(pk=townhall.pk).update(purged_at=timezone.now())
        if dry_run:
            transaction.set_rollback(True)
    return done


def citizen_erase(*, townhall_id: int, participant: str) -> Scrubbed:
    """Erase what ``participant`` did in a town hall: their pending and
    approved questions are withdrawn (while it is live); every question of
    theirs loses its text, name and place everywhere; their votes stay counted
    under an anonymous id; their ``CitizenSession`` row goes. Moderators and
    citizens get a ``question.updated`` for each changed question.

    Logged without personal data (question ids and counts). Raises ``NotFound``.
    """
    if not participant or scrub.is_anonymous(participant):
        return Scrubbed()
    with transaction.atomic():
        townhall = lock_townhall(townhall_id)
        questions = list(Question.objects.select_for_update().filter(townhall=townhall, participant=participant))
        before = {q.pk: q.status for q in questions}
        done = Scrubbed()
        if townhall.status == TownHall.Status.LIVE:
            for question in questions:
                if (question.status, states.WITHDRAW) in states.TRANSITIONS:
                    question.status = states.next_status(question.status, states.WITHDRAW)
                    done.withdrawn.append(question.pk)
        records = {q.pk: scrub.record_fields(_values(q), drop_text=True) for q in questions}
        done.questions = _store(questions, records, new_version=True)
        mapping = {participant: scrub.new_anonymous_id()}
        votes = Vote.objects.filter(question__townhall=townhall, participant=participant)
        since = _first_trace(participant, questions, votes)
        done.votes = _anonymise_votes(votes, mapping)
        done.citizen_sessions, _ = CitizenSession.objects.filter(participant=participant).delete()
        done.events, done.decisions = _scrub_copies(townhall, records, mapping, everyone=False, since=since)
        for question in questions:
            take_off_screen_if_needed(townhall, question)
            question_event(townhall, question, events.QUESTION_UPDATED, before[question.pk])
    logger.info(
        "citizen erase in town hall %s: questions %s (withdrawn %s), %d votes anonymised",
        townhall.slug,
        sorted(records),
        done.withdrawn,
        done.votes,
    )
    return done


def _first_trace(participant: str, questions: list[Question], votes: QuerySet[Vote]) -> datetime | None:
    """When the citizen first left a trace: no event or decision before it
    can hold their data, so the erase reads the event log from there on."""
    times = [q.created_at for q in questions]
    times += [t for t in (votes.order_by("created_at").values_list("created_at", flat=True).first(),) if t]
    session = CitizenSession.objects.filter(participant=participant).values_list("created_at", flat=True).first()
    times += [session] if session else []
    return min(times) if times else None


def _values(question: Question) -> dict[str, Any]:
    return {"text": question.text, "original_text": question.original_text}


def _store(questions: list[Question], records: dict[int, dict[str, Any]], *, new_version: bool = False) -> int:
    """Give each question its anonymised fields; return how many changed."""
    changed = []
    for question in questions:
        fields = records[question.pk]
        wanted = {**fields, "client_key": f"{scrub.ANON_PREFIX}{question.pk}", "ip": ""}
        if all(getattr(question, name) == value for name, value in wanted.items()) and not new_version:
            continue
        for name, value in wanted.items():
            setattr(question, name, value)
        refresh_personal_data(question)
        if new_version:
            question.version += 1
        question.save()
        changed.append(question.pk)
    return len(changed)


def _anonymise_votes(votes: QuerySet[Vote], mapping: dict[str, str]) -> int:
    """Give each voter of ``votes`` one anonymous id (kept in ``mapping``) and drop addresses."""
    rows = list(votes.filter(~Q(participant__startswith=scrub.ANON_PREFIX) | ~Q(ip="")).only("pk", "participant", "ip"))
    for vote in rows:
        if not scrub.is_anonymous(vote.participant):
            vote.participant = mapping.setdefault(vote.participant, scrub.new_anonymous_id())
        vote.ip = ""
    Vote.objects.bulk_update(rows, ["participant", "ip"], batch_size=BATCH)
    return len(rows)


def _scrub_copies(
    townhall: TownHall,
    records: dict[int, dict[str, Any]],
    mapping: dict[str, str],
    *,
    everyone: bool,
    since: datetime | None = None,
) -> tuple[int, int]:
    """Scrub the event log and the decisions of ``townhall`` (from ``since``
    on, when given) for ``records``.

    Participant ids in merges' ``undo_data`` go through ``mapping`` (the
    erased citizen's), or, with ``everyone``, all become anonymous ids.
    """

    def anonymise(participant: str) -> str:
        if scrub.is_anonymous(participant):
            return participant
        if everyone:
            return mapping.setdefault(participant, scrub.new_anonymous_id())
        return mapping.get(participant, participant)

    event_rows = Event.objects.filter(townhall=townhall)
    decision_rows = Decision.objects.filter(townhall=townhall)
    if since is not None:
        event_rows, decision_rows = (
            event_rows.filter(created_at__gte=since),
            decision_rows.filter(created_at__gte=since),
        )
    changed_events = []
    for event in event_rows.only("pk", "payload").iterator(chunk_size=BATCH):
        event.payload, changed = scrub.scrub_json(event.payload, records)
        if changed:
            changed_events.append(event)
    Event.objects.bulk_update(changed_events, ["payload"], batch_size=BATCH)
    changed_decisions = list(_scrubbed_decisions(decision_rows, records, anonymise))
    Decision.objects.bulk_update(changed_decisions, ["previous_text", "undo_data"], batch_size=BATCH)
    return len(changed_events), len(changed_decisions)


def _scrubbed_decisions(
    decisions: QuerySet[Decision], records: dict[int, dict[str, Any]], anonymise: Any
) -> Iterable[Decision]:
    for decision in decisions.only("pk", "question_id", "previous_text", "undo_data").iterator(chunk_size=BATCH):
        fields = records.get(decision.question_id) if decision.question_id else None
        changed = False
        if fields is not None and decision.previous_text:
            decision.previous_text, changed = "", True
        data, data_changed = scrub.scrub_undo_data(decision.undo_data or {}, fields, anonymise)
        if data_changed:
            decision.undo_data, changed = data, True
        if changed:
            yield decision
