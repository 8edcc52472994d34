"""The moderator console's decisions, issue 8: what reaches the projector is
on the card and editable (text, name, place), personal data is flagged and
kept out of batch approval, every decision can be undone from its toast,
closed questions can be restored, and the town hall can be closed from the
console (and every console follows). Real Daphne, headless Chromium.
"""

from __future__ import annotations

import pytest

from tests.test_browser_console import CIVIL, SECOND, ask, card, console, wait_scored

pytestmark = pytest.mark.browser

PHONE_PLACE = "Résidence Les Pins bât. B, tél 06 98 76 54 32"


def in_lane(page, question_id: int, testid: str, status: str | None = None):
    extra = f"[data-status={status}]" if status else ""
    card(page, question_id).and_(page.locator(f"[data-testid={testid}]{extra}")).wait_for(state="attached")


def test_the_card_shows_and_edits_name_and_place_and_flags_personal_data(browser, demo):
    # given a question whose place holds a phone number, and the projector open
    problems: list[str] = []
    (question_id,) = ask(demo, [CIVIL[0]], author="Élodie", place=PHONE_PLACE)
    page = console(browser, demo, problems)
    wait_scored(page, 1)
    item = card(page, question_id)

    # then the card shows the place, and flags the phone number (and the building) in it
    assert item.get_by_test_id("question-place").inner_text() == PHONE_PLACE
    flags = item.get_by_test_id("personal-data-flag").all_inner_texts()
    assert flags == ["Phone number in the place", "Street address in the place"]

    # when the moderator edits the name and the place (not the text)
    item.get_by_test_id("edit-button").click()
    assert item.get_by_test_id("edit-place").input_value() == PHONE_PLACE
    item.get_by_test_id("edit-author").fill("Élodie M.")
    item.get_by_test_id("edit-place").fill("Résidence Les Pins")
    item.get_by_test_id("edit-save").click()

    # then the card shows the new values, the citizen's originals, and no flag
    item.get_by_test_id("question-place").filter(has_text="Résidence Les Pins").wait_for()
    item.get_by_test_id("personal-data").wait_for(state="hidden")
    assert item.get_by_test_id("question-author").inner_text() == "Élodie M."
    assert item.get_by_test_id("original-place").inner_text() == PHONE_PLACE
    assert item.get_by_test_id("original-author").inner_text() == "Élodie"
    assert item.get_by_test_id("question-original").is_hidden()  # the text was not changed
    # and once shown, the console's screen box says exactly what the projector says
    item.get_by_test_id("approve-button").click()
    in_lane(page, question_id, "approved-item")
    item.get_by_test_id("show-button").click()
    page.locator("#now-author").filter(has_text="Élodie M. · Résidence Les Pins").wait_for()
    assert problems == []


def test_batch_approval_leaves_personal_data_out_and_says_why(browser, demo):
    # given two civil questions and one with a phone number in its place
    problems: list[str] = []
    civil = ask(demo, CIVIL[:2])
    (flagged,) = ask(demo, [CIVIL[2]], place=PHONE_PLACE)
    page = console(browser, demo, problems)
    wait_scored(page, 3)
    card(page, flagged).get_by_test_id("personal-data-flag").first.wait_for()

    # when the moderator asks to approve everything under 0.2
    page.get_by_test_id("batch-open").click()

    # then the confirmation counts two and names the one left out, and why
    text = page.get_by_test_id("batch-confirm-text").inner_text()
    assert "Approve 2 pending questions" in text
    assert f"personal data to read first: #{flagged}" in text
    page.get_by_test_id("batch-confirm-yes").click()
    for question_id in civil:
        in_lane(page, question_id, "approved-item")
    assert card(page, flagged).get_attribute("data-status") == "pending"
    assert problems == []


def test_every_decision_has_an_undo_toast(browser, demo):
    # given two pending questions
    problems: list[str] = []
    first, second = ask(demo, CIVIL[:2])
    page = console(browser, demo, problems)
    wait_scored(page, 2)

    # when the moderator approves one and clicks Undo in its toast
    card(page, first).get_by_test_id("approve-button").click()
    toast = page.get_by_test_id("notice-info").filter(has_text=f"Approved #{first}.")
    toast.wait_for()
    assert page.get_by_test_id("notices").get_attribute("aria-live") == "polite"
    toast.get_by_test_id("undo-button").click()

    # then it is pending again, and the console says so
    in_lane(page, first, "pending-item")
    page.get_by_test_id("notice-info").filter(has_text="Undone.").wait_for()

    # when the moderator rejects the other by keyboard, then presses u
    card(page, second).get_by_test_id("reject-reason").select_option("off_topic")
    card(page, second).get_by_test_id("reject-button").click()
    toast = page.get_by_test_id("notice-info").filter(has_text=f"Rejected #{second}: Off topic.")
    toast.wait_for()
    in_lane(page, second, "archived-item")
    # the toast stays while the pointer is on it (its clock pauses)
    toast.hover()
    page.wait_for_timeout(0)
    assert toast.get_by_test_id("undo-button").is_visible()
    page.locator("body").click(position={"x": 5, "y": 400})
    page.keyboard.press("u")

    # then it is back in the pending lane
    in_lane(page, second, "pending-item")
    # and the audit panel shows the undo
    page.get_by_test_id("audit-row").first.filter(has_text="undid a decision").wait_for()
    assert problems == []


def test_showing_over_another_explains_and_next_and_answered_can_be_undone(browser, demo):
    # given two approved questions, the first on screen
    problems: list[str] = []
    first, second = ask(demo, CIVIL[:2])
    page = console(browser, demo, problems)
    wait_scored(page, 2)
    for question_id in (first, second):
        card(page, question_id).get_by_test_id("approve-button").click()
        in_lane(page, question_id, "approved-item")
    card(page, first).get_by_test_id("show-button").click()
    card(page, first).get_by_test_id("on-screen-tag").wait_for()

    # when the moderator shows the second directly
    card(page, second).get_by_test_id("show-button").click()

    # then a toast says the first goes back to the queue, not answered
    page.get_by_test_id("notice-info").filter(
        has_text=f"Showing #{second} on screen. #{first} goes back to the queue, not marked answered."
    ).wait_for()
    assert card(page, first).get_attribute("data-status") == "approved"

    # when the moderator marks the second answered, then undoes it
    page.get_by_test_id("screen-answered").click()
    toast = page.get_by_test_id("notice-info").filter(has_text=f"Marked #{second} answered.")
    toast.wait_for()
    in_lane(page, second, "archived-item", "answered")
    toast.get_by_test_id("undo-button").click()

    # then it is approved again
    in_lane(page, second, "approved-item")
    assert problems == []


def test_the_archive_restores_answered_merged_and_rejected(browser, demo):
    # given an answered, a merged and a rejected question
    problems: list[str] = []
    answered, target, merged, rejected = ask(demo, [*CIVIL, "Buy cheap watches at my shop"])
    page = console(browser, demo, problems)
    wait_scored(page, 4)
    for question_id in (answered, target):
        card(page, question_id).get_by_test_id("approve-button").click()
        in_lane(page, question_id, "approved-item")
    card(page, answered).get_by_test_id("answered-button").click()
    card(page, merged).get_by_test_id("merge-button").click()
    card(page, merged).get_by_test_id("merge-target").select_option(str(target))
    card(page, merged).get_by_test_id("merge-confirm").click()
    card(page, rejected).get_by_test_id("reject-reason").select_option("off_topic")
    card(page, rejected).get_by_test_id("reject-button").click()
    in_lane(page, answered, "archived-item", "answered")
    in_lane(page, merged, "archived-item", "merged")
    in_lane(page, rejected, "archived-item", "rejected")
    page.locator("#archive > summary").click()

    # when the moderator restores each from the archive
    for question_id in (answered, merged, rejected):
        card(page, question_id).get_by_test_id("restore-button").click()

    # then the answered and rejected are approved again, the merged pending again
    in_lane(page, answered, "approved-item")
    in_lane(page, rejected, "approved-item")
    in_lane(page, merged, "pending-item")
    page.get_by_test_id("notice-info").filter(has_text=f"Restored #{merged}.").wait_for()
    assert problems == []


def test_closing_from_the_console_asks_and_every_console_follows(browser, demo):
    # given two moderators' consoles, a question on screen and one pending
    problems: list[str] = []
    shown, waiting = ask(demo, CIVIL[:2])
    alice = console(browser, demo, problems)
    bob = console(browser, demo, problems, username=SECOND[0])
    wait_scored(alice, 2)
    card(alice, shown).get_by_test_id("approve-button").click()
    in_lane(alice, shown, "approved-item")
    card(alice, shown).get_by_test_id("show-button").click()
    bob.get_by_test_id("moderator-on-screen-text").filter(has_text=CIVIL[0]).wait_for()
    assert bob.get_by_test_id("townhall-status").inner_text() == "Live"

    # when alice clicks Close, is asked, and cancels
    alice.get_by_test_id("townhall-close").click()
    dialog = alice.get_by_test_id("confirm-dialog")
    dialog.wait_for()
    assert "Demo town hall" in alice.get_by_test_id("confirm-text").inner_text()
    alice.get_by_test_id("confirm-no").click()
    dialog.wait_for(state="hidden")
    assert alice.get_by_test_id("townhall-status").inner_text() == "Live"
    # and then confirms
    alice.get_by_test_id("townhall-close").click()
    alice.get_by_test_id("confirm-yes").click()

    # then both consoles show it closed, live: badge, banner, controls off
    for page in (alice, bob):
        page.get_by_test_id("closed-banner").wait_for()
        page.get_by_test_id("townhall-status").filter(has_text="Closed").wait_for()
        assert page.get_by_test_id("townhall-close").is_hidden()
        assert page.get_by_test_id("screen-next").is_disabled()
        in_lane(page, waiting, "archived-item", "unhandled")
    assert bob.get_by_test_id("moderator-on-screen").get_by_text("Nothing is on screen.").is_visible()
    assert problems == []
