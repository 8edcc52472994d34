"""Does a burst of questions slow the live room? Through a real Daphne server.

    .venv/bin/python bench/room.py [--questions 500] [--scorer offline|detoxify] [--model-dir DIR] [--quantize]

A fresh database (PostgreSQL when DATABASE_URL is set, else SQLite), the demo
town hall and one Daphne process (the Redis channel layer when REDIS_URL is
set, else the in-memory one). One moderator console and ``questions / 5``
citizen sockets (the default rate limit is 5 questions a minute per citizen)
are opened and have their snapshot; then every citizen sends all its
questions at once.

Measured from the first submit:
- acknowledgement: submit -> the citizen's ``ok``;
- the console: submit -> ``question.created`` and -> ``question.scored`` on
  the moderator socket;
- a second moderator's action during the burst: every 0.5 s it sends
  ``presence.ping`` (a database write) and times the ``ok``; this is what a
  moderator clicking during the burst waits.

Markdown on stdout, progress on stderr.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import secrets
import sys
import time
from contextlib import AsyncExitStack
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "bench")]
os.environ["HF_HUB_OFFLINE"] = "1"
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "townhall.settings")

import django
from common import log, percentile

django.setup()

from django.conf import settings
from questions import town_hall_questions

from harness.servers import DaphneServer, citizen_cookie, fresh_database, login, manage, open_socket


def ms(value: float) -> str:
    return f"{value:,.0f} ms" if value >= 100 else f"{value:.1f} ms"


class Console:
    """A moderator socket that records when each question's frames arrive."""

    def __init__(self) -> None:
        self.created: dict[int, float] = {}
        self.scored: dict[int, float] = {}
        self.failed = 0
        self.all_scored = asyncio.Event()
        self.expected: set[int] | None = None
        self.last_seq = 0

    async def read(self, ws) -> None:
        while True:
            frame = json.loads(await ws.recv())
            now = time.perf_counter()
            self.last_seq = max(self.last_seq, frame.get("seq") or 0)
            question = frame.get("question") or {}
            if frame["type"] == "question.created":
                self.created.setdefault(question["id"], now)
            elif frame["type"] == "question.scored":
                if question.get("toxicity", {}).get("status") == "failed":
                    self.failed += 1
                else:
                    self.scored.setdefault(question["id"], now)
                    if self.expected is not None and self.expected <= self.scored.keys():
                        self.all_scored.set()


async def probe(socket, stop: asyncio.Event, results: list[float]) -> None:
    """A second moderator acting during the burst: presence.ping every 0.5 s."""
    n = 0
    while not stop.is_set():
        n += 1
        started = time.perf_counter()
        await socket.send({"type": "presence.ping", "id": f"p{n}"})
        await socket.until("ok", "error", where=lambda f, n=n: f.get("id") == f"p{n}", timeout=300)
        results.append((time.perf_counter() - started) * 1000)
        try:
            await asyncio.wait_for(stop.wait(), 0.5)
        except TimeoutError:
            pass


async def scenario(server: DaphneServer, password: str, texts: list[str], wait: float) -> dict:
    per_citizen = settings.QUESTION_RATE_COUNT
    console = Console()
    async with AsyncExitStack() as stack:
        moderator = await stack.enter_async_context(
            open_socket(server, "/ws/t/demo/moderate/", login(server.url, "moderator", password))
        )
        await moderator.until("snapshot")
        second = await stack.enter_async_context(
            open_socket(server, "/ws/t/demo/moderate/", login(server.url, "moderator", password))
        )
        await second.until("snapshot")
        reader = asyncio.get_running_loop().create_task(console.read(moderator.ws))
        citizens = []
        for _ in range(math.ceil(len(texts) / per_citizen)):
            citizens.append(
                await stack.enter_async_context(open_socket(server, "/ws/t/demo/", citizen_cookie(server.url, "demo")))
            )
            await citizens[-1].until("snapshot")
        log(f"{len(citizens)} citizens and 2 moderators connected")
        await asyncio.sleep(1.0)  # the load pattern: the room idles a second before the burst

        probe_ms: list[float] = []
        stop = asyncio.Event()
        prober = asyncio.get_running_loop().create_task(probe(second, stop, probe_ms))
        await asyncio.sleep(0.5)  # the measuring window for the idle probe (one round trip every 0.5 s)
        baseline = list(probe_ms)

        t0 = time.perf_counter()
        sent: dict[int, float] = {}
        for i, text in enumerate(texts):
            sent[i] = time.perf_counter()
            await citizens[i // per_citizen].send(
                {"type": "question.submit", "id": f"q{i}", "text": text, "client_key": f"room-{i}"}
            )

        acked: dict[int, float] = {}
        ids: dict[int, int] = {}

        async def read_acks(c: int) -> None:
            for i in range(c * per_citizen, min(len(texts), (c + 1) * per_citizen)):
                reply = await citizens[c].until("ok", "error", where=lambda f, i=i: f.get("id") == f"q{i}", timeout=300)
                assert reply["type"] == "ok", reply
                acked[i] = time.perf_counter()
                ids[i] = reply["question"]["id"]

        await asyncio.gather(*(read_acks(c) for c in range(len(citizens))))
        acks_done = time.perf_counter()
        log(f"all {len(texts)} acknowledged after {acks_done - t0:.1f} s")
        console.expected = set(ids.values())
        if console.expected <= console.scored.keys():
            console.all_scored.set()
        try:
            await asyncio.wait_for(console.all_scored.wait(), wait)
        except TimeoutError:
            log(
                f"not all scored within {wait} s: the console got {len(console.created)} question.created, "
                f"{len(console.scored)} question.scored, {console.failed} failures"
            )
            late = await stack.enter_async_context(
                open_socket(server, "/ws/t/demo/moderate/", login(server.url, "moderator", password))
            )
            snapshot = await late.until("snapshot")
            stored = {q["id"]: q["toxicity"]["status"] for q in snapshot["questions"]}
            missing = sorted(console.expected - console.scored.keys())
            log(
                f"a new console's snapshot: seq {snapshot['seq']}, the missing ones are "
                f"{[stored.get(q) for q in missing][:10]}; the first console saw seq up to {console.last_seq}"
            )
        stop.set()
        await prober
        reader.cancel()

    question_of = {i: ids[i] for i in ids}
    ack_ms = [(acked[i] - sent[i]) * 1000 for i in acked]
    created_ms = [(console.created[q] - sent[i]) * 1000 for i, q in question_of.items() if q in console.created]
    scored_ms = [(console.scored[q] - sent[i]) * 1000 for i, q in question_of.items() if q in console.scored]
    during = probe_ms[len(baseline) :]
    last_created = max(console.created.get(q, t0) for q in question_of.values())
    return {
        "acks_s": acks_done - t0,
        "ack_ms": ack_ms,
        "created_ms": created_ms,
        "created_all_s": last_created - t0,
        "scored_ms": scored_ms,
        "unscored": len(question_of) - len(scored_ms),
        "failed": console.failed,
        "probe_baseline": baseline,
        "probe_ms": during,
    }


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--questions", type=int, default=500)
    parser.add_argument("--scorer", choices=("offline", "detoxify"), default="offline")
    parser.add_argument("--model-dir", type=Path, default=ROOT / "var" / "bench-models")
    parser.add_argument("--quantize", action="store_true", help="TOXICITY_QUANTIZE=1 (detoxify)")
    parser.add_argument("--wait", type=float, default=300, help="seconds to wait for every score")
    parser.add_argument("--seed", type=int, default=20261126)
    parser.add_argument("--env", action="append", default=[], help="extra server setting NAME=VALUE")
    parser.add_argument("--server-log", type=Path, help="copy the server's log here")
    parser.add_argument("--profile", type=Path, help="run py-spy (from PY_SPY or PATH) on the server, write an SVG")
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    texts = [q.text for q in town_hall_questions(args.questions, seed=args.seed)]
    password = "bench-" + secrets.token_urlsafe(12)
    env = {
        "TOXICITY_SCORER": args.scorer,
        "SCORING_MODE": "local",
        "DEMO_MODERATOR_PASSWORD": password,
        "LOG_LEVEL": "WARNING",
    }
    if args.scorer == "detoxify":
        from harness.checkpoints import build_full_size_checkpoint

        build_full_size_checkpoint(args.model_dir)
        env |= {"TOXICITY_MODEL_DIR": str(args.model_dir), "TOXICITY_QUANTIZE": "1" if args.quantize else "0"}
    for item in args.env:
        name, _, value = item.partition("=")
        env[name] = value
    redis = os.environ.get("REDIS_URL") or None
    with fresh_database() as database_url:
        manage(database_url, "demo", env={"DEMO_MODERATOR_PASSWORD": password})
        server = DaphneServer(database_url, redis, **env)
        profiler = None
        try:
            server.start()
            scorer = server.health["scorer"]
            log(f"server up: scorer {scorer}")
            if args.profile:
                import shutil
                import subprocess

                spy = os.environ.get("PY_SPY") or shutil.which("py-spy")
                profiler = subprocess.Popen(
                    [
                        spy,
                        "record",
                        "-p",
                        str(server.process.pid),
                        "-o",
                        str(args.profile),
                        "--nonblocking",
                        "--threads",
                        "--format",
                        "raw",
                        "-d",
                        str(int(args.wait) + 30),
                    ],
                    stdout=subprocess.DEVNULL,
                )
                time.sleep(1)  # py-spy signals nothing when attached: give it a second before the burst
            result = asyncio.run(scenario(server, password, texts, args.wait))
        finally:
            if args.server_log:
                args.server_log.write_text(server.log())
            if profiler is not None:
                profiler.wait(args.wait + 60)
            server.cleanup()
    database = "PostgreSQL" if database_url.startswith("postgres") else "SQLite"
    layer = "Redis" if redis else "in-memory"
    r = result
    print(
        f"| {args.questions} | {scorer['name']} | {database}, {layer} | {r['acks_s']:.1f} s "
        f"({args.questions / r['acks_s']:.0f}/s) | {ms(percentile(r['ack_ms'], 50))} / {ms(percentile(r['ack_ms'], 99))} "
        f"| {r['created_all_s']:.1f} s | {ms(percentile(r['created_ms'], 50))} / {ms(percentile(r['created_ms'], 99))} "
        f"| {ms(percentile(r['scored_ms'], 50))} / {ms(percentile(r['scored_ms'], 99))} | {r['unscored']} "
        f"| {ms(percentile(r['probe_baseline'], 50))} | {ms(percentile(r['probe_ms'], 50))} / "
        f"{ms(max(r['probe_ms'], default=float('nan')))} |"
    )


if __name__ == "__main__":
    main()
