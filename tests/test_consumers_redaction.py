"""Redaction through the real sockets (full ASGI application): the console and
the asker get the redacted question live, and undo cannot bring the text back."""

from __future__ import annotations

import pytest
from channels.db import database_sync_to_async

from moderation.redaction import REDACTED
from tests.support import factories
from tests.support.leaks import copies_of
from tests.support.ws import expect, request, until, until_status

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.asyncio]

PHONE = "06 12 34 56 78"


@database_sync_to_async
def setup_room():
    moderator = factories.make_user("alice", first_name="Alice")
    factories.make_townhall(moderators=[moderator], slug="room")
    citizen_session, _ = factories.citizen_session()
    return factories.login_session(moderator), citizen_session


async def open_room(connect):
    mod_session, cit_session = await setup_room()
    mod = await connect("/ws/t/room/moderate/", session=mod_session)
    await expect(mod, "snapshot")
    cit = await connect("/ws/t/room/", session=cit_session)
    await expect(cit, "snapshot")
    return mod, cit, mod_session


async def ask(cit, text: str, key: str) -> dict:
    reply = await request(cit, "question.submit", request_id=key, text=text, client_key=key)
    assert reply["type"] == "ok", reply
    return reply["question"]


async def test_a_redacting_edit_reaches_the_console_and_the_asker_live(connect):
    # given a citizen's question with a phone number, seen by the console
    mod, cit, _ = await open_room(connect)
    question = await ask(cit, f"Call me on {PHONE} about the pool", "k1")
    await until(mod, "question.created")

    # when the moderator edits the number out, as a redaction
    reply = await request(
        mod, "question.edit", question_id=question["id"], text="Call me about the pool", redaction=True
    )

    # then the console's reply and event say who redacted it, and keep no number
    assert reply["type"] == "ok", reply
    assert reply["decision"]["action"] == "redact" and reply["decision"]["reason"] == "personal_data"
    assert reply["decision"]["undoable"] is False  # the console offers no Undo
    assert reply["question"]["redaction"]["moderator"] == {"username": "alice", "name": "Alice"}
    assert reply["question"]["original_text"] == f"Call me {REDACTED} about the pool"
    event = await until(mod, "question.updated")
    assert event["question"]["redaction"]["at"] == reply["question"]["redaction"]["at"]
    assert PHONE not in str(event)
    # and the asker gets the edited question, without any original or who
    mine = await until(cit, "question.updated")  # its question.created, before the edit
    if mine["question"]["version"] == question["version"]:
        mine = await until(cit, "question.updated")
    assert mine["question"]["text"] == "Call me about the pool"
    assert PHONE not in str(mine) and "redaction" not in mine["question"]

    # when the moderator tries to undo it
    undo = await request(mod, "decision.undo", request_id="u1", decision_id=reply["decision"]["id"])

    # then it is refused, and the number is stored nowhere
    assert (undo["type"], undo["code"]) == ("error", "conflict")
    assert await database_sync_to_async(copies_of)(PHONE) == []


async def test_a_reject_for_personal_data_reaches_the_asker_redacted_and_stays_so(connect):
    # given a citizen's question with a phone number
    mod, cit, mod_session = await open_room(connect)
    question = await ask(cit, f"My number is {PHONE}, call me", "k2")
    await until(mod, "question.created")

    # when the moderator rejects it for personal data
    reply = await request(mod, "question.reject", question_id=question["id"], reason="personal_data")

    # then the asker sees it rejected, its text redacted, with the reason
    assert reply["type"] == "ok", reply
    assert reply["decision"]["undoable"] is False
    mine = await until_status(cit, "rejected")
    assert (mine["question"]["text"], mine["question"]["reason"]) == (REDACTED, "personal_data")
    # and the console shows "[redacted]" with who and when, also in a new snapshot
    assert reply["question"]["text"] == REDACTED and reply["question"]["original_text"] == REDACTED
    console = await connect("/ws/t/room/moderate/", session=mod_session)
    snapshot = await expect(console, "snapshot")
    (card,) = [q for q in snapshot["questions"] if q["id"] == question["id"]]
    assert card["redaction"]["moderator"]["name"] == "Alice" and card["text"] == REDACTED
    assert PHONE not in str(snapshot)

    # when the moderator tries to undo the reject
    undo = await request(mod, "decision.undo", request_id="u2", decision_id=reply["decision"]["id"])

    # then the text cannot come back
    assert (undo["type"], undo["code"]) == ("error", "conflict")
    assert await database_sync_to_async(copies_of)(PHONE) == []


async def test_redaction_must_be_true_or_false(connect):
    # given
    mod, cit, _ = await open_room(connect)
    question = await ask(cit, f"Call {PHONE}", "k3")

    # when / then
    reply = await request(mod, "question.edit", question_id=question["id"], text="Call", redaction="yes")
    assert (reply["type"], reply["code"]) == ("error", "bad_request")
    more = f"Call {PHONE} please"
    nothing = await request(
        mod, "question.edit", request_id="r2", question_id=question["id"], text=more, redaction=True
    )
    assert (nothing["type"], nothing["code"]) == ("error", "bad_request")
