"""Per-town-hall held terms: any language, matched after normalisation, whatever the model says."""

from __future__ import annotations

import pytest
from channels.db import database_sync_to_async

from moderation import services
from moderation.exceptions import BadRequest, Forbidden, TooLong
from moderation.models import Decision, Event, Question
from moderation.scoring.base import ScoreResult
from moderation.text import clean_text
from tests.support import factories
from tests.support.ws import expect, request, until

pytestmark = pytest.mark.django_db

ZWJ = "\u200d"


@pytest.fixture
def room():
    moderator = factories.make_user("alice")
    townhall = factories.make_townhall(moderators=[moderator], slug="room")
    return townhall, moderator


def low_score(question: Question) -> Question:
    return services.question_apply_score(
        question_id=question.pk, result=ScoreResult(labels={"toxicity": 0.01}, model="m 1")
    )


@pytest.mark.parametrize(
    "text",
    [
        "Le maire est un voyou",
        "LE MAIRE EST UN VOYOU",
        f"le maire est un v{ZWJ}o{ZWJ}y{ZWJ}o{ZWJ}u",  # zero-width joiners
        "le maire est un vоyоu",  # Cyrillic о
        "le maire est un ｖｏｙｏｕ",  # fullwidth
        "le maire est un \u202euoyov\u202c",  # bidi override: shows "voyou"
    ],
    ids=["plain", "upper", "zero-width", "homoglyph", "fullwidth", "bidi"],
)
def test_a_held_term_holds_the_question_whatever_the_model_says(room, text):
    # given a town hall whose moderators hold "voyou"
    townhall, moderator = room
    services.townhall_set_held_terms(townhall_id=townhall.pk, moderator=moderator, terms=["voyou"])
    townhall.refresh_from_db()

    # when a question containing it is submitted and scored as harmless
    question = factories.make_question(townhall, text=text)
    held_at_submit = question.held
    question = low_score(question)

    # then it is held from the start and stays held; the citizen's text is kept
    # as typed, but for bidi controls (removed, the override's letters put in
    # the order they showed: see tests/test_text.py)
    assert held_at_submit is True
    assert question.held is True and question.held_terms_matched == ["voyou"]
    assert question.toxicity_score == pytest.approx(0.01)
    assert question.text == clean_text(text)


def test_words_that_merely_contain_a_term_are_not_held(room):
    townhall, moderator = room
    services.townhall_set_held_terms(townhall_id=townhall.pk, moderator=moderator, terms=["con"])
    townhall.refresh_from_db()

    question = low_score(factories.make_question(townhall, text="Le conseil a-t-il signé ce contrat ?"))

    assert question.held is False and question.held_terms_matched == []


def test_changing_the_terms_rechecks_pending_questions_and_is_audited(room):
    # given a pending, scored, not-held question and an approved one
    townhall, moderator = room
    pending = low_score(factories.make_question(townhall, text="Pourquoi ce projet de parking ?"))
    approved = factories.make_question(townhall, text="Un autre parking ?")
    services.question_approve(townhall_id=townhall.pk, question_id=approved.pk, moderator=moderator)

    # when moderators add "parking"
    services.townhall_set_held_terms(townhall_id=townhall.pk, moderator=moderator, terms=["  parking ", "PARKING", ""])

    # then the pending one is held, the approved one untouched, and the change is audited
    pending.refresh_from_db()
    approved.refresh_from_db()
    townhall.refresh_from_db()
    assert townhall.held_terms == ["parking"]
    assert pending.held is True and approved.held is False
    assert Decision.objects.filter(action="held_terms", moderator=moderator).count() == 1
    types = list(Event.objects.filter(townhall=townhall).order_by("seq").values_list("type", flat=True))
    assert types[-2:] == ["townhall.updated", "question.scored"]

    # and removing it releases the question again (its score is low)
    services.townhall_set_held_terms(townhall_id=townhall.pk, moderator=moderator, terms=[])
    pending.refresh_from_db()
    assert pending.held is False


@pytest.mark.parametrize(
    "terms, error",
    [("voyou", BadRequest), ([1, 2], BadRequest), (["x" * 101], TooLong), ([f"t{i}" for i in range(501)], BadRequest)],
    ids=["not-a-list", "not-strings", "too-long", "too-many"],
)
def test_bad_term_lists_are_refused(room, terms, error):
    townhall, moderator = room
    with pytest.raises(error):
        services.townhall_set_held_terms(townhall_id=townhall.pk, moderator=moderator, terms=terms)


def test_only_moderators_set_terms(room):
    townhall, _ = room
    with pytest.raises(Forbidden):
        services.townhall_set_held_terms(townhall_id=townhall.pk, moderator=factories.make_user("eve"), terms=["x"])


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)  # database_sync_to_async's thread must see commits
async def test_moderators_set_terms_over_the_socket_and_see_them(connect):
    # given a moderator console
    @database_sync_to_async
    def setup():
        moderator = factories.make_user("alice")
        factories.make_townhall(moderators=[moderator], slug="room")
        return factories.login_session(moderator)

    mod = await connect("/ws/t/room/moderate/", session=await setup())
    assert (await expect(mod, "snapshot"))["townhall"]["held_terms"] == []

    # when it sets the terms
    reply = await request(mod, "townhall.held_terms", terms=["voyou", "escroc"])

    # then the reply and the event carry them
    assert reply["type"] == "ok" and reply["townhall"] == {"held_terms": ["voyou", "escroc"]}
    updated = await until(mod, "townhall.updated")
    assert updated["townhall"]["held_terms"] == ["voyou", "escroc"]
