"""A past hour of questions and decisions for the demo town hall (``manage.py demo``).

So that ``make run`` shows a public record with something in it: questions
asked, scored by the configured scorer, approved, rejected with reasons,
edited, answered, withdrawn and voted on, all through the services (the one
write path). Then, as demo data only, their times are spread over the past
hour, as a real session would have them, so the record's charts and
time-to-decision figures are those of a session and not of one second.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone

from moderation import services, states
from moderation.models import Decision, Question, TownHall
from moderation.scoring import registry
from moderation.scoring.base import scoring_input

SESSION_MINUTES = 70


@dataclass(frozen=True)
class Spec:
    asked: float  # minutes after the session started
    text: str
    author: str = ""
    place: str = ""
    fate: str = "approve"  # approve, answer, reject:<reason>, edit, withdraw, pending
    decided: float = 2.0  # minutes waited for the decision
    votes: int = 0


SPECS = (
    Spec(1, "When will the tram reach the north district?", "Marie", "Quartier Nord", "answer", 1.5, 23),
    Spec(3, "Pourquoi la piscine municipale est-elle fermée le dimanche ?", "Karim", "Centre", "answer", 2.5, 17),
    Spec(4, "Can we have more benches along the river path?", "", "", "answer", 4, 9),
    Spec(7, "Will the market move during the works on the square?", "Lucie", "", "answer", 1, 14),
    Spec(9, "My neighbour Jean Dupont parks on the pavement every day, fine him!", "", "", "reject:personal_data", 3),
    Spec(12, "What is the budget for the new library?", "Thomas", "", "answer", 6, 11),
    Spec(15, "This council is useless and corrupt", "", "", "reject:abusive", 0.7),
    Spec(18, "Who won the football match yesterday?", "", "", "reject:off_topic", 2),
    Spec(22, "Quand la piste cyclable de l'avenue sera-t-elle terminée ?", "Inès", "Les Coteaux", "approve", 3, 8),
    Spec(27, "Can the school canteen serve more local food?", "Paul", "", "edit", 5, 6),
    Spec(31, "What is the budget for the new library building?", "", "", "reject:duplicate", 1.2),
    Spec(33, "When will the useless old footbridge be repaired?", "Jeanne", "Le Port", "approve", 2.5, 4),
    Spec(36, "Is the night bus coming back in September?", "Sam", "", "approve", 8, 5),
    Spec(44, "Never mind, my question about parking was answered", "", "", "withdraw"),
    Spec(52, "Will the town hall publish the minutes of this meeting?", "Élodie", "", "approve", 12, 3),
    Spec(63, "How will you reduce the noise of the ring road?", "", "Quartier Sud", "pending"),
)

# The moderators' held terms: questions with one are held for a careful read, whatever the model says.
HELD_TERMS = ["corrupt", "useless"]
EDITED_TEXT = "Can the school canteen serve more local and organic food?"


def _minutes(start: datetime, minutes: float) -> datetime:
    return start + timedelta(minutes=minutes)


def _ask(townhall: TownHall, spec: Spec) -> Question:
    question, _ = services.question_submit(
        townhall_id=townhall.pk,
        participant=uuid.uuid4().hex,
        text=spec.text,
        author=spec.author,
        place=spec.place,
        client_key=uuid.uuid4().hex,
    )
    return question


def _decide(townhall: TownHall, question: Question, spec: Spec, moderator: AbstractBaseUser) -> None:
    ids = {"townhall_id": townhall.pk, "question_id": question.pk, "moderator": moderator}
    if spec.fate.startswith("reject:"):
        services.question_reject(**ids, reason=spec.fate.removeprefix("reject:"))
        return
    if spec.fate == "withdraw":
        services.question_withdraw(townhall_id=townhall.pk, question_id=question.pk, participant=question.participant)
        return
    if spec.fate == "edit":
        services.question_edit(**ids, text=EDITED_TEXT)
    services.question_approve(**ids)
    for _ in range(spec.votes):
        services.question_vote(townhall_id=townhall.pk, question_id=question.pk, participant=uuid.uuid4().hex, up=True)


def _backdate(question: Question, spec: Spec, start: datetime, answered_at: datetime | None) -> None:
    """Demo data only: the times the session would have had (no status changes)."""
    asked = _minutes(start, spec.asked)
    Question.objects.filter(pk=question.pk).update(created_at=asked)
    decided = _minutes(start, spec.asked + spec.decided)
    rows = Decision.objects.filter(question=question).values_list("id", "action")
    for offset, (decision_id, action) in enumerate(rows):
        when = answered_at if action == states.ANSWER and answered_at else decided + timedelta(seconds=offset)
        Decision.objects.filter(pk=decision_id).update(created_at=when)
    if answered_at is not None:
        Question.objects.filter(pk=question.pk).update(decided_at=answered_at)


def play_demo_session(townhall: TownHall, moderators: list[AbstractBaseUser]) -> int:
    """Play the demo session in ``townhall`` (live, no question yet), decisions
    shared among ``moderators``; returns the number of questions asked.
    Does nothing (returns 0) when the town hall already has questions.

    Raises the services' errors (e.g. ``TownHallClosed`` if it is not live).
    """
    if Question.objects.filter(townhall=townhall).exists():
        return 0
    scorer = registry.get_scorer()  # loading a model can take seconds: before the transaction
    start = timezone.now() - timedelta(minutes=SESSION_MINUTES)
    with transaction.atomic():
        services.townhall_set_held_terms(townhall_id=townhall.pk, moderator=moderators[0], terms=HELD_TERMS)
        asked = [(spec, _ask(townhall, spec)) for spec in SPECS]
        for (_, question), result in zip(
            asked, scorer.score_batch(scoring_input(scorer, [s.text for s in SPECS])), strict=True
        ):
            services.question_apply_score(question_id=question.pk, result=result)
        answers = []
        for index, (spec, question) in enumerate(asked):
            if spec.fate != "pending":
                _decide(townhall, question, spec, moderators[index % len(moderators)])
            if spec.fate == "answer":
                answers.append((_minutes(start, spec.asked + spec.decided + 6), question))
        answered_at = {}
        for when, question in sorted(answers, key=lambda item: item[0]):
            services.question_answer(townhall_id=townhall.pk, question_id=question.pk, moderator=moderators[0])
            answered_at[question.pk] = when
        services.question_votes_publish(townhall_id=townhall.pk, question_ids=[q.pk for _, q in asked])
        for spec, question in asked:
            _backdate(question, spec, start, answered_at.get(question.pk))
    return len(asked)
