"""SCORING_MODE=worker: the scoring worker killed (SIGKILL) in the middle of a batch.

Once a worker runs again every question is scored, and none twice: one
``question.scored`` per question, live and stored.
"""

from __future__ import annotations

import asyncio
import secrets
import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import AsyncExitStack
from pathlib import Path

import pytest

from tests.support.servers import ROOT, _child_env, citizen_cookie, fresh_database, login, manage, open_socket

pytestmark = [pytest.mark.multiprocess, pytest.mark.asyncio]

PASSWORD = "faults-" + secrets.token_urlsafe(8)
QUESTIONS = 5  # one citizen: QUESTION_RATE_COUNT
SCORING = {"SCORING_MODE": "worker", "SCORING_TIMEOUT": "2", "SCORING_SWEEP_INTERVAL": "1", "SEQ_POLL_INTERVAL": "0.5"}


@pytest.fixture
def demo_database() -> Iterator[str]:
    with fresh_database() as database_url:
        manage(database_url, "demo", env={"DEMO_MODERATOR_PASSWORD": PASSWORD})
        yield database_url


@pytest.fixture
def workers(tmp_path: Path) -> Iterator[list[subprocess.Popen]]:
    """Worker processes the test starts; killed at teardown, their output shown on failure."""
    started: list[subprocess.Popen] = []
    yield started
    for process in started:
        if process.poll() is None:
            process.kill()
        out, _ = process.communicate(timeout=10)
        print(f"===== worker {process.pid} =====\n{out.decode(errors='replace')}")


def start_worker(database_url: str, env: dict[str, str], *args: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, *args],
        cwd=ROOT,
        env=_child_env(database_url, env),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )


async def wait_for_line(process: subprocess.Popen, marker: bytes, timeout: float = 60.0) -> bytes:
    """Read the process's output until a line holding ``marker`` (blocking reads, in a thread)."""

    def read() -> bytes:
        for line in process.stdout:
            if marker in line:
                return line
        raise AssertionError(f"the process exited before printing {marker!r}")

    return await asyncio.wait_for(asyncio.to_thread(read), timeout)


async def test_a_worker_killed_mid_batch_leaves_no_question_unscored_and_none_scored_twice(
    demo_database, redis_url, live_server_factory, workers
):
    # given Daphne handing scoring to a worker whose batch never finishes
    server = live_server_factory(demo_database, redis_url, TOXICITY_SCORER="offline", **SCORING)
    layer = {"REDIS_URL": redis_url, "CHANNEL_PREFIX": server.channel_prefix, **SCORING}
    stalling = start_worker(demo_database, {**layer, "SCORING_TIMEOUT": "600"}, "-m", "tests.support.stalling_worker")
    workers.append(stalling)
    async with AsyncExitStack() as stack:
        moderator = await stack.enter_async_context(
            open_socket(server, "/ws/t/demo/moderate/", login(server.url, "moderator", PASSWORD))
        )
        await moderator.until("snapshot")
        citizen = await stack.enter_async_context(
            open_socket(server, "/ws/t/demo/", citizen_cookie(server.url, "demo"))
        )
        await citizen.until("snapshot")
        ids = []
        for n in range(QUESTIONS):
            reply = await citizen.request(
                "question.submit", text=f"Will bus line {n} run at night?", client_key=f"k{n}"
            )
            assert reply["type"] == "ok", reply
            ids.append(reply["question"]["id"])

        # when the worker is killed in the middle of its batch
        await wait_for_line(stalling, b"BATCH STARTED")
        stalling.send_signal(signal.SIGKILL)
        assert stalling.wait(timeout=10) == -signal.SIGKILL
        # and a worker runs again
        workers.append(
            start_worker(
                demo_database, {**layer, "TOXICITY_SCORER": "offline"}, "manage.py", "runworker", "toxicity-scoring"
            )
        )

        # then every question is scored
        scored: list[int] = []
        while sorted(set(scored)) != sorted(ids):
            frame = await moderator.until("question.scored", timeout=60)
            assert frame["question"]["toxicity"]["status"] == "scored", frame
            scored.append(frame["question"]["id"])
        # and none twice, even after a few more sweeps
        with pytest.raises(AssertionError, match=r"no \('question.scored',\) within"):
            await moderator.until("question.scored", timeout=3.0)
        assert sorted(scored) == sorted(ids)
    # and the database agrees: every question scored, one question.scored event each
    # (scoring_attempts also counts a timed-out try, which a loaded machine may add)
    stored = manage(
        demo_database,
        "shell",
        "-c",
        "from moderation.models import Event, Question; "
        "print(sorted(e.payload['question']['id'] for e in Event.objects.filter(type='question.scored')), "
        "set(Question.objects.values_list('scoring_status', flat=True)))",
    )
    assert stored.strip().splitlines()[-1] == f"{sorted(ids)} {{'scored'}}"
