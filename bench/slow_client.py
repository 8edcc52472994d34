"""Do clients that never read slow down everyone else?

One Daphne (embedded defaults unless DATABASE_URL/REDIS_URL are set). A
moderator approves questions one at a time; observers (citizen sockets in a
process of their own) note when each approval reaches them. The same run
measures twice, with ``--slow`` consoles in a third process that ask for a
full snapshot three times a second: first (the baseline) consoles that read
what they asked for, then consoles that never read, so that megabytes pile up
for them until the server closes them (4408, ``SOCKET_BUFFER_LIMIT``). Both
phases make the server do the same work; only the reading differs. Reported: the observers' latency (approve sent →
``question.updated`` received), median and p95, and its ratio to the baseline.

    .venv/bin/python bench/slow_client.py [--observers 50] [--slow 10] [--rounds 40]

Prints a Markdown table on stdout; progress on stderr.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import os
import platform
import secrets
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import log, percentile  # noqa: E402
from harness.servers import DaphneServer, citizen_cookie, fresh_database, login, manage, open_socket  # noqa: E402

PASSWORD = "bench-" + secrets.token_urlsafe(8)
TEXT = "When will the works on the avenue end, and who pays for the detours? " * 6


def observe(url: str, port: int, cookies: list[str], results: multiprocessing.Queue, ready, stop) -> None:
    """Citizen sockets in this process; each approval's arrival time goes to ``results``."""

    class Server:
        pass

    server = Server()
    server.url, server.ws_url, server.port = url, url.replace("http", "ws"), port

    async def one(cookie: str, opened: asyncio.Event) -> None:
        async with open_socket(server, "/ws/t/demo/", cookie) as sock:
            await sock.until("snapshot", timeout=60)
            opened.set()
            while True:
                raw = await sock.ws.recv()
                arrived = time.time()
                frame = json.loads(raw)
                if frame["type"] == "question.updated" and frame["question"]["status"] == "approved":
                    results.put((frame["question"]["id"], arrived))

    async def main() -> None:
        events = [asyncio.Event() for _ in cookies]
        tasks = [asyncio.create_task(one(c, e)) for c, e in zip(cookies, events, strict=True)]
        await asyncio.gather(*(e.wait() for e in events))
        ready.set()
        await asyncio.to_thread(stop.wait)
        for task in tasks:
            task.cancel()

    asyncio.run(main())


def read_along(port: int, url: str, cookie: str, count: int, ready, stop) -> None:
    """The baseline's load: ``count`` consoles that ask for a snapshot three times a second, and read."""

    class Server:
        pass

    server = Server()
    server.url, server.ws_url, server.port = url, url.replace("http", "ws"), port

    async def one(opened: asyncio.Event) -> None:
        async with open_socket(server, "/ws/t/demo/moderate/", cookie) as sock:
            opened.set()
            reader = asyncio.create_task(_read_all(sock))
            n = 0
            while not stop.is_set():
                n += 1
                await sock.send({"type": "resync", "id": f"r{n}"})
                await asyncio.sleep(0.33)  # the same pace as the consoles that never read
            reader.cancel()

    async def main() -> None:
        events = [asyncio.Event() for _ in range(count)]
        tasks = [asyncio.create_task(one(e)) for e in events]
        await asyncio.gather(*(e.wait() for e in events))
        ready.set()
        await asyncio.gather(*tasks, return_exceptions=True)

    asyncio.run(main())


async def _read_all(sock) -> None:
    while True:
        await sock.ws.recv()


def stall(port: int, url: str, cookie: str, count: int, ready, stop) -> None:
    """``count`` consoles that never read and ask for a snapshot three times a second."""
    from tests.support.faults import NonReadingSocket

    class Server:
        pass

    server = Server()
    server.url, server.port = url, port
    sockets = [NonReadingSocket(server, "/ws/t/demo/moderate/?v=2", cookie).open() for _ in range(count)]
    ready.set()
    n = 0
    while not stop.wait(0.33):  # the pace of a script, under the frame rate limit (30 in 10 s)
        n += 1
        for sock in sockets:
            try:
                sock.send({"type": "resync", "id": f"r{n}"})
            except OSError:
                pass  # closed by the server (4408): that is the point
    for sock in sockets:
        sock.close()


async def round_trip(moderator, asker, results: multiprocessing.Queue, observers: int, n: int) -> list[float]:
    reply = await asker.request("question.submit", text=f"{n}: {TEXT}", client_key=f"q{n}")
    assert reply["type"] == "ok", reply
    question_id = reply["question"]["id"]
    sent = time.time()
    reply = await moderator.request("question.approve", question_id=question_id, version=1)
    assert reply["type"] == "ok", reply
    latencies = []
    while len(latencies) < observers:
        got_id, arrived = await asyncio.to_thread(results.get, True, 30)
        if got_id == question_id:
            latencies.append(arrived - sent)
    return latencies


def drain(results: multiprocessing.Queue) -> None:
    while True:
        try:
            results.get_nowait()
        except Exception:  # queue.Empty, from another module
            return


async def populate(server: DaphneServer, moderator, count: int) -> None:
    """``count`` approved questions, so that each snapshot weighs what a busy town hall's does."""
    cookies = [citizen_cookie(server.url, "demo") for _ in range((count + 4) // 5)]

    async def ask(index: int, cookie: str) -> list[int]:
        async with open_socket(server, "/ws/t/demo/", cookie) as citizen:
            await citizen.until("snapshot")
            ids = []
            for k in range(min(5, count - 5 * index)):
                reply = await citizen.request("question.submit", text=f"p{index}.{k}: {TEXT}", client_key=f"p{k}")
                ids.append(reply["question"]["id"])
            return ids

    batches = await asyncio.gather(*(ask(i, c) for i, c in enumerate(cookies)))
    # One frame for all (a console may send 30 frames in 10 s); personal-data checks refuse none of these.
    items = [{"question_id": q} for batch in batches for q in batch]
    reply = await moderator.request("question.approve_many", items=items, timeout=60)
    assert reply["type"] == "ok", reply


async def measure(server: DaphneServer, args: argparse.Namespace) -> dict[str, list[float]]:
    ctx = multiprocessing.get_context("spawn")
    results, stop = ctx.Queue(), ctx.Event()
    observed, stalled = ctx.Event(), ctx.Event()
    cookies = [citizen_cookie(server.url, "demo") for _ in range(args.observers)]
    askers = [citizen_cookie(server.url, "demo") for _ in range(args.rounds // 2 + 2)]
    moderator_cookie = login(server.url, "moderator", PASSWORD)
    observer = ctx.Process(target=observe, args=(server.url, server.port, cookies, results, observed, stop))
    observer.start()
    observed.wait(120)
    figures: dict[str, list[float]] = {"baseline": [], "slow": []}
    try:
        await run_phases(server, args, moderator_cookie, askers, results, figures, ctx, stop, stalled)
    finally:
        stop.set()
        observer.join(10)
    return figures


async def run_phases(server, args, moderator_cookie, askers, results, figures, ctx, stop, stalled) -> None:
    async with open_socket(server, "/ws/t/demo/moderate/", moderator_cookie) as moderator:
        await moderator.until("snapshot")
        await populate(server, moderator, args.questions)
        drain(results)
        log(f"{args.questions} approved questions stored; measuring")
        n = 0
        for phase, target in (("baseline", read_along), ("slow", stall)):
            # the same requests in both phases: only whether they are read differs
            phase_stop, loaded = ctx.Event(), ctx.Event()
            load = ctx.Process(
                target=target, args=(server.port, server.url, moderator_cookie, args.slow, loaded, phase_stop)
            )
            load.start()
            loaded.wait(60)
            for _ in range(args.rounds):
                async with open_socket(server, "/ws/t/demo/", askers[n // 4]) as asker:
                    await asker.until("snapshot")
                    figures[phase] += await round_trip(moderator, asker, results, args.observers, n)
                n += 1
                await asyncio.sleep(args.pause)  # a moderator's pace between approvals
            phase_stop.set()
            load.join(15)
            log(f"{phase}: {len(figures[phase])} deliveries")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--observers", type=int, default=50)
    parser.add_argument("--slow", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=40, help="approvals measured in each phase")
    parser.add_argument("--limit", type=int, default=None, help="SOCKET_BUFFER_LIMIT for the server (default: its own)")
    parser.add_argument("--pause", type=float, default=0.5, help="seconds between approvals")
    parser.add_argument("--questions", type=int, default=150, help="approved questions stored first")
    args = parser.parse_args(argv)
    with fresh_database() as database_url:
        manage(database_url, "demo", env={"DEMO_MODERATOR_PASSWORD": PASSWORD})
        limit = {} if args.limit is None else {"SOCKET_BUFFER_LIMIT": str(args.limit)}
        server = DaphneServer(database_url, os.environ.get("REDIS_URL") or None, TOXICITY_SCORER="offline", **limit)
        server.start()
        try:
            figures = asyncio.run(measure(server, args))
            closed = server.log().count("closing a socket whose client does not read")
        finally:
            server.stop()
    base, slow = figures["baseline"], figures["slow"]
    command = (
        f".venv/bin/python bench/slow_client.py --observers {args.observers} --slow {args.slow} "
        f"--rounds {args.rounds} --questions {args.questions} --pause {args.pause}"
    )
    if args.limit is not None:
        command += f" --limit {args.limit}"
    print(f"- Command: `{command}`")
    print(f"- Machine: {os.cpu_count()} cores, {platform.machine()}, Python {platform.python_version()}")
    print(f"- Date: {time.strftime('%a %b %d %Y %H:%M UTC', time.gmtime())}")
    print(f"- Slow consoles closed with 4408: {closed} of {args.slow}")
    print()
    print("| phase | deliveries | median ms | p95 ms | median ratio | p95 ratio |")
    print("| --- | --- | --- | --- | --- | --- |")
    for name, values in (
        (f"baseline: {args.slow} consoles that read", base),
        (f"{args.slow} consoles that never read", slow),
    ):
        median, p95 = percentile(values, 50), percentile(values, 95)
        print(
            f"| {name} | {len(values)} | {median * 1000:.1f} | {p95 * 1000:.1f} | "
            f"{median / percentile(base, 50):.2f} | {p95 / percentile(base, 95):.2f} |"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
