"""Scoring speed: naive Detoxify vs the service's micro-batcher, fp32 and int8, on a full-size model.

    .venv/bin/python bench/scoring.py [--questions 500] [--model-dir DIR] [--quick] [--e2e]

Builds (once, cached in var/bench-models/) a Detoxify ``original`` checkpoint
with random weights and bert-base-uncased's size and vocabulary, loads it
through the real engine (``build_detoxify_scorer`` with TOXICITY_MODEL_DIR,
fp32 and TOXICITY_QUANTIZE int8), and scores generated EN/FR town-hall
questions (bench/questions.py) as:

(a) naive: one stock ``Detoxify.predict(text)`` per question, in submit order;
(b) the batcher: ``scoring_runner.batcher()`` (the service's MicroBatcher, its executor
    thread and its normalise-then-score path) on an asyncio loop, with the
    settings' batch size and window, plus extra batch sizes;
(c) the batcher with the int8 model.

Scenarios: a burst (all submitted at t0), steady rates, a lone question at a
time; then int8/fp32 agreement; with ``--e2e``, a real Daphne server.
Latency is submit -> score ready; throughput is questions / (last score - first
submit). Markdown on stdout, progress on stderr.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import itertools
import math
import os
import platform
import shlex
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "bench")]
os.environ["HF_HUB_OFFLINE"] = "1"
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "townhall.settings")

import django

django.setup()

import torch
from django.conf import settings
from django.test import override_settings
from questions import length_summary, town_hall_questions

from harness.checkpoints import build_full_size_checkpoint
from moderation import scoring_runner as runner
from moderation.scoring import registry
from moderation.scoring.detoxify_engine import DetoxifyScorer, build_detoxify_scorer
from moderation.scoring.normalize import normalize_for_model

THRESHOLD = 0.5


def log(message: str) -> None:
    """Progress on stderr; also starts a new step for the interference report."""
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)
    _STEPS.append((message, _cpu_sample()))


_STEPS: list[tuple[str, tuple[float, float, float]]] = []


def _cpu_sample() -> tuple[float, float, float]:
    """(wall s, busy CPU s of the whole machine, CPU s of this process and its reaped children)."""
    with open("/proc/stat", encoding="ascii") as stat:
        fields = [int(x) for x in stat.readline().split()[1:]]
    busy = sum(fields) - fields[3] - fields[4]  # all but idle and iowait
    mine = os.times()
    return (
        time.perf_counter(),
        busy / os.sysconf("SC_CLK_TCK"),
        mine.user + mine.system + mine.children_user + mine.children_system,
    )


def interference() -> str:
    """How much CPU other processes used during each step, as a share of all cores."""
    samples = [*_STEPS, ("end", _cpu_sample())]
    parts = []
    for (name, (w0, b0, m0)), (_, (w1, b1, m1)) in itertools.pairwise(samples):
        others = max(0.0, (b1 - b0) - (m1 - m0)) / ((w1 - w0) * (os.cpu_count() or 1))
        parts.append(f"{name}: {others:.0%}")
    return "; ".join(parts)


def percentile(values: Sequence[float], p: float) -> float:
    """Linear interpolation between closest ranks (numpy's default)."""
    ordered = sorted(values)
    k = (len(ordered) - 1) * p / 100
    lo, hi = math.floor(k), math.ceil(k)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


@dataclass
class Run:
    """One case in one scenario: when each question was submitted and when its score was ready."""

    case: str
    submitted: list[float]
    done: list[float]
    batch_sizes: list[int] = field(default_factory=list)
    scores: list[dict[str, float]] = field(default_factory=list)
    padding: float | None = None  # real tokens / padded tokens over all batches
    batches: list[list[str]] = field(default_factory=list)  # the (normalised) texts of each batch, in order
    note: str = ""

    @property
    def latencies_ms(self) -> list[float]:
        return [(d - s) * 1000 for s, d in zip(self.submitted, self.done, strict=True)]

    @property
    def throughput(self) -> float:
        return len(self.done) / (max(self.done) - min(self.submitted))

    @property
    def elapsed(self) -> float:
        return max(self.done) - min(self.submitted)


# --- models --------------------------------------------------------------------------------------


def load_scorers(model_dir: Path) -> dict[str, DetoxifyScorer]:
    """The fp32 and int8 scorers, through the service's own builder and settings."""
    log(f"building or reusing the full-size checkpoint in {model_dir}")
    build_full_size_checkpoint(model_dir)
    scorers = {}
    for label, quantize in (("fp32", False), ("int8", True)):
        started = time.perf_counter()
        with override_settings(
            TOXICITY_MODEL_DIR=str(model_dir), TOXICITY_MODEL="original", TOXICITY_QUANTIZE=quantize
        ):
            scorers[label] = build_detoxify_scorer()
        log(f"loaded {scorers[label].name} in {time.perf_counter() - started:.1f}s")
    return scorers


def warm_up(scorer: DetoxifyScorer, texts: list[str]) -> None:
    scorer.score_batch(texts[:16])
    for text in texts[:2]:
        scorer.predict(text)


class Recorder:
    """The scorer, keeping each batch it is given (to measure padding afterwards)."""

    def __init__(self, scorer: DetoxifyScorer) -> None:
        self.scorer, self.name, self.batches = scorer, scorer.name, []

    def score_batch(self, texts: list[str]):
        self.batches.append(list(texts))
        return self.scorer.score_batch(texts)


def padding_efficiency(scorer: DetoxifyScorer, batches: list[list[str]]) -> float:
    """Real tokens / padded tokens over ``batches`` (each is padded to its longest text)."""
    real = padded = 0
    for batch in batches:
        lengths = [len(ids) for ids in scorer.tokenizer(batch, truncation=True)["input_ids"]]
        real, padded = real + sum(lengths), padded + max(lengths) * len(lengths)
    return real / padded


# --- (a) naive -----------------------------------------------------------------------------------


def naive_burst(scorer: DetoxifyScorer, texts: list[str]) -> Run:
    """Stock ``Detoxify.predict`` one question at a time; all submitted at t0."""
    done: list[float] = []
    t0 = time.perf_counter()
    for text in texts:
        scorer.predict(text)
        done.append(time.perf_counter())
    return Run("(a) naive `predict`, fp32", [t0] * len(texts), done)


def naive_queue(burst: Run, rate: float) -> Run:
    """A single-worker FIFO queue fed at ``rate``/s, replayed from the burst's measured service times."""
    previous = burst.submitted[0]
    service = []
    for finished in burst.done:
        service.append(finished - previous)
        previous = finished
    submitted, done, free_at = [], [], 0.0
    for i, cost in enumerate(service):
        arrival = i / rate
        free_at = max(arrival, free_at) + cost
        submitted.append(arrival)
        done.append(free_at)
    return Run(burst.case, submitted, done, note="queue model, burst service times")


def naive_lone(scorer: DetoxifyScorer, texts: list[str], idle: float) -> list[float]:
    latencies = []
    for text in texts:
        time.sleep(idle)  # the idle time between questions: not counted
        started = time.perf_counter()
        scorer.predict(text)
        latencies.append((time.perf_counter() - started) * 1000)
    return latencies


# --- (b), (c) the service's batcher --------------------------------------------------------------


async def _feed(texts: list[str], rate: float | None) -> tuple[list[float], list[float], list, list[int]]:
    """Submit ``texts`` to the running loop's service batcher (all at once, or at ``rate``/s)."""
    batcher = runner.batcher()
    submitted = [0.0] * len(texts)
    done = [0.0] * len(texts)
    results: list = [None] * len(texts)

    async def one(i: int) -> None:
        results[i] = await batcher.score(texts[i])
        done[i] = time.perf_counter()

    loop = asyncio.get_running_loop()
    tasks = []
    t0 = time.perf_counter()
    for i in range(len(texts)):
        if rate is not None:
            await asyncio.sleep(max(0.0, t0 + i / rate - time.perf_counter()))  # the load pattern itself
        submitted[i] = time.perf_counter() if rate is not None else t0
        tasks.append(loop.create_task(one(i)))
    await asyncio.gather(*tasks)
    batcher.close()
    return submitted, done, results, list(batcher.batch_sizes)


def batcher_run(
    scorer: DetoxifyScorer, label: str, texts: list[str], *, batch_size: int, rate: float | None = None
) -> Run:
    """Feed the service's batcher, configured as the service is except for ``batch_size``."""
    recorder = Recorder(scorer)
    with registry.use_scorer(recorder), override_settings(SCORING_BATCH_SIZE=batch_size):
        submitted, done, results, sizes = asyncio.run(_feed(texts, rate))
    case = f"({'b' if label == 'fp32' else 'c'}) batcher, {label}, batch {batch_size}"
    run = Run(case, submitted, done, sizes, [r.labels for r in results])
    run.padding = padding_efficiency(scorer, recorder.batches)
    run.batches = recorder.batches
    return run


async def _lone(texts: list[str], idle: float) -> list[float]:
    batcher, latencies = runner.batcher(), []
    for text in texts:
        await asyncio.sleep(idle)  # idle time between questions: not counted
        started = time.perf_counter()
        await batcher.score(text)
        latencies.append((time.perf_counter() - started) * 1000)
    batcher.close()
    return latencies


def batcher_lone(scorer: DetoxifyScorer, texts: list[str], idle: float) -> list[float]:
    with registry.use_scorer(scorer):
        return asyncio.run(_lone(texts, idle))


# --- reporting -----------------------------------------------------------------------------------


def table(headers: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(headers) + " |", "| " + " | ".join("---" for _ in headers) + " |"]
    return "\n".join(lines + ["| " + " | ".join(row) + " |" for row in rows])


def ms(value: float) -> str:
    return f"{value:,.0f} ms" if value >= 100 else f"{value:.1f} ms"


def batches(run: Run) -> str:
    if not run.batch_sizes:
        return "1 each"
    return f"{len(run.batch_sizes)} (mean {sum(run.batch_sizes) / len(run.batch_sizes):.1f})"


def run_row(run: Run, naive: Run | None = None) -> list[str]:
    lat = run.latencies_ms
    ratio = f"{run.throughput / naive.throughput:.2f}×" if naive else ""
    padding = f"{run.padding:.0%}" if run.padding is not None else "100%"
    return [
        run.case,
        f"{run.throughput:.2f}",
        ratio,
        ms(percentile(lat, 50)),
        ms(percentile(lat, 99)),
        f"{run.elapsed:.1f} s",
        batches(run),
        padding,
    ]


RUN_HEADERS = [
    "case",
    "throughput (q/s)",
    "vs (a)",
    "p50 latency",
    "p99 latency",
    "wall time",
    "batches (mean size)",
    "padding efficiency",
]


def agreement(fp32: Run, int8: Run) -> str:
    """Per-label max/mean |int8 - fp32| and held flips, from the two burst runs."""
    labels = list(fp32.scores[0])
    rows = []
    for label in labels:
        diffs = [abs(a[label] - b[label]) for a, b in zip(fp32.scores, int8.scores, strict=True)]
        rows.append([label, f"{max(diffs):.4f}", f"{sum(diffs) / len(diffs):.4f}"])
    top32 = [max(s.values()) for s in fp32.scores]
    top8 = [max(s.values()) for s in int8.scores]
    median = percentile(top32, 50)

    def flips(threshold: float) -> int:
        return sum((a >= threshold) != (b >= threshold) for a, b in zip(top32, top8, strict=True))

    held = sum(a >= THRESHOLD for a in top32)
    same = "identical batches" if fp32.batches == int8.batches else "different batches: padding differs"
    return "\n".join(
        [
            f"Both runs formed {same}.",
            "",
            table(["label", "max abs diff", "mean abs diff"], rows),
            "",
            (
                f"- Held status changed at threshold {THRESHOLD}: {flips(THRESHOLD)} of {len(top32)} "
                f"(fp32 holds {held}; fp32 max-label scores range {min(top32):.3f}-{max(top32):.3f}, median {median:.3f})."
            ),
            f"- Sensitivity check, threshold at the fp32 median ({median:.3f}): {flips(median)} of {len(top32)} change.",
        ]
    )


def _command_output(*command: str) -> str:
    # django.setup() sets TZ to TIME_ZONE: report the system's own clock and locale.
    env = {k: v for k, v in os.environ.items() if k != "TZ"}
    return subprocess.run(command, capture_output=True, text=True, env=env, check=False).stdout


def machine_facts(loads: list[str], scorers: dict[str, DetoxifyScorer]) -> str:
    from importlib import metadata

    import transformers

    lscpu = [
        line.split(":", 1)[1].strip() for line in _command_output("lscpu").splitlines() if line.startswith("Model name")
    ]
    fp32 = scorers["fp32"]
    return "\n".join(
        [
            f"- Command: `{' '.join(['.venv/bin/python', *map(shlex.quote, sys.argv)])}`",
            f"- Date: {_command_output('date').strip()}",
            (
                f"- Machine: nproc {os.cpu_count()}, `lscpu` model name: {lscpu[0] if lscpu else platform.processor()}; "
                f"Python {platform.python_version()}"
            ),
            (
                f"- torch {torch.__version__} (get_num_threads() = {torch.get_num_threads()}, quantized engine "
                f"{torch.backends.quantized.engine}), transformers {transformers.__version__}, "
                f"detoxify {metadata.version('detoxify')}"
            ),
            (
                f"- Model: {fp32.name} / {scorers['int8'].name}: random weights, bert-base-uncased size "
                f"(12 layers, hidden 768, vocab {fp32.model.config.vocab_size})"
            ),
            (
                f"- Service settings: SCORING_BATCH_SIZE={settings.SCORING_BATCH_SIZE}, "
                f"SCORING_BATCH_WAIT_MS={settings.SCORING_BATCH_WAIT_MS:g}, TOXICITY_THREADS={settings.TOXICITY_THREADS} "
                f"(0 = one per core), SCORING_TIMEOUT={settings.SCORING_TIMEOUT:g}"
            ),
            f"- Load average (1, 5, 15 min): {' -> '.join(loads)} (start -> end)",
        ]
    )


def load_average() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


# --- end to end: a real Daphne server ------------------------------------------------------------


class E2EClient:
    """Citizens submitting over websockets, and a moderator socket that times what comes back.

    ``scored[id]`` resolves with the time a ``question.scored`` frame with a
    real score arrived; ``failures`` counts ``question.scored`` frames that
    report a failed attempt (a timeout, then a retry).
    """

    def __init__(self, server, password: str, texts: list[str]) -> None:
        self.server, self.password, self.texts = server, password, texts
        self.scored: dict[int, asyncio.Future[float]] = {}
        self.created: dict[int, float] = {}
        self.failures = 0
        self.slots: list = []

    def arrival(self, question_id: int) -> asyncio.Future[float]:
        return self.scored.setdefault(question_id, asyncio.get_running_loop().create_future())

    async def read_moderator(self, ws) -> None:
        import json

        while True:
            frame = json.loads(await ws.recv())
            now = time.perf_counter()
            question = frame.get("question") or {}
            if frame["type"] == "question.created":
                self.created[question["id"]] = now
            elif frame["type"] == "question.scored" and question.get("toxicity", {}).get("status") == "failed":
                self.failures += 1
            elif frame["type"] == "question.scored" and not self.arrival(question["id"]).done():
                self.arrival(question["id"]).set_result(now)

    async def open(self, stack) -> None:
        from harness.servers import citizen_cookie, login, open_socket

        moderator = await stack.enter_async_context(
            open_socket(self.server, "/ws/t/demo/moderate/", login(self.server.url, "moderator", self.password))
        )
        await moderator.until("snapshot")
        self.reader = asyncio.get_running_loop().create_task(self.read_moderator(moderator.ws))
        per_citizen = settings.QUESTION_RATE_COUNT  # the server keeps the default rate limit: one citizen per 5
        citizens = []
        for _ in range(math.ceil(len(self.texts) / per_citizen)):
            citizens.append(
                await stack.enter_async_context(
                    open_socket(self.server, "/ws/t/demo/", citizen_cookie(self.server.url, "demo"))
                )
            )
            await citizens[-1].until("snapshot")
        self.slots = [citizens[i // per_citizen] for i in range(len(self.texts))]

    async def send(self, i: int) -> None:
        await self.slots[i].send(
            {"type": "question.submit", "id": f"q{i}", "text": self.texts[i], "client_key": f"bench-{i}"}
        )

    async def ack(self, i: int) -> int:
        reply = await self.slots[i].until("ok", "error", where=lambda f: f.get("id") == f"q{i}", timeout=120)
        assert reply["type"] == "ok", reply
        return reply["question"]["id"]

    async def acks(self, indexes: range) -> list[int]:
        """Read the replies of ``indexes``, one reader per citizen socket."""
        by_socket: dict[int, list[int]] = {}
        for i in indexes:
            by_socket.setdefault(id(self.slots[i]), []).append(i)

        async def read(group: list[int]) -> list[int]:
            return [await self.ack(i) for i in group]

        return [qid for ids in await asyncio.gather(*(read(g) for g in by_socket.values())) for qid in ids]


async def _e2e_scenarios(server, texts: list[str], lone: list[str], password: str, idle: float) -> dict:
    """One warm-up question, ``lone`` one at a time, then ``texts`` as a burst."""
    from contextlib import AsyncExitStack

    client = E2EClient(server, password, ["When will the tram reopen?", *lone, *texts])
    async with AsyncExitStack() as stack:
        await client.open(stack)
        lone_ms, created_ms = [], []
        for i in range(len(lone) + 1):
            await asyncio.sleep(idle if i else 0)  # idle time between lone questions: not counted
            started = time.perf_counter()
            await client.send(i)
            question_id = await client.ack(i)
            finished = await asyncio.wait_for(client.arrival(question_id), 120)
            if i:
                lone_ms.append((finished - started) * 1000)
                created_ms.append((client.created[question_id] - started) * 1000)
        burst = range(len(lone) + 1, len(client.texts))
        failures_before, t0 = client.failures, time.perf_counter()
        for i in burst:  # all sent before any reply is read
            await client.send(i)
        ids = await client.acks(burst)
        done, _ = await asyncio.wait([client.arrival(qid) for qid in ids], timeout=240)
        client.reader.cancel()
    finished = [f.result() for f in done]
    return {
        "burst": Run("e2e burst", [t0] * len(finished), finished),
        "lone": lone_ms,
        "created": created_ms,
        "failures": client.failures - failures_before,
        "unscored": len(ids) - len(finished),
    }


def end_to_end(model_dir: Path, texts: list[str], lone: list[str], *, quantize: bool, idle: float) -> list[str]:
    """One table row: a fresh database, the demo town hall, Daphne with the full-size model."""
    import secrets

    from harness.servers import DaphneServer, fresh_database, manage

    password = "bench-" + secrets.token_urlsafe(12)
    with fresh_database() as database_url:
        manage(database_url, "demo", env={"DEMO_MODERATOR_PASSWORD": password})
        server = DaphneServer(
            database_url,
            TOXICITY_MODEL_DIR=str(model_dir),
            TOXICITY_QUANTIZE="1" if quantize else "0",
            DEMO_MODERATOR_PASSWORD=password,
            SCORING_MODE="local",
        )
        try:
            server.start()
            scorer = server.health["scorer"]
            if scorer.get("status") != "ready" or "detoxify" not in str(scorer.get("name")):
                raise RuntimeError(f"the server did not load the Detoxify model: {scorer}")
            result = asyncio.run(_e2e_scenarios(server, texts, lone, password, idle))
        finally:
            server.cleanup()
    burst, lat = result["burst"], result["burst"].latencies_ms
    database = "PostgreSQL" if database_url.startswith("postgres") else "SQLite"
    return [
        f"Daphne, {scorer['name']}, {database}",
        f"{burst.throughput:.2f}",
        ms(percentile(lat, 50)),
        ms(percentile(lat, 99)),
        f"{result['failures']} / {result['unscored']}",
        ms(percentile(result["lone"], 50)),
        ms(percentile(result["lone"], 99)),
        ms(percentile(result["created"], 50)),
    ]


# --- main ----------------------------------------------------------------------------------------


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--questions", type=int, default=500)
    parser.add_argument("--model-dir", type=Path, default=ROOT / "var" / "bench-models")
    parser.add_argument("--quick", action="store_true", help="100 questions, 10 lone ones, no extra batch sizes")
    parser.add_argument("--rates", default="5,20", help="steady submit rates, questions per second")
    parser.add_argument("--batch-sizes", default="4,8", help="extra batch sizes for the fp32 burst")
    parser.add_argument("--int8-batch-sizes", default="", help="extra batch sizes for the int8 burst")
    parser.add_argument("--lone", type=int, default=50, help="lone questions per case")
    parser.add_argument("--idle", type=float, default=0.1, help="idle seconds before each lone question")
    parser.add_argument("--seed", type=int, default=20261126)
    parser.add_argument("--e2e", action="store_true", help="also run through a real Daphne server")
    parser.add_argument("--e2e-questions", type=int, default=100, help="the Daphne burst")
    parser.add_argument("--e2e-lone", type=int, default=30, help="lone questions through Daphne")
    parser.add_argument("--e2e-only", action="store_true", help="only the Daphne scenarios (implies --e2e)")
    args = parser.parse_args()
    args.e2e = args.e2e or args.e2e_only
    if args.quick:
        args.questions, args.lone, args.e2e_questions, args.e2e_lone = min(args.questions, 100), 10, 30, 10
        args.batch_sizes = args.int8_batch_sizes = ""
    args.rates = [float(r) for r in args.rates.split(",") if r]
    args.batch_sizes = [int(b) for b in args.batch_sizes.split(",") if b]
    args.int8_batch_sizes = [int(b) for b in args.int8_batch_sizes.split(",") if b]
    return args


def burst_section(scorers: dict[str, DetoxifyScorer], texts: list[str], args) -> tuple[str, dict[str, Run]]:
    size = settings.SCORING_BATCH_SIZE
    log(f"burst: (a) naive predict, {len(texts)} questions")
    naive = naive_burst(scorers["fp32"], texts)
    runs = {"naive": naive}
    extra = {"fp32": args.batch_sizes, "int8": args.int8_batch_sizes}
    for label in ("fp32", "int8"):
        for batch_size in [size, *extra[label]]:
            log(f"burst: batcher {label}, batch {batch_size}")
            gc.collect()
            runs[f"{label}-{batch_size}"] = batcher_run(scorers[label], label, texts, batch_size=batch_size)
    rows = [run_row(run, naive) for run in runs.values()]
    return table(RUN_HEADERS, rows), runs


def steady_section(scorers: dict[str, DetoxifyScorer], texts: list[str], naive: Run, rate: float) -> str:
    size = settings.SCORING_BATCH_SIZE
    runs = [naive_queue(naive, rate)]
    for label in ("fp32", "int8"):
        log(f"steady {rate:g}/s: batcher {label} ({len(texts) / rate:.0f} s of submissions)")
        gc.collect()
        runs.append(batcher_run(scorers[label], label, texts, batch_size=size, rate=rate))
    return table(RUN_HEADERS, [run_row(run, runs[0]) for run in runs])


def lone_section(scorers: dict[str, DetoxifyScorer], texts: list[str], idle: float) -> str:
    cases = [
        ("(a) naive `predict`, fp32", lambda: naive_lone(scorers["fp32"], texts, idle)),
        ("(b) batcher, fp32", lambda: batcher_lone(scorers["fp32"], texts, idle)),
        ("(c) batcher, int8", lambda: batcher_lone(scorers["int8"], texts, idle)),
    ]
    rows = []
    for case, measure in cases:
        log(f"lone questions: {case}")
        latencies = measure()
        rows.append(
            [
                case,
                ms(percentile(latencies, 50)),
                ms(percentile(latencies, 90)),
                ms(percentile(latencies, 99)),
                ms(max(latencies)),
            ]
        )
    return table(["case", "p50 latency", "p90", "p99", "max"], rows)


def in_process_report(scorers: dict[str, DetoxifyScorer], texts: list[str], lone: list[str], args) -> list[str]:
    burst_table, runs = burst_section(scorers, texts, args)
    out = [f"\n### Burst: {len(texts)} questions submitted at once\n", burst_table]
    for rate in args.rates:
        out += [
            f"\n### Steady rate: {len(texts)} questions at {rate:g}/s (one every {1000 / rate:.0f} ms)\n",
            steady_section(scorers, texts, runs["naive"], rate),
        ]
    out += [
        f"\n### Lone question: {len(lone)} questions one at a time, {args.idle:g} s idle before each (not counted)\n",
        lone_section(scorers, lone, args.idle),
    ]
    size = settings.SCORING_BATCH_SIZE
    out += [
        f"\n### int8 vs fp32 scores ({len(texts)} questions, both from the batch-{size} burst runs)\n",
        agreement(runs[f"fp32-{size}"], runs[f"int8-{size}"]),
    ]
    return out


def e2e_report(args, texts: list[str]) -> list[str]:
    e2e_lone = texts[:: max(1, len(texts) // args.e2e_lone)][: args.e2e_lone]
    rows = []
    for quantize in (False, True):
        log(f"end to end through Daphne, {'int8' if quantize else 'fp32'}")
        rows.append(
            end_to_end(args.model_dir, texts[: args.e2e_questions], e2e_lone, quantize=quantize, idle=args.idle)
        )
    return [
        (
            f"\n### End to end: websocket submit -> `question.scored` at a moderator socket "
            f"({len(e2e_lone)} lone questions, {args.idle:g} s idle before each, then a burst of {args.e2e_questions})\n"
        ),
        table(
            [
                "server",
                "burst throughput (q/s)",
                "burst p50",
                "burst p99",
                "burst: timed-out attempts / never scored",
                "lone p50",
                "lone p99",
                "lone p50 to `question.created`",
            ],
            rows,
        ),
    ]


def main() -> None:
    args = parse_args()
    loads = [load_average()]
    scorers = load_scorers(args.model_dir)
    questions = town_hall_questions(args.questions, seed=args.seed)
    texts = [q.text for q in questions]
    for scorer in scorers.values():
        warm_up(scorer, texts)
    step = max(1, len(texts) // args.lone)
    lone = texts[::step][: args.lone]
    tokens = [len(ids) for ids in scorers["fp32"].tokenizer([normalize_for_model(t) for t in texts])["input_ids"]]
    out = [machine_facts(loads, scorers)]  # placeholder, rewritten at the end with the final load average
    sizes = length_summary(questions)
    out.append(
        f"- Questions: {len(texts)} ({sum(q.lang == 'en' for q in questions)} EN, {sum(q.lang == 'fr' for q in questions)} FR, "
        f"seed {args.seed}); characters min {sizes['min']} / p10 {sizes['p10']} / median {sizes['p50']} / p90 {sizes['p90']} "
        f"/ max {sizes['max']}; WordPiece tokens median {percentile(tokens, 50):.0f}, mean {sum(tokens) / len(tokens):.0f}, "
        f"max {max(tokens)}"
    )
    if not args.e2e_only:
        out += in_process_report(scorers, texts, lone, args)
    if args.e2e:
        out += e2e_report(args, texts)
    loads.append(load_average())
    out[0] = machine_facts(loads, scorers)
    out.insert(
        1, f"- CPU used by other processes during each step (share of all {os.cpu_count()} cores): {interference()}"
    )
    print("\n".join(out))


if __name__ == "__main__":
    main()
