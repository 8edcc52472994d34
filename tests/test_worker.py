"""SCORING_MODE=worker: Daphne hands scoring to a separate `runworker toxicity-scoring`
process over the real Redis channel layer; the result comes back to the sockets."""

from __future__ import annotations

import secrets
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from harness.checkpoints import build_tiny_checkpoint
from tests.support.servers import ROOT, _child_env, citizen_cookie, fresh_database, login, manage, open_socket

pytestmark = [pytest.mark.multiprocess, pytest.mark.asyncio]

PASSWORD = "worker-" + secrets.token_urlsafe(8)


@pytest.fixture
def demo_database() -> Iterator[str]:
    """A fresh database with the demo town hall (dropped after the servers and the worker stop)."""
    with fresh_database() as database_url:
        manage(database_url, "demo", env={"DEMO_MODERATOR_PASSWORD": PASSWORD})
        yield database_url


@pytest.fixture
def worker_process(tmp_path: Path):
    """Start `manage.py runworker toxicity-scoring`; stopped (and its log shown on failure) at teardown."""
    started: list[tuple[subprocess.Popen, Path]] = []

    def start(database_url: str, env: dict[str, str]) -> subprocess.Popen:
        log = tmp_path / f"worker-{len(started)}.log"
        process = subprocess.Popen(
            [sys.executable, "manage.py", "runworker", "toxicity-scoring"],
            cwd=ROOT,
            env=_child_env(database_url, env),
            stdout=log.open("wb"),
            stderr=subprocess.STDOUT,
        )
        started.append((process, log))
        return process

    yield start
    for process, log in started:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        print(f"===== worker log =====\n{log.read_text(errors='replace')}")


async def test_a_separate_worker_process_scores_questions_submitted_through_daphne(
    tmp_path, redis_url, demo_database, live_server_factory, worker_process
):
    # given a tiny Detoxify model that only the worker is configured with
    build_tiny_checkpoint(tmp_path / "models", "original")
    # Daphne in worker mode, with no model of its own (it must not score)
    server = live_server_factory(demo_database, redis_url, SCORING_MODE="worker", TOXICITY_SCORER="offline")
    worker_process(
        demo_database,
        {
            "REDIS_URL": redis_url,
            "CHANNEL_PREFIX": server.channel_prefix,
            "SCORING_MODE": "worker",
            "TOXICITY_SCORER": "detoxify",
            "TOXICITY_MODEL": "original",
            "TOXICITY_MODEL_DIR": str(tmp_path / "models"),
            "HF_HUB_OFFLINE": "1",
            # The worker loads its model on the first batch, within that
            # batch's timeout; on a busy machine torch alone takes 10 s to load.
            "SCORING_TIMEOUT": "60",
        },
    )
    assert server.health["scorer"]["status"] == "worker"

    async with (
        open_socket(server, "/ws/t/demo/moderate/", login(server.url, "moderator", PASSWORD)) as mod,
        open_socket(server, "/ws/t/demo/", citizen_cookie(server.url, "demo")) as citizen,
    ):
        await mod.until("snapshot")
        await citizen.until("snapshot")

        # when a citizen submits through Daphne
        reply = await citizen.request(
            "question.submit", text="Quand la ligne de tram arrivera-t-elle au quartier nord ?", client_key="w1"
        )
        assert reply["type"] == "ok"

        # then the moderator gets it at once, and the worker's Detoxify score follows
        created = await mod.until("question.created")
        assert created["question"]["toxicity"]["status"] == "pending"
        scored = await mod.until("question.scored", timeout=90)
        toxicity = scored["question"]["toxicity"]
        assert toxicity["status"] == "scored"
        assert toxicity["model"].startswith("detoxify-original")
        assert set(toxicity["labels"]) >= {"toxicity", "insult", "threat"}
        assert all(0.0 <= value <= 1.0 for value in toxicity["labels"].values())
