"""The three rooms in French: the language follows the browser, and the switch changes it."""

from __future__ import annotations

import pytest
from django.utils import translation

from tests.support.browser import PASSWORD
from tests.test_browser_rooms import REVIEW_SHOTS, SHOTS, approve, ask, moderate, watch

pytestmark = pytest.mark.browser


def french(text: str) -> str:
    with translation.override("fr"):
        value = translation.gettext(text)
    assert value != text, f"no French for {text!r}"
    return value


def test_the_three_rooms_speak_french_to_a_french_browser(browser, demo):
    # given a French-speaking browser
    problems: list[str] = []
    context = browser.new_context(locale="fr-FR", viewport={"width": 390, "height": 844})
    citizen = watch(context.new_page(), problems)

    # when a citizen opens the page and asks, and a moderator approves and shows it
    citizen.goto(demo.url + demo.path())
    assert citizen.locator("html").get_attribute("lang") == "fr"
    assert citizen.locator("#ask-title").inner_text() == french("Ask a question")
    question = ask(demo, citizen, "Quand la ligne de tram arrivera-t-elle au quartier Nord ?", "Zoé", "Quartier Nord")
    console = watch(browser.new_context(locale="fr-FR", viewport={"width": 1440, "height": 900}).new_page(), problems)
    console.goto(f"{demo.url}/accounts/login/?next={demo.path('moderate/')}")
    assert console.get_by_test_id("login-submit").inner_text().strip() == french("Sign in")
    console.get_by_test_id("login-username").fill("moderator")
    console.get_by_test_id("login-password").fill(PASSWORD)
    console.get_by_test_id("login-submit").click()
    console.wait_for_url(demo.url + demo.path("moderate/"))
    approve(demo, console, question)
    moderate(demo, console, {"type": "screen.show", "question_id": question})
    screen = watch(browser.new_context(locale="fr-FR", viewport={"width": 1920, "height": 1080}).new_page(), problems)
    screen.goto(demo.screen_url())

    # then every room speaks French, including the words the scripts write
    assert console.locator("#lane-pending-title").inner_text().startswith(french("Pending"))
    citizen.get_by_test_id("my-question-status").filter(has_text=french("On screen now")).wait_for()
    screen.get_by_test_id("screen-current-text").filter(has_text="tram").wait_for()
    assert french("Coming up").casefold() in screen.locator("body").inner_text().casefold()
    SHOTS.mkdir(parents=True, exist_ok=True)
    # (the published citizen-fr.png comes from test_browser_citizen_room.py's realistic room)
    REVIEW_SHOTS.mkdir(parents=True, exist_ok=True)
    citizen.screenshot(path=REVIEW_SHOTS / "citizen-rooms-fr.png", full_page=True)
    console.screenshot(path=SHOTS / "moderator-fr.png")
    screen.screenshot(path=SHOTS / "screen-fr.png", animations="disabled")
    assert problems == []


def test_the_language_switch_changes_the_language(browser, demo):
    page = browser.new_context(locale="en-GB").new_page()
    page.goto(f"{demo.url}/join")
    assert page.locator("h1").inner_text() == "Join a town hall"

    page.get_by_test_id("language-fr").click()

    page.locator("h1").filter(has_text=french("Join a town hall")).wait_for()
    assert page.url.endswith("/join") and page.locator("html").get_attribute("lang") == "fr"
