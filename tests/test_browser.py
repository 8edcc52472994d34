"""The three pages in headless Chromium, against a real Daphne server."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.browser import PASSWORD

pytestmark = pytest.mark.browser

REPO = Path(__file__).resolve().parent.parent
# Screenshots of the loop, for a person to look at (docs/screenshots are made by the room tests).
SHOTS = REPO / "var" / "screenshots"
HOSTILE = (
    'Bonjour <script>window.__pwned = 1</script><img src=x onerror="window.__pwned = 2">'
    "\u202etxet desrever\u202c " + "W" * 300
)


def watch(page, problems: list[str]):
    page.on("console", lambda m: problems.append(f"console {m.type}: {m.text}") if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
    return page


def log_in(page, demo) -> None:
    page.goto(f"{demo.url}/accounts/login/?next={demo.path('moderate/')}")
    page.get_by_test_id("login-username").fill("moderator")
    page.get_by_test_id("login-password").fill(PASSWORD)
    page.get_by_test_id("login-submit").click()
    page.wait_for_url(demo.url + demo.path("moderate/"))


def test_citizen_question_reaches_console_with_score_then_screen(browser, demo):
    # given a citizen on a phone, a moderator on a laptop and the projector
    problems: list[str] = []
    citizen = watch(browser.new_context(viewport={"width": 390, "height": 844}).new_page(), problems)
    moderator = watch(browser.new_context(viewport={"width": 1440, "height": 900}).new_page(), problems)
    screen = watch(browser.new_context(viewport={"width": 1920, "height": 1080}).new_page(), problems)
    log_in(moderator, demo)
    screen.goto(demo.screen_url())
    citizen.goto(demo.url + demo.path())
    for page in (citizen, moderator, screen):
        page.wait_for_selector("[data-testid=connection], [data-testid=screen-app]", state="attached")

    # when the citizen asks a civil question and an insulting one
    citizen.get_by_test_id("ask-text").fill("When will the tram line reach the north district?")
    citizen.get_by_test_id("ask-name").fill("Marie")
    citizen.get_by_test_id("ask-submit").click()
    citizen.get_by_test_id("my-question").filter(has_text="tram line").wait_for()
    citizen.get_by_test_id("ask-text").fill("You are all useless idiots, fuck off")
    citizen.get_by_test_id("ask-submit").click()

    # then both reach the console with a score; the insult is held in its own lane
    civil = moderator.locator("[data-testid=pending-item][data-scored=scored]", has_text="tram line")
    civil.wait_for(timeout=5000)
    assert float(civil.get_by_test_id("score-value").inner_text()) < 0.5
    assert "alt-profanity-check" in civil.get_by_test_id("score-model").inner_text()
    held = moderator.locator("[data-testid=held-item]", has_text="idiots")
    held.wait_for(timeout=5000)

    # when the moderator approves the civil one from the keyboard and shows it
    civil.click()
    moderator.keyboard.press("a")
    approved = moderator.locator("[data-testid=approved-item]", has_text="tram line")
    approved.wait_for()
    approved.get_by_test_id("show-button").click()

    # then the projector shows it, with its author, and the citizen sees it approved
    screen.get_by_test_id("screen-current-text").filter(has_text="tram line").wait_for()
    assert screen.get_by_test_id("screen-current-author").inner_text().strip().endswith("Marie")
    citizen.get_by_test_id("tab-popular").click()  # after asking, the page shows "Mine"
    citizen.get_by_test_id("approved-question").filter(has_text="tram line").wait_for()
    assert not screen.evaluate(
        "document.documentElement.scrollHeight > innerHeight || document.documentElement.scrollWidth > innerWidth"
    )
    SHOTS.mkdir(parents=True, exist_ok=True)
    citizen.screenshot(path=SHOTS / "loop-citizen.png", full_page=True)
    moderator.screenshot(path=SHOTS / "loop-moderator.png")
    screen.screenshot(path=SHOTS / "loop-screen.png")
    assert problems == []


def test_hostile_text_is_shown_as_text_and_never_runs(browser, demo):
    # given a citizen who submits markup, a bidi override and a 300-character word
    problems: list[str] = []
    citizen = watch(browser.new_context(viewport={"width": 360, "height": 740}).new_page(), problems)
    moderator = watch(browser.new_context(viewport={"width": 1440, "height": 900}).new_page(), problems)
    screen = watch(browser.new_context(viewport={"width": 1280, "height": 720}).new_page(), problems)
    log_in(moderator, demo)
    screen.goto(demo.screen_url())
    citizen.goto(demo.url + demo.path())
    citizen.get_by_test_id("ask-text").fill(HOSTILE)
    citizen.get_by_test_id("ask-name").fill("<b>Mallory</b>")
    citizen.get_by_test_id("ask-submit").click()

    # when a moderator approves it and puts it on screen
    item = moderator.locator("[data-testid=pending-item]", has_text="Bonjour")
    item.get_by_test_id("approve-button").click()
    moderator.locator("[data-testid=approved-item]", has_text="Bonjour").get_by_test_id("show-button").click()
    screen.get_by_test_id("screen-current-text").filter(has_text="Bonjour").wait_for()

    # then on every page the markup is text: no element was created, no script ran
    for page, selector in (
        (citizen, "[data-testid=my-question-text]"),
        (moderator, "[data-testid=approved-item] [data-testid=question-text]"),
        (screen, "[data-testid=screen-current-text]"),
    ):
        node = page.locator(selector).first
        assert "<script>window.__pwned = 1</script>" in node.text_content()
        assert node.locator("script, img, b").count() == 0
        assert page.evaluate("window.__pwned") is None
        assert page.locator("img[src=x]").count() == 0
        # the long word wraps instead of widening the page
        assert not page.evaluate("document.documentElement.scrollWidth > innerWidth + 1")
    assert "<b>Mallory</b>" in screen.get_by_test_id("screen-current-author").text_content()
    assert problems == []
