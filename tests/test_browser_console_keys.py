"""The moderator console from the keyboard, issue 8: the bugs a keyboard-only
triage met (first `j`, Enter in the merge picker, a cancelled merge choice,
Escape in the search, `x` on the wrong card) and the keys it missed (Next,
Clear, batch approval). Real Daphne, headless Chromium, real citizen sockets.
"""

from __future__ import annotations

import pytest

from tests.test_browser_console import CIVIL, ask, card, console, wait_scored

pytestmark = pytest.mark.browser


def selected(page) -> int:
    return int(page.locator(".mod-card.is-selected").get_attribute("data-question-id"))


def approve_all(page, ids: list[int]) -> None:
    for question_id in ids:
        card(page, question_id).get_by_test_id("approve-button").click()
        card(page, question_id).and_(page.locator("[data-testid=approved-item]")).wait_for()


def test_the_first_j_selects_the_top_card_after_new_questions_arrived(browser, demo):
    # given a console sorted newest first, opened on one question
    problems: list[str] = []
    (first,) = ask(demo, CIVIL[:1])
    page = console(browser, demo, problems)
    wait_scored(page, 1)
    page.get_by_test_id("queue-sort").select_option("newest")

    # when three newer questions arrive above it, and the moderator presses j
    later = ask(demo, ["Is the pool open in August?", "Who repairs the bridge?", "When is the next market?"])
    wait_scored(page, 4)
    top = int(page.locator("[data-testid=pending-list] > .mod-card").first.get_attribute("data-question-id"))
    assert top == later[-1] and top != first
    page.keyboard.press("j")

    # then the TOP card is selected and focused (the bug jumped to the fourth)
    assert selected(page) == top
    assert page.evaluate("document.activeElement.dataset.questionId") == str(top)
    page.keyboard.press("j")
    assert selected(page) == later[-2]
    assert problems == []


def test_enter_in_the_merge_picker_merges_and_a_cancelled_choice_is_forgotten(browser, demo):
    # given three pending questions, two of them the same
    problems: list[str] = []
    target, duplicate, other = ask(
        demo, [CIVIL[0], "When does the tram get to the north district?", "Why is the pool closed on Sundays?"]
    )
    page = console(browser, demo, problems)
    wait_scored(page, 3)

    # when the moderator picks a target for `other`, then cancels
    card(page, other).get_by_test_id("merge-button").click()
    picker = card(page, other).get_by_test_id("merge-target")
    picker.select_option(str(target))
    card(page, other).get_by_test_id("merge-cancel").click()

    # then reopening starts from no target (the bug merged into the old choice)
    card(page, other).get_by_test_id("merge-button").click()
    assert picker.input_value() == ""
    picker.press("Escape")
    card(page, other).get_by_test_id("merge-form").wait_for(state="hidden")

    # when the duplicate's picker gets a target and Enter
    card(page, duplicate).get_by_test_id("question-text").click()
    page.keyboard.press("m")
    picker = card(page, duplicate).get_by_test_id("merge-target")
    assert page.evaluate("document.activeElement.dataset.testid") == "merge-target"
    picker.select_option(str(target))
    picker.press("Enter")

    # then it is merged into the target, and `other` is untouched
    merged = card(page, duplicate)
    merged.and_(page.locator("[data-testid=archived-item][data-status=merged]")).wait_for(state="attached")
    assert merged.get_by_test_id("merged-into").text_content() == f"Merged into #{target}"
    assert card(page, other).get_attribute("data-status") == "pending"
    assert problems == []


def test_escape_leaves_the_search_and_keeps_it(browser, demo):
    # given three questions, one about the tram
    problems: list[str] = []
    ids = ask(demo, CIVIL)
    page = console(browser, demo, problems)
    wait_scored(page, 3)

    # when the moderator searches with "/", types, then presses Escape
    page.keyboard.press("/")
    page.keyboard.type("tram")
    page.wait_for_function("() => document.querySelectorAll('[data-testid=pending-item]').length === 1")
    page.keyboard.press("Escape")

    # then the search stays, focus is back on the lanes, and the keys work on the filtered lane
    assert page.get_by_test_id("queue-search").input_value() == "tram"
    assert page.evaluate("document.activeElement.id") != "queue-search"
    assert page.locator("[data-testid=pending-item]").count() == 1
    page.keyboard.press("j")
    assert selected(page) == ids[0]
    page.keyboard.press("a")
    card(page, ids[0]).and_(page.locator("[data-testid=approved-item]")).wait_for()
    assert problems == []


def test_x_acts_on_the_question_on_screen_and_asks_for_another(browser, demo):
    # given two approved questions, the first on screen, the second selected
    problems: list[str] = []
    shown, other = ask(demo, CIVIL[:2])
    page = console(browser, demo, problems)
    wait_scored(page, 2)
    approve_all(page, [shown, other])
    card(page, shown).get_by_test_id("show-button").click()
    card(page, shown).get_by_test_id("on-screen-tag").wait_for()
    card(page, other).get_by_test_id("question-text").click()
    assert selected(page) == other

    # when the moderator presses x
    page.keyboard.press("x")

    # then a dialog asks, naming the selected question and the one on screen
    dialog = page.get_by_test_id("confirm-dialog")
    dialog.wait_for()
    text = page.get_by_test_id("confirm-text").inner_text()
    assert f"#{other}" in text and f"#{shown}" in text and CIVIL[1] in text
    # and cancelling leaves it approved (the bug marked it answered at once)
    page.keyboard.press("Escape")
    dialog.wait_for(state="hidden")
    assert card(page, other).get_attribute("data-status") == "approved"

    # when the question on screen is the one selected, x marks it answered without asking
    card(page, shown).get_by_test_id("question-text").click()
    page.keyboard.press("x")
    card(page, shown).and_(page.locator("[data-testid=archived-item][data-status=answered]")).wait_for(state="attached")
    assert dialog.is_hidden()
    assert card(page, other).get_attribute("data-status") == "approved"
    assert problems == []


def test_keys_for_next_clear_and_batch_are_listed_and_work(browser, demo):
    # given two approved questions and one pending
    problems: list[str] = []
    first, second, waiting = ask(demo, CIVIL)
    page = console(browser, demo, problems)
    wait_scored(page, 3)
    approve_all(page, [first, second])
    page.locator("body").click(position={"x": 5, "y": 400})
    text = {q: card(page, q).get_by_test_id("question-text").inner_text() for q in (first, second)}
    on_screen = page.get_by_test_id("moderator-on-screen-text")

    # when the moderator presses n, n, then c, each once the previous one is done
    # (the shown question can arrive as an event before the request's reply;
    # a key pressed while its button is busy does nothing)
    page.keyboard.press("n")
    on_screen.filter(has_text=text[first]).wait_for()
    page.wait_for_selector("#screen-next:enabled")
    page.keyboard.press("n")
    on_screen.filter(has_text=text[second]).wait_for()
    card(page, first).and_(page.locator("[data-status=answered]")).wait_for(state="attached")
    page.wait_for_selector("#screen-clear:enabled")
    page.keyboard.press("c")

    # then the screen is cleared
    page.get_by_test_id("moderator-on-screen").get_by_text("Nothing is on screen.").wait_for()
    # and b opens the batch confirmation for the pending one
    page.keyboard.press("b")
    page.get_by_test_id("batch-confirm").wait_for()
    assert "Approve 1 pending question" in page.get_by_test_id("batch-confirm-text").inner_text()
    page.keyboard.press("Escape")
    # and the help lists the keys
    page.keyboard.press("?")
    help_text = page.get_by_test_id("help-panel").inner_text()
    for words in ("Next: mark the question on screen answered", "Clear the screen", "Batch approval", "Undo"):
        assert words in help_text
    assert card(page, waiting).get_attribute("data-status") == "pending"
    assert problems == []


def test_highest_score_first_puts_the_riskiest_unheld_question_on_top(browser, demo):
    # given three pending questions the offline scorer ranks differently, none held
    from tests.test_browser_console import SHOTS

    problems: list[str] = []
    asked = ask(demo, [CIVIL[0], "The bus service is crap, frankly.", "Is the pool open in August?"])
    page = console(browser, demo, problems)
    wait_scored(page, 3)

    # when the moderator sorts the pending lane by highest score first
    page.get_by_test_id("queue-sort").select_option("risk")

    # then the cards run from the highest score down, the crap one on top, and the hint says so
    cards = page.locator("[data-testid=pending-list] > .mod-card")
    order = [int(cards.nth(i).get_attribute("data-question-id")) for i in range(cards.count())]
    scores = [float(cards.nth(i).get_by_test_id("score-value").inner_text()) for i in range(cards.count())]
    assert sorted(order) == sorted(asked)
    assert order[0] == asked[1], (order, scores)
    assert scores == sorted(scores, reverse=True), scores
    assert page.locator("#pending-hint").inner_text().startswith("Highest score first")
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SHOTS / "console-highest-score-first.png")

    # and back to lowest first, the order reverses
    page.get_by_test_id("queue-sort").select_option("score")
    assert int(cards.first.get_attribute("data-question-id")) != asked[1]
    assert problems == []
