"""The organisers' exports (moderation/exports.py, docs/exports.md): what they
hold and never hold, their CSV dialects, the command and the console downloads.
"""

from __future__ import annotations

import csv
import io
import json
import re
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client

from moderation import exports, services
from moderation.management.commands.townhall import Command as TownhallCommand
from moderation.models import Question, TownHall
from moderation.scoring.base import ScoreResult
from tests.support import factories

pytestmark = pytest.mark.django_db

DOCS = Path(__file__).resolve().parent.parent / "docs" / "exports.md"
VARIANTS = [("questions", "csv", False), ("questions", "csv", True), ("questions", "json", False)] + [
    ("decisions", "csv", False),
    ("decisions", "csv", True),
    ("decisions", "json", False),
]
MODEL = "fake-scorer 1.0"


@dataclass
class Session:
    """A town hall after a short session, and what must never leave it."""

    townhall: TownHall
    moderator: object
    questions: dict[str, Question]
    secrets: list[str]


def _ask(townhall: TownHall, text: str, *, author: str = "", place: str = "", ip: str) -> tuple[Question, str]:
    participant = factories.make_participant()
    question, _ = services.question_submit(
        townhall_id=townhall.pk,
        participant=participant,
        text=text,
        author=author,
        place=place,
        client_key=factories.make_participant(),
        ip=ip,
    )
    return question, participant


def _score(question: Question, score: float) -> None:
    services.question_apply_score(question_id=question.pk, result=ScoreResult(labels={"toxicity": score}, model=MODEL))


@pytest.fixture
def session() -> Session:
    """Approved, answered, edited, held, rejected, withdrawn, formula-like and
    multi-line questions, from six citizens at six addresses."""
    alice = factories.make_user("alice", first_name="Alice", last_name="Martin")
    townhall = factories.make_townhall(moderators=[alice], slug="budget", title="Budget 2027")
    ids = dict(townhall_id=townhall.pk, moderator=alice)
    secrets: list[str] = []
    askers: dict[str, str] = {}

    def ask(name: str, text: str, **fields: str) -> Question:
        ip = f"203.0.113.{len(askers) + 10}"
        question, askers[name] = _ask(townhall, text, ip=ip, **fields)
        secrets.extend([askers[name], ip])
        return question

    tram = ask("tram", "When will the tram reach the north district?", author="Marie", place="Quartier Nord")
    bridge = ask("bridge", "Call me on 06 12 34 56 78 about the bridge", author="Karim Benali-Secret", place="Centre")
    held = ask("held", "Why is the pool still closed, seriously?", author="Luc")
    rude = ask("rude", "SECRET-REJECTED you are all useless", author="SECRET-AUTHOR")
    gone = ask("gone", "SECRET-WITHDRAWN about the market", author="Zoé")
    formula = ask("formula", '=HYPERLINK("http://evil.example","click")', author="@admin")
    lines = ask("lines", "First line about parks\nsecond line about benches", author="-Anne")
    secrets += ["06 12 34 56 78", "Benali-Secret", "SECRET-REJECTED", "SECRET-AUTHOR", "SECRET-WITHDRAWN"]

    _score(tram, 0.02)
    _score(held, 0.91)  # over the 0.5 threshold: held by the model
    services.question_edit(**ids, question_id=bridge.pk, text="When will the bridge reopen?", author="Karim", place="")
    for question in (tram, bridge, held, formula, lines):
        services.question_approve(**ids, question_id=question.pk)
    services.question_reject(**ids, question_id=rude.pk, reason="abusive")
    services.question_withdraw(townhall_id=townhall.pk, question_id=gone.pk, participant=askers["gone"])
    services.question_vote(townhall_id=townhall.pk, question_id=tram.pk, participant="voter-secret-1", up=True)
    services.question_answer(**ids, question_id=tram.pk)
    secrets.append("voter-secret-1")
    questions = {"tram": tram, "bridge": bridge, "held": held, "rude": rude, "gone": gone}
    questions |= {"formula": formula, "lines": lines}
    return Session(townhall, alice, {k: Question.objects.get(pk=q.pk) for k, q in questions.items()}, secrets)


def _content(townhall: TownHall, what: str, fmt: str, excel: bool) -> bytes:
    return exports.export(townhall, what=what, fmt=fmt, excel=excel).content


def _csv_rows(content: bytes, *, excel: bool) -> list[dict[str, str]]:
    text = content.decode("utf-8-sig" if excel else "utf-8")
    return list(csv.DictReader(io.StringIO(text, newline=""), delimiter=";" if excel else ","))


# --- never in an export -----------------------------------------------------------


@pytest.mark.parametrize(("what", "fmt", "excel"), VARIANTS)
def test_no_export_holds_a_participant_id_an_address_an_original_or_a_refused_text(session, what, fmt, excel):
    # given the session's participant ids, addresses, originals and refused texts
    assert Question.objects.filter(original_text__contains="06 12 34 56 78").exists()

    # when
    content = _content(session.townhall, what, fmt, excel)

    # then none of them is in the bytes
    assert content
    for secret in session.secrets:
        assert secret.encode("utf-8") not in content, f"{secret!r} leaked into {what}.{fmt} (excel={excel})"


def test_a_rejected_or_withdrawn_question_keeps_its_row_and_reason_without_its_words(session):
    # when
    rows = {row["id"]: row for row in exports.question_rows(session.townhall)}

    # then
    rude, gone = rows[session.questions["rude"].pk], rows[session.questions["gone"].pk]
    assert (rude["status"], rude["reason"], rude["text"], rude["author"]) == ("rejected", "abusive", "", "")
    assert (gone["status"], gone["text"], gone["author"]) == ("withdrawn", "", "")


def test_question_rows_hold_the_final_text_the_times_the_score_and_the_model(session):
    # when
    rows = {row["id"]: row for row in exports.question_rows(session.townhall)}

    # then the edited question has its final text and says it was edited
    bridge = rows[session.questions["bridge"].pk]
    assert (bridge["text"], bridge["author"], bridge["edited"]) == ("When will the bridge reopen?", "Karim", True)
    # the answered one its votes and times, in order
    tram = rows[session.questions["tram"].pk]
    assert (tram["status"], tram["votes"], tram["toxicity_score"], tram["model"]) == ("answered", 1, 0.02, MODEL)
    assert tram["created_at"] < tram["decided_at"] < tram["answered_at"]
    assert (tram["held"], tram["held_by"], tram["edited"]) == (False, "", False)
    # the held one says the model held it
    held = rows[session.questions["held"].pk]
    assert (held["held"], held["held_by"], held["status"], held["answered_at"]) == (True, "model", "approved", None)
    assert list(rows) == sorted(rows)


def test_question_rows_hold_the_topic_and_who_chose_it(session):
    # given the tram question's suggested topic, and a moderator's topic for the pool question
    services.question_set_topic(
        townhall_id=session.townhall.pk,
        question_id=session.questions["held"].pk,
        moderator=session.moderator,
        topic="culture",
    )

    # when
    rows = {row["id"]: row for row in exports.question_rows(session.townhall)}

    # then
    assert (rows[session.questions["tram"].pk]["topic"], rows[session.questions["tram"].pk]["topic_source"]) == (
        "transport",
        "auto",
    )
    assert (rows[session.questions["held"].pk]["topic"], rows[session.questions["held"].pk]["topic_source"]) == (
        "culture",
        "moderator",
    )


def test_decision_rows_name_the_moderator_as_the_public_sees_them(session):
    # when
    rows = exports.decision_rows(session.townhall)

    # then one row per audit row, in order, by display name
    actions = [(row["action"], row["question_id"]) for row in rows]
    q = session.questions
    assert actions[0] == ("edit", q["bridge"].pk)
    assert ("reject", q["rude"].pk) in actions and actions[-1] == ("answer", q["tram"].pk)
    assert {row["moderator"] for row in rows} == {"Alice Martin"}
    assert [row for row in rows if row["action"] == "reject"][0]["reason"] == "abusive"
    assert set(rows[0]) == set(exports.DECISION_FIELDS)


# --- CSV ----------------------------------------------------------------------------


def test_default_csv_is_utf8_without_bom_comma_separated_and_keeps_line_breaks(session):
    # when
    content = _content(session.townhall, "questions", "csv", False)

    # then
    assert not content.startswith(b"\xef\xbb\xbf")
    assert content.startswith(b"id,status,text,")
    rows = _csv_rows(content, excel=False)
    assert len(rows) == Question.objects.filter(townhall=session.townhall).count()
    lines = next(row for row in rows if row["id"] == str(session.questions["lines"].pk))
    assert lines["text"] == "First line about parks\nsecond line about benches"
    tram = next(row for row in rows if row["id"] == str(session.questions["tram"].pk))
    assert tram["toxicity_score"] == "0.0200" and tram["created_at"].endswith("Z")


def test_excel_csv_has_a_bom_semicolons_decimal_commas_and_local_times(session):
    # when
    content = _content(session.townhall, "questions", "csv", True)

    # then Python's csv module reads it back with the same rows
    assert content.startswith(b"\xef\xbb\xbfid;status;text;")
    rows = _csv_rows(content, excel=True)
    assert [int(row["id"]) for row in rows] == [row["id"] for row in exports.question_rows(session.townhall)]
    tram = next(row for row in rows if row["id"] == str(session.questions["tram"].pk))
    assert tram["toxicity_score"] == "0,0200"
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d", tram["answered_at"])
    lines = next(row for row in rows if row["id"] == str(session.questions["lines"].pk))
    assert lines["text"] == "First line about parks\nsecond line about benches"
    assert tram["text"] == "When will the tram reach the north district?"


@pytest.mark.parametrize("excel", [False, True])
def test_cells_that_look_like_formulas_are_made_text(session, excel):
    # when
    rows = _csv_rows(_content(session.townhall, "questions", "csv", excel), excel=excel)

    # then
    formula = next(row for row in rows if row["id"] == str(session.questions["formula"].pk))
    assert formula["text"] == "'" + '=HYPERLINK("http://evil.example","click")'
    assert formula["author"] == "'@admin"
    lines = next(row for row in rows if row["id"] == str(session.questions["lines"].pk))
    assert lines["author"] == "'-Anne"
    starts = {row[column][:1] for row in rows for column in row if row[column]}
    assert not starts & {"=", "+", "-", "@"}


@pytest.mark.parametrize(
    ("cell", "guarded"),
    [
        ("=1+2", "'=1+2"),
        ("+33 6 12", "'+33 6 12"),
        ("-2", "'-2"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("a = b", "a = b"),
        ("", ""),
    ],
)
def test_guard_formula(cell, guarded):
    assert exports.guard_formula(cell) == guarded


# --- JSON ---------------------------------------------------------------------------


def _documented_fields(section: str) -> list[str]:
    """The field names of a table of docs/exports.md, under the heading ``section``."""
    text = DOCS.read_text(encoding="utf-8")
    body = text.split(f"## {section}\n", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"^\| `([a-z_]+)` \|", body, flags=re.MULTILINE)


@pytest.mark.parametrize(("what", "section"), [("questions", "Questions"), ("decisions", "Decisions")])
def test_json_parses_and_has_the_documented_shape(session, what, section):
    # when
    document = json.loads(_content(session.townhall, what, "json", False))

    # then
    assert set(document) == {"format", "version", "what", "townhall", "fields", "rows"}
    assert (document["format"], document["version"], document["what"]) == ("townhall-export", 1, what)
    assert document["townhall"] == {"slug": "budget", "title": "Budget 2027", "status": "live"}
    assert document["fields"] == _documented_fields(section)
    assert document["rows"] and all(list(row) == document["fields"] for row in document["rows"])
    assert all(re.fullmatch(r"\d{4}-\d\d-\d\dT[\d:.]+Z", row["created_at"]) for row in document["rows"])


def test_json_and_csv_hold_the_same_rows(session):
    # when
    document = json.loads(_content(session.townhall, "questions", "json", False))
    rows = _csv_rows(_content(session.townhall, "questions", "csv", False), excel=False)

    # then
    assert [row["text"] for row in document["rows"]] == [row["text"].removeprefix("'") for row in rows]
    assert [row["votes"] for row in document["rows"]] == [int(row["votes"]) for row in rows]


def test_an_unknown_export_is_a_value_error(session):
    with pytest.raises(ValueError, match="what"):
        exports.export(session.townhall, what="votes", fmt="csv")
    with pytest.raises(ValueError, match="format"):
        exports.export(session.townhall, what="questions", fmt="xlsx")


# --- the command and the console downloads -------------------------------------------


def _download(client: Client, what: str, fmt: str, excel: bool):
    return client.get(f"/t/budget/moderate/export/{what}.{fmt}" + ("?excel=1" if excel else ""))


@pytest.mark.parametrize(("what", "fmt", "excel"), VARIANTS)
def test_the_command_writes_what_the_console_downloads(session, tmp_path, what, fmt, excel):
    # given
    client = Client()
    client.force_login(session.moderator)
    target = tmp_path / "out"
    args = ["townhall", "export", "budget", "--what", what, "--format", fmt, "--output", str(target)]

    # when
    call_command(*args, *(["--excel"] if excel else []), stderr=io.StringIO())
    response = _download(client, what, fmt, excel)
    out = io.StringIO()
    call_command(*args[:-2], *(["--excel"] if excel else []), stdout=out)

    # then
    assert response.status_code == 200
    assert target.read_bytes() == response.content == out.getvalue().encode("utf-8")
    suffix = "-excel" if excel else ""
    assert response["Content-Disposition"] == f'attachment; filename="budget-{what}{suffix}.{fmt}"'
    assert response["Content-Type"] == ("application/json" if fmt == "json" else "text/csv; charset=utf-8")
    assert "no-cache" in response["Cache-Control"] or "no-store" in response["Cache-Control"]


def test_the_command_exports_questions_as_csv_by_default(session):
    out = io.StringIO()
    call_command("townhall", "export", "budget", stdout=out)
    assert out.getvalue().encode("utf-8") == _content(session.townhall, "questions", "csv", False)


def test_the_command_with_an_unknown_slug_says_so_and_exits_with_1(session, capsys):
    with pytest.raises(CommandError, match="No town hall with slug 'nowhere'"):
        call_command("townhall", "export", "nowhere", stdout=io.StringIO())
    with pytest.raises(SystemExit) as exit_:
        TownhallCommand().run_from_argv(["manage.py", "townhall", "export", "nowhere"])
    assert exit_.value.code == 1
    assert "No town hall with slug 'nowhere'" in capsys.readouterr().err


def test_an_anonymous_visitor_is_sent_to_the_login_page(session):
    response = _download(Client(), "questions", "csv", False)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=/t/budget/moderate/export/questions.csv")


def test_a_signed_in_user_who_does_not_moderate_this_town_hall_gets_403(session):
    # given a moderator of another town hall
    other = factories.make_user("eve")
    factories.make_townhall(moderators=[other], slug="parks")
    client = Client()
    client.force_login(other)

    # when / then
    for what, fmt, excel in VARIANTS:
        response = _download(client, what, fmt, excel)
        assert response.status_code == 403
        assert b"Alice" not in response.content and b"tram" not in response.content


def test_a_deactivated_moderator_gets_no_export(session):
    client = Client()
    client.force_login(session.moderator)
    session.moderator.is_active = False
    session.moderator.save()
    assert _download(client, "questions", "json", False).status_code in (302, 403)


def test_an_unknown_town_hall_or_export_is_404(session):
    client = Client()
    client.force_login(session.moderator)
    assert client.get("/t/nowhere/moderate/export/questions.csv").status_code == 404
    assert client.get("/t/budget/moderate/export/votes.csv").status_code == 404
    assert client.get("/t/budget/moderate/export/questions.xlsx").status_code == 404


@pytest.mark.parametrize("language", ["en", "fr"])
def test_the_console_links_every_export(session, language):
    # given
    client = Client(headers={"accept-language": language})
    client.force_login(session.moderator)

    # when
    html = client.get("/t/budget/moderate/").content.decode()

    # then
    for what, fmt, excel in VARIANTS:
        href = f"/t/budget/moderate/export/{what}.{fmt}" + ("?excel=1" if excel else "")
        assert f'href="{href}"' in html
    assert ("Exporter" if language == "fr" else ">Export<") in html


def test_an_undone_decision_is_not_the_time_to_decision():
    # given a question rejected by mistake, the rejection undone, then approved
    alice = factories.make_user("alice")
    townhall = factories.make_townhall(moderators=[alice], slug="budget")
    question, _ = _ask(townhall, "When does the market open?", ip="")
    rejected = services.question_reject(
        townhall_id=townhall.pk, question_id=question.pk, moderator=alice, reason="other"
    )
    services.decision_undo(townhall_id=townhall.pk, decision_id=rejected.decision["id"], moderator=alice)
    approved = services.question_approve(townhall_id=townhall.pk, question_id=question.pk, moderator=alice)

    # when
    (row,) = exports.question_rows(townhall)

    # then
    assert row["decided_at"].isoformat() == approved.decision["created_at"]
    assert (row["status"], row["reason"]) == ("approved", "")
