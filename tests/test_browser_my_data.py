"""A citizen erases their questions from the citizen page, in Chromium,
against a real Daphne: the other phones and the console see the text gone."""

from __future__ import annotations

import pytest

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

    # when she downloads her data, then ticks the box and erases it
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
