"""The PostgreSQL connections of a server process stay within its pool's bound.

Two real Daphne processes on one fresh PostgreSQL database and the Redis
layer, each with a pool of at most ``MAX_SIZE`` connections. A thread pool in
this process loads the citizen page 32 at a time while citizens ask and vote
and a moderator approves over real sockets; another connection counts the
database's client connections per process all along (``pg_stat_activity``,
each process named by its ``application_name``).

Every thread of a server process that reaches the database (each request's
thread under ASGI, the sockets' shared ``database_sync_to_async`` thread, the
moderators' and the seq watch's threads) takes a connection from the pool for
one unit of work and gives it back; a thread that finds the pool empty waits
for one. So the count per process never exceeds ``MAX_SIZE``, with no slack:
the pool replaces a connection only after closing it (expired or broken),
and none expires or breaks here. With the persistent connections used
before (``DATABASE_POOL=0 DATABASE_CONN_MAX_AGE=600``) this test fails: each
request thread kept the connection it opened, the two processes held up to
59 and 54, and PostgreSQL's "too many clients" turned 48 of the 480 loads
into HTTP 500.
"""

from __future__ import annotations

import asyncio
import secrets
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import AsyncExitStack

import pytest

from harness.pageloads import ConnectionSampler, get_page, with_application_name
from tests.support.servers import citizen_cookie, fresh_database, login, manage, open_socket

pytestmark = pytest.mark.multiprocess

PASSWORD = "demo-" + secrets.token_urlsafe(12)
MAX_SIZE = 4
CONCURRENCY = 32
LOADS = 480
SERVER_ENV = {
    "DATABASE_POOL_MIN_SIZE": "1",
    "DATABASE_POOL_MAX_SIZE": str(MAX_SIZE),
    # The sockets below ask more than the default rate limit allows.
    "QUESTION_RATE_COUNT": "100000",
    # The seq watch's thread reaches the database every 0.2 s too.
    "SEQ_POLL_INTERVAL": "0.2",
}


@pytest.fixture
def demo_database() -> Iterator[str]:
    with fresh_database(require_postgres=True) as database_url:
        manage(database_url, "demo", env={"DEMO_MODERATOR_PASSWORD": PASSWORD})
        yield database_url


def load_pages(urls: list[str]) -> Counter[int]:
    """``LOADS`` loads of the pages in ``urls`` (in turn), ``CONCURRENCY`` at a time; the statuses."""
    with ThreadPoolExecutor(max_workers=CONCURRENCY, thread_name_prefix="page-load") as clients:
        return Counter(status for status, _ in clients.map(get_page, (urls[i % len(urls)] for i in range(LOADS))))


async def ask_approve_and_vote(moderator, citizens, round_number: int) -> None:
    """One citizen asks, the moderator approves, the other citizens vote for it."""
    asker, *voters = citizens[round_number % len(citizens) :] + citizens[: round_number % len(citizens)]
    reply = await asker.request(
        "question.submit", text=f"Will the tram run on line {round_number} this summer?", client_key=f"p-{round_number}"
    )
    assert reply["type"] == "ok", reply
    question_id = reply["question"]["id"]
    await moderator.until("question.created", where=lambda f: f["question"]["id"] == question_id)
    reply = await moderator.request("question.approve", question_id=question_id)
    assert reply["type"] == "ok" and reply["question"]["status"] == "approved", reply
    for voter in voters:
        reply = await voter.request("question.vote", question_id=question_id, up=True)
        assert reply["type"] == "ok", reply
    assert reply["question"]["votes"] == len(voters)


@pytest.mark.asyncio
async def test_concurrent_page_loads_and_sockets_stay_within_the_pool_bound(demo_database, redis_url, live_servers):
    # given two server processes, each with a pool of at most MAX_SIZE connections
    servers = [
        live_servers.launch(with_application_name(demo_database, name), redis_url, **SERVER_ENV)
        for name in ("daphne-a", "daphne-b")
    ]
    for server in servers:
        server.wait_ready()
    server_a, server_b = servers

    with ConnectionSampler(demo_database) as sampler:
        async with AsyncExitStack() as sockets:
            # and a moderator on B, two citizens on each server
            moderator = await sockets.enter_async_context(
                open_socket(server_b, "/ws/t/demo/moderate/", login(server_b.url, "moderator", PASSWORD))
            )
            citizens = [
                await sockets.enter_async_context(
                    open_socket(server, "/ws/t/demo/?v=2", citizen_cookie(server.url, "demo"))
                )
                for server in (server_a, server_b, server_a, server_b)
            ]
            for sock in (moderator, *citizens):
                await sock.until("snapshot")

            # when the citizen page is loaded LOADS times, 32 at a time, from
            # both servers, while the sockets ask, approve and vote
            loads = asyncio.get_running_loop().run_in_executor(
                None, load_pages, [f"{server.url}/t/demo/" for server in servers]
            )
            rounds = 0
            while not loads.done():
                await ask_approve_and_vote(moderator, citizens, rounds)
                rounds += 1
            statuses = await loads

    # then every page loaded, the sockets did their work meanwhile
    assert statuses == Counter({200: LOADS})
    assert rounds >= 1
    # and no process ever held more than MAX_SIZE connections: both reached
    # the bound (the load was enough to fill the pool) and stayed there
    assert sampler.samples > 10
    assert dict(sampler.peaks) == {"daphne-a": MAX_SIZE, "daphne-b": MAX_SIZE}
    assert sampler.peak <= 2 * MAX_SIZE
