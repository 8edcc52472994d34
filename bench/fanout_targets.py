"""The targets of bench/fanout.py: the bare relay, and Daphne servers with their
database, demo town hall, moderator login and citizen sessions.

Citizen sessions are written straight into the target's database, in one
transaction: Django's database session backend, where the cookie is the session
key and the participant id in the demo town hall lives under "participants"
(moderation/participants.py), as the citizen page would leave it. Loading the citizen page 10,000 times would
take minutes.
"""

from __future__ import annotations

import datetime as dt
import io
import os
import secrets
import select
import sqlite3
import subprocess
import sys
import tempfile
import uuid
from contextlib import ExitStack, contextmanager, redirect_stdout
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "townhall.settings")

import django

django.setup()  # for SessionStore.encode: the servers' SECRET_KEY and session serializer

from django.contrib.sessions.backends.db import SessionStore
from django.utils.crypto import get_random_string

from harness.servers import DEFAULT_REDIS_URL, ServerGroup, free_port, fresh_database, login, manage
from moderation.participants import SESSION_KEY


@dataclass
class Target:
    key: str
    urls: list[str]  # http://127.0.0.1:PORT of each server process
    pids: list[int]
    cookies: list[str | None]  # one per citizen
    askers: list[str | None]  # one citizen per question to ask
    moderator_cookie: str | None = None

    @property
    def relay(self) -> bool:
        return self.key == "a"

    def rss(self) -> int:
        """Resident memory of the server processes, in bytes."""
        total = 0
        for pid in self.pids:
            with open(f"/proc/{pid}/statm") as statm:
                total += int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
        return total

    def cpu_seconds(self) -> float:
        """User + system CPU time of the server processes (all their threads)."""
        total = 0
        for pid in self.pids:
            with open(f"/proc/{pid}/stat") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15)
        return total / os.sysconf("SC_CLK_TCK")


@contextmanager
def sqlite_database():
    """A fresh, migrated SQLite file, as ``make run`` makes (``fresh_database`` prefers PostgreSQL)."""
    with tempfile.TemporaryDirectory(prefix="townhall-fanout-") as directory:
        url = "sqlite:///" + str(Path(directory, "townhall.sqlite3"))
        manage(url, "migrate", "--noinput")
        yield url


DEMO_ID_QUERY = "SELECT id FROM moderation_townhall WHERE slug = 'demo'"


def demo_townhall_id(database_url: str) -> int:
    """The demo town hall's id: a participant id is per town hall."""
    if database_url.startswith("sqlite:///"):
        connection = sqlite3.connect(database_url[len("sqlite:///") :], timeout=20)
        try:
            return connection.execute(DEMO_ID_QUERY).fetchone()[0]
        finally:
            connection.close()
    import psycopg

    with psycopg.connect(database_url) as connection, connection.cursor() as cursor:
        cursor.execute(DEMO_ID_QUERY)
        return cursor.fetchone()[0]


def create_sessions(database_url: str, count: int) -> list[str]:
    """``count`` citizen sessions of the demo town hall written in one transaction; returns their cookies."""
    expires = dt.datetime.now(dt.UTC) + dt.timedelta(days=7)
    demo = str(demo_townhall_id(database_url))
    rows = [
        (
            get_random_string(32, "abcdefghijklmnopqrstuvwxyz0123456789"),
            SessionStore().encode({SESSION_KEY: {demo: uuid.uuid4().hex}}),
        )
        for _ in range(count)
    ]
    if database_url.startswith("sqlite:///"):
        stamp = expires.replace(tzinfo=None).isoformat(" ")
        connection = sqlite3.connect(database_url[len("sqlite:///") :], timeout=20)
        try:
            with connection:  # one transaction
                connection.executemany(
                    "INSERT INTO django_session (session_key, session_data, expire_date) VALUES (?, ?, ?)",
                    [(key, data, stamp) for key, data in rows],
                )
        finally:
            connection.close()
    else:
        import psycopg

        with psycopg.connect(database_url) as connection, connection.cursor() as cursor:
            cursor.executemany(
                "INSERT INTO django_session (session_key, session_data, expire_date) VALUES (%s, %s, %s)",
                [(key, data, expires) for key, data in rows],
            )
    return [f"sessionid={key}" for key, _ in rows]


def start_relay(stack: ExitStack, *, citizens: int, askers: int, flush: float, backlog: int) -> Target:
    """bench/fanout_relay.py on a free port, stopped by ``stack``."""
    port = free_port()
    relay = ROOT / "bench" / "fanout_relay.py"
    command = [sys.executable, str(relay), "--port", str(port), "--flush", str(flush), "--backlog", str(backlog)]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
    stack.callback(lambda: (process.terminate(), process.wait(10)))
    # The relay prints one line once it listens (or exits, closing its stdout).
    ready, _, _ = select.select([process.stdout], [], [], 10)
    if not ready or process.stdout.readline().strip() != "listening":
        raise RuntimeError(f"the relay did not start on port {port}")
    return Target("a", [f"http://127.0.0.1:{port}"], [process.pid], [None] * citizens, [None] * askers)


def start_daphne(stack: ExitStack, key: str, *, citizens: int, askers: int, logs: Path | None) -> Target:
    """(b) one Daphne on a fresh SQLite file and the in-memory layer, or (c) two
    Daphne on a fresh PostgreSQL database and Redis; the demo town hall, the
    offline scorer. ``stack`` stops the servers (saving their logs in ``logs``)
    before it drops the database."""
    password = "bench-" + secrets.token_urlsafe(12)
    # Every bench citizen connects from 127.0.0.1, where thousands of phones
    # would have thousands of addresses (or sit behind a proxy that names them):
    # the per-address limits of flood control are lifted; the per-session and
    # per-town-hall ones stay as shipped (docs/security.md, "Flood control").
    env = {"TOXICITY_SCORER": "offline", "VOTE_IP_RATE_COUNT": "1000000", "QUESTION_IP_RATE_COUNT": "1000000"}
    if key == "b":
        database = stack.enter_context(sqlite_database())
    else:
        database = stack.enter_context(fresh_database(require_postgres=True))
    manage(database, "demo", env={"DEMO_MODERATOR_PASSWORD": password})
    cookies = create_sessions(database, citizens + askers)
    group = ServerGroup()
    stack.callback(close_group, group, logs / f"{key}-{citizens}.log" if logs else None)
    redis = None if key == "b" else os.environ.get("BENCH_REDIS_URL", DEFAULT_REDIS_URL)
    if key == "b":
        # A group of one, to be stopped like (c); its CHANNEL_PREFIX means nothing to the in-memory layer.
        servers = [group.start(database, **env)]
    else:
        servers = group.start_many(2, database, redis, **env)
    moderator = login(servers[0].url, "moderator", password)
    pids = [s.process.pid for s in servers]
    return Target(key, [s.url for s in servers], pids, cookies[:citizens], cookies[citizens:], moderator)


def close_group(group: ServerGroup, log_file: Path | None) -> None:
    """Stop the servers; their logs (which ``close`` prints) go to ``log_file`` or nowhere."""
    printed = io.StringIO()
    with redirect_stdout(printed):
        group.close()
    if log_file is not None:
        log_file.parent.mkdir(parents=True, exist_ok=True)
        log_file.write_text(printed.getvalue())
