"""Citizen text as stored: no bidi controls, and invisible-only text is empty
(docs/protocol.md, ``question.submit``; docs/security.md, "Text, frames and Origin")."""

from __future__ import annotations

import uuid

import pytest

from moderation import services
from moderation.exceptions import BadRequest
from moderation.models import Event, Question, TownHall
from moderation.text import clean_line, clean_text, is_invisible
from tests.support import factories
from tests.support.ws import expect, request, until

RLO, PDF = "\u202e", "\u202c"  # right-to-left override, pop directional formatting
BIDI_CONTROLS = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
INVISIBLE_ONLY = [
    "\u200b\u200b\u200b",  # zero-width spaces
    "\u200c\u200d",  # zero-width non-joiner, joiner
    "\u2060\ufeff",  # word joiner, BOM
    " \u200b\n\t\u3000\u00a0",  # spaces of every kind around a zero-width space
    f"{RLO}\u200b{PDF}",  # bidi controls around nothing
    "\u3164\u115f",  # Hangul fillers
    "\u2028\u2029",  # line and paragraph separators
]


# --- the cleaning functions (pure) -------------------------------------------------------


@pytest.mark.parametrize("control", list(BIDI_CONTROLS))
def test_every_bidi_override_embedding_and_isolate_control_is_removed(control):
    # given text a bidi control makes read backwards on screen
    typed = f"{control}toidi{PDF} est le maire"

    # when it is cleaned
    text, line = clean_text(typed), clean_line(typed)

    # then what remains is what every reader saw: no control left, and the
    # letters a right-to-left override reversed on screen in that order
    shown = "idiot est le maire" if control == RLO else "toidi est le maire"
    assert text == line == shown


def test_an_override_reverses_up_to_its_pop_its_isolate_or_the_end_of_the_line():
    assert clean_text(f"Va te faire {RLO}ertuof{PDF} !") == "Va te faire foutre !"
    assert clean_text(f"\u2067{RLO}kcuf\u2069 off") == "fuck off"
    assert clean_text(f"a {RLO}cba\ndef") == "a abc\ndef"
    assert clean_text("no override: toidi") == "no override: toidi"


@pytest.mark.parametrize("typed", INVISIBLE_ONLY)
def test_text_made_only_of_invisible_characters_is_empty(typed):
    assert is_invisible(typed)
    assert clean_text(typed) == clean_line(typed) == ""


@pytest.mark.parametrize(
    "typed",
    [
        "مرحبا، متى يصل الترام؟",  # right-to-left script: no control needed
        "Famille 👨\u200d👩\u200d👧 : des places en crèche ?",  # joiners inside an emoji stay
        "·",
        "\u200bA",
    ],
)
def test_visible_text_is_kept_as_typed(typed):
    assert not is_invisible(typed)
    assert clean_text(typed) == typed


# --- every path that stores citizen text ---------------------------------------------------


@pytest.fixture
def room():
    moderator = factories.make_user("alice")
    townhall = factories.make_townhall(moderators=[moderator], slug="room")
    return townhall, moderator


def submit(townhall: TownHall, text: str, **fields: str) -> Question:
    question, _ = services.question_submit(
        townhall_id=townhall.pk, participant="asker", text=text, client_key=uuid.uuid4().hex, **fields
    )
    return Question.objects.get(pk=question.pk)


@pytest.mark.django_db
def test_submit_stores_text_author_and_place_without_bidi_controls(room):
    # given a live town hall
    townhall, _ = room

    # when a citizen wraps a word so that the page shows "idiot" for "toidi"
    question = submit(
        townhall, f"Le maire est un {RLO}toidi{PDF} ?", author=f"{RLO}eiraM{PDF}", place="\u2067Nord\u2069"
    )

    # then the stored text, what is scored and matched, is what the citizen
    # saw and every page shows, without the controls
    assert question.text == question.original_text == "Le maire est un idiot ?"
    assert (question.author, question.place) == ("Marie", "Nord")
    assert (question.original_author, question.original_place) == ("Marie", "Nord")
    # and so is the record the moderators' event carries
    (event,) = Event.objects.filter(townhall=townhall)
    record = event.payload["question"]
    assert not any(ch in BIDI_CONTROLS for ch in record["text"] + record["author"] + record["place"])


@pytest.mark.django_db
@pytest.mark.parametrize("typed", INVISIBLE_ONLY)
def test_submit_refuses_invisible_only_text_as_empty(room, typed):
    # given a live town hall
    townhall, _ = room

    # when a citizen sends a question made only of invisible characters
    with pytest.raises(BadRequest, match="empty"):
        submit(townhall, typed)

    # then nothing is stored
    assert not Question.objects.exists()


@pytest.mark.django_db
def test_invisible_only_author_and_place_are_not_given(room):
    townhall, _ = room
    question = submit(townhall, "When will the tram reach Nord?", author="\u200b\u200b", place="\ufeff \u2060")
    assert (question.author, question.place) == ("", "")


@pytest.mark.django_db
def test_moderator_edit_removes_bidi_controls_and_refuses_invisible_text(room):
    # given a pending question
    townhall, moderator = room
    question = submit(townhall, "When will the tram reach Nord?")
    common = {"townhall_id": townhall.pk, "question_id": question.pk, "moderator": moderator}

    # when a moderator edits it with bidi controls in all three fields
    services.question_edit(**common, text=f"{RLO}?droN{PDF} tram", author="\u202aMarie\u202c", place="\u2066Sud\u2069")

    # then they are gone
    question.refresh_from_db()
    assert (question.text, question.author, question.place) == ("Nord? tram", "Marie", "Sud")
    # and an invisible-only text is as empty as an empty one
    with pytest.raises(BadRequest):
        services.question_edit(**common, text="\u200b\u200d\ufeff")


@pytest.mark.django_db
def test_held_terms_are_stored_without_bidi_controls_and_invisible_terms_dropped(room):
    # given a town hall
    townhall, moderator = room

    # when a moderator pastes a term with bidi controls and a blank-looking one
    services.townhall_set_held_terms(
        townhall_id=townhall.pk, moderator=moderator, terms=[f"{RLO}uoyov{PDF}", "\u200b\u200b", "voyou"]
    )

    # then the controls are gone (the term reads as displayed, "voyou", once)
    # and the invisible term is dropped
    townhall.refresh_from_db()
    assert townhall.held_terms == ["voyou"]


# --- over the socket -------------------------------------------------------------------------


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_the_socket_answers_invisible_text_with_bad_request_and_moderators_see_clean_text(connect, db_async):
    # given a moderator and a citizen in a live town hall
    def setup():
        moderator = factories.make_user("alice")
        factories.make_townhall(moderators=[moderator], slug="room")
        return factories.login_session(moderator), factories.citizen_session()[0]

    mod_session, citizen_session = await db_async(setup)()
    mod = await connect("/ws/t/room/moderate/", session=mod_session)
    citizen = await connect("/ws/t/room/", session=citizen_session)
    await expect(mod, "snapshot")
    await expect(citizen, "snapshot")

    # when the citizen sends zero-width spaces only
    reply = await request(citizen, "question.submit", text="\u200b\u200b\u200b", client_key="k1")

    # then it is refused as empty text
    assert (reply["type"], reply["code"]) == ("error", "bad_request")

    # when the citizen sends a word the override makes read backwards
    reply = await request(citizen, "question.submit", text=f"{RLO}toidi{PDF}", author=f"{RLO}x{PDF}", client_key="k2")

    # then the reply and the moderators' event carry the text as it was displayed, without controls
    assert reply["type"] == "ok" and reply["question"]["text"] == "idiot" and reply["question"]["author"] == "x"
    created = await until(mod, "question.created")
    assert (created["question"]["text"], created["question"]["original_text"]) == ("idiot", "idiot")
    assert await db_async(Question.objects.count)() == 1
