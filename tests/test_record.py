"""The public moderation record (moderation/record.py, townhall/record_views.py), through the test client.

A session built through the services, with the data a record must never
publish (participant ids, addresses, original texts, rejected questions'
text and places), then assertions on the rendered bytes and the figures.
"""

from __future__ import annotations

import io
import json
import re
import uuid
from datetime import timedelta
from pathlib import Path

import jsonschema
import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from moderation import demo_session, record, services
from moderation.models import Decision, Question, TownHall
from moderation.scoring.base import ScoreResult
from tests.support import factories

pytestmark = pytest.mark.django_db

DOCS = Path(__file__).resolve().parent.parent / "docs"
START = timezone.now().replace(microsecond=0) - timedelta(hours=2)

SECRET_IP = "203.0.113.77"
REJECTED_TEXT = "Mr Dupont at 12 rue des Lilas is a crook, call him on 06 12 34 56 78"
REJECTED_PLACE = "Impasse Secrète"
ORIGINAL_TEXT = "Why is my neighbour Jean Martin allowed to park on the pavement?"
EDITED_TEXT = "Why are cars allowed to park on the pavement?"
WITHDRAWN_TEXT = "Never mind, the bakery question was answered already"


def ask(townhall, text: str, *, author: str = "", place: str = "", participant: str | None = None) -> Question:
    question, _ = services.question_submit(
        townhall_id=townhall.pk,
        participant=participant or factories.make_participant(),
        text=text,
        author=author,
        place=place,
        client_key=uuid.uuid4().hex,
        ip=SECRET_IP,
    )
    return question


def at(question: Question, minutes: float) -> None:
    """Date the question ``minutes`` after START (test data: the clock is not a service input)."""
    Question.objects.filter(pk=question.pk).update(created_at=START + timedelta(minutes=minutes))


def decided(question: Question, action: str, minutes: float) -> None:
    """Date the question's last ``action`` decision ``minutes`` after START."""
    row = Decision.objects.filter(question=question, action=action).latest("id")
    Decision.objects.filter(pk=row.pk).update(created_at=START + timedelta(minutes=minutes))


@pytest.fixture
def session():
    """A session with every outcome: 2 moderators, one machine-held question,
    one edited question, answered and approved ones, rejections, a withdrawal."""
    alice = factories.make_user("alice", first_name="Alice", last_name="Martin")
    bob = factories.make_user("bob")
    townhall = factories.make_townhall(moderators=[alice, bob], slug="record-room", title="Tram <north> & co")
    ids = {"alice": alice, "bob": bob, "townhall": townhall}
    tram = ask(townhall, "When will the tram reach the north district?", author="Marie", place="Quartier Nord")
    pool = ask(townhall, "Why is the pool closed on <b>Sundays</b>?", author="<script>x</script>")
    parking = ask(townhall, ORIGINAL_TEXT, author="Paul", place="Rue Haute")
    rude = ask(townhall, REJECTED_TEXT, author="Gregoire Vindicatif", place=REJECTED_PLACE)
    rough = ask(townhall, "This council is useless, what about the library?")
    late = ask(townhall, "Will the market move?")
    gone = ask(townhall, WITHDRAWN_TEXT)
    services.question_apply_score(question_id=rough.pk, result=ScoreResult(labels={"toxicity": 0.8}, model="m 2.1"))
    services.question_apply_score(question_id=tram.pk, result=ScoreResult(labels={"toxicity": 0.01}, model="m 2.1"))
    for minutes, question in enumerate((tram, pool, parking, rude, rough, late, gone)):
        at(question, minutes)
    services.question_withdraw(townhall_id=townhall.pk, question_id=gone.pk, participant=gone.participant)
    th = townhall.pk
    services.question_approve(townhall_id=th, question_id=tram.pk, moderator=alice)
    decided(tram, "approve", 0 + 1)  # waited 60 s
    services.question_approve(townhall_id=th, question_id=pool.pk, moderator=bob)
    decided(pool, "approve", 1 + 2)  # 120 s
    services.question_edit(townhall_id=th, question_id=parking.pk, moderator=alice, text=EDITED_TEXT, place="")
    services.question_approve(townhall_id=th, question_id=parking.pk, moderator=alice)
    decided(parking, "approve", 2 + 3)  # 180 s
    services.question_reject(townhall_id=th, question_id=rude.pk, moderator=bob, reason="personal_data")
    decided(rude, "reject", 3 + 10)  # 600 s
    services.question_approve(townhall_id=th, question_id=rough.pk, moderator=alice)  # held, then approved
    decided(rough, "approve", 4 + 0.5)  # 30 s
    services.question_answer(townhall_id=th, question_id=pool.pk, moderator=alice)
    services.question_answer(townhall_id=th, question_id=tram.pk, moderator=alice)
    Question.objects.filter(pk=pool.pk).update(decided_at=START + timedelta(minutes=20))
    Question.objects.filter(pk=tram.pk).update(decided_at=START + timedelta(minutes=25))
    ids.update(tram=tram, pool=pool, parking=parking, rude=rude, rough=rough, late=late, gone=gone)
    return ids


def fetch(townhall: TownHall, suffix: str = "record/", language: str = "en") -> bytes:
    response = Client(headers={"accept-language": language}).get(f"/t/{townhall.slug}/{suffix}")
    assert response.status_code == 200, response.status_code
    return response.content


def test_the_record_never_publishes_what_identifies_a_citizen_or_a_rejected_question(session):
    # given the session's private data
    private = [q.participant for q in Question.objects.all()]
    private += [SECRET_IP, REJECTED_TEXT, REJECTED_PLACE, ORIGINAL_TEXT, "Rue Haute", WITHDRAWN_TEXT, "Will the market"]
    private += ["Dupont", "06 12 34 56 78", "Gregoire Vindicatif"]

    # when the page (both languages) and the JSON are fetched
    bodies = [
        fetch(session["townhall"]),
        fetch(session["townhall"], language="fr"),
        fetch(session["townhall"], "record.json"),
    ]

    # then none of it is in any of them, while the published questions are
    for body in bodies:
        text = body.decode()
        for value in private:
            assert value not in text and json.dumps(value)[1:-1] not in text, value
        assert EDITED_TEXT in text and "When will the tram reach the north district?" in text


def test_the_page_escapes_citizen_text(session):
    # when
    page = fetch(session["townhall"]).decode()

    # then
    assert "<script>x</script>" not in page and "&lt;script&gt;x&lt;/script&gt;" in page
    assert "<b>Sundays</b>" not in page and "&lt;b&gt;Sundays&lt;/b&gt;" in page
    assert "Tram &lt;north&gt; &amp; co" in page
    assert "<script" not in page  # no inline script at all (CSP)


def test_counts_times_and_the_machines_part_on_a_known_session(session):
    # when
    data = record.townhall_record(session["townhall"])

    # then outcomes and reasons
    assert data["counts"]["questions"] == 7
    assert data["counts"]["by_status"] == {
        "pending": 1,
        "approved": 2,
        "rejected": 1,
        "answered": 2,
        "withdrawn": 1,
        "merged": 0,
        "unhandled": 0,
    }
    assert data["counts"]["by_reject_reason"] == {
        "off_topic": 0,
        "duplicate": 0,
        "abusive": 0,
        "personal_data": 1,
        "other": 0,
    }
    assert data["counts"]["edited"] == 1
    # waits 30, 60, 120, 180, 600 s: median 120, p90 (nearest rank: 5th of 5) 600
    ttd = data["time_to_decision"]
    assert (ttd["decided"], ttd["median_seconds"], ttd["p90_seconds"]) == (5, 120, 600)
    assert [b["count"] for b in ttd["histogram"]] == [0, 1, 1, 2, 0, 1, 0]
    # the machine: one question held by its score, then approved; one rejected that was not held
    machine = data["machine"]
    assert machine["models"] == [{"name": "m 2.1", "questions": 2}]
    assert (machine["held"], machine["held_by_model"], machine["held_by_terms"]) == (1, 1, 0)
    assert (machine["held_then_approved"], machine["not_held_then_rejected"]) == (1, 1)
    assert (machine["held_then_rejected"], machine["not_held_then_approved"]) == (0, 3)


def test_team_decisions_and_the_order_of_published_questions(session):
    # given the command line closes the session (a decision with no moderator)
    services.townhall_close(townhall_id=session["townhall"].pk)
    session["townhall"].refresh_from_db()

    # when
    data = record.townhall_record(session["townhall"])

    # then alice made 6 decisions (approve ×3, edit, answer ×2), bob 2, the command line 1
    assert data["team"] == [
        {"name": "Alice Martin", "on_team": True, "decisions": 6},
        {"name": "bob", "on_team": True, "decisions": 2},
    ]
    assert data["system_decisions"] == 1
    assert data["townhall"]["final"] is True and data["townhall"]["closed_at"]
    # answered in the order they were answered (pool before tram), then the approved ones
    texts = [q["text"] for q in data["questions"]]
    assert texts[:2] == ["Why is the pool closed on <b>Sundays</b>?", "When will the tram reach the north district?"]
    assert set(texts[2:]) == {EDITED_TEXT, "This council is useless, what about the library?"}
    assert [q["edited"] for q in data["questions"] if q["text"] == EDITED_TEXT] == [True]
    assert data["counts"]["by_status"]["unhandled"] == 1


def test_the_page_says_live_or_final(session):
    # when live
    live = fetch(session["townhall"]).decode()
    services.townhall_close(townhall_id=session["townhall"].pk)
    final = fetch(session["townhall"]).decode()
    final_json = json.loads(fetch(session["townhall"], "record.json"))

    # then
    assert 'data-final="false"' in live and "still going on" in live
    assert 'data-final="true"' in final and "no longer changes" in final
    assert final_json["townhall"]["final"] is True and final_json["townhall"]["status"] == "closed"


def test_charts_are_svg_with_a_text_alternative(session):
    # when
    page = fetch(session["townhall"]).decode()

    # then two charts, each an image with a title and a description, and a table of its figures
    for chart in ("chart-timeline", "chart-decision-time"):
        svg = re.search(rf'<svg[^>]*data-testid="{chart}"[^>]*>(.*?)</svg>', page, re.S)
        assert svg, chart
        assert 'role="img"' in svg.group(0) and f'aria-labelledby="{chart}-title {chart}-desc"' in svg.group(0)
        assert f'<title id="{chart}-title">' in svg.group(1) and f'<desc id="{chart}-desc">' in svg.group(1)
        assert svg.group(1).count("<rect") >= 7
        assert f'data-testid="{chart}-table"' in page
    # the decision-time table has the histogram's counts
    table = re.search(r'data-testid="chart-decision-time-table">(.*?)</table>', page, re.S).group(1)
    assert re.findall(r'<td class="num">(\d+)</td>', table) == ["0", "1", "1", "2", "0", "1", "0"]


def test_french_page(session):
    # when
    page = fetch(session["townhall"], language="fr").decode()

    # then
    assert '<html lang="fr">' in page
    assert "Registre de modération" in page and "Temps avant décision" in page


def test_a_draft_has_no_record_and_an_unknown_slug_neither():
    # given
    draft = factories.make_townhall(slug="draft-record", status="draft")

    # when / then
    for path in (f"/t/{draft.slug}/record/", f"/t/{draft.slug}/record.json", "/t/nope/record/"):
        assert Client().get(path).status_code == 404, path


def test_an_empty_session_has_a_record():
    # given a live town hall with nothing asked
    townhall = factories.make_townhall(slug="empty-record", moderators=[factories.make_user("carol")])

    # when
    data = json.loads(fetch(townhall, "record.json"))
    page = fetch(townhall).decode()

    # then
    assert data["counts"]["questions"] == 0 and data["timeline"]["buckets"] == []
    assert data["time_to_decision"]["median_seconds"] is None
    assert data["team"] == [{"name": "carol", "on_team": True, "decisions": 0}]
    assert "No question has been asked yet." in page


# --- the schema ---------------------------------------------------------------------


def schema() -> dict:
    return json.loads((DOCS / "record.schema.json").read_text())


def test_the_json_matches_the_schema(session):
    # given a closed session (closed_at set) and a live one
    live = json.loads(fetch(session["townhall"], "record.json"))
    services.townhall_close(townhall_id=session["townhall"].pk)
    final = json.loads(fetch(session["townhall"], "record.json"))

    # when / then
    for data in (live, final):
        jsonschema.Draft202012Validator(schema()).validate(data)


def test_the_schema_rejects_a_record_with_a_participant_field(session):
    # given (additionalProperties is false everywhere, so a leak cannot pass unnoticed)
    data = json.loads(fetch(session["townhall"], "record.json"))
    data["questions"][0]["participant"] = "abc"

    # when / then
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.Draft202012Validator(schema()).validate(data)


def _schema_fields(node: dict, prefix: str = "") -> set[str]:
    """Every field path of the schema: ``team[].name``, ``counts.by_status.pending``..."""
    fields: set[str] = set()
    for name, child in node.get("properties", {}).items():
        path = f"{prefix}{name}"
        fields.add(path)
        if child.get("type") == "object" or "properties" in child:
            fields |= _schema_fields(child, path + ".")
        if "items" in child:
            fields |= _schema_fields(child["items"], path + "[].")
    return fields


def test_docs_list_exactly_the_schemas_fields():
    # given the fields documented in docs/record.md's tables: | `path` | type | meaning |
    documented = set(re.findall(r"^\| `([^`]+)` \|", (DOCS / "record.md").read_text(), re.M))

    # when / then
    assert documented == _schema_fields(schema())


# --- the demo ---------------------------------------------------------------------


def test_the_demo_without_session_asks_nothing():
    # when
    call_command("demo", stdout=io.StringIO())

    # then
    assert not Question.objects.filter(townhall__slug="demo").exists()


def test_the_demo_plays_a_session_once_so_its_record_is_not_empty(fake_scorer):
    # given
    fake_scorer.scores = {"this council is useless and corrupt": 0.9}
    call_command("demo", "--session", stdout=io.StringIO())

    # when the demo is set up again, and the record read
    call_command("demo", "--session", stdout=io.StringIO())
    data = record.townhall_record(TownHall.objects.get(slug="demo"))

    # then one session: answered, approved, rejected by reason, edited, a held question rejected
    assert data["counts"]["questions"] == len(demo_session.SPECS)
    by_status = data["counts"]["by_status"]
    assert (by_status["answered"], by_status["approved"], by_status["rejected"]) == (5, 5, 4)
    assert data["counts"]["by_reject_reason"]["personal_data"] == 1 and data["counts"]["edited"] == 1
    assert data["team"][0]["name"] == "Demo moderator" and data["team"][0]["decisions"] >= 14
    assert data["machine"]["models"] == [{"name": "fake-scorer 1.0", "questions": len(demo_session.SPECS)}]
    machine = data["machine"]
    assert (machine["held_by_terms"], machine["held_then_rejected"], machine["held_then_approved"]) == (2, 1, 1)
    assert data["time_to_decision"]["decided"] == 14 and data["time_to_decision"]["median_seconds"] >= 60
    assert data["timeline"]["bucket_seconds"] == 300 and len(data["timeline"]["buckets"]) >= 14
    assert [q["status"] for q in data["questions"]] == ["answered"] * 5 + ["approved"] * 5


# --- links and headers --------------------------------------------------------------


def test_the_citizen_page_and_the_console_link_to_the_record(session):
    # given
    moderator = Client()
    moderator.force_login(session["alice"])

    # when
    citizen = Client().get("/t/record-room/").content.decode()
    console = moderator.get("/t/record-room/moderate/").content.decode()

    # then
    for page in (citizen, console):
        assert re.search(r'<a [^>]*href="/t/record-room/record/"[^>]*data-testid="record-link"', page)


def test_the_record_is_public_not_cached_and_under_the_csp(session):
    # when
    for path in ("/t/record-room/record/", "/t/record-room/record.json"):
        response = Client().get(path)

        # then
        assert response.status_code == 200
        assert "no-cache" in response.headers["Cache-Control"]
        policy = response.headers.get("Content-Security-Policy", "")
        assert "script-src 'self'" in policy and "'unsafe-inline'" not in policy, path
