"""The moderator console in headless Chromium, against a real Daphne server.

Questions are asked and voted on through real citizen sockets; moderators
act in the browser, from the keyboard where the console is meant for it.
"""

from __future__ import annotations

import asyncio
import os
import threading
import uuid
from pathlib import Path

import pytest

from tests.support.browser import PASSWORD, Demo
from tests.support.servers import citizen_cookie, open_socket

pytestmark = pytest.mark.browser

SECOND = ("bob", "Bob Leroy")  # the demo town halls' second moderator
REPO = Path(__file__).resolve().parent.parent
SHOTS = REPO / ("docs/screenshots" if os.environ.get("UPDATE_SCREENSHOTS") == "1" else "var/screenshots")
CIVIL = [
    "When will the tram line reach the north district?",
    "Could the library stay open later on Thursdays?",
    "Is there a plan for more bike parking at the station?",
]
INSULT = "You are all useless idiots, fuck off"


# --- helpers ---------------------------------------------------------------------


def watch(page, problems: list[str]):
    page.on("console", lambda m: problems.append(f"console {m.type}: {m.text}") if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
    return page


def console(browser, demo: Demo, problems, username: str = "moderator", **context):
    """A signed-in console at 1440×900, connected; ``context``: more browser
    context options (``locale``, ``accept_downloads``...); errors go to ``problems``."""
    page = watch(browser.new_context(viewport={"width": 1440, "height": 900}, **context).new_page(), problems)
    page.goto(f"{demo.url}/accounts/login/?next={demo.path('moderate/')}")
    page.get_by_test_id("login-username").fill(username)
    page.get_by_test_id("login-password").fill(PASSWORD)
    page.get_by_test_id("login-submit").click()
    page.wait_for_url(demo.url + demo.path("moderate/"))
    page.locator("[data-testid=connection][data-state=connected]").wait_for()
    return page


def run_async(make_coroutine):
    """Run a coroutine on a thread of its own: Playwright's sync API owns this thread's loop."""
    result: dict = {}

    def target() -> None:
        try:
            result["value"] = asyncio.run(make_coroutine())
        except BaseException as exc:  # re-raised in the test's thread
            result["error"] = exc

    thread = threading.Thread(target=target)
    thread.start()
    thread.join(60)
    if "error" in result:
        raise result["error"]
    return result.get("value")


def ask(demo: Demo, texts: list[str], author: str = "Marie", place: str = "") -> list[int]:
    """Each text asked by a new citizen (the rate limit is per citizen); returns the ids."""

    async def go() -> list[int]:
        ids = []
        for text in texts:
            async with open_socket(demo.server, demo.ws_path(), citizen_cookie(demo.url, demo.slug)) as sock:
                await sock.until("snapshot")
                reply = await sock.request(
                    "question.submit", text=text, author=author, place=place, client_key=uuid.uuid4().hex
                )
                assert reply["type"] == "ok", reply
                ids.append(reply["question"]["id"])
        return ids

    return run_async(go)


def vote(demo: Demo, *question_ids: int) -> None:
    """One new citizen votes for each of ``question_ids``."""

    async def go() -> None:
        async with open_socket(demo.server, demo.ws_path(), citizen_cookie(demo.url, demo.slug)) as sock:
            await sock.until("snapshot")
            for question_id in question_ids:
                reply = await sock.request("question.vote", question_id=question_id, up=True)
                assert reply["type"] == "ok", reply

    run_async(go)


def card(page, question_id: int):
    return page.locator(f".mod-card[data-question-id='{question_id}']")


def wait_scored(page, count: int) -> None:
    page.wait_for_function(
        f"() => document.querySelectorAll('.mod-card[data-status=pending][data-scored=scored]').length >= {count}"
    )


def approved_order(page) -> list[int]:
    return [
        int(x)
        for x in page.eval_on_selector_all(
            "[data-testid=approved-list] > .mod-card", "els => els.map(e => e.dataset.questionId)"
        )
    ]


# --- tests ---------------------------------------------------------------------


def test_keyboard_flow_select_approve_reject_and_show(browser, demo):
    # given three scored questions and the projector
    problems: list[str] = []
    ask(demo, CIVIL)
    page = console(browser, demo, problems)
    screen = watch(browser.new_context(viewport={"width": 1280, "height": 720}).new_page(), problems)
    screen.goto(demo.screen_url())
    wait_scored(page, 3)
    pending = page.locator("[data-testid=pending-list] > .mod-card")

    # when the moderator walks the queue with j/k
    page.keyboard.press("j")
    first = pending.nth(0).get_attribute("data-question-id")
    assert page.locator(".mod-card.is-selected").get_attribute("data-question-id") == first
    page.keyboard.press("j")
    assert page.locator(".mod-card.is-selected").get_attribute("data-question-id") == pending.nth(1).get_attribute(
        "data-question-id"
    )
    page.keyboard.press("k")
    assert page.locator(".mod-card.is-selected").get_attribute("data-question-id") == first
    assert page.evaluate("document.activeElement.dataset.questionId") == first  # focus follows the selection

    # and approves the first with "a", then rejects the next with "r" and a reason
    page.keyboard.press("a")
    card(page, int(first)).and_(page.locator("[data-testid=approved-item]")).wait_for()
    second = page.locator(".mod-card.is-selected").get_attribute("data-question-id")
    assert second != first
    page.keyboard.press("r")
    reason = card(page, int(second)).get_by_test_id("reject-reason")
    assert page.evaluate("document.activeElement.dataset.testid") == "reject-reason"
    reason.select_option("off_topic")
    reason.press("Enter")
    rejected = card(page, int(second))
    rejected.and_(page.locator("[data-testid=archived-item]")).wait_for(state="attached")
    assert "Off topic" in rejected.get_by_test_id("question-reason").text_content()

    # and shows the approved one with "l" then "s"
    page.keyboard.press("l")
    assert page.locator(".mod-card.is-selected").get_attribute("data-question-id") == first
    page.keyboard.press("s")

    # then the console's box and the projector show it
    text = card(page, int(first)).get_by_test_id("question-text").inner_text()
    page.get_by_test_id("moderator-on-screen-text").filter(has_text=text).wait_for()
    screen.get_by_test_id("screen-current-text").filter(has_text=text).wait_for()
    # "/" goes to the search box and "?" opens the help
    page.keyboard.press("/")
    assert page.evaluate("document.activeElement.id") == "queue-search"
    page.keyboard.press("Escape")
    page.locator("body").click(position={"x": 5, "y": 300})
    page.keyboard.press("?")
    page.get_by_test_id("help-panel").wait_for()
    assert problems == []


def test_second_moderator_gets_a_conflict_notice_and_the_new_state(browser, demo):
    # given two moderators looking at the same pending question
    problems: list[str] = []
    (question_id,) = ask(demo, CIVIL[:1])
    alice = console(browser, demo, problems)
    bob = console(browser, demo, problems, username=SECOND[0])
    wait_scored(alice, 1)
    wait_scored(bob, 1)
    alice.get_by_test_id("presence-names").filter(has_text="Bob").wait_for()
    assert alice.get_by_test_id("presence-names").inner_text() == "you, Bob"
    # bob starts editing it: alice sees it, and may not edit it too (but may still decide)
    card(bob, question_id).get_by_test_id("edit-button").click()
    card(bob, question_id).get_by_test_id("edit-text").fill("When will the tram reach Nord?")
    card(alice, question_id).get_by_test_id("being-edited").filter(has_text="Being edited by Bob").wait_for()
    assert card(alice, question_id).get_by_test_id("edit-button").is_disabled()
    assert card(alice, question_id).get_by_test_id("approve-button").is_enabled()

    # when alice approves it first, and bob then saves his edit
    card(alice, question_id).get_by_test_id("approve-button").click()
    card(alice, question_id).and_(alice.locator("[data-testid=approved-item]")).wait_for()
    card(bob, question_id).get_by_test_id("edit-save").click()

    # then bob is told which question changed, and sees it approved
    notice = bob.get_by_test_id("notice-warning").filter(has_text=f"#{question_id}")
    notice.wait_for()
    assert "Another moderator" in notice.inner_text()
    card(bob, question_id).and_(bob.locator("[data-testid=approved-item]")).wait_for()
    # and the audit panel tells bob who did it
    bob.get_by_test_id("audit-row").first.filter(has_text="Demo moderator").wait_for()
    # bob closes his editor: alice may edit again
    card(bob, question_id).get_by_test_id("edit-cancel").click()
    card(alice, question_id).get_by_test_id("being-edited").wait_for(state="hidden")
    assert card(alice, question_id).get_by_test_id("edit-button").is_enabled()
    assert problems == []


def test_merge_moves_votes_and_marks_the_duplicate(browser, demo):
    # given two approved questions asking the same thing, with votes
    problems: list[str] = []
    target, duplicate = ask(demo, [CIVIL[0], "When does the tram get to the north district?"])
    page = console(browser, demo, problems)
    wait_scored(page, 2)
    for question_id in (target, duplicate):
        card(page, question_id).get_by_test_id("approve-button").click()
        card(page, question_id).and_(page.locator("[data-testid=approved-item]")).wait_for()
    vote(demo, target)
    vote(demo, duplicate)
    vote(demo, target, duplicate)
    card(page, target).get_by_test_id("question-votes").filter(has_text="2 votes").wait_for()

    # when the moderator merges the duplicate into the target
    card(page, duplicate).get_by_test_id("merge-button").click()
    picker = card(page, duplicate).get_by_test_id("merge-target")
    assert page.evaluate("document.activeElement.dataset.testid") == "merge-target"
    picker.select_option(str(target))
    card(page, duplicate).get_by_test_id("merge-confirm").click()

    # then the votes combine (one per citizen) and the duplicate is closed as merged
    card(page, target).get_by_test_id("question-votes").filter(has_text="3 votes").wait_for()
    merged = card(page, duplicate)
    merged.and_(page.locator("[data-testid=archived-item]")).wait_for(state="attached")
    assert merged.get_attribute("data-status") == "merged"
    assert merged.get_by_test_id("merged-into").text_content() == f"Merged into #{target}"
    # and the status filter finds it
    page.get_by_test_id("queue-status").select_option("merged")
    merged.get_by_test_id("merged-into").wait_for()
    assert page.locator("[data-testid=approved-item]").count() == 0
    assert problems == []


def test_batch_approval_confirms_the_count_leaves_held_alone_and_is_undone_at_once(browser, demo):
    # given three civil questions and one insult (held)
    problems: list[str] = []
    ask(demo, [*CIVIL, INSULT])
    page = console(browser, demo, problems)
    wait_scored(page, 3)
    page.locator("[data-testid=held-item]").wait_for()

    # when the moderator asks to approve everything under 0.2
    assert page.get_by_test_id("batch-threshold").input_value() == "0.2"
    page.get_by_test_id("batch-open").click()

    # then the confirmation states 3, and confirming approves exactly those 3
    confirm = page.get_by_test_id("batch-confirm")
    confirm.wait_for()
    assert "Approve 3 pending questions" in page.get_by_test_id("batch-confirm-text").inner_text()
    assert page.evaluate("document.activeElement.id") == "batch-confirm-yes"
    page.get_by_test_id("batch-confirm-yes").click()
    page.wait_for_function("() => document.querySelectorAll('[data-testid=approved-item]').length === 3")
    assert page.locator("[data-testid=pending-item]").count() == 0
    assert page.locator("[data-testid=held-item]").count() == 1
    toast = page.get_by_test_id("notice-info").filter(has_text="3 questions approved")
    toast.wait_for()
    assert page.get_by_test_id("stat-approved").inner_text() == "3"
    assert confirm.is_hidden()

    # when the moderator undoes the batch from its toast
    toast.get_by_test_id("undo-button").click()

    # then the three are pending again, and the held one was never touched
    page.wait_for_function("() => document.querySelectorAll('[data-testid=pending-item]').length === 3")
    assert page.locator("[data-testid=approved-item]").count() == 0
    assert page.locator("[data-testid=held-item]").count() == 1
    assert page.get_by_test_id("stat-approved").inner_text() == "0"
    assert problems == []


def test_reorder_the_screen_queue_by_keyboard_persists(browser, demo):
    # given three approved questions in the screen queue
    problems: list[str] = []
    ids = ask(demo, CIVIL)
    page = console(browser, demo, problems)
    wait_scored(page, 3)
    page.get_by_test_id("batch-open").click()
    page.get_by_test_id("batch-confirm-yes").click()
    page.wait_for_function("() => document.querySelectorAll('[data-testid=approved-item]').length === 3")
    before = approved_order(page)
    assert sorted(before) == sorted(ids)
    last = before[-1]

    # when the moderator moves the last one to the top with Alt+ArrowUp twice
    card(page, last).focus()
    page.keyboard.press("Alt+ArrowUp")
    page.wait_for_function(
        f"() => document.querySelector('[data-testid=approved-list] > .mod-card:nth-child(2)').dataset.questionId === '{last}'"
    )
    page.keyboard.press("Alt+ArrowUp")
    expected = [last, *before[:-1]]
    page.wait_for_function(
        "ids => [...document.querySelectorAll('[data-testid=approved-list] > .mod-card')]"
        ".map(e => Number(e.dataset.questionId)).join() === ids.join()",
        arg=expected,
    )
    assert page.evaluate("document.activeElement.dataset.questionId") == str(last)  # focus stays on the card

    # then the order persists after a reload, and "Next" shows the first
    page.reload()
    page.locator("[data-testid=connection][data-state=connected]").wait_for()
    page.wait_for_function("() => document.querySelectorAll('[data-testid=approved-item]').length === 3")
    assert approved_order(page) == expected
    # the mouse does the same with the arrow buttons
    card(page, expected[1]).get_by_test_id("move-down").click()
    page.wait_for_function(
        f"() => document.querySelector('[data-testid=approved-list] > .mod-card:nth-child(3)').dataset.questionId === '{expected[1]}'"
    )
    page.get_by_test_id("screen-next").click()
    text = card(page, last).get_by_test_id("question-text").inner_text()
    page.get_by_test_id("moderator-on-screen-text").filter(has_text=text).wait_for()
    assert problems == []


def test_audit_panel_shows_latest_decision_with_moderator_name(browser, demo):
    # given a question, and bob's console open
    problems: list[str] = []
    (question_id,) = ask(demo, CIVIL[:1])
    alice = console(browser, demo, problems)
    bob = console(browser, demo, problems, username=SECOND[0])
    wait_scored(alice, 1)

    # when alice rejects it
    item = card(alice, question_id)
    item.get_by_test_id("reject-reason").select_option("duplicate")
    item.get_by_test_id("reject-button").click()

    # then both audit panels show it first, with her name, the action and the reason
    for page in (alice, bob):
        row = page.get_by_test_id("audit-row").first
        row.filter(has_text=f"#{question_id}").wait_for()
        assert row.get_by_test_id("audit-who").inner_text() == "Demo moderator"
        assert "rejected" in row.inner_text() and "Duplicate" in row.inner_text()
        assert page.get_by_test_id("stat-rejected").inner_text() == "1"
        assert page.get_by_test_id("stat-median").inner_text() != "–"
    # and after a reload it comes from the snapshot
    bob.reload()
    bob.get_by_test_id("audit-row").first.filter(has_text="Demo moderator").wait_for()
    assert problems == []


def test_console_screenshot_in_a_realistic_state(browser, demo):
    # given a town hall an hour in: questions waiting, held, queued, on screen, decided
    problems: list[str] = []
    queued = ask(
        demo,
        [
            "When will the tram line reach the north district?",
            "Will the new bus timetable keep the late service on Sundays?",
            "How much of the 2027 budget goes to school renovations?",
        ],
        author="Marie Dubois",
        place="Quartier Nord",
    )
    waiting = ask(
        demo,
        [
            "Could the library stay open later on Thursdays?",
            "Is there a plan for more bike parking at the station?",
            "Why were the trees on Rue des Lilas cut down without notice?",
            "Can the council publish the noise measurements near the ring road?",
        ],
        author="Karim",
        place="Centre",
    )
    ask(
        demo,
        ["The mayor is a corrupt liar and a thief, shame on you", "You are all useless idiots, fuck off"],
        author="",
    )
    (edited,) = ask(
        demo, ["what about the potholes on avenue jean jaures they are dangerous for bikes!!!"], author="Luc"
    )
    (rejected,) = ask(demo, ["Buy cheap watches at my shop"], author="")
    page = console(browser, demo, problems)
    wait_scored(page, 9)
    for question_id in queued:
        card(page, question_id).get_by_test_id("approve-button").click()
        card(page, question_id).and_(page.locator("[data-testid=approved-item]")).wait_for()
    vote(demo, queued[0], queued[2])
    vote(demo, queued[0])
    item = card(page, rejected)
    item.get_by_test_id("reject-reason").select_option("off_topic")
    item.get_by_test_id("reject-button").click()
    card(page, edited).get_by_test_id("edit-button").click()
    card(page, edited).get_by_test_id("edit-text").fill(
        "What about the potholes on Avenue Jean Jaurès? They are dangerous for cyclists."
    )
    card(page, edited).get_by_test_id("edit-save").click()
    card(page, edited).get_by_test_id("question-original").wait_for()
    card(page, queued[0]).get_by_test_id("show-button").click()
    page.get_by_test_id("moderator-on-screen-text").filter(has_text="tram").wait_for()
    card(page, waiting[0]).locator(".score__summary").click()
    page.locator("[data-testid=pending-list] > .mod-card").first.click()
    page.get_by_test_id("audit-row").nth(5).wait_for()

    # then the console fits its 1440×900 window without a page scrollbar
    assert not page.evaluate("document.documentElement.scrollWidth > innerWidth")
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SHOTS / "moderator-en.png")
    # and narrower windows neither overflow sideways nor lose a lane
    for width, height in ((1280, 800), (1024, 768), (390, 844)):
        page.set_viewport_size({"width": width, "height": height})
        assert not page.evaluate("document.documentElement.scrollWidth > innerWidth + 1"), (
            width,
            page.evaluate(
                "[...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right > innerWidth + 1)"
                ".slice(0, 8).map(e => e.tagName + '.' + e.className + '#' + e.id + ':' + Math.round(e.getBoundingClientRect().right))"
            ),
        )
        page.get_by_test_id("lane-activity").scroll_into_view_if_needed()
        assert page.get_by_test_id("lane-activity").is_visible(), width
        (REPO / "var/screenshots").mkdir(parents=True, exist_ok=True)
        page.screenshot(path=REPO / f"var/screenshots/moderator-{width}.png")
    assert problems == []
