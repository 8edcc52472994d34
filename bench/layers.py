"""Stock ``RedisChannelLayer`` vs ``RedisPubSubChannelLayer`` for the hub's traffic.

    .venv/bin/python bench/layers.py [--messages 2000] [--processes 2] [--redis redis://127.0.0.1:6379/0]

Since issue 9 each server process joins a town hall's group once (the hub,
consumers/hub.py), so a group has one member per process, not one per socket.
This measures what the layer then costs: ``--processes`` receiver processes
(standing in for Daphne processes) each join one group with one channel; the
sender (another process) ``group_send``s ``--messages`` event-sized messages,
one at a time (as services publish after each commit), then in a burst.
Reported per layer: the sender's time per ``group_send``, and the latency from
send to the last receiver (p50, p99). Redis keys use a fresh prefix and are
left to expire. Markdown on stdout.
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing as mp
import queue
import secrets
import statistics
import sys
import time
from typing import Any

LAYERS = {
    "RedisChannelLayer (stock)": "channels_redis.core.RedisChannelLayer",
    "RedisPubSubChannelLayer": "channels_redis.pubsub.RedisPubSubChannelLayer",
}
PAYLOAD = {"question": {"id": 7, "text": "x" * 300, "status": "approved", "votes": 3}}


def make_layer(backend: str, redis_url: str, prefix: str) -> Any:
    from importlib import import_module

    module, name = backend.rsplit(".", 1)
    # The stock layer with the service's settings (townhall/settings.py), but a
    # capacity above the burst: a full channel drops messages (the hub would
    # replay them from the database; here they would only go uncounted).
    options = {"capacity": 100_000, "expiry": 30} if name == "RedisChannelLayer" else {}
    return getattr(import_module(module), name)(hosts=[redis_url], prefix=prefix, **options)


def receiver(backend: str, redis_url: str, prefix: str, count: int, ready: Any, results: Any) -> None:
    async def main() -> None:
        layer = make_layer(backend, redis_url, prefix)
        channel = await layer.new_channel()
        await layer.group_add("townhall.1", channel)
        arrivals = {}
        warm = False
        while len(arrivals) < count:
            try:
                message = await asyncio.wait_for(layer.receive(channel), 10)
            except TimeoutError:
                break  # the rest was lost: reported as such
            if message["n"] < 0:  # the sender's warm-up: this receiver hears the group
                if not warm:
                    warm = True
                    ready.put(True)
                continue
            arrivals[message["n"]] = time.time()
        results.put(arrivals)
        await layer.group_discard("townhall.1", channel)

    asyncio.run(main())


def measure(backend: str, redis_url: str, messages: int, processes: int) -> dict[str, float]:
    prefix = f"bench-layers-{secrets.token_hex(4)}"
    ready: Any = mp.Queue()
    results: Any = mp.Queue()
    total = 2 * messages
    workers = [
        mp.Process(target=receiver, args=(backend, redis_url, prefix, total, ready, results)) for _ in range(processes)
    ]
    for worker in workers:
        worker.start()

    sent: dict[int, float] = {}
    costs: list[float] = []

    async def send() -> float:
        layer = make_layer(backend, redis_url, prefix)
        # Not measured: warm-up messages until every receiver heard one (a
        # pub/sub subscription is live some time after group_add returns).
        heard, deadline = 0, time.monotonic() + 30
        while heard < processes:
            if time.monotonic() > deadline:
                raise RuntimeError("the receivers never heard the group")
            await layer.group_send("townhall.1", {"type": "townhall.event", "n": -1})
            try:
                heard += ready.get(timeout=0.05)
            except queue.Empty:
                continue
        for n in range(messages):  # one at a time, as after each commit
            sent[n] = time.time()
            started = time.perf_counter()
            await layer.group_send("townhall.1", {"type": "townhall.event", "n": n, "seq": n, "payload": PAYLOAD})
            costs.append(time.perf_counter() - started)
        burst_start = time.perf_counter()
        for n in range(messages, total):  # a burst
            sent[n] = time.time()
            await layer.group_send("townhall.1", {"type": "townhall.event", "n": n, "seq": n, "payload": PAYLOAD})
        return time.perf_counter() - burst_start

    burst = asyncio.run(send())
    arrivals = [results.get(timeout=120) for _ in workers]
    for worker in workers:
        worker.join(timeout=30)
    lost = sum(total - len(a) for a in arrivals)
    latencies = sorted(max(a[n] for a in arrivals) - sent[n] for n in range(messages) if all(n in a for a in arrivals))
    return {
        "lost": lost,
        "send_us": 1e6 * statistics.median(costs),
        "p50_ms": 1e3 * latencies[len(latencies) // 2],
        "p99_ms": 1e3 * latencies[int(len(latencies) * 0.99)],
        "burst_per_s": messages / burst,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--messages", type=int, default=2000)
    parser.add_argument("--processes", type=int, default=2)
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/0")
    args = parser.parse_args()
    print(
        f"{args.processes} receiving processes, {args.messages} messages one at a time then {args.messages} in a burst\n"
    )
    print("| layer | group_send (median) | send → last receiver p50 | p99 | burst, messages/s | lost |")
    print("|---|---|---|---|---|---|")
    for label, backend in LAYERS.items():
        print(f"measuring {label}", file=sys.stderr, flush=True)
        r = measure(backend, args.redis, args.messages, args.processes)
        print(
            f"| {label} | {r['send_us']:.0f} µs | {r['p50_ms']:.2f} ms | {r['p99_ms']:.2f} ms | {r['burst_per_s']:.0f} | {r['lost']} |",
            flush=True,
        )


if __name__ == "__main__":
    main()
