"""A citizen erases their questions from the citizen page, in Chromium,
against a real Daphne: the other phones and the console see the text gone."""

from __future__ import annotations

import pytest

from tests.test_accessibility import AXE, violations
from tests.test_browser_rooms import approve, ask, citizen_page, moderate, moderator_page

pytestmark = pytest.mark.browser


def test_a_citizen_erases_their_questions_and_the_room_sees_the_text_deleted(browser, demo):
    # given Zoé's question, approved and answered, seen by another citizen
    problems: list[str] = []
    zoe = citizen_page(browser, demo, problems)
    reader = citizen_page(browser, demo, problems)
    moderator = moderator_page(browser, demo)
    answered = ask(demo, zoe, "Will the bakery square get benches?", "Zoé Testeuse", "Quartier Nord")
    pending = ask(demo, zoe, "And the fountain by the school?", "Zoé Testeuse")
    approve(demo, moderator, answered)
    moderate(demo, moderator, {"type": "question.answered", "question_id": answered})
    reader.get_by_test_id("answered-list").filter(has_text="benches").wait_for(state="attached")

    # when she opens "Your data", downloads her data, then ticks the box and erases it
    assert not zoe.get_by_test_id("my-data-download").is_visible()  # folded until asked for
    zoe.get_by_test_id("my-data-details").locator("summary").click()
    with zoe.expect_download() as info:
        zoe.get_by_test_id("my-data-download").click()
    downloaded = open(info.value.path(), encoding="utf-8").read()
    zoe.get_by_test_id("my-data-confirm").check()
    zoe.get_by_test_id("my-data-erase").click()

    # then her page says so, and she has no question any more
    zoe.get_by_test_id("my-data-erased").wait_for()
    assert "Zoé Testeuse" in downloaded and "fountain" in downloaded and str(pending) in downloaded
    zoe.locator("[data-testid=connection]").wait_for(state="hidden")
    zoe.get_by_test_id("tab-mine").click()
    zoe.get_by_test_id("my-questions-empty").wait_for()
    # the other citizen sees the answered question without its text or name
    answered_list = reader.get_by_test_id("answered-list")
    answered_list.filter(has_text="Text deleted (personal data)").wait_for(state="attached")
    assert "benches" not in answered_list.inner_text() and "Zoé" not in answered_list.inner_text()
    assert problems == []


@pytest.mark.parametrize("locale", ["en-GB", "fr-FR"])
def test_your_data_open_and_after_an_erase_passes_wcag_21_aa_checks(browser, demo, locale):
    # given the section opened, then the page after an erase (its notice shown)
    if not AXE.exists():
        pytest.fail(f"{AXE} is missing: run `make test` (it installs tests/a11y with npm)")
    page = browser.new_context(locale=locale, bypass_csp=True).new_page()
    page.goto(demo.url + demo.path())
    ask(demo, page, "When does the library open on Sundays?", "Zoé Testeuse")
    page.get_by_test_id("my-data-details").locator("summary").click()
    page.get_by_test_id("my-data-download").wait_for()

    # then
    assert violations(page) == [], "your data, open"
    page.get_by_test_id("my-data-confirm").check()
    page.get_by_test_id("my-data-erase").click()
    page.get_by_test_id("my-data-erased").wait_for()
    page.wait_for_load_state("networkidle")
    assert violations(page) == [], "after an erase"
