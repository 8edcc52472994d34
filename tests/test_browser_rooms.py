"""The citizen page and the projector screen in headless Chromium, against a real Daphne.

Questions are sent and moderated over real sockets opened inside the browser
pages (same origin, same cookies as the pages themselves), so these tests do
not depend on the moderator console's markup.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.support.browser import PASSWORD, Demo
from tests.support.servers import manage

pytestmark = pytest.mark.browser

REPO = Path(__file__).resolve().parent.parent
# Screenshots go to var/screenshots; UPDATE_SCREENSHOTS=1 refreshes docs/screenshots.
SHOTS = REPO / ("docs/screenshots" if os.environ.get("UPDATE_SCREENSHOTS") == "1" else "var/screenshots")
REVIEW_SHOTS = REPO / "var/screenshots"  # for a look only, never published
PHONE = {"width": 390, "height": 844}
WALLS = ({"width": 1920, "height": 1080}, {"width": 1280, "height": 720})
NO_SCROLLBARS = (
    "document.documentElement.scrollHeight <= innerHeight && document.documentElement.scrollWidth <= innerWidth"
)
# Every element matched by the second selector lies within the first one's box
# (clipped or pushed out of the wall would be unreadable).
INSIDE = """
([outer, inner]) => {
  const box = document.querySelector(outer).getBoundingClientRect();
  const outside = (r) => r.top < box.top - 1 || r.bottom > box.bottom + 1 || r.left < box.left - 1 || r.right > box.right + 1;
  return Array.from(document.querySelectorAll(inner))
    .filter((el) => el.offsetParent !== null && outside(el.getBoundingClientRect()))
    .map((el) => `${el.className} ${JSON.stringify(el.getBoundingClientRect())} outside ${JSON.stringify(box)}`);
}
"""

# Opens a socket from inside a page, waits for its snapshot, sends the
# requests one after the other and returns the snapshot and the replies.
SOCKET_JS = """
async ([path, requests]) => {
  const ws = new WebSocket(`ws://${location.host}${path}`);
  const waiting = new Map();
  let snapshot = null;
  await new Promise((resolve, reject) => {
    ws.addEventListener('close', (event) => reject(new Error(`socket closed: ${event.code}`)));
    ws.addEventListener('message', (event) => {
      const frame = JSON.parse(event.data);
      if (frame.type === 'snapshot' && snapshot === null) {
        snapshot = frame;
        resolve();
      } else if ((frame.type === 'ok' || frame.type === 'error') && waiting.has(frame.id)) {
        waiting.get(frame.id)(frame);
        waiting.delete(frame.id);
      }
    });
  });
  const replies = [];
  for (const [index, request] of requests.entries()) {
    const id = `t${index}`;
    replies.push(await new Promise((resolve) => {
      waiting.set(id, resolve);
      ws.send(JSON.stringify({ ...request, id }));
    }));
  }
  ws.close();
  return { snapshot, replies };
}
"""


def watch(page, problems: list[str]):
    page.on("console", lambda m: problems.append(f"console {m.type}: {m.text}") if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
    return page


def citizen_page(browser, demo: Demo, problems: list[str]):
    page = watch(browser.new_context(viewport=PHONE).new_page(), problems)
    page.goto(demo.url + demo.path())
    page.locator("[data-testid=connection]").wait_for(state="hidden")
    return page


def moderator_page(browser, demo: Demo):
    """A logged-in page on the server's origin, used only to open the moderator socket."""
    page = browser.new_context().new_page()
    page.goto(f"{demo.url}/accounts/login/?next=/healthz")
    page.get_by_test_id("login-username").fill("moderator")
    page.get_by_test_id("login-password").fill(PASSWORD)
    page.get_by_test_id("login-submit").click()
    page.wait_for_url(f"{demo.url}/healthz")
    return page


def send(page, path: str, *requests: dict) -> dict:
    result = page.evaluate(SOCKET_JS, [path, list(requests)])
    for reply in result["replies"]:
        assert reply["type"] == "ok", reply
    return result


def ask(demo: Demo, page, text: str, author: str = "", place: str = "") -> int:
    """Submit a question over the citizen's own socket; returns its id."""
    request = {
        "type": "question.submit",
        "text": text,
        "author": author,
        "place": place,
        "client_key": f"k-{hash(text)}",
    }
    return send(page, demo.ws_path(), request)["replies"][0]["question"]["id"]


def moderate(demo: Demo, page, *requests: dict) -> dict:
    return send(page, demo.ws_path("moderate/"), *requests)


def approve(demo: Demo, page, *ids: int) -> None:
    moderate(demo, page, *({"type": "question.approve", "question_id": i} for i in ids))


def rendered(page) -> None:
    """Wait for two frames: layout, ResizeObserver callbacks and the refit they trigger are done."""
    page.evaluate("() => new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done)))")


def animations_over(page) -> None:
    """Wait until every CSS animation and transition of the page (fade-ins, delayed ones too) has finished."""
    page.wait_for_function("() => document.getAnimations().every((a) => a.playState === 'finished')")


def approved_texts(page) -> list[str]:
    return [t.strip() for t in page.get_by_test_id("approved-question-text").all_inner_texts()]


# --- citizen page ----------------------------------------------------------------------


def test_join_with_a_lower_case_code_lands_on_the_citizen_page(browser, demo):
    # given a citizen who types the code from the projector in lower case, with spaces
    problems: list[str] = []
    page = watch(browser.new_context(viewport=PHONE).new_page(), problems)
    page.goto(f"{demo.url}/join")
    typed = " ".join([demo.code[:3].lower(), demo.code[3:].lower()])

    # when they send the form
    page.get_by_test_id("join-code").fill(typed)
    page.get_by_test_id("join-submit").click()

    # then they are on the citizen page of that town hall, connected
    page.wait_for_url(demo.url + demo.path())
    page.get_by_test_id("citizen-app").wait_for()
    page.locator("[data-testid=connection]").wait_for(state="hidden")
    assert page.get_by_test_id("ask-place").is_visible()
    assert problems == []


def test_nudge_appears_for_an_insulting_draft_and_not_for_a_civil_one(browser, demo):
    # given a citizen typing on the live page, and a count of the previews it sends
    problems: list[str] = []
    page = citizen_page(browser, demo, problems)
    previews: list[str] = []
    page.on(
        "websocket",
        lambda ws: ws.on(
            "framesent", lambda payload: previews.append(payload) if "question.preview" in str(payload) else None
        ),
    )
    page.reload()
    page.locator("[data-testid=connection]").wait_for(state="hidden")
    nudge = page.get_by_test_id("held-nudge")
    text = page.get_by_test_id("ask-text")

    # when they type an insult, key by key, then pause
    text.press_sequentially("you are all useless idiots", delay=15)

    # then a polite notice appears under the textarea, after one preview for that pause
    nudge.wait_for(state="visible", timeout=5000)
    assert "may be held for review" in nudge.inner_text()
    REVIEW_SHOTS.mkdir(parents=True, exist_ok=True)
    page.get_by_test_id("ask-form").screenshot(path=REVIEW_SHOTS / "citizen-nudge-en.png")
    assert len(previews) == 1
    assert page.get_by_test_id("ask-submit").is_enabled()

    # when they rephrase it into a civil question
    text.fill("When will the new library in the north district open?")

    # then the notice goes away once the server has judged the new draft
    nudge.wait_for(state="hidden", timeout=5000)
    assert len(previews) == 2

    # and a draft too short to judge never asks the server
    text.fill("idiots")
    page.wait_for_timeout(1200)
    assert nudge.is_hidden()
    assert len(previews) == 2
    assert problems == []


def test_place_and_status_words_of_my_questions(browser, demo):
    # given a citizen who asks with a name and a place, and another anonymously
    problems: list[str] = []
    page = citizen_page(browser, demo, problems)
    moderator = moderator_page(browser, demo)
    page.get_by_test_id("ask-text").fill("Will the night buses run on Sundays next year?")
    page.get_by_test_id("ask-name").fill("Marie")
    page.get_by_test_id("ask-place").fill("Quartier Nord")
    page.get_by_test_id("ask-submit").click()
    mine = page.get_by_test_id("my-question").filter(has_text="night buses")
    mine.get_by_test_id("my-question-status").filter(has_text="In review").wait_for()
    second = ask(demo, page, "Why are the night buses so rare?")
    third = ask(demo, page, "Can the market stay open later on Fridays?")
    first = moderate(demo, moderator)["snapshot"]["questions"][0]["id"]

    # when the moderators approve, show, merge and reject
    approve(demo, moderator, first)
    mine.get_by_test_id("my-question-status").filter(has_text="Approved").wait_for()
    moderate(
        demo,
        moderator,
        {"type": "screen.show", "question_id": first},
        {"type": "question.merge", "question_id": second, "into_id": first},
        {"type": "question.reject", "question_id": third, "reason": "off_topic"},
    )

    # then each status reads in plain words, with the reason or the merged question
    mine.get_by_test_id("my-question-status").filter(has_text="On screen now").wait_for()
    merged = page.get_by_test_id("my-question").filter(has_text="so rare")
    merged.get_by_test_id("my-question-reason").filter(has_text="Merged into").wait_for()
    assert "night buses run on Sundays" in merged.get_by_test_id("my-question-reason").inner_text()
    rejected = page.get_by_test_id("my-question").filter(has_text="market")
    rejected.get_by_test_id("my-question-status").filter(has_text="Not selected").wait_for()
    assert rejected.get_by_test_id("my-question-reason").inner_text() == "Reason: Off topic"

    # and the approved list ("Popular") and the on-screen banner show the author and the place
    page.get_by_test_id("tab-popular").click()
    card = page.get_by_test_id("approved-question").filter(has_text="night buses")
    assert card.get_by_test_id("question-author").inner_text() == "Marie"
    assert card.get_by_test_id("question-place").inner_text() == "Quartier Nord"
    assert page.get_by_test_id("on-screen-place").inner_text() == "Quartier Nord"
    page.evaluate("document.activeElement.blur()")
    page.mouse.move(0, 0)
    REVIEW_SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=REVIEW_SHOTS / "citizen-statuses-en.png", full_page=True)
    assert problems == []


def test_a_question_merged_into_another_citizens_pending_one_does_not_show_its_text(browser, demo):
    # given two citizens; the other one's question is still pending
    problems: list[str] = []
    page = citizen_page(browser, demo, problems)
    other = citizen_page(browser, demo, problems)
    moderator = moderator_page(browser, demo)
    mine = ask(demo, page, "Is the swimming pool closing this winter?")
    theirs = ask(demo, other, "My neighbour Paul Martin at 12 rue Haute says the pool closes")

    # when the moderators merge mine into theirs
    moderate(demo, moderator, {"type": "question.merge", "question_id": mine, "into_id": theirs})

    # then my question says it was merged, without the other citizen's words
    card = page.get_by_test_id("my-question").filter(has_text="swimming pool")
    card.get_by_test_id("my-question-reason").filter(has_text="Merged into a similar question").wait_for()
    assert "Paul Martin" not in page.content()
    page.evaluate("document.activeElement.blur()")
    REVIEW_SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=REVIEW_SHOTS / "citizen-merged-into-pending-en.png", full_page=True)
    assert problems == []


def test_approved_questions_are_sorted_by_votes_and_the_vote_toggles(browser, demo):
    # given two approved questions, the newer one with a vote from another citizen
    problems: list[str] = []
    me = citizen_page(browser, demo, problems)
    other = citizen_page(browser, demo, problems)
    moderator = moderator_page(browser, demo)
    older = ask(demo, other, "Where will the new cycle lanes go?", place="Centre")
    newer = ask(demo, other, "How much will the swimming pool renovation cost?")
    approve(demo, moderator, older, newer)
    me.get_by_test_id("approved-question").nth(1).wait_for()
    assert approved_texts(me)[0].startswith("Where will")
    send(other, demo.ws_path(), {"type": "question.vote", "question_id": newer, "up": True})

    # then the question with more votes is listed first, for everyone
    # (counts come coalesced, within VOTE_FLUSH_INTERVAL)
    me.get_by_test_id("approved-question").first.filter(has_text="pool").wait_for()
    pool = me.get_by_test_id("approved-question").filter(has_text="pool")
    cycle = me.get_by_test_id("approved-question").filter(has_text="cycle")
    assert pool.get_by_test_id("vote-count").inner_text() == "1 vote"
    anonymous = pool.get_by_test_id("question-author")
    assert anonymous.inner_text() == "Anonymous"
    assert "is-anonymous" in anonymous.get_attribute("class")
    assert cycle.get_by_test_id("question-place").inner_text() == "Centre"

    # when I vote for the other question twice over (up, then back)
    cycle.get_by_test_id("vote-button").click()
    cycle.locator("[data-testid=vote-button][aria-pressed=true]").wait_for()
    assert cycle.get_by_test_id("vote-count").inner_text() == "1 vote"
    cycle.get_by_test_id("vote-button").click()

    # then my vote is taken back, and the counts follow on the other citizen's page
    cycle.locator("[data-testid=vote-button][aria-pressed=false]").wait_for()
    assert cycle.get_by_test_id("vote-count").inner_text() == "0 votes"
    cycle.get_by_test_id("vote-button").click()
    other.get_by_test_id("tab-popular").click()  # the asker's page shows "Mine" after asking
    other_cycle = other.get_by_test_id("approved-question").filter(has_text="cycle")
    other_cycle.get_by_test_id("vote-count").filter(has_text="1 vote").wait_for()
    assert other_cycle.get_by_test_id("vote-button").get_attribute("aria-pressed") == "false"
    assert problems == []


def test_a_withdrawn_question_leaves_the_other_citizens_lists(browser, demo):
    # given an approved question, seen by another citizen
    problems: list[str] = []
    asker = citizen_page(browser, demo, problems)
    reader = citizen_page(browser, demo, problems)
    moderator = moderator_page(browser, demo)
    question = ask(demo, asker, "Could the town hall publish the minutes online?")
    approve(demo, moderator, question)
    reader.get_by_test_id("approved-question").filter(has_text="minutes").wait_for()

    # when the asker withdraws it (with the inline confirmation)
    mine = asker.get_by_test_id("my-question").filter(has_text="minutes")
    mine.get_by_test_id("withdraw-button").click()
    mine.get_by_test_id("withdraw-confirm").click()

    # then the asker sees it withdrawn and it disappears for the other citizen
    mine.get_by_test_id("my-question-status").filter(has_text="Withdrawn").wait_for()
    reader.get_by_test_id("approved-question").filter(has_text="minutes").wait_for(state="detached")
    assert reader.get_by_test_id("approved-empty").is_visible()
    assert asker.get_by_test_id("approved-question").count() == 0
    assert problems == []


# --- projector screen ---------------------------------------------------------------------


def fill_the_queue(browser, demo: Demo, moderator, problems: list[str]):
    """Four approved questions, one on screen, the others in a queue order unlike id or vote order."""
    asker = citizen_page(browser, demo, problems)
    ids = {
        "current": ask(
            demo,
            asker,
            "When will the tram line reach the north district, and will the stops be accessible to wheelchairs?",
            author="Marie Dubois",
            place="Quartier Nord",
        ),
        "parking": ask(
            demo, asker, "Why is parking near the station so expensive?", author="Karim", place="Les Tilleuls"
        ),
        "school": ask(demo, asker, "Will the primary school canteen serve more local food?", place="Saint-Martin"),
        "trees": ask(demo, asker, "How many trees will be planted along the river this year?", author="Lucie"),
    }
    approve(demo, moderator, *ids.values())
    send(asker, demo.ws_path(), {"type": "question.vote", "question_id": ids["parking"], "up": True})
    moderate(
        demo,
        moderator,
        {"type": "screen.reorder", "question_ids": [ids["current"], ids["trees"], ids["school"], ids["parking"]]},
        {"type": "screen.show", "question_id": ids["current"]},
    )
    return asker


def check_screen(page, demo: Demo) -> None:
    page.get_by_test_id("screen-current-text").filter(has_text="tram line").wait_for()
    assert page.get_by_test_id("screen-current-author").inner_text() == "Marie Dubois"
    assert page.get_by_test_id("screen-current-place").inner_text() == "Quartier Nord"
    items = page.get_by_test_id("screen-next-item")
    items.nth(2).wait_for()
    texts = items.all_inner_texts()
    assert [t.split("?")[0] for t in texts] == [
        "How many trees will be planted along the river this year",
        "Will the primary school canteen serve more local food",
        "Why is parking near the station so expensive",
    ]
    assert "Anonymous" in texts[1] and "Saint-Martin" in texts[1]
    qr = page.get_by_test_id("screen-qr")
    assert qr.get_attribute("src") == demo.path("qr.svg")
    assert qr.get_attribute("alt")
    page.wait_for_function("document.querySelector('[data-testid=screen-qr]').naturalWidth > 0")
    assert page.get_by_test_id("screen-join-code").inner_text() == demo.code
    assert demo.path() in page.get_by_test_id("screen-join-url").inner_text()
    for size in WALLS:
        page.set_viewport_size(size)
        rendered(page)  # the ResizeObserver refits the question
        assert page.evaluate(NO_SCROLLBARS), size
        # the whole question fits its box: nothing is cut, nothing scrolls
        assert page.evaluate(
            "(() => { const b = document.getElementById('current'); return b.scrollHeight <= b.clientHeight + 1 })()"
        ), size
        assert page.locator("#current-text.is-clamped").count() == 0
        assert page.get_by_test_id("screen-qr").is_visible() and page.get_by_test_id("screen-join-code").is_visible()
        assert page.evaluate(INSIDE, [".screen__next", "[data-testid=screen-next-item]"]) == [], size
        assert page.get_by_test_id("screen-next-item").nth(2).is_visible(), size
        assert page.evaluate(INSIDE, [".screen__join", ".screen__join *"]) == [], size
        assert page.evaluate(INSIDE, [".screen__header", ".screen__header *"]) == [], size
    page.set_viewport_size(WALLS[0])


def test_screen_shows_current_question_queue_and_join_code_in_both_themes(browser, demo):
    # given a current question and three approved ones in queue order
    problems: list[str] = []
    moderator = moderator_page(browser, demo)
    citizen = fill_the_queue(browser, demo, moderator, problems)
    SHOTS.mkdir(parents=True, exist_ok=True)
    citizen.get_by_test_id("on-screen-text").filter(has_text="tram line").wait_for()
    citizen.get_by_test_id("my-question-status").filter(has_text="On screen now").wait_for()

    # when the projector opens the screen in the default (dark) theme
    dark = watch(browser.new_context(viewport=WALLS[0]).new_page(), problems)
    dark.goto(demo.screen_url())

    # then everything is there and fits 16:9 walls without scrollbars
    check_screen(dark, demo)
    assert dark.evaluate("document.documentElement.classList.contains('theme-dark')")
    assert dark.evaluate("getComputedStyle(document.body).backgroundColor") == "rgb(11, 12, 12)"
    animations_over(dark)  # the fade-in
    dark.screenshot(path=SHOTS / "screen-en.png")

    # when it opens with ?theme=light, the same holds on a white background
    light = watch(browser.new_context(viewport=WALLS[0]).new_page(), problems)
    light.goto(demo.screen_url("light"))
    check_screen(light, demo)
    assert light.evaluate("document.documentElement.classList.contains('theme-light')")
    assert light.evaluate("getComputedStyle(document.body).backgroundColor") == "rgb(255, 255, 255)"
    animations_over(light)
    light.screenshot(path=SHOTS / "screen-light-en.png")
    assert problems == []


def test_a_long_question_shrinks_to_fit_without_scrolling(browser, demo):
    problems: list[str] = []
    moderator = moderator_page(browser, demo)
    asker = citizen_page(browser, demo, problems)
    long_text = ("Considering the budget for the coming year, " * 10).strip() + " what will change?"
    question = ask(
        demo,
        asker,
        long_text,
        author="Jean-Baptiste",
        place='Hameau <b>des</b> Prés<img src=x onerror="window.__pwned=1">',
    )
    approve(demo, moderator, question)
    moderate(demo, moderator, {"type": "screen.show", "question_id": question})
    screen = watch(browser.new_context(viewport=WALLS[1]).new_page(), problems)
    screen.goto(demo.screen_url())
    screen.get_by_test_id("screen-current-text").filter(has_text="what will change").wait_for()
    rendered(screen)
    assert screen.get_by_test_id("screen-current-text").get_attribute("data-size") == "xl"
    assert screen.evaluate(NO_SCROLLBARS)
    assert screen.evaluate(
        "(() => { const b = document.getElementById('current'); return b.scrollHeight <= b.clientHeight + 1 })()"
    )
    place = screen.get_by_test_id("screen-current-place")
    assert place.is_visible()
    # the place is citizen text too: shown as typed, never markup
    assert "<b>des</b>" in place.text_content() and place.locator("b, img").count() == 0
    assert screen.evaluate("window.__pwned") is None
    REVIEW_SHOTS.mkdir(parents=True, exist_ok=True)
    screen.screenshot(path=REVIEW_SHOTS / "screen-long-1280.png")
    assert problems == []


def test_screen_reconnects_after_a_restart_and_shows_the_new_state(browser, demo, live_server_factory):
    # given a screen showing a question, served by a server of this test's own (it is stopped)
    demo = demo.on(live_server_factory(demo.database_url))
    problems: list[str] = []
    moderator = moderator_page(browser, demo)
    asker = citizen_page(browser, demo, problems)
    first = ask(demo, asker, "Is the swimming pool open in August?", author="Ana", place="Centre")
    second = ask(demo, asker, "Will the bridge works end before winter?", author="Paul", place="Rive Gauche")
    approve(demo, moderator, first, second)
    moderate(demo, moderator, {"type": "screen.show", "question_id": first})
    screen = browser.new_context(viewport=WALLS[1]).new_page()
    screen.goto(demo.screen_url())
    screen.get_by_test_id("screen-current-text").filter(has_text="swimming pool").wait_for()
    indicator = screen.get_by_test_id("screen-reconnecting")
    assert indicator.is_hidden()

    # when the server goes down, and the screen changes meanwhile in the database
    demo.server.stop()
    indicator.wait_for(state="visible", timeout=10000)
    animations_over(screen)  # the indicator fades in after 1.5 s
    REVIEW_SHOTS.mkdir(parents=True, exist_ok=True)
    screen.screenshot(path=REVIEW_SHOTS / "screen-reconnecting-1280.png")
    manage(
        demo.database_url,
        "shell",
        "-c",
        (
            "from django.contrib.auth import get_user_model; from moderation.models import TownHall; "
            "from moderation.services.screen import screen_show; "
            f"th = TownHall.objects.get(slug={demo.slug!r}); "
            f"screen_show(townhall_id=th.pk, question_id={second}, "
            "moderator=get_user_model().objects.get(username='moderator'))"
        ),
    )
    # the old question stays up while disconnected: the room is not left with a blank wall
    assert "swimming pool" in screen.get_by_test_id("screen-current-text").inner_text()

    # then, once the server is back, it reconnects by itself and resyncs
    demo.server.start()
    screen.get_by_test_id("screen-current-text").filter(has_text="bridge works").wait_for(timeout=20000)
    indicator.wait_for(state="hidden")
    assert screen.get_by_test_id("screen-current-place").inner_text() == "Rive Gauche"
    assert screen.get_by_test_id("screen-next-item").all_inner_texts()[0].startswith("Is the swimming pool")
    # (the citizen page also retried while the server was down: Chromium logs those refusals)
    assert [p for p in problems if "ERR_CONNECTION_REFUSED" not in p] == []
