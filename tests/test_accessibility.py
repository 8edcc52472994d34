"""WCAG 2.1 AA checks with axe-core on every page, with real content, in both languages.

axe-core comes from tests/a11y (npm, installed by `make test`) and is injected
into the pages under test only; the pages themselves never load it.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.browser import PASSWORD
from tests.support.servers import service_unavailable
from tests.test_browser_rooms import approve, ask, moderate

pytestmark = pytest.mark.browser

AXE = Path(__file__).resolve().parent / "a11y" / "node_modules" / "axe-core" / "axe.min.js"
RULES = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


@pytest.fixture(scope="session", autouse=True)  # session: checked before the browser tests' server starts
def axe() -> None:
    if not AXE.exists():
        service_unavailable(f"{AXE} is missing: run `make test` (it installs tests/a11y with npm)")


def violations(page) -> list[dict]:
    page.add_script_tag(path=str(AXE))
    return page.evaluate(
        """async (tags) => (await axe.run(document, {runOnly: {type: 'tag', values: tags}})).violations
            .map(v => ({rule: v.id, impact: v.impact, nodes: v.nodes.map(n => n.target.join(' '))}))""",
        RULES,
    )


@pytest.mark.parametrize("locale", ["en-GB", "fr-FR"])
def test_every_page_passes_wcag_21_aa_checks(browser, demo, locale):
    # given pages with real content: questions pending, approved, on screen
    context = browser.new_context(locale=locale, bypass_csp=True, viewport={"width": 1440, "height": 900})
    page = context.new_page()
    page.goto(demo.url + demo.path())
    first = ask(demo, page, "When will the tram reach the north district?", "Marie", "Quartier Nord")
    ask(demo, page, "Why is the municipal pool closed on Sundays?")
    page.goto(f"{demo.url}/accounts/login/?next={demo.path('moderate/')}")
    assert violations(page) == [], "login"
    page.get_by_test_id("login-username").fill("moderator")
    page.get_by_test_id("login-password").fill(PASSWORD)
    page.get_by_test_id("login-submit").click()
    page.wait_for_url(demo.url + demo.path("moderate/"))
    approve(demo, page, first)
    moderate(demo, page, {"type": "screen.show", "question_id": first})
    page.reload()
    page.locator("[data-testid=approved-item]").first.wait_for()

    # when / then each page is checked as a person would see it
    assert violations(page) == [], "moderator console"
    for path in (
        demo.path(),
        "/",
        "/join",
        "/join?code=NOPE",
        demo.screen_url().removeprefix(demo.url),
        demo.screen_url("light").removeprefix(demo.url),
    ):
        page.goto(demo.url + path)
        page.wait_for_load_state("networkidle")
        assert violations(page) == [], path


def test_the_check_does_catch_a_violation(browser, demo):
    # given a page made inaccessible on purpose (so a pass above means something)
    page = browser.new_context(bypass_csp=True).new_page()
    page.goto(f"{demo.url}/join")
    page.evaluate(
        """() => { const p = document.createElement('p'); p.textContent = 'hard to read';
                   p.style.color = '#eeeeee'; p.style.background = '#ffffff'; document.querySelector('main').append(p);
                   const i = document.createElement('input'); document.querySelector('main').append(i); }"""
    )

    # when / then
    rules = {v["rule"] for v in violations(page)}
    assert {"color-contrast", "label"} <= rules
