"""Rights checked live, as the pages show it: a rotated screen key closes the
projector's page and the console shows the new link; a moderator removed by
an operator sees their console refused. Real Daphne (the in-memory layer:
the change comes from another process, so the servers' poll delivers it),
headless Chromium.
"""

from __future__ import annotations

import pytest

from tests.support.servers import manage
from tests.test_browser_console import SHOTS, console, watch

pytestmark = pytest.mark.browser


def test_rotating_the_screen_key_closes_the_projector_and_the_console_shows_the_new_link(browser, demo):
    # given the console and the projector open
    problems: list[str] = []
    page = console(browser, demo, problems)
    screen = watch(browser.new_context(viewport={"width": 1280, "height": 720}).new_page(), problems)
    screen.goto(demo.screen_url())
    screen.locator("[data-testid=screen-fatal]").wait_for(state="hidden")
    assert demo.key in page.get_by_test_id("screen-url").input_value()

    # when the operator rotates the key
    out = manage(demo.database_url, "townhall", "rotate-screen-key", demo.slug)
    new_key = out.rsplit("Screen key: ", 1)[1].strip()

    # then the projector says its link was changed, and stays so
    fatal = screen.get_by_test_id("screen-fatal")
    fatal.wait_for(state="visible")
    assert "has been changed" in fatal.inner_text()
    # and the console shows the new link, and the decision in its audit list
    page.wait_for_function("key => document.querySelector('[data-testid=screen-url]').value.includes(key)", arg=new_key)
    audit = page.get_by_test_id("audit-list")
    audit.get_by_text("rotated the screen key").wait_for()
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SHOTS / "rights-console-after-rotation.png")
    screen.screenshot(path=SHOTS / "rights-screen-old-key.png")
    # and the new link opens the projector
    fresh = watch(browser.new_context(viewport={"width": 1280, "height": 720}).new_page(), problems)
    fresh.goto(f"{demo.url}{demo.path('screen/')}?key={new_key}")
    fresh.locator("[data-testid=screen-fatal]").wait_for(state="hidden")
    assert fresh.get_by_test_id("screen-fatal").is_hidden()
    assert problems == []


def test_a_moderator_removed_by_an_operator_sees_their_console_refused(browser, demo):
    # given bob's console open
    problems: list[str] = []
    page = console(browser, demo, problems, username="bob")

    # when an operator removes bob from the town hall
    manage(demo.database_url, "townhall", "remove-moderator", demo.slug, "bob")

    # then the console says so, and does not reconnect
    fatal = page.get_by_test_id("fatal")
    fatal.wait_for(state="visible")
    assert "not a moderator of this town hall" in fatal.inner_text()
    page.locator("[data-testid=connection][data-state=fatal]").wait_for()
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SHOTS / "rights-console-removed.png")
    assert problems == []
