"""Page loads and PostgreSQL connections: two Daphne processes under 32 visitors at a time.

    .venv/bin/python bench/pageloads.py [--loads 10000] [--concurrency 32] [--clients 2] [--no-compare]

A fresh PostgreSQL database (POSTGRES_ADMIN_URL, else DATABASE_URL, else
postgres://postgres@127.0.0.1:5432/postgres) holding the demo town hall, the
Redis channel layer (REDIS_URL, else redis://127.0.0.1:6379/0), and two
Daphne processes with the service's own settings (``townhall.settings``, the
offline scorer). ``--clients`` client processes (not the servers', not this
one) load the citizen page ``/t/demo/`` as new visitors, ``--concurrency``
at a time in all, alternating between the two servers, ``--loads`` times.
Meanwhile this process counts the database's client connections per server
process (``pg_stat_activity``, each process named by its
``application_name``) every 5 ms.

Runs twice unless ``--no-compare``: with the connection pool (the default
settings, or ``--pool-min`` / ``--pool-max``), then as before issue 9
(``DATABASE_POOL=0 DATABASE_CONN_MAX_AGE=600``: persistent connections, one
per thread that served a request). The servers connect as a role of their
own limited to ``--role-limit`` connections (60): the old behaviour then
runs into that limit rather than into the server's ``max_connections``,
which other users of the same PostgreSQL need too.

Prints one Markdown row per run: HTTP statuses, latency p50/p99 (one load:
connect, request, whole response), loads per second (wall time from the
first load to the last), the most connections seen per process and in all,
and the bound (2 × the pool's ``max_size``). Progress goes to stderr.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import secrets
import subprocess
import sys
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "bench")]

from common import log, percentile

from harness.pageloads import ConnectionSampler, get_page, with_application_name
from harness.servers import (
    DEFAULT_REDIS_URL,
    DaphneServer,
    flush_channel_prefix,
    fresh_database,
    manage,
    new_channel_prefix,
    stop_servers,
)

SERVER_NAMES = ("daphne-a", "daphne-b")


# --- the clients (separate processes) -------------------------------------------


def client(urls: list[str], loads: int, threads: int, ready, results) -> None:
    """One client process: ``loads`` page loads over ``urls``, ``threads`` at a time."""
    ready.wait()  # every client and the parent start together
    start = time.monotonic()  # CLOCK_MONOTONIC: comparable across processes
    with ThreadPoolExecutor(max_workers=threads) as pool:
        outcomes = list(pool.map(get_page, (urls[i % len(urls)] for i in range(loads))))
    results.put((start, time.monotonic(), outcomes))


def run_clients(urls: list[str], loads: int, concurrency: int, clients: int) -> tuple[list[tuple[int, float]], float]:
    """All the loads, from ``clients`` processes; (status, seconds) per load and the wall time."""
    context = multiprocessing.get_context("spawn")
    ready = context.Barrier(clients + 1)
    results = context.Queue()
    processes = []
    for index in range(clients):
        share = loads // clients + (1 if index < loads % clients else 0)
        threads = concurrency // clients + (1 if index < concurrency % clients else 0)
        # Each client starts on a different server, so both get half the load.
        rotated = urls[index % len(urls) :] + urls[: index % len(urls)]
        process = context.Process(target=client, args=(rotated, share, threads, ready, results), daemon=True)
        process.start()
        processes.append(process)
    ready.wait()
    gathered = [results.get() for _ in processes]
    for process in processes:
        process.join()
    outcomes = [outcome for _, _, part in gathered for outcome in part]
    wall = max(end for _, end, _ in gathered) - min(start for start, _, _ in gathered)
    return outcomes, wall


# --- the database role ------------------------------------------------------------


@contextmanager
def limited_role(database_url: str, limit: int):
    """A login role that may use the database's tables, with at most ``limit`` connections;
    yields the database URL for it, and drops the role afterwards."""
    import urllib.parse

    import psycopg
    from psycopg import sql

    role = f"townhall_bench_{secrets.token_hex(4)}"
    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE ROLE {} LOGIN CONNECTION LIMIT {}").format(sql.Identifier(role), limit))
        for what in ("TABLES", "SEQUENCES"):
            conn.execute(
                sql.SQL("GRANT ALL ON ALL {} IN SCHEMA public TO {}").format(sql.SQL(what), sql.Identifier(role))
            )
    parts = urllib.parse.urlsplit(database_url)
    netloc = f"{role}@{parts.hostname}" + (f":{parts.port}" if parts.port else "")
    try:
        yield urllib.parse.urlunsplit(parts._replace(netloc=netloc))
    finally:
        with psycopg.connect(database_url, autocommit=True) as conn:
            conn.execute(sql.SQL("DROP OWNED BY {}").format(sql.Identifier(role)))  # its grants
            conn.execute(sql.SQL("DROP ROLE {}").format(sql.Identifier(role)))


# --- one run -----------------------------------------------------------------------


def run(label: str, database_url: str, redis_url: str, env: dict[str, str], args) -> dict:
    prefix = new_channel_prefix()
    servers = [
        DaphneServer(
            with_application_name(database_url, name),
            redis_url,
            CHANNEL_PREFIX=prefix,
            TOXICITY_SCORER="offline",
            **env,
        )
        for name in SERVER_NAMES
    ]
    try:
        for server in servers:
            server.launch()
        for server in servers:
            server.wait_ready()
        log(f"{label}: two servers up ({', '.join(s.url for s in servers)}); {args.loads} loads")
        with ConnectionSampler(database_url) as sampler:
            outcomes, wall = run_clients(
                [f"{server.url}/t/demo/" for server in servers], args.loads, args.concurrency, args.clients
            )
    finally:
        stop_servers(servers)
        flush_channel_prefix(redis_url, prefix)
    # One such line ends the traceback of each failed database connection.
    errors = sum(
        line.startswith("django.db.utils.OperationalError") for server in servers for line in server.log().splitlines()
    )
    for server in servers:
        server.cleanup()
    latencies = [seconds for _, seconds in outcomes]
    statuses = Counter(status for status, _ in outcomes)
    return {
        "label": label,
        "statuses": statuses,
        "p50": percentile(latencies, 50) * 1000,
        "p99": percentile(latencies, 99) * 1000,
        "rate": len(outcomes) / wall,
        "peaks": [sampler.peaks.get(name, 0) for name in SERVER_NAMES],
        "peak": sampler.peak,
        "samples": sampler.samples,
        "errors": errors,
    }


def row(result: dict, bound: str) -> str:
    statuses = ", ".join(
        f"{count:,} × {status if status else 'no answer'}" for status, count in sorted(result["statuses"].items())
    )
    return (
        f"| {result['label']} | {statuses} | {result['p50']:.0f} ms | {result['p99']:.0f} ms "
        f"| {result['rate']:.0f} | {result['peaks'][0]} + {result['peaks'][1]} | {result['peak']} | {bound} "
        f"| {result['errors']} |"
    )


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--loads", type=int, default=10_000)
    parser.add_argument("--concurrency", type=int, default=32, help="loads at a time, all clients together")
    parser.add_argument("--clients", type=int, default=2, help="client processes")
    parser.add_argument("--pool-min", type=int, help="DATABASE_POOL_MIN_SIZE (default: the settings' default)")
    parser.add_argument("--pool-max", type=int, help="DATABASE_POOL_MAX_SIZE (default: the settings' default)")
    parser.add_argument("--role-limit", type=int, default=60, help="connections the servers' role may open")
    parser.add_argument("--no-compare", action="store_true", help="skip the run with persistent connections")
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    redis_url = os.environ.get("REDIS_URL") or DEFAULT_REDIS_URL
    pool_env = {}
    if args.pool_min is not None:
        pool_env["DATABASE_POOL_MIN_SIZE"] = str(args.pool_min)
    if args.pool_max is not None:
        pool_env["DATABASE_POOL_MAX_SIZE"] = str(args.pool_max)
    # The bound the settings give each process (asked of them, not repeated here).
    probe = subprocess_settings(pool_env)
    bound = 2 * probe["max_size"]
    load_start = os.getloadavg()[0]
    results = []
    with fresh_database(require_postgres=True) as admin_database_url:
        manage(admin_database_url, "demo")
        with limited_role(admin_database_url, args.role_limit) as database_url:
            pool_label = f"pool (min {probe['min_size']}, max {probe['max_size']} per process)"
            results.append((run(pool_label, database_url, redis_url, pool_env, args), f"≤ {bound}"))
            log(row(*results[-1]))
            if not args.no_compare:
                old = {"DATABASE_POOL": "0", "DATABASE_CONN_MAX_AGE": "600"}
                label = "before: `DATABASE_POOL=0 DATABASE_CONN_MAX_AGE=600`"
                results.append((run(label, database_url, redis_url, old, args), "none"))
                log(row(*results[-1]))
    print(
        f"{args.loads:,} loads of `/t/demo/`, {args.concurrency} at a time from {args.clients} client processes, "
        f"two Daphne processes, Redis layer, PostgreSQL; servers' role limited to {args.role_limit} connections; "
        f"load average {load_start:.2f} at the start, {os.getloadavg()[0]:.2f} at the end.\n"
    )
    print(
        "| connections | HTTP statuses | p50 | p99 | loads/s | most connections per process (a + b) "
        "| most in all | bound | database errors in the logs |"
    )
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    for result, bound_text in results:
        print(row(result, bound_text))


def subprocess_settings(env: dict[str, str]) -> dict:
    """The pool options the service's settings give, with ``env`` (read in a child process)."""
    code = (
        "import django; django.setup(); import json; from django.conf import settings; "
        "print(json.dumps(settings.DATABASES['default']['OPTIONS']['pool']))"
    )
    base = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_", "SQLITE_PATH"))}
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={
            **base,
            **env,
            "DJANGO_SETTINGS_MODULE": "townhall.settings",
            "DATABASE_URL": "postgres://nobody@127.0.0.1:1/none",
        },
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(result.stdout)


if __name__ == "__main__":
    main()
