"""axe-core (WCAG 2.1 A/AA) on the moderator console's issue 8 states, in
English and French: dense view, personal-data flags, an undo toast, the
confirmation dialog, the closed banner.
"""

from __future__ import annotations

import pytest

from tests.support.browser import PASSWORD
from tests.support.servers import service_unavailable
from tests.test_accessibility import AXE, violations
from tests.test_browser_console import CIVIL, ask, card, wait_scored

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("locale", ["en-GB", "fr-FR"])
def test_the_console_states_of_issue_8_pass_wcag_21_aa(browser, demo, locale):
    if not AXE.exists():
        service_unavailable(f"{AXE} is missing: run `make test` (it installs tests/a11y with npm)")
    # given a console with an approved question on screen, a flagged one, and a starred one
    shown, flagged, starred = ask(demo, CIVIL)
    ask(demo, ["Call me on 06 98 76 54 32 about the bridge"], place="12 rue des Lilas")
    context = browser.new_context(locale=locale, bypass_csp=True, viewport={"width": 1440, "height": 900})
    page = context.new_page()
    page.goto(f"{demo.url}/accounts/login/?next={demo.path('moderate/')}")
    page.get_by_test_id("login-username").fill("moderator")
    page.get_by_test_id("login-password").fill(PASSWORD)
    page.get_by_test_id("login-submit").click()
    page.wait_for_url(demo.url + demo.path("moderate/"))
    wait_scored(page, 4)
    card(page, shown).get_by_test_id("approve-button").click()
    card(page, shown).and_(page.locator("[data-testid=approved-item]")).wait_for()
    card(page, shown).get_by_test_id("show-button").click()
    card(page, starred).get_by_test_id("star-button").click()
    card(page, starred).locator("[aria-pressed=true]").wait_for()
    page.locator("[data-testid=personal-data-flag]").first.wait_for()
    page.get_by_test_id("undo-button").first.wait_for()

    # when / then: the normal view with toasts, the dense view, the dialog, the closed console
    assert violations(page) == [], "console with toasts and flags"
    page.get_by_test_id("dense-toggle").click()
    card(page, flagged).get_by_test_id("question-text").click()
    assert violations(page) == [], "dense view"
    page.get_by_test_id("townhall-close").click()
    page.get_by_test_id("confirm-dialog").wait_for()
    assert violations(page) == [], "confirmation dialog"
    page.get_by_test_id("confirm-yes").click()
    page.get_by_test_id("closed-banner").wait_for()
    assert violations(page) == [], "closed console"
