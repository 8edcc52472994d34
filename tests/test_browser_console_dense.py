"""The moderator console for 100+ questions, issue 8: dense view, sorting,
stars, the screen queue by votes, localised numbers and score labels, and
the unscored states. Real Daphne, headless Chromium, real citizen sockets.
"""

from __future__ import annotations

import asyncio
import json
import uuid

import pytest

from tests.support.browser import PASSWORD
from tests.support.servers import citizen_cookie, open_socket
from tests.test_browser_console import CIVIL, REPO, SHOTS, ask, card, console, run_async, vote, wait_scored, watch
from tests.test_browser_rooms import approve

pytestmark = pytest.mark.browser

TOPICS = [
    "When will the tram line reach the north district?",
    "Could the library stay open later on Thursdays?",
    "Is there a plan for more bike parking at the station?",
    "Why were the trees on Rue des Lilas cut down without notice?",
    "Can the council publish the noise measurements near the ring road?",
    "Will the new bus timetable keep the late service on Sundays?",
    "How much of the 2027 budget goes to school renovations?",
    "What happens to the old swimming pool site?",
    "Could the market move to Saturday mornings?",
    "Who decides where the new benches go in the park?",
    "When will the potholes on Avenue Jean Jaurès be repaired?",
]


def ask_many(demo, count: int) -> list[int]:
    """``count`` questions from ``count`` citizens, ten at a time."""

    async def one(index: int) -> int:
        async with open_socket(demo.server, demo.ws_path(), citizen_cookie(demo.url, demo.slug)) as sock:
            await sock.until("snapshot")
            text = f"{TOPICS[index % len(TOPICS)]} ({index + 1})"
            reply = await sock.request(
                "question.submit",
                text=text,
                author=["Marie", "Karim", "Luc", "Zoé", ""][index % 5],
                place=["Quartier Nord", "Centre", "", "Les Pins"][index % 4],
                client_key=uuid.uuid4().hex,
            )
            assert reply["type"] == "ok", reply
            return reply["question"]["id"]

    async def go() -> list[int]:
        ids: list[int] = []
        for start in range(0, count, 10):
            ids += await asyncio.gather(*(one(i) for i in range(start, min(count, start + 10))))
        return ids

    return run_async(go)


def visible_cards(page, lane: str) -> int:
    """Cards of a lane, scrolled to its top, entirely inside both the window and the lane's scrolling body."""
    return page.evaluate(
        """(lane) => {
            const scroller = document.querySelector(`[data-testid=lane-${lane}] .lane__body`);
            scroller.scrollTop = 0;
            const body = scroller.getBoundingClientRect();
            return [...document.querySelectorAll(`#list-${lane} > .mod-card`)].filter((el) => {
                const r = el.getBoundingClientRect();
                return r.height > 0 && r.top >= Math.max(0, body.top) && r.bottom <= Math.min(innerHeight, body.bottom);
            }).length;
        }""",
        lane,
    )


def order(page, lane: str) -> list[int]:
    return [
        int(x)
        for x in page.eval_on_selector_all(f"#list-{lane} > .mod-card", "els => els.map(e => e.dataset.questionId)")
    ]


def test_dense_view_shows_a_hundred_questions_a_screen_at_a_time(browser, demo):
    # given a burst of 110 questions, 30 approved (some with votes), one on screen
    problems: list[str] = []
    ids = ask_many(demo, 110)
    page = console(browser, demo, problems)
    wait_scored(page, 110)
    page.get_by_test_id("batch-threshold").fill("0.5")
    page.evaluate("() => localStorage.clear()")
    approved = ids[:30]
    # over sockets of their own: one socket may send 30 frames in 10 s
    approve(demo, page, *approved[:15])
    approve(demo, page, *approved[15:])
    page.wait_for_function("() => document.querySelectorAll('[data-testid=approved-item]').length === 30")
    card(page, approved[0]).get_by_test_id("show-button").click()
    page.get_by_test_id("moderator-on-screen-text").filter(has_text=TOPICS[0]).wait_for()
    vote(demo, approved[4], approved[7])
    vote(demo, approved[4])
    card(page, approved[4]).get_by_test_id("question-votes").filter(has_text="2 votes").wait_for()
    normal = visible_cards(page, "pending")

    # when the moderator turns the dense view on (the d key)
    page.locator("body").click(position={"x": 5, "y": 880})
    page.keyboard.press("d")
    assert page.get_by_test_id("dense-toggle").get_attribute("aria-pressed") == "true"

    # then 10 or more questions fit in the pending lane (2 or 3 before), and as many in the queue
    dense = visible_cards(page, "pending")
    assert normal <= 4 and dense >= 10, (normal, dense)
    assert visible_cards(page, "approved") >= 10
    # the selected card opens up with its actions, the keys still work (h: the pending lanes)
    page.keyboard.press("h")
    selected = page.locator(".mod-card.is-selected")
    assert selected.get_by_test_id("approve-button").is_visible()
    assert page.locator("[data-testid=pending-item]:not(.is-selected) [data-testid=approve-button]").first.is_hidden()
    # and the choice survives a reload
    page.reload()
    page.locator("[data-testid=connection][data-state=connected]").wait_for()
    page.wait_for_function("() => document.querySelectorAll('[data-testid=pending-item]').length === 80")
    assert page.locator("body.is-dense").count() == 1
    assert not page.evaluate("document.documentElement.scrollWidth > innerWidth")
    counts = {lane: visible_cards(page, lane) for lane in ("pending", "approved")}
    print(f"dense EN 1440x900: visible cards {counts}")
    assert counts["pending"] >= 8 and sum(counts.values()) >= 15, counts
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SHOTS / "moderator-dense-en.png")

    # and in French, the same console with French numbers and labels
    fr = watch(browser.new_context(locale="fr-FR", viewport={"width": 1440, "height": 900}).new_page(), problems)
    fr.goto(f"{demo.url}/accounts/login/?next={demo.path('moderate/')}")
    fr.get_by_test_id("login-username").fill("moderator")
    fr.get_by_test_id("login-password").fill(PASSWORD)
    fr.get_by_test_id("login-submit").click()
    fr.wait_for_url(demo.url + demo.path("moderate/"))
    fr.wait_for_function("() => document.querySelectorAll('[data-testid=pending-item]').length === 80")
    fr.get_by_test_id("dense-toggle").click()
    value = fr.locator("[data-testid=pending-item] [data-testid=score-value]").first.inner_text()
    assert "," in value and "." not in value, value
    # the offline scorer's strongest label, translated (never the raw key: profanity, lexicon, classifier)
    label = fr.locator("[data-testid=pending-item] [data-testid=score-label]").first.text_content()
    assert label in ("grossièreté", "liste de mots", "appris sur des exemples"), label
    counts = {lane: visible_cards(fr, lane) for lane in ("pending", "approved")}
    print(f"dense FR 1440x900: visible cards {counts}")
    fr.screenshot(path=SHOTS / "moderator-dense-fr.png")
    assert counts["pending"] >= 8 and sum(counts.values()) >= 15, counts
    assert problems == []


def test_sorting_stars_and_the_queue_by_votes(browser, demo):
    # given three pending questions and three approved ones
    problems: list[str] = []
    pending = ask(demo, CIVIL)
    queued = ask(demo, ["Is the pool open in August?", "Who repairs the bridge?", "When is the next market?"])
    page = console(browser, demo, problems)
    wait_scored(page, 6)
    for question_id in queued:
        card(page, question_id).get_by_test_id("approve-button").click()
        card(page, question_id).and_(page.locator("[data-testid=approved-item]")).wait_for()
    assert order(page, "approved") == queued

    # when the last pending one is starred (the p key)
    page.get_by_test_id("queue-sort").select_option("oldest")
    card(page, pending[2]).get_by_test_id("question-text").click()
    page.keyboard.press("p")

    # then it is listed first in its lane, marked as starred
    page.wait_for_function(
        f"() => document.querySelector('#list-pending > .mod-card').dataset.questionId === '{pending[2]}'"
    )
    assert card(page, pending[2]).get_by_test_id("star-button").get_attribute("aria-pressed") == "true"
    assert order(page, "pending") == [pending[2], pending[0], pending[1]]

    # when citizens vote for the last queued question, it leads the screen queue
    vote(demo, queued[2])
    page.wait_for_function(
        f"() => document.querySelector('#list-approved > .mod-card').dataset.questionId === '{queued[2]}'"
    )
    assert order(page, "approved") == [queued[2], queued[0], queued[1]]
    assert page.get_by_test_id("queue-sort-votes").is_hidden()

    # when the moderator moves one by hand, the queue is manual, and "Sort by votes" is offered
    card(page, queued[1]).get_by_test_id("move-up").click()
    page.get_by_test_id("queue-sort-votes").wait_for()
    assert order(page, "approved") == [queued[2], queued[1], queued[0]]
    vote(demo, queued[0])
    vote(demo, queued[0])
    page.reload()
    page.locator("[data-testid=connection][data-state=connected]").wait_for()
    page.wait_for_function("() => document.querySelectorAll('[data-testid=approved-item]').length === 3")
    assert order(page, "approved") == [queued[2], queued[1], queued[0]]  # by hand: votes do not move it
    page.get_by_test_id("queue-sort-votes").click()

    # then it goes back to most votes first, and "Next" follows that order
    page.wait_for_function(
        f"() => document.querySelector('#list-approved > .mod-card').dataset.questionId === '{queued[0]}'"
    )
    page.get_by_test_id("queue-sort-votes").wait_for(state="hidden")
    page.get_by_test_id("screen-next").click()
    page.get_by_test_id("moderator-on-screen-text").filter(has_text="Is the pool open in August?").wait_for()
    assert problems == []


def _rewrite_scores(frame: str | bytes, failed: int, pending: int) -> str | bytes:
    """The snapshot as if question ``failed`` had failed scoring and ``pending`` were not scored yet."""
    if isinstance(frame, bytes):
        return frame
    data = json.loads(frame)
    if data.get("type") != "snapshot":
        return frame
    for q in data.get("questions", []):
        if q["id"] in (failed, pending):
            status = "failed" if q["id"] == failed else "pending"
            q["toxicity"] = {"score": None, "labels": {}, "model": "", "status": status}
    return json.dumps(data)


@pytest.mark.parametrize("locale", ["en-GB", "fr-FR"])
def test_unscored_questions_say_read_it_and_never_spin(browser, demo, locale):
    # given two questions, and a console whose snapshot says one failed
    # scoring and the other is still being scored (the server's frames,
    # rewritten on the way: a real scorer cannot be made to fail on cue here)
    problems: list[str] = []
    failed, pending = ask(demo, CIVIL[:2])
    context = browser.new_context(locale=locale, viewport={"width": 1440, "height": 900})

    def route(ws):
        server = ws.connect_to_server()
        server.on_message(lambda message: ws.send(_rewrite_scores(message, failed, pending)))
        ws.on_message(lambda message: server.send(message))

    context.route_web_socket(lambda url: "/moderate/" in url, route)
    page = watch(context.new_page(), problems)
    page.goto(f"{demo.url}/accounts/login/?next={demo.path('moderate/')}")
    page.get_by_test_id("login-username").fill("moderator")
    page.get_by_test_id("login-password").fill(PASSWORD)
    page.get_by_test_id("login-submit").click()
    page.wait_for_url(demo.url + demo.path("moderate/"))

    # then the failed one says plainly that nobody scored it, the other that it is being analysed
    state = card(page, failed).get_by_test_id("score-state")
    state.wait_for()
    words = {"en-GB": ("Unscored: read it", "Scoring…"), "fr-FR": ("Sans score — à lire", "Analyse en cours…")}[locale]
    assert state.inner_text() == words[0]
    assert card(page, failed).get_attribute("data-scored") == "failed"
    assert card(page, pending).get_by_test_id("score-state").inner_text() == words[1]
    assert card(page, pending).get_attribute("data-scored") == "pending"
    (REPO / "var/screenshots").mkdir(parents=True, exist_ok=True)
    page.screenshot(path=REPO / f"var/screenshots/moderator-unscored-{locale}.png")
    assert problems == []
