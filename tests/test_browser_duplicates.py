"""Duplicate suggestions in the console, issue 12: a question asked again shows
"Likely duplicate of #N: …" on its card, `g` merges it into that question (an
ordinary merge, undone with `u`), and the help lists the key. Real Daphne,
headless Chromium, real citizen sockets.
"""

from __future__ import annotations

import pytest

from tests.test_browser_console import SHOTS, ask, card, console, wait_scored

pytestmark = pytest.mark.browser

FIRST = "Why are the bins in Riverside only collected every two weeks?"
AGAIN = "<b>why</b> r the bins in riverside only collected every 2 weeks??"
OTHER = "Can the library buy more books in Polish?"
FIRST_FR = "Pourquoi la piscine est-elle fermée depuis juin ?"
AGAIN_FR = "pourquoi la piscine est fermee depuis juin ?? on attend toujours"


def in_lane(page, question_id: int, testid: str) -> None:
    card(page, question_id).and_(page.locator(f"[data-testid={testid}]")).wait_for(state="attached")


def test_a_question_asked_again_shows_its_duplicate_and_g_merges_it_and_u_undoes(browser, demo):
    # given a question, another one, and the first asked again (with markup in it)
    problems: list[str] = []
    first, other = ask(demo, [FIRST, OTHER])
    (again,) = ask(demo, [AGAIN], author="Karim")
    page = console(browser, demo, problems)
    wait_scored(page, 3)

    # then the repeated question's card names the first one, its text escaped
    suggestion = card(page, again).get_by_test_id("duplicate-suggestion")
    suggestion.wait_for()
    assert suggestion.count() == 1
    assert suggestion.inner_text().startswith(f"Likely duplicate of #{first}: {FIRST}")
    assert suggestion.get_attribute("data-target-id") == str(first)
    assert card(page, first).get_by_test_id("duplicate-suggestion").count() == 0
    assert card(page, other).get_by_test_id("duplicate-suggestion").count() == 0
    SHOTS.mkdir(parents=True, exist_ok=True)
    card(page, again).get_by_test_id("question-text").click()
    page.screenshot(path=SHOTS / "console-duplicates.png")

    # when the moderator presses g on it
    page.keyboard.press("g")

    # then it is merged into the first one, as the merge picker would
    in_lane(page, again, "archived-item")
    card(page, again).and_(page.locator("[data-status=merged]")).wait_for(state="attached")
    assert card(page, again).get_by_test_id("merged-into").text_content() == f"Merged into #{first}"
    page.get_by_test_id("notice-info").filter(has_text=f"#{again}").first.wait_for()

    # when they press u
    page.locator("body").click(position={"x": 5, "y": 400})
    page.keyboard.press("u")

    # then it is pending again, its suggestion back on the card
    in_lane(page, again, "pending-item")
    card(page, again).get_by_test_id("duplicate-suggestion").wait_for()

    # and g on a card with no suggestion does nothing but say so
    card(page, other).get_by_test_id("question-text").click()
    page.keyboard.press("g")
    page.get_by_test_id("notice-info").filter(has_text="does not apply").first.wait_for()
    assert card(page, other).get_attribute("data-status") == "pending"

    # and the help lists the key
    page.keyboard.press("?")
    help_panel = page.get_by_test_id("help-panel")
    help_panel.wait_for()
    assert "likely duplicate" in help_panel.inner_text()
    assert problems == []


def test_a_suggestion_whose_target_was_answered_disappears_and_french_reads_it(browser, demo):
    # given a French question asked twice, on a French phone
    problems: list[str] = []
    first, again = ask(demo, [FIRST_FR, AGAIN_FR])
    page = console(browser, demo, problems, locale="fr-FR")
    page.set_viewport_size({"width": 390, "height": 844})
    wait_scored(page, 2)
    suggestion = card(page, again).get_by_test_id("duplicate-suggestion")
    suggestion.wait_for()
    assert suggestion.inner_text().startswith(f"Doublon probable de #{first}\u00a0: {FIRST_FR}")
    suggestion.scroll_into_view_if_needed()
    page.screenshot(path=SHOTS / "console-duplicates-fr-390.png")
    # the suggestion wraps inside its card (tests/test_browser_topics.py checks
    # that nothing on the French console is wider than the phone)
    box, card_box = suggestion.bounding_box(), card(page, again).bounding_box()
    assert box["x"] + box["width"] <= card_box["x"] + card_box["width"] <= 390

    # when the first is approved then answered
    card(page, first).get_by_test_id("approve-button").click()
    in_lane(page, first, "approved-item")
    card(page, first).get_by_test_id("answered-button").click()
    in_lane(page, first, "archived-item")

    # then the suggestion is gone: its target is no longer open
    suggestion.wait_for(state="detached")
    assert card(page, again).get_by_test_id("duplicate-suggestions").is_hidden()
    assert problems == []
