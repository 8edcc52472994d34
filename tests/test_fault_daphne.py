"""One of two Daphne processes killed (SIGKILL) while citizens submit.

Its citizens reconnect to the other process and send their unacknowledged
question again with the same ``client_key`` (as the citizen page does):
nothing is lost and nothing is stored twice.
"""

from __future__ import annotations

import asyncio
import secrets
import signal
from collections.abc import Iterator
from contextlib import AsyncExitStack

import pytest

from tests.support.faults import ResendingCitizen
from tests.support.servers import citizen_cookie, fresh_database, login, manage, open_socket

pytestmark = [pytest.mark.multiprocess, pytest.mark.asyncio]

PASSWORD = "faults-" + secrets.token_urlsafe(8)
CITIZENS = 15
QUESTIONS = 4  # under QUESTION_RATE_COUNT (5 a minute)
KILL_AFTER = 20  # acknowledged questions


@pytest.fixture
def demo_database() -> Iterator[str]:
    with fresh_database() as database_url:
        manage(database_url, "demo", env={"DEMO_MODERATOR_PASSWORD": PASSWORD})
        yield database_url


async def test_citizens_of_a_killed_process_resend_to_the_other_and_nothing_is_lost_or_doubled(
    demo_database, redis_url, live_servers
):
    # given two processes, a console on B, and citizens connected to A
    server_a, server_b = live_servers.start_many(2, demo_database, redis_url)
    cookies = await asyncio.gather(*(asyncio.to_thread(citizen_cookie, server_a.url, "demo") for _ in range(CITIZENS)))
    citizens = [ResendingCitizen(f"c{i}", [server_a, server_b], cookie) for i, cookie in enumerate(cookies)]
    texts = {
        c.name: [f"Question {n} from {c.name}: when does the works end?" for n in range(QUESTIONS)] for c in citizens
    }
    acknowledged = 0

    async def kill_a_mid_way(citizen: ResendingCitizen, reply: dict) -> None:
        nonlocal acknowledged
        acknowledged += 1
        if acknowledged == KILL_AFTER:
            server_a.process.send_signal(signal.SIGKILL)

    async with AsyncExitStack() as stack:
        moderator = await stack.enter_async_context(
            open_socket(server_b, "/ws/t/demo/moderate/", login(server_b.url, "moderator", PASSWORD))
        )
        await moderator.until("snapshot")

        # when they all ask at once and A is killed after the first acknowledgements
        await asyncio.wait_for(
            asyncio.gather(*(c.ask(texts[c.name], on_reply=kill_a_mid_way) for c in citizens)), timeout=120
        )

        # then A is dead, and every citizen moved to B
        assert server_a.process.wait(timeout=10) == -signal.SIGKILL
        assert all(c.reconnects >= 1 for c in citizens)
        # and every question was acknowledged, each key once with one question id
        ids = {key: reply["question"]["id"] for c in citizens for key, reply in c.acknowledged.items()}
        assert len(ids) == CITIZENS * QUESTIONS
        assert len(set(ids.values())) == CITIZENS * QUESTIONS
        # and the console saw each question created exactly once
        created: list[int] = []
        while len(created) < CITIZENS * QUESTIONS:
            created.append((await moderator.until("question.created"))["question"]["id"])
        assert sorted(created) == sorted(ids.values())
        # and the database holds each text once
        async with open_socket(server_b, "/ws/t/demo/moderate/", login(server_b.url, "moderator", PASSWORD)) as fresh:
            stored = [q["text"] for q in (await fresh.until("snapshot"))["questions"]]
        assert sorted(stored) == sorted(text for c in citizens for text in texts[c.name])
        created = [f["question"]["id"] for f in moderator.frames if f["type"] == "question.created"]
        assert len(created) == len(set(created))
        # and some questions really were sent again after the kill
        assert sum(c.resent for c in citizens) >= 1
