"""Redaction from the console (issue 11), in English and French: the editor's
Redaction box removes a phone number for good, and the card says who removed
personal data and when. Real Daphne, headless Chromium."""

from __future__ import annotations

import pytest

from tests.test_browser_console import REPO, ask, card, console, wait_scored

pytestmark = pytest.mark.browser

SHOTS = REPO / "var" / "screenshots"
PHONE = "06 12 34 56 78"

WORDS = {
    "en": {"redacted": "Personal data removed by Demo moderator at", "audit": "removed personal data"},
    "fr": {
        "redacted": "Données personnelles retirées par Demo moderator à",
        "audit": "a retiré des données personnelles",
    },
}


def console_in(browser, demo, problems, lang: str):
    return console(browser, demo, problems, locale="fr-FR" if lang == "fr" else "en-GB")


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_the_editor_redacts_a_phone_number_and_the_card_says_who_and_when(browser, demo, lang):
    # given a question with a phone number, in the console
    problems: list[str] = []
    (question_id,) = ask(demo, [f"Call me on {PHONE} about the tram line"])
    page = console_in(browser, demo, problems, lang)
    wait_scored(page, 1)
    item = card(page, question_id)

    # when the moderator edits the number out and ticks the Redaction box
    item.get_by_test_id("edit-button").click()
    assert item.get_by_test_id("edit-redaction").is_checked() is False
    item.get_by_test_id("edit-text").fill("Call me about the tram line")
    item.get_by_test_id("edit-redaction").check()
    item.screenshot(path=SHOTS / f"redaction-editor-{lang}.png")
    item.get_by_test_id("edit-save").click()

    # then the card shows the new text, the original without the number, and who removed it
    item.get_by_test_id("redacted").filter(has_text=WORDS[lang]["redacted"]).wait_for()
    assert item.get_by_test_id("question-text").inner_text() == "Call me about the tram line"
    assert item.get_by_test_id("question-original").inner_text() == "Call me [redacted] about the tram line"
    assert PHONE not in page.locator("main").inner_text()
    # and the audit panel names the redaction
    page.get_by_test_id("audit-row").filter(has_text=WORDS[lang]["audit"]).first.wait_for(state="attached")
    # and the toast reports the edit without offering an undo that would be refused
    toast = page.get_by_test_id("notice-info").filter(has_text=f"{question_id}")
    toast.wait_for()
    assert toast.get_by_test_id("undo-button").count() == 0
    item.screenshot(path=SHOTS / f"redaction-card-{lang}.png")
    page.screenshot(path=SHOTS / f"redaction-console-{lang}.png")
    assert problems == []
