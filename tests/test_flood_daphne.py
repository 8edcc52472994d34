"""Flood control through a real Daphne behind a trusted proxy (X-Forwarded-For):
300 phones behind the room's address ask and vote normally while a script on
another address, rotating sessions, is held to the per-address limit."""

from __future__ import annotations

import asyncio
import http.cookiejar
import urllib.request
import uuid
from collections.abc import Iterator

import pytest
from websockets.asyncio.client import connect

from harness.servers import LiveSocket, with_protocol_version
from tests.settings import FLOOD_CONTROL_DEFAULTS
from tests.support.browser import PASSWORD
from tests.support.servers import fresh_database, login, manage, open_socket

pytestmark = pytest.mark.asyncio

ROOM = "198.51.100.7"
SCRIPT = "203.0.113.66"
# The documented defaults, but no session age and no session-burst alert: the
# 300 sessions open here within seconds, where a room's arrive over minutes
# (tests/test_flood.py moves the clock for that). The proxy adds one hop.
ENV = {
    **{name: str(value) for name, value in FLOOD_CONTROL_DEFAULTS.items()},
    "VOTE_MIN_SESSION_AGE": "0",
    "FLOOD_ALERT_MIN_SESSIONS": "100000",
    "TRUSTED_PROXY_COUNT": "1",
}


@pytest.fixture
def demo_database() -> Iterator[str]:
    with fresh_database() as database_url:
        manage(database_url, "demo", env={"DEMO_MODERATOR_PASSWORD": PASSWORD})
        yield database_url


def page_cookie(base_url: str, forwarded_for: str) -> str:
    """Load the citizen page through the proxy for ``forwarded_for``; the session cookie."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    request = urllib.request.Request(f"{base_url}/t/demo/", headers={"X-Forwarded-For": forwarded_for})
    with opener.open(request, timeout=10) as response:
        response.read()
    return "sessionid=" + next(c.value for c in jar if c.name == "sessionid")


async def phone(server, forwarded_for: str, actions) -> list[dict]:
    cookie = await asyncio.to_thread(page_cookie, server.url, forwarded_for)
    headers = {"Origin": server.url, "Cookie": cookie, "X-Forwarded-For": forwarded_for}
    async with connect(server.ws_url + with_protocol_version("/ws/t/demo/", 2), additional_headers=headers) as ws:
        sock = LiveSocket(ws)
        await sock.until("snapshot")
        return [await sock.request(kind, **fields) for kind, fields in actions]


async def test_a_room_behind_one_address_and_a_script_through_a_real_server(demo_database, live_servers):
    # given a server behind one proxy, and an approved question
    server = live_servers.start(demo_database, None, **ENV)
    async with open_socket(server, "/ws/t/demo/moderate/", login(server.url, "moderator", PASSWORD)) as console:
        snapshot = await console.until("snapshot")
        assert snapshot["type"] == "snapshot"
        (asked,) = await phone(server, "192.0.2.1", [("question.submit", {"text": "Tram?", "client_key": "first"})])
        question_id = asked["question"]["id"]
        assert (await console.request("question.approve", question_id=question_id))["type"] == "ok"
    votes_before = 0

    # when 300 phones behind the room's address each vote, and one in ten asks, 20 at a time
    def actions(n: int):
        vote = ("question.vote", {"question_id": question_id, "up": True})
        ask = ("question.submit", {"text": f"Room question {n}?", "client_key": uuid.uuid4().hex})
        return [ask, vote] if n % 10 == 0 else [vote]

    replies: list[dict] = []
    for start in range(0, 300, 20):
        batches = await asyncio.gather(*(phone(server, ROOM, actions(n)) for n in range(start, start + 20)))
        replies += [reply for batch in batches for reply in batch]

    # then every question and every vote was taken
    assert len(replies) == 330
    assert [r for r in replies if r["type"] != "ok"] == []
    assert max(r["question"]["votes"] for r in replies if r["question"]["id"] == question_id) == votes_before + 300

    # when a script on another address asks 120 questions, a fresh session every 5
    script: list[dict] = []
    for batch in range(24):
        asks = [("question.submit", {"text": f"Spam {batch}-{n}?", "client_key": uuid.uuid4().hex}) for n in range(5)]
        script += await phone(server, SCRIPT, asks)

    # then it got in only as many as the per-address limit allows (the town
    # hall's 120 a minute, with the room's 31, is not reached)
    accepted = [r for r in script if r["type"] == "ok"]
    refused = [r for r in script if r["type"] == "error"]
    assert len(accepted) == FLOOD_CONTROL_DEFAULTS["QUESTION_IP_RATE_COUNT"] == 60
    assert {r["code"] for r in refused} == {"rate_limited"} and all(r["retry_after"] >= 1 for r in refused)
