"""The projector's three slides, and a close from the command line reaching
every open page, in headless Chromium against a real Daphne.

Slides: nothing on screen (the way to join, centre stage), a question shown
(with the next three and their votes), and the closing slide.
"""

from __future__ import annotations

import pytest

from tests.support.browser import Demo
from tests.support.servers import manage, service_unavailable
from tests.test_accessibility import AXE, violations
from tests.test_browser import log_in
from tests.test_browser_rooms import (
    INSIDE,
    NO_SCROLLBARS,
    REVIEW_SHOTS,
    SHOTS,
    WALLS,
    animations_over,
    approve,
    ask,
    citizen_page,
    moderate,
    moderator_page,
    rendered,
    send,
    watch,
)

pytestmark = pytest.mark.browser

THEMES = (None, "light")

# The box of an element, relative to the viewport.
BOX = "(sel) => { const r = document.querySelector(sel).getBoundingClientRect(); return [r.left, r.top, r.width, r.height]; }"


def screen_page(browser, demo: Demo, problems: list[str], *, theme: str | None = None, locale: str = "en-GB"):
    page = watch(browser.new_context(viewport=WALLS[0], locale=locale).new_page(), problems)
    page.goto(demo.screen_url(theme))
    page.wait_for_function("() => document.getElementById('app').dataset.connection === 'connected'")
    return page


def look_at(page, name: str) -> None:
    """Both wall sizes: no scrollbar, the header whole; a screenshot of each for review."""
    REVIEW_SHOTS.mkdir(parents=True, exist_ok=True)
    for size in WALLS:
        page.set_viewport_size(size)
        rendered(page)
        assert page.evaluate(NO_SCROLLBARS), (name, size)
        assert page.evaluate(INSIDE, [".screen__header", ".screen__header *"]) == [], (name, size)
        animations_over(page)
        page.screenshot(path=REVIEW_SHOTS / f"screen-{name}-{size['width']}.png")
        # The README shows the idle and closing slides at wall size (UPDATE_SCREENSHOTS=1 refreshes them);
        # the showing slide is test_browser_rooms.py's screen-en.png.
        if size == WALLS[0] and not name.startswith("showing"):
            SHOTS.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=SHOTS / f"screen-{name}.png")
    page.set_viewport_size(WALLS[0])


def title_is_whole(page) -> bool:
    return page.evaluate(
        "(() => { const t = document.getElementById('townhall-title');"
        " return t.scrollWidth <= t.clientWidth + 1 && t.scrollHeight <= t.clientHeight + 1; })()"
    )


@pytest.mark.parametrize(("theme", "locale"), [(None, "en-GB"), ("light", "fr-FR")])
def test_with_nothing_on_screen_the_way_to_join_takes_the_centre(browser, demo, theme, locale):
    # given a town hall with nothing on screen
    problems: list[str] = []

    # when the projector opens the screen
    page = screen_page(browser, demo, problems, theme=theme, locale=locale)

    # then the QR code, the address and the join code are large, in the middle of the wall
    page.get_by_test_id("screen-qr").wait_for()
    assert page.get_by_test_id("screen-app").get_attribute("data-stage") == "idle"
    page.wait_for_function("() => document.querySelector('[data-testid=screen-qr]').naturalWidth > 0")
    for size in WALLS:
        page.set_viewport_size(size)
        rendered(page)
        left, top, width, height = page.evaluate(BOX, "[data-testid=screen-qr]")
        assert width >= size["width"] * 0.2 and height >= size["height"] * 0.35, (size, width, height)
        join_left, _, join_width, _ = page.evaluate(BOX, "[data-testid=screen-join]")
        assert join_left < size["width"] * 0.2 and join_left + join_width > size["width"] * 0.4, size
        assert top + height / 2 == pytest.approx(size["height"] * 0.55, abs=size["height"] * 0.12)
        code = page.get_by_test_id("screen-join-code")
        assert code.inner_text() == demo.code
        assert float(code.evaluate("el => parseFloat(getComputedStyle(el).fontSize)")) >= size["width"] * 0.045
        assert demo.url.split("//")[1] in page.get_by_test_id("screen-join-address").inner_text()
        # and nothing speaks of a question being answered
        assert page.get_by_test_id("screen-current").is_hidden()
    look_at(page, f"idle-{theme or 'dark'}-{locale[:2]}")
    assert problems == []


def test_the_next_three_follow_the_votes_and_show_them(browser, demo):
    # given four approved questions, one on screen, the others with different votes
    problems: list[str] = []
    moderator = moderator_page(browser, demo)
    asker = citizen_page(browser, demo, problems)
    voters = [citizen_page(browser, demo, problems) for _ in range(2)]
    ids = {
        "current": ask(demo, asker, "When will the tram line reach the north district?", author="Marie Dubois"),
        "parking": ask(demo, asker, "Why is parking near the station so expensive?", author="Karim", place="Gare"),
        "school": ask(demo, asker, "Will the school canteen serve more local food?", place="Saint-Martin"),
        "trees": ask(demo, asker, "How many trees will be planted along the river this year?", author="Lucie"),
    }
    approve(demo, moderator, *ids.values())
    moderate(demo, moderator, {"type": "screen.show", "question_id": ids["current"]})
    for voter in voters:
        send(voter, demo.ws_path(), {"type": "question.vote", "question_id": ids["trees"], "up": True})
    send(voters[0], demo.ws_path(), {"type": "question.vote", "question_id": ids["school"], "up": True})
    page = screen_page(browser, demo, problems)
    page.get_by_test_id("screen-current-text").filter(has_text="tram line").wait_for()

    # when the queue is in vote order (the default rule)
    items = page.get_by_test_id("screen-next-item")
    items.nth(2).wait_for()
    # (a snapshot may predate the votes' coalesced report, which follows within VOTE_FLUSH_INTERVAL)
    items.nth(0).filter(has_text="2 votes").wait_for()
    items.nth(1).filter(has_text="1 vote").wait_for()

    # then the next three read most votes first, each with its votes, whole and readable
    texts = items.all_inner_texts()
    assert [t.split("?")[0] for t in texts] == [
        "How many trees will be planted along the river this year",
        "Will the school canteen serve more local food",
        "Why is parking near the station so expensive",
    ]
    votes = page.locator("[data-testid=screen-next-item] .screen__next-votes").all_inner_texts()
    assert votes == ["2 votes", "1 vote", "0 votes"]
    for size in WALLS:
        page.set_viewport_size(size)
        rendered(page)
        assert page.evaluate(INSIDE, [".screen__next", "[data-testid=screen-next-item]"]) == [], size
        assert page.locator(".screen__next-list.is-clamped").count() == 0, size
        size_px = page.locator(".screen__next-text").first.evaluate("el => parseFloat(getComputedStyle(el).fontSize)")
        assert size_px >= size["width"] * 0.015, size  # about 29 px on a 1920 wall
    # when a vote changes the order, the screen follows live
    send(voters[1], demo.ws_path(), {"type": "question.vote", "question_id": ids["parking"], "up": True})
    send(asker, demo.ws_path(), {"type": "question.vote", "question_id": ids["parking"], "up": True})
    items.first.filter(has_text="parking").wait_for()
    look_at(page, "showing-dark-en")
    light = screen_page(browser, demo, problems, theme="light", locale="fr-FR")
    light.get_by_test_id("screen-next-item").nth(2).wait_for()
    light.locator(".screen__next-votes").first.filter(has_text="2 votes").wait_for()
    look_at(light, "showing-light-fr")
    assert problems == []


def test_a_close_from_the_command_line_reaches_the_citizen_the_console_and_the_screen(browser, demo):
    # given a citizen page, the console and the screen open on a live town hall
    problems: list[str] = []
    citizen = citizen_page(browser, demo, problems)
    console = watch(browser.new_context(viewport={"width": 1440, "height": 900}).new_page(), problems)
    log_in(console, demo)
    console.get_by_test_id("townhall-status").filter(has_text="Live").wait_for()
    screen = screen_page(browser, demo, problems)
    screen.get_by_test_id("screen-join").wait_for()
    assert citizen.get_by_test_id("townhall-status").inner_text() == "Live"

    # when the town hall is closed from the command line (another process)
    manage(demo.database_url, "townhall", "close", demo.slug)

    # then, without a reload: the citizen's badge says closed and sending is refused with the closed message
    citizen.get_by_test_id("townhall-status").filter(has_text="Closed").wait_for(timeout=8000)
    notice = citizen.get_by_test_id("closed-notice")
    notice.wait_for()
    assert "closed" in notice.inner_text()
    assert citizen.get_by_test_id("ask-submit").is_disabled()
    # and the console says closed
    console.get_by_test_id("townhall-status").filter(has_text="Closed").wait_for(timeout=8000)
    # and the screen shows its closing slide: thanks, no invitation to ask, no question in progress
    closing = screen.get_by_test_id("screen-closing")
    closing.wait_for(timeout=8000)
    assert "Thank you" in closing.inner_text()
    for gone in ("screen-join", "screen-current", "screen-next", "screen-join-url"):
        assert screen.get_by_test_id(gone).is_hidden(), gone
    assert "Now answering" not in screen.locator("body").inner_text()
    assert "Scan" not in screen.locator("body").inner_text()
    assert title_is_whole(screen)
    look_at(screen, "closed-dark-en")
    assert problems == []


def test_the_closing_slide_in_french_and_light_theme_with_a_long_title(browser, demo):
    # given a closed town hall whose title is long
    problems: list[str] = []
    title = "Réunion publique sur le budget participatif et les travaux du quartier nord"
    manage(
        demo.database_url,
        "shell",
        "--no-imports",
        "-c",
        f"from moderation.models import TownHall; TownHall.objects.filter(slug='{demo.slug}').update(title={title!r})",
    )
    manage(demo.database_url, "townhall", "close", demo.slug)

    # when the screen opens in French, light theme
    page = screen_page(browser, demo, problems, theme="light", locale="fr-FR")

    # then the closing slide speaks French and the title is whole, not "Réu…"
    closing = page.get_by_test_id("screen-closing")
    closing.wait_for()
    assert "Merci" in closing.inner_text()
    assert page.get_by_test_id("screen-title").inner_text() == title
    assert title_is_whole(page)
    look_at(page, "closed-light-fr")
    assert problems == []


@pytest.mark.parametrize("locale", ["en-GB", "fr-FR"])
def test_the_idle_and_closing_slides_pass_wcag_21_aa_checks(browser, demo, locale):
    # given axe-core (tests/a11y) and a screen with nothing on it, in both themes
    if not AXE.exists():
        service_unavailable(f"{AXE} is missing: run `make test` (it installs tests/a11y with npm)")
    context = browser.new_context(locale=locale, bypass_csp=True, viewport=WALLS[0])
    pages = [context.new_page() for _ in THEMES]
    for page, theme in zip(pages, THEMES, strict=True):
        page.goto(demo.screen_url(theme))
        page.wait_for_function("() => document.getElementById('app').dataset.stage === 'idle'")
        # then the idle slide passes
        assert violations(page) == [], ("idle", theme)

    # when the town hall closes, then the closing slide passes too
    manage(demo.database_url, "townhall", "close", demo.slug)
    for page, theme in zip(pages, THEMES, strict=True):
        page.get_by_test_id("screen-closing").wait_for(timeout=8000)
        animations_over(page)
        assert violations(page) == [], ("closed", theme)
