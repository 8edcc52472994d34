"""The public record of a real session in Chromium, in English and French: charts, WCAG 2.1 AA, screenshots.

The session is the demo's (moderation/demo_session.py: questions asked,
scored by the offline scorer, decided by two moderators through the
services), played in the test's own town hall on the shared server.
"""

from __future__ import annotations

import pytest

from tests.support.servers import manage
from tests.test_accessibility import violations
from tests.test_browser import log_in
from tests.test_browser_rooms import REVIEW_SHOTS, SHOTS, watch

pytestmark = pytest.mark.browser

PLAY = """
from django.contrib.auth import get_user_model
from moderation.demo_session import play_demo_session
from moderation.models import TownHall
townhall = TownHall.objects.get(slug={slug!r})
print("PLAYED", play_demo_session(townhall, list(get_user_model().objects.filter(username__in=["moderator", "bob"]))))
"""


def play_session(demo) -> None:
    output = manage(
        demo.database_url,
        "shell",
        "--no-imports",
        "-c",
        PLAY.format(slug=demo.slug),
        env={"TOXICITY_SCORER": "offline"},
    )
    assert "PLAYED 16" in output, output


@pytest.mark.parametrize(
    ("locale", "language", "heading"), [("en-GB", "en", "Moderation record"), ("fr-FR", "fr", "Registre de modération")]
)
def test_the_record_of_a_real_session_in_chromium(browser, demo, locale, language, heading):
    # given a session played in the demo's town hall
    play_session(demo)
    problems: list[str] = []
    context = browser.new_context(locale=locale, viewport={"width": 1280, "height": 900})
    page = watch(context.new_page(), problems)

    # when a citizen opens the record from the citizen page's footer
    page.goto(demo.url + demo.path())
    REVIEW_SHOTS.mkdir(parents=True, exist_ok=True)
    page.get_by_test_id("citizen-footer").scroll_into_view_if_needed()
    page.screenshot(path=REVIEW_SHOTS / f"record-link-citizen-{language}.png")
    page.get_by_test_id("record-link").click()
    page.wait_for_url(demo.url + demo.path("record/"))

    # then it is in their language, names both moderators, and draws both charts
    assert page.locator("html").get_attribute("lang") == language
    assert heading in page.locator("h1").inner_text()
    team = page.get_by_test_id("record-team-member").all_inner_texts()
    assert any("Demo moderator" in row for row in team) and any("Bob Leroy" in row for row in team)
    for chart in ("chart-timeline", "chart-decision-time"):
        svg = page.get_by_test_id(chart)
        assert svg.is_visible()
        box = svg.bounding_box()
        assert box["width"] > 600 and box["height"] > 200, box
        assert svg.locator("rect").count() >= 7
    assert page.get_by_test_id("record-question").count() == 10
    assert page.get_by_test_id("record-edited").count() == 1
    assert "offline (alt-profanity-check" in page.get_by_test_id("record-machine").inner_text()
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SHOTS / f"record-{language}.png", full_page=True)
    assert problems == []


@pytest.mark.parametrize("locale", ["en-GB", "fr-FR"])
def test_the_record_passes_wcag_21_aa_checks(browser, demo, locale):
    # given the record of a real session, its figure tables opened
    play_session(demo)
    page = browser.new_context(locale=locale, bypass_csp=True).new_page()
    page.goto(demo.url + demo.path("record/"))
    for summary in page.locator("details summary").all():
        summary.click()

    # when / then
    assert violations(page) == []
    assert page.get_by_test_id("chart-timeline-table").is_visible()


def test_the_console_header_opens_the_record_in_a_new_tab(browser, demo):
    # given a moderator in the console
    problems: list[str] = []
    context = browser.new_context(viewport={"width": 1440, "height": 900})
    page = watch(context.new_page(), problems)
    log_in(page, demo)
    page.get_by_test_id("connection").and_(page.locator("[data-state=connected]")).wait_for()
    REVIEW_SHOTS.mkdir(parents=True, exist_ok=True)
    page.locator(".console-header").screenshot(path=REVIEW_SHOTS / "record-link-console.png")

    # when they follow the header's link
    with context.expect_page() as opened:
        page.get_by_test_id("record-link").click()
    record = opened.value
    record.wait_for_load_state()

    # then the record opens beside the console, which stays connected
    assert record.url == demo.url + demo.path("record/")
    assert record.get_by_test_id("record-state").get_attribute("data-final") == "false"
    assert page.get_by_test_id("connection").get_attribute("data-state") == "connected"
    assert problems == []
