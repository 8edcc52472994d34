"""Topic labels in the console, issue 12: each card shows the topic suggested
from its text (dashed), a digit key sets the selected question's topic (1-9
the town hall's topics, 0 none), `u` undoes it, a reload keeps it, the help
lists the topics with their keys, and the public record shows it. Real
Daphne, headless Chromium, real citizen sockets.
"""

from __future__ import annotations

import pytest

from moderation.topics import DEFAULT_TOPICS
from tests.test_browser_console import SHOTS, ask, card, console, wait_scored

pytestmark = pytest.mark.browser

TRAM = "When will the tram line finally reach the north district?"
HELLO = "Good evening everyone, thank you for doing this"
RENT = "Les loyers des logements sociaux vont-ils encore augmenter cette année ?"


def chip(page, question_id: int):
    return card(page, question_id).get_by_test_id("question-topic")


def wait_topic(page, question_id: int, topic: str, source: str) -> None:
    card(page, question_id).locator(
        f"[data-testid=question-topic][data-topic='{topic}'][data-source='{source}']"
    ).wait_for()


def test_digits_set_the_topic_u_undoes_a_reload_keeps_it_and_the_record_shows_it(browser, demo):
    # given a question about the tram and a greeting, each with its suggestion
    problems: list[str] = []
    tram, hello = ask(demo, [TRAM, HELLO])
    page = console(browser, demo, problems)
    wait_scored(page, 2)
    wait_topic(page, tram, "transport", "auto")
    wait_topic(page, hello, "", "auto")
    assert chip(page, tram).inner_text() == "Transport"
    assert chip(page, hello).inner_text() == "No topic"
    assert "is-auto" in chip(page, tram).get_attribute("class")

    # when the moderator selects the tram question and presses 8 (budget, the 8th topic)
    assert DEFAULT_TOPICS.index("budget") == 7
    card(page, tram).get_by_test_id("question-text").click()
    page.keyboard.press("8")

    # then its chip says so, drawn as a moderator's choice, and a notice tells it
    wait_topic(page, tram, "budget", "moderator")
    assert chip(page, tram).inner_text() == "Budget and taxes"
    assert "is-auto" not in chip(page, tram).get_attribute("class")
    page.get_by_test_id("notices").filter(has_text=f"#{tram}").first.wait_for()

    # when they press u: the suggested topic is back
    page.keyboard.press("u")
    wait_topic(page, tram, "transport", "auto")

    # when they press 0, then 1: none, then transport, as their choice
    page.keyboard.press("0")
    wait_topic(page, tram, "", "moderator")
    page.keyboard.press("1")
    wait_topic(page, tram, "transport", "moderator")
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SHOTS / "console-topics.png")

    # then a reload keeps it
    page.reload()
    page.locator("[data-testid=connection][data-state=connected]").wait_for()
    wait_topic(page, tram, "transport", "moderator")

    # and the help lists the town hall's topics with their keys
    page.keyboard.press("?")
    legend = page.get_by_test_id("topic-legend")
    legend.wait_for()
    items = legend.locator("li").all_inner_texts()
    assert (
        items[0].split() == ["1", "Transport"]
        and items[7].startswith("8")
        and items[-1].split() == ["0", "No", "topic"]
    )
    assert len(items) == len(DEFAULT_TOPICS) + 1
    legend.scroll_into_view_if_needed()
    page.screenshot(path=SHOTS / "console-topics-help.png")
    page.keyboard.press("Escape")

    # when the question is approved, the public record shows its topic
    card(page, tram).get_by_test_id("approve-button").click()
    card(page, tram).and_(page.locator("[data-testid=approved-item]")).wait_for()
    record = page.context.new_page()
    record.goto(f"{demo.url}{demo.path('record/')}")
    published = record.get_by_test_id("record-question").filter(has_text="tram line")
    assert published.get_by_test_id("record-topic").inner_text() == "Transport"
    assert "Transport" in record.get_by_test_id("record-topics").inner_text()
    record.screenshot(path=SHOTS / "record-topics.png", full_page=True)
    assert problems == []


def test_the_french_console_names_the_topics_on_a_phone_width(browser, demo):
    # given a French question on a narrow French console, in a town hall that keeps every topic
    problems: list[str] = []
    (rent,) = ask(demo, [RENT])
    page = console(browser, demo, problems, locale="fr-FR")
    page.set_viewport_size({"width": 390, "height": 844})
    wait_scored(page, 1)
    wait_topic(page, rent, "housing", "auto")
    assert chip(page, rent).inner_text() == "Logement"
    chip(page, rent).scroll_into_view_if_needed()
    page.screenshot(path=SHOTS / "console-topics-fr-390.png")
    # the chip stays inside its card
    box, card_box = chip(page, rent).bounding_box(), card(page, rent).bounding_box()
    assert box["x"] + box["width"] <= card_box["x"] + card_box["width"]
    # and nothing on the console is wider than the phone (the French sort label
    # and the screen box's buttons wrap)
    wide = page.evaluate(
        "() => [...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right > innerWidth + 1 && e.offsetParent)"
        ".map(e => e.tagName + '#' + e.id + '.' + e.className).slice(0, 8)"
    )
    assert not page.evaluate("document.documentElement.scrollWidth > innerWidth + 1"), wide

    # when the moderator presses 6 (health)
    card(page, rent).get_by_test_id("question-text").click()
    page.keyboard.press("6")

    # then the chip reads in French
    wait_topic(page, rent, "health", "moderator")
    assert chip(page, rent).inner_text() == "Santé"
    assert problems == []
