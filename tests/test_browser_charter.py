"""Who moderates, in Chromium: the team and the charter before the first
question, the charter page, "Moderated by" on the screen, the moderators'
form, in English and French, checked with axe-core (WCAG 2.1 AA)."""

from __future__ import annotations

import pytest

from tests.support.browser import PASSWORD
from tests.test_accessibility import violations
from tests.test_browser_rooms import PHONE, SHOTS, watch

pytestmark = pytest.mark.browser

WALL = {"width": 1920, "height": 1080}


def sign_in(page, demo, target: str) -> None:
    page.goto(f"{demo.url}/accounts/login/?next={target}")
    page.get_by_test_id("login-username").fill("moderator")
    page.get_by_test_id("login-password").fill(PASSWORD)
    page.get_by_test_id("login-submit").click()
    page.wait_for_url(demo.url + target)


@pytest.mark.parametrize(
    ("locale", "lang", "moderated_by"), [("en-GB", "en", "Moderated by"), ("fr-FR", "fr", "Modération")]
)
def test_citizens_see_who_moderates_and_the_charter_before_asking(browser, demo, locale, lang, moderated_by):
    # given a citizen's phone in the reader's language
    problems: list[str] = []
    context = browser.new_context(locale=locale, viewport=PHONE, bypass_csp=True)
    citizen = watch(context.new_page(), problems)

    # when the citizen opens the town hall
    citizen.goto(demo.url + demo.path())
    citizen.get_by_test_id("connection").wait_for(state="hidden")

    # then the team and the charter's link are in the ask box, by the Send button, before any question
    names = citizen.get_by_test_id("team-names")
    assert names.inner_text() == "Bob Leroy, Demo moderator"
    summary_box = citizen.get_by_test_id("charter-summary").bounding_box()
    submit_box = citizen.get_by_test_id("ask-submit").bounding_box()
    questions_box = citizen.locator("#questions").bounding_box()
    assert submit_box["y"] + submit_box["height"] <= summary_box["y"] < questions_box["y"]
    assert moderated_by in citizen.get_by_test_id("team").inner_text()
    citizen.get_by_test_id("privacy-notice").locator("summary").click()
    citizen.get_by_test_id("privacy-retention").wait_for()
    SHOTS.mkdir(parents=True, exist_ok=True)
    citizen.screenshot(path=SHOTS / f"citizen-charter-{lang}.png")
    assert violations(citizen) == [], "citizen page with the privacy notice open"

    # when the citizen follows the link to the full charter
    citizen.get_by_test_id("charter-link").click()
    citizen.wait_for_url(demo.url + demo.path("charter/"))

    # then it lists the team, every reason and the privacy notice, in the reader's language
    assert citizen.locator("html").get_attribute("lang") == lang
    assert citizen.get_by_test_id("charter-team").locator("li").all_inner_texts() == ["Bob Leroy", "Demo moderator"]
    assert citizen.locator("[data-reason]").count() == 5
    citizen.screenshot(path=SHOTS / f"charter-{lang}.png", full_page=True)
    assert violations(citizen) == [], "charter page"
    assert problems == []


def test_a_moderators_new_public_name_reaches_the_screen_and_citizens_live(browser, demo):
    # given the screen on the wall, showing who moderates
    problems: list[str] = []
    screen = watch(browser.new_context(locale="en-GB", viewport=WALL).new_page(), problems)
    screen.goto(demo.screen_url())
    team = screen.get_by_test_id("screen-team-names")
    assert team.inner_text() == "Bob Leroy, Demo moderator"
    citizen = watch(browser.new_context(locale="en-GB", viewport=PHONE).new_page(), problems)
    citizen.goto(demo.url + demo.path())
    citizen.get_by_test_id("connection").wait_for(state="hidden")

    # when the moderator chooses another public name from the console's charter page
    console = watch(browser.new_context(locale="en-GB", bypass_csp=True).new_page(), problems)
    sign_in(console, demo, demo.path("moderate/"))
    console.get_by_test_id("charter-edit-link").click()
    console.wait_for_url(demo.url + demo.path("charter/edit/"))
    assert violations(console) == [], "charter form"
    try:
        rename_and_check(console, screen, citizen, team, demo)
    finally:
        # The demo moderator is shared by the other browser tests of this server: give the name back.
        console.goto(demo.url + demo.path("charter/edit/"))
        console.get_by_test_id("field-name").fill("Demo moderator")
        console.get_by_test_id("name-save").click()
        console.get_by_test_id("charter-saved").wait_for()
    assert problems == []


def rename_and_check(console, screen, citizen, team, demo) -> None:
    console.get_by_test_id("field-name").fill("Camille Durand")
    console.get_by_test_id("name-save").click()
    console.get_by_test_id("charter-saved").wait_for()

    # then the screen and the citizen page show it without a reload (the team comes with townhall.updated)
    screen.get_by_test_id("screen-team-names").filter(has_text="Camille Durand").wait_for()
    assert team.inner_text() == "Bob Leroy, Camille Durand"
    citizen.get_by_test_id("team-names").filter(has_text="Camille Durand").wait_for()
    screen.screenshot(path=SHOTS / "screen-team-en.png", animations="disabled")

    # and the charter's texts saved there are what citizens read
    console.get_by_test_id("field-scope").fill("Questions about the north tram line only.")
    console.get_by_test_id("charter-save").click()
    console.get_by_test_id("charter-saved").wait_for()
    console.screenshot(path=SHOTS / "charter-edit-en.png", full_page=True)
    console.goto(demo.url + demo.path("charter/"))
    assert "Questions about the north tram line only." in console.get_by_test_id("charter-scope").inner_text()
