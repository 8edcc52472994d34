"""Flood control in the pages: the console pauses questions and switches slow
mode, and the citizen's phone says so (English and French); a flood alert
appears in the console and its held votes are reviewed there. Real Daphne,
headless Chromium."""

from __future__ import annotations

import json

import pytest

from tests.support.servers import manage
from tests.test_browser_console import SHOTS, console, watch

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}

# Run by `manage.py shell` against the browser tests' database: a burst of new
# sessions (the alert's minimum lowered to 1 in that process) raises a
# sessions alert, stored like any event, which the server replays.
_BURST = """
from django.conf import settings
from moderation import services
from moderation.models import TownHall
settings.FLOOD_ALERT_MIN_SESSIONS = 1
townhall = TownHall.objects.get(slug={slug!r})
services.citizen_session_start(townhall_id=townhall.pk, ip="203.0.113.50")
"""


def phone(browser, demo, problems, locale: str = "en-GB"):
    page = watch(browser.new_context(locale=locale, viewport=PHONE).new_page(), problems)
    page.goto(demo.url + demo.path())
    page.locator("[data-testid=connection][data-state=connected]").wait_for(state="attached")
    return page


def test_pause_and_slow_mode_from_the_console_reach_the_phones(browser, demo):
    # given a console, an English phone and a French one
    problems: list[str] = []
    page = console(browser, demo, problems)
    english = phone(browser, demo, problems)
    french = phone(browser, demo, problems, locale="fr-FR")

    # when the moderator pauses new questions
    page.get_by_test_id("flood-pause").click()

    # then the console says so, and both phones show the pause
    page.get_by_test_id("flood-state").filter(has_text="Questions paused").wait_for()
    assert page.get_by_test_id("flood-pause").inner_text() == "Resume questions"
    page.get_by_test_id("audit-row").filter(has_text="paused new questions").first.wait_for()
    english.get_by_test_id("closed-notice").filter(has_text="Questions are paused for now").wait_for()
    french.get_by_test_id("closed-notice").filter(has_text="Les questions sont en pause").wait_for()
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "flood-console-paused.png"))
    french.screenshot(path=str(SHOTS / "flood-citizen-paused-fr.png"))
    # and a question typed anyway is refused on the phone, with the reason
    english.get_by_test_id("ask-text").fill("Can we still ask?")
    english.get_by_test_id("ask-form").locator("button[type=submit]").click()
    english.get_by_test_id("ask-error").filter(has_text="Questions are paused").wait_for()

    # when the moderator resumes and switches slow mode to 30 s
    page.get_by_test_id("flood-pause").click()
    english.get_by_test_id("closed-notice").wait_for(state="hidden")
    page.get_by_test_id("flood-slow").select_option("30")

    # then the phones show the wait, and a second question is told how long to wait
    english.get_by_test_id("slow-notice").filter(has_text="one question every 30 seconds").wait_for()
    french.get_by_test_id("slow-notice").filter(has_text="une question toutes les 30 secondes").wait_for()
    english.get_by_test_id("ask-text").fill("When does the pool reopen?")
    english.get_by_test_id("ask-form").locator("button[type=submit]").click()
    english.get_by_test_id("ask-success").wait_for()
    english.get_by_test_id("ask-text").fill("And the library?")
    english.get_by_test_id("ask-form").locator("button[type=submit]").click()
    english.get_by_test_id("ask-error").filter(has_text="Please wait").wait_for()
    english.screenshot(path=str(SHOTS / "flood-citizen-slow.png"))
    page.get_by_test_id("flood-slow").select_option("0")
    english.get_by_test_id("slow-notice").wait_for(state="hidden")
    assert problems == []


def test_a_flood_alert_shows_in_the_console_and_its_votes_are_reviewed(browser, demo):
    # given an open console
    problems: list[str] = []
    page = console(browser, demo, problems)

    # when a burst of new sessions raises an alert
    manage(demo.database_url, "shell", "--no-imports", "-c", _BURST.format(slug=demo.slug))

    # then the console shows it with the review buttons
    alert = page.get_by_test_id("flood-alert-sessions")
    alert.filter(has_text="new phones").wait_for()
    assert "Votes held: 0" in alert.inner_text()
    page.screenshot(path=str(SHOTS / "flood-console-alert.png"))

    # when the moderator drops the held votes
    alert.get_by_test_id("flood-drop").click()

    # then the alert is gone, and the review is in the audit log
    alert.wait_for(state="detached")
    assert json.dumps(problems) == "[]"
