"""Fan-out under a real audience (issue 9): thousands of citizens, vote storms, several processes.

    .venv/bin/python bench/fanout.py              # the full run (tens of minutes on 2 cores)
    .venv/bin/python bench/fanout.py --quick      # small numbers: a smoke run

Three targets in one run, each figure also given as a ratio to the bare relay
measured in the same run (the machine is shared and noisy):

- (a) ``bench/fanout_relay.py``: a bare ``websockets`` relay, its own process;
- (b) ``make run``'s defaults: one Daphne process, a fresh SQLite database,
  the in-memory channel layer, the demo town hall, the offline scorer;
- (c) two Daphne processes on PostgreSQL and Redis (a fresh database and
  ``CHANNEL_PREFIX``), the citizens spread over both.

The citizens run in ``--client-processes`` processes of
``bench/fanout_client.py``, never in a server's. Their sessions are written
straight into the target's database (Django's database session backend: the
cookie is the session key, the participant id is under "participants", per town hall).

For each number of citizens N (``--citizens``): all N connect at once (a
reconnect storm: time until every snapshot arrived), the server's RSS before
and after, its CPU while idle, then a moderator approves a question (time
until each citizen has the ``question.updated``). At the largest N, a vote
storm: ``--voters`` citizens vote at once for that question while the
moderator approves another. ``--sockets`` (10,000) then holds that many
citizens on (a) and on a fresh (b). Markdown on stdout, progress on stderr.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import resource
import sys
import time
from contextlib import ExitStack
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "bench")]

from fanout_report import LABELS, report, summarise
from fanout_targets import Target, start_daphne, start_relay

from harness.servers import LiveSocket, ServiceUnavailable

CITIZEN_PATH = "/ws/t/demo/?v=2"
MODERATOR_PATH = "/ws/t/demo/moderate/?v=2"


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S', time.gmtime())}] {message}", file=sys.stderr, flush=True)


def raise_open_files() -> None:
    """Soft RLIMIT_NOFILE up to the hard limit; servers and clients inherit it."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


# --- clients ---------------------------------------------------------------------


class Client:
    """One bench/fanout_client.py process (JSON lines on its stdin and stdout)."""

    def __init__(self, process: asyncio.subprocess.Process) -> None:
        self.process = process

    @classmethod
    async def start(cls) -> Client:
        script = str(ROOT / "bench" / "fanout_client.py")
        return cls(await asyncio.create_subprocess_exec(sys.executable, script, stdin=-1, stdout=-1, limit=2**28))

    async def call(self, cmd: str, **fields: Any) -> dict[str, Any]:
        self.process.stdin.write((json.dumps({"cmd": cmd, **fields}) + "\n").encode())
        await self.process.stdin.drain()
        line = await self.process.stdout.readline()
        if not line:
            raise RuntimeError(f"client process {self.process.pid} exited ({await self.process.wait()})")
        return json.loads(line)

    async def stop(self) -> None:
        if self.process.returncode is None:
            self.process.stdin.write(b'{"cmd": "exit"}\n')
            try:
                await asyncio.wait_for(self.process.wait(), 15)
            except TimeoutError:
                self.process.kill()
                await self.process.wait()


class Crowds:
    """The client processes; citizen i lives in process i % P and talks to server i % S."""

    def __init__(self, clients: list[Client]) -> None:
        self.clients = clients

    async def all(self, cmd: str, **fields: Any) -> list[dict[str, Any]]:
        return await asyncio.gather(*(c.call(cmd, **fields) for c in self.clients))

    async def each(self, cmd: str, per_client: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return await asyncio.gather(*(c.call(cmd, **f) for c, f in zip(self.clients, per_client, strict=True)))

    def share(self, items: list[Any]) -> list[list[Any]]:
        p = len(self.clients)
        return [items[i::p] for i in range(p)]


async def open_live(url: str, path: str, cookie: str | None) -> LiveSocket:
    from websockets.asyncio.client import connect

    headers = {"Origin": url} | ({"Cookie": cookie} if cookie else {})
    ws = await connect(
        url.replace("http", "ws", 1) + path,
        additional_headers=headers,
        open_timeout=30,
        ping_interval=None,
        compression=None,
        max_queue=None,
        proxy=None,
    )
    return LiveSocket(ws)


async def ask_questions(target: Target, moderator: LiveSocket) -> list[int]:
    """One question per asker, approved later; on a server, waits until each is scored."""
    ids = []
    for i, cookie in enumerate(target.askers):
        asker = await open_live(target.urls[0], CITIZEN_PATH, cookie)
        await asker.until("snapshot", timeout=30)
        reply = await asker.request(
            "question.submit",
            text=f"Bench question {i}: when does the tram reach Nord?",
            client_key=f"fanout-{i}",
            timeout=30,
        )
        assert reply["type"] == "ok", reply
        ids.append(reply["question"]["id"])
        await asker.ws.close()
    if not target.relay:
        for q in ids:
            await moderator.until("question.scored", where=lambda f, q=q: f["question"]["id"] == q, timeout=60)
    return ids


# --- measurements ----------------------------------------------------------------


async def approve(moderator: LiveSocket, question_id: int, timeout: float) -> float:
    """Send the approval; return when it was sent (the reply is awaited)."""
    sent = time.monotonic()
    reply = await moderator.request("question.approve", question_id=question_id, timeout=timeout)
    if reply["type"] != "ok":
        raise RuntimeError(f"approval refused: {reply}")
    # How long the server took to store it, before any citizen could have it.
    log(f"approval of question {question_id}: the moderator's ok after {(time.monotonic() - sent) * 1000:.0f} ms")
    return sent


async def audience(
    target: Target,
    crowds: Crowds,
    moderator: LiveSocket,
    args: argparse.Namespace,
    n: int,
    quiet: int,
    storm: int | None,
) -> dict[str, Any]:
    """Connect n citizens, measure, approve ``quiet``, then (``storm``) the vote storm; close them."""
    run: dict[str, Any] = {"n": n, "events": {}}
    sockets = [
        [target.urls[i % len(target.urls)].replace("http", "ws", 1) + CITIZEN_PATH, target.cookies[i]] for i in range(n)
    ]
    run["rss_before"] = target.rss()
    await crowds.all("phase", name="connect")
    start = time.monotonic() + 1.0
    deadline = start + args.connect_timeout
    log(f"{target.key}: {n} citizens connecting at once")
    connected = await crowds.each(
        "connect", [{"sockets": s, "start_at": start, "deadline": deadline} for s in crowds.share(sockets)]
    )
    run["connect"] = {"start": start, "replies": connected}
    run["rss_after"] = target.rss()
    times = [t for r in connected for t in r["snapshot_at"] if t is not None]
    snapshots = len(times)
    log(f"{target.key}: {snapshots}/{n} snapshots after {max(times, default=start) - start:.1f} s")
    if snapshots < n:
        run["aborted"] = f"{snapshots} of {n} sockets had their snapshot within {args.connect_timeout:.0f} s"
    else:
        await crowds.all("phase", name="idle")
        cpu, wall = target.cpu_seconds(), time.monotonic()
        await asyncio.sleep(args.idle_seconds)
        run["idle_cpu"] = (target.cpu_seconds() - cpu) / (time.monotonic() - wall)

        await crowds.all("phase", name="approve")
        try:
            run["approved_at"] = {quiet: await approve(moderator, quiet, args.approval_timeout)}
        except AssertionError as exc:  # LiveSocket's timeout
            run["aborted"] = f"no reply to the approval: {exc}"[:200]
        else:
            done = await crowds.all("await_approved", question_id=quiet, timeout=args.approval_timeout)
            if not all(d["done"] for d in done):
                run["events"]["approve"] = f"not every citizen had the approval after {args.approval_timeout:.0f} s"
            if storm is not None:
                await vote_storm(crowds, moderator, args, run, quiet, storm)
    run["results"] = await crowds.all("results", approved=[quiet] + ([storm] if storm else []), votes=quiet)
    await crowds.all("phase", name="close")
    closing = await crowds.all("close", timeout=args.close_timeout)
    if any(c["not_closed_in_time"] for c in closing):
        run["events"]["close"] = (
            f"{sum(c['not_closed_in_time'] for c in closing)} sockets not closed in {args.close_timeout:.0f} s"
        )
    return run


async def vote_storm(
    crowds: Crowds, moderator: LiveSocket, args: argparse.Namespace, run: dict[str, Any], question: int, other: int
) -> None:
    """``--voters`` citizens vote for ``question`` at once; ``other`` is approved meanwhile."""
    n = run["n"]
    voters = min(args.voters, n)
    log(f"vote storm: {voters} votes while {n} are connected")
    await crowds.all("phase", name="storm")
    start = time.monotonic() + 0.5
    deadline = start + args.storm_timeout
    run["storm"] = {"voters": voters, "start": start}
    p = len(crowds.clients)
    local = [[i // p for i in range(voters) if i % p == c] for c in range(p)]

    async def approve_during() -> float:
        await asyncio.sleep(max(0.0, start + args.storm_approve_delay - time.monotonic()))
        return await approve(moderator, other, args.storm_timeout)

    approval = asyncio.create_task(approve_during())
    await crowds.each("vote", [{"indices": ix, "question_id": question, "start_at": start} for ix in local])
    left = lambda: max(1.0, deadline - time.monotonic())  # noqa: E731
    acks = await crowds.all("await_acks", timeout=left())
    run["storm"]["acks_done"] = all(a["done"] for a in acks)
    try:
        run["approved_at"][other] = await asyncio.wait_for(approval, left())
        approved = await crowds.all("await_approved", question_id=other, timeout=left())
        run["storm"]["approval_done"] = all(a["done"] for a in approved)
    except (TimeoutError, AssertionError) as exc:
        run["storm"]["approval_done"] = False
        run["events"]["storm approval"] = f"no reply to the approval: {exc}"[:200]
    final = await crowds.all("await_votes", question_id=question, count=voters, timeout=args.settle)
    run["storm"]["counts_done"] = all(f["done"] for f in final)
    run["storm"]["end"] = time.monotonic()


async def measure(target: Target, args: argparse.Namespace, ns: list[int], storm: bool, runs: list) -> None:
    """Measure ``target`` at each size of ``ns``; each finished size is appended to ``runs``."""
    crowds = Crowds([await Client.start() for _ in range(args.client_processes)])
    moderator = None
    try:
        moderator = await open_live(target.urls[0], MODERATOR_PATH, target.moderator_cookie)
        await moderator.until("snapshot", timeout=30)
        questions = await ask_questions(target, moderator)
        for i, n in enumerate(ns):
            storm_question = questions[-1] if storm and n == max(ns) else None
            run = await audience(target, crowds, moderator, args, n, questions[i], storm_question)
            runs.append(run)
            if "aborted" in run:
                log(f"{target.key}: {run['aborted']}; the next sizes are not run")
                break
    finally:
        if moderator is not None:
            await moderator.ws.close()
        await asyncio.gather(*(c.stop() for c in crowds.clients))


def run_target(key: str, args: argparse.Namespace, ns: list[int], storm: bool) -> dict[str, Any]:
    """Start target ``key``, measure it at each size of ``ns``, stop it."""
    entry: dict[str, Any] = {"key": key, "sizes": ns, "runs": []}
    askers = len(ns) + (1 if storm else 0)
    started = time.monotonic()
    try:
        with ExitStack() as stack:
            if key == "a":
                target = start_relay(
                    stack, citizens=max(ns), askers=askers, flush=args.vote_flush, backlog=args.relay_backlog
                )
            else:
                target = start_daphne(stack, key, citizens=max(ns), askers=askers, logs=args.server_logs)
            log(f"{LABELS[key]} up (pids {target.pids})")
            asyncio.run(measure(target, args, ns, storm, entry["runs"]))
    except ServiceUnavailable as exc:
        entry["not_run"] = str(exc)
    except Exception as exc:  # reported, and the run exits non-zero
        log(f"{key} failed: {exc!r}")
        entry["error"] = f"{type(exc).__name__}: {exc}"
    entry["seconds"] = time.monotonic() - started
    return entry


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--citizens", help="sizes of the audience, comma-separated (1000,5000)")
    parser.add_argument("--sockets", type=int, help="sockets held by (a) and a fresh one-Daphne (b): 10000; 0: skip")
    parser.add_argument("--targets", default="a,b,c")
    parser.add_argument(
        "--voters", type=int, default=None, help="citizens who vote at once, at the largest size (1000)"
    )
    parser.add_argument("--client-processes", type=int, default=2)
    parser.add_argument("--idle-seconds", type=float, help="idle CPU window (10)")
    parser.add_argument("--connect-timeout", type=float, default=300.0)
    parser.add_argument("--approval-timeout", type=float, default=120.0)
    parser.add_argument("--storm-timeout", type=float, default=180.0, help="cap on the vote storm")
    parser.add_argument("--storm-approve-delay", type=float, default=0.1, help="seconds after the votes")
    parser.add_argument("--settle", type=float, default=10.0, help="seconds after the last ack for the final counts")
    parser.add_argument("--close-timeout", type=float, default=60.0)
    parser.add_argument("--vote-flush", type=float, default=0.5, help="the relay's question.votes interval (s)")
    parser.add_argument(
        "--relay-backlog",
        type=int,
        default=4096,
        help="the relay's listen backlog (4096, this kernel's somaxconn; asyncio's default 100 makes a connect storm "
        "wait for SYN retransmits)",
    )
    parser.add_argument("--server-logs", type=Path, help="keep the Daphne servers' logs in this directory")
    parser.add_argument("--json", type=Path, help="also write the raw measurements here")
    parser.add_argument(
        "--quick", action="store_true", help="defaults 100,300 citizens, 100 voters, 500 sockets, 2 s idle"
    )
    args = parser.parse_args(argv)
    full, quick = ("1000,5000", 10000, 1000, 10.0), ("100,300", 500, 100, 2.0)
    for name, default in zip(
        ("citizens", "sockets", "voters", "idle_seconds"), quick if args.quick else full, strict=True
    ):
        if getattr(args, name) is None:
            setattr(args, name, default)
    args.sizes = sorted({int(n) for n in args.citizens.split(",")})
    args.target_keys = [t.strip() for t in args.targets.split(",") if t.strip()]
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    raise_open_files()
    began = time.time()
    entries = [run_target(key, args, args.sizes, storm=True) for key in args.target_keys]
    if args.sockets:
        entries += [run_target(key, args, [args.sockets], storm=False) for key in ("a", "b") if key in args.target_keys]
    summary = [summarise(entry) for entry in entries]
    if args.json:
        args.json.write_text(json.dumps(summary, indent=1, default=str))
    print(report(summary, args, argv if argv is not None else sys.argv[1:], began))
    return 1 if any("error" in entry for entry in entries) else 0


if __name__ == "__main__":
    sys.exit(main())
