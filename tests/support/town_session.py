"""A town hall session full of personal data, for the retention and erasure
tests: distinctive strings that must be gone after a purge or an erase."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

from moderation import services
from moderation.models import Question, TownHall
from tests.support import factories

PHONE = "06 12 34 56 78"
NAME = "Zoé Testeuse"
PLACE = "Quartier Testeuse-sur-Mer"
REJECTED_TEXT = "Mon voisin Zoltan Rejetable vend de la drogue"
WITHDRAWN_TEXT = "Question retirée par Ulrike Retirable"
IP = "203.0.113.77"
EDITED_NAME = "Z. Testeuse"


@dataclass
class Session:
    townhall: TownHall
    moderator: object
    zoe: str  # Zoé's participant id
    others: list[str]
    approved: Question  # Zoé's, edited to remove her phone number, then answered
    rejected: Question  # Zoé's, rejected
    withdrawn: Question  # another citizen's, withdrawn
    pending: Question  # Zoé's, still pending
    merged: Question  # Zoé's duplicate, merged into another citizen's question
    public: Question  # another citizen's, approved, voted on by Zoé
    strings: list[str] = field(default_factory=list)  # what identifies Zoé or was never public


def _ask(townhall: TownHall, participant: str, text: str, author: str = "", place: str = "") -> Question:
    question, _ = services.question_submit(
        townhall_id=townhall.pk,
        participant=participant,
        text=text,
        author=author,
        place=place,
        client_key=uuid.uuid4().hex,
        ip=IP,
    )
    return question


def make_session(slug: str) -> Session:
    """A live town hall where Zoé asked, was edited, rejected, merged, voted."""
    moderator = factories.make_user(f"mod-{slug}", first_name="Marie", last_name="Modératrice")
    townhall = factories.make_townhall(moderators=[moderator], slug=slug)
    zoe = services.citizen_session_start(townhall_id=townhall.pk, ip=IP)
    others = [services.citizen_session_start(townhall_id=townhall.pk, ip="198.51.100.9") for _ in range(2)]
    mod = {"townhall_id": townhall.pk, "moderator": moderator}

    approved = _ask(townhall, zoe, f"Appelez-moi au {PHONE} pour les travaux du pont ?", NAME, PLACE)
    services.question_edit(
        **mod, question_id=approved.pk, text="Quand les travaux du pont commencent-ils ?", author=EDITED_NAME
    )
    services.question_approve(**mod, question_id=approved.pk)
    rejected = _ask(townhall, zoe, REJECTED_TEXT, NAME, PLACE)
    services.question_reject(**mod, question_id=rejected.pk, reason="abusive")
    withdrawn = _ask(townhall, others[0], WITHDRAWN_TEXT)
    services.question_withdraw(townhall_id=townhall.pk, question_id=withdrawn.pk, participant=others[0])
    public = _ask(townhall, others[1], "La piscine rouvre-t-elle cet été ?")
    services.question_approve(**mod, question_id=public.pk)
    merged = _ask(townhall, zoe, f"Et la piscine, {NAME} demande", NAME, PLACE)
    services.question_approve(**mod, question_id=merged.pk)
    services.question_vote(townhall_id=townhall.pk, question_id=merged.pk, participant=others[0], up=True, ip=IP)
    services.question_vote(townhall_id=townhall.pk, question_id=public.pk, participant=zoe, up=True, ip=IP)
    services.question_vote(townhall_id=townhall.pk, question_id=approved.pk, participant=others[1], up=True)
    services.question_merge(**mod, question_id=merged.pk, into_id=public.pk)
    services.screen_show(**mod, question_id=approved.pk)
    services.question_answer(**mod, question_id=approved.pk)
    pending = _ask(townhall, zoe, f"Encore une question de {NAME}", NAME, PLACE)
    session = Session(townhall, moderator, zoe, others, approved, rejected, withdrawn, pending, merged, public)
    session.strings = [PHONE, NAME, PLACE, REJECTED_TEXT, WITHDRAWN_TEXT, IP, EDITED_NAME, zoe, *others]
    for question in (approved, rejected, withdrawn, public, merged, pending):
        question.refresh_from_db()
    return session
