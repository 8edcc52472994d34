"""Management commands: demo and townhall."""

from __future__ import annotations

import io

import pytest
from django.contrib.auth import authenticate, get_user_model
from django.core.management import CommandError, call_command

from moderation import events, services
from moderation.exceptions import TownHallClosed
from moderation.models import Decision, Event, TownHall
from tests.support import factories

# The commands call services, which publish on commit.
pytestmark = pytest.mark.django_db


def run(*args: str) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


@pytest.fixture(autouse=True)
def public_url(settings):
    settings.PUBLIC_BASE_URL = "https://townhall.example/"


# --- demo --------------------------------------------------------------------------


def test_demo_twice_is_idempotent(monkeypatch):
    # given no data
    monkeypatch.delenv("DEMO_MODERATOR_PASSWORD", raising=False)

    # when the demo is set up twice
    run("demo")
    run("demo")

    # then there is one live demo town hall, moderated by the one demo user
    User = get_user_model()
    assert User.objects.filter(username="moderator").count() == 1
    user = User.objects.get(username="moderator")
    (townhall,) = TownHall.objects.all()
    assert (townhall.slug, townhall.status) == ("demo", "live")
    assert list(townhall.moderators.all()) == [user]


def test_demo_with_a_password_from_the_environment(monkeypatch):
    # given
    monkeypatch.setenv("DEMO_MODERATOR_PASSWORD", "tram-north-2026")

    # when
    output = run("demo")
    run("demo")

    # then the password works, and is printed for the operator
    assert authenticate(username="moderator", password="tram-north-2026") is not None
    assert authenticate(username="moderator", password="wrong") is None
    assert "tram-north-2026" in output


def test_demo_without_a_password_prints_a_working_random_one(monkeypatch):
    # given
    monkeypatch.delenv("DEMO_MODERATOR_PASSWORD", raising=False)

    # when
    output = run("demo")

    # then the printed password logs in
    (login_line,) = [line for line in output.splitlines() if line.startswith("Login:")]
    password = login_line.split("password '")[1].rstrip("'")
    assert len(password) >= 12
    assert authenticate(username="moderator", password=password) is not None


def test_demo_prints_the_three_urls():
    # given / when
    output = run("demo")

    # then
    townhall = TownHall.objects.get(slug="demo")
    assert "https://townhall.example/t/demo/" in output
    assert "https://townhall.example/t/demo/moderate/" in output
    assert f"https://townhall.example/t/demo/screen/?key={townhall.screen_key}" in output


def test_demo_reopens_a_closed_demo_and_keeps_its_questions():
    # given a demo that was used and closed
    run("demo")
    townhall = TownHall.objects.get(slug="demo")
    question = factories.make_question(townhall)
    services.townhall_set_status(townhall_id=townhall.pk, status="closed")

    # when the demo is set up again
    run("demo")

    # then it is live again, with the same screen key and questions
    townhall.refresh_from_db()
    assert townhall.status == "live"
    assert list(townhall.questions.values_list("pk", flat=True)) == [question.pk]
    assert TownHall.objects.get(slug="demo").screen_key == townhall.screen_key


def test_demo_adds_the_moderator_to_an_existing_demo_town_hall():
    # given a town hall 'demo' created by someone else
    factories.make_townhall(slug="demo", status="draft", moderators=[factories.make_user("carol")])

    # when
    run("demo")

    # then the demo user moderates it too, and it is live
    townhall = TownHall.objects.get(slug="demo")
    assert set(townhall.moderators.values_list("username", flat=True)) == {"carol", "moderator"}
    assert townhall.status == "live"


# --- townhall create ---------------------------------------------------------------


def test_townhall_create_with_every_option():
    # given two users
    factories.make_user("alice")
    factories.make_user("bob")

    # when
    output = run(
        "townhall",
        "create",
        "budget",
        "--title",
        "Budget 2027",
        "--moderator",
        "alice",
        "--moderator",
        "bob",
        "--live",
        "--max-length",
        "300",
        "--hold-threshold",
        "0.7",
    )

    # then
    townhall = TownHall.objects.get(slug="budget")
    assert (townhall.title, townhall.status, townhall.max_question_length, townhall.hold_threshold) == (
        "Budget 2027",
        "live",
        300,
        0.7,
    )
    assert set(townhall.moderators.values_list("username", flat=True)) == {"alice", "bob"}
    assert "Created budget (live)" in output
    assert "https://townhall.example/t/budget/" in output
    assert "https://townhall.example/t/budget/moderate/" in output
    assert f"https://townhall.example/t/budget/screen/?key={townhall.screen_key}" in output
    assert f"Screen key: {townhall.screen_key}" in output


def test_townhall_create_defaults_to_a_draft():
    # given / when
    run("townhall", "create", "parks", "--title", "Parks")

    # then
    townhall = TownHall.objects.get(slug="parks")
    assert (townhall.status, townhall.max_question_length, townhall.hold_threshold) == ("draft", 500, 0.5)
    assert not townhall.moderators.exists()


def test_townhall_create_with_an_unknown_moderator_is_an_error_and_creates_nothing():
    # given
    factories.make_user("alice")

    # when / then
    with pytest.raises(CommandError, match="nobody"):
        run("townhall", "create", "budget", "--title", "Budget", "--moderator", "alice", "--moderator", "nobody")
    assert not TownHall.objects.exists()


def test_townhall_create_with_a_taken_slug_is_an_error():
    # given
    factories.make_townhall(slug="budget", title="First")

    # when / then
    with pytest.raises(CommandError, match="budget"):
        run("townhall", "create", "budget", "--title", "Second")
    assert TownHall.objects.get(slug="budget").title == "First"


@pytest.mark.parametrize("option", [("--max-length", "0"), ("--hold-threshold", "1.5")])
def test_townhall_create_with_bad_values_is_an_error(option: tuple[str, str]):
    # given / when / then
    with pytest.raises(CommandError):
        run("townhall", "create", "budget", "--title", "Budget", *option)
    assert not TownHall.objects.exists()


@pytest.mark.parametrize("slug", ["town hall", "budget/2027", "b" * 61])
def test_townhall_create_with_a_slug_that_cannot_be_a_url_is_an_error(slug: str):
    # given / when / then: refused cleanly, with nothing half-created
    with pytest.raises(CommandError):
        run("townhall", "create", slug, "--title", "Budget")
    assert not TownHall.objects.exists()


# --- townhall list / open / close -----------------------------------------------------


def test_townhall_list():
    # given
    alice = factories.make_user("alice")
    budget = factories.make_townhall(slug="budget", title="Budget 2027", moderators=[alice])
    factories.make_question(budget)
    factories.make_townhall(slug="parks", title="Parks", status="draft")

    # when
    output = run("townhall", "list")

    # then one line per town hall, by slug
    lines = output.strip().splitlines()
    assert len(lines) == 2
    assert lines[0].startswith("budget\tlive\t1 questions\tBudget 2027") and "alice" in lines[0]
    assert lines[1].startswith("parks\tdraft\t0 questions\tParks")


def test_townhall_list_when_empty():
    # given / when / then
    assert "No town halls." in run("townhall", "list")


def test_townhall_close_refuses_new_questions():
    # given a live town hall
    townhall = factories.make_townhall(slug="budget")

    # when it is closed from the command line
    output = run("townhall", "close", "budget")

    # then it is closed, that is announced, and it refuses questions
    townhall.refresh_from_db()
    assert townhall.status == "closed"
    assert "budget is closed" in output
    assert Event.objects.filter(townhall=townhall).latest("seq").type == events.TOWNHALL_UPDATED
    with pytest.raises(TownHallClosed):
        factories.make_question(townhall)


def test_townhall_close_goes_through_the_consoles_close(settings):
    # given a live town hall with a pending question and one on screen
    moderator = factories.make_user("alice")
    townhall = factories.make_townhall(slug="budget", moderators=[moderator])
    pending = factories.make_question(townhall)
    shown = factories.make_question(townhall, text="Shown?")
    services.question_approve(townhall_id=townhall.pk, question_id=shown.pk, moderator=moderator)
    services.screen_show(townhall_id=townhall.pk, question_id=shown.pk, moderator=moderator)

    # when it is closed from the command line
    output = run("townhall", "close", "budget")

    # then pending questions are unhandled, the screen is cleared, one close decision without a moderator
    townhall.refresh_from_db()
    pending.refresh_from_db()
    assert "budget is closed" in output and "1 pending questions marked unhandled" in output
    assert pending.status == "unhandled" and townhall.screen_question_id is None
    close = Decision.objects.get(action="close")
    assert close.moderator is None and close.townhall_id == townhall.pk
    # and closing again says so, and changes nothing
    assert "already" in run("townhall", "close", "budget")
    assert Decision.objects.filter(action="close").count() == 1


def test_townhall_open_takes_questions_again():
    # given a closed town hall
    townhall = factories.make_townhall(slug="budget", status="closed")

    # when
    output = run("townhall", "open", "budget")

    # then
    assert "budget is live" in output
    assert factories.make_question(townhall).status == "pending"


@pytest.mark.parametrize("action", ["open", "close"])
def test_townhall_open_or_close_an_unknown_slug_is_an_error(action: str):
    # given
    factories.make_townhall(slug="budget")

    # when / then
    with pytest.raises(CommandError, match="nowhere"):
        run("townhall", action, "nowhere")
    assert TownHall.objects.get(slug="budget").status == "live"
