"""Real servers for tests and benchmarks that cross process boundaries:
databases, Daphne, cookies, sockets. No pytest here: ``bench/`` scripts use it
as it is, and ``tests/support/servers.py`` adds the pytest fixtures
(``live_server_factory``, ``live_servers``, ``redis_url``, ``channel_prefix``)
and the skip-or-fail rule for a missing service.

Databases
    ``fresh_database(*, require_postgres=False)`` is a context manager that
    yields the ``DATABASE_URL`` of a brand-new, migrated database that several
    processes can share. It creates ``townhall_it_<hex>`` on the PostgreSQL
    server given by ``POSTGRES_ADMIN_URL`` (default: ``DATABASE_URL`` if it is
    PostgreSQL, else ``postgres://postgres@127.0.0.1:5432/postgres``) and drops
    it on exit (terminating leftover connections first). If PostgreSQL is
    unreachable it falls back to a SQLite file in a temporary directory
    (``sqlite:////abs/path``), except when the caller passes
    ``require_postgres=True`` or when ``REQUIRE_SERVICES=1`` and the suite's
    ``DATABASE_URL`` is PostgreSQL: then it raises ``ServiceUnavailable``
    (a test skips, or fails under ``REQUIRE_SERVICES=1``). Stop the servers that use the database before
    leaving the block (with fixtures: request the database fixture *before*
    ``live_server_factory``, so that the servers are torn down first).
    Each database is a copy of a template migrated once per process
    (``CREATE DATABASE ... TEMPLATE`` on PostgreSQL, a file copy for SQLite);
    ``drop_database_templates()`` removes the templates (a session fixture
    and an ``atexit`` hook call it).

    ``manage(database_url, *args, env=None) -> str`` runs ``manage.py *args``
    in a subprocess (repository root, ``sys.executable``, the caller's
    ``DJANGO_SETTINGS_MODULE``, else ``townhall.settings``) against that
    database and returns its stdout; it raises ``ManageError`` (with stderr)
    on a non-zero exit. Its channel layer is the in-memory one unless
    ``env`` gives ``REDIS_URL`` (and ``CHANNEL_PREFIX``), so a command's
    publishes reach no other test's sockets. Child processes get the URL as
    ``DATABASE_URL``, SQLite too (settings give a ``sqlite:`` URL the same
    options as their default SQLite file).

Servers
    ``DaphneServer(database_url, redis_url=None, *, port=None, **env)`` runs
    ``python -m daphne -b 127.0.0.1 -p PORT asgi:application`` with
    ``DATABASE_URL``, ``REDIS_URL`` (omitted: in-memory layer),
    ``CHANNEL_PREFIX``, ``PUBLIC_BASE_URL``, ``ALLOWED_HOSTS=127.0.0.1,localhost``
    and any extra ``env`` (e.g. ``DEMO_MODERATOR_PASSWORD``). Attributes and
    methods: ``.port``, ``.url`` (``http://127.0.0.1:PORT``), ``.ws_url``
    (``ws://127.0.0.1:PORT``), ``.start()`` (returns once ``GET /healthz``
    answers 200; raises ``ServerError`` with the log if the process dies or
    30 s pass), ``.stop()`` (terminate, then kill), ``.restart()`` (same
    port), ``.log()`` (everything the process printed so far, kept after
    ``stop()``), ``.cleanup()`` (stop and delete the log), ``.launch()``
    (start without waiting; then ``.wait_ready()``) and ``.terminate()``
    (signal without waiting).
    ``stop_servers(servers)`` stops several at once.

Groups
    ``ServerGroup()``: ``start(database_url, redis_url=None, **env)`` and
    ``start_many(n, ...)`` start servers that share one fresh
    ``CHANNEL_PREFIX`` (so they talk to each other and to nobody else), with
    the offline scorer unless ``TOXICITY_SCORER`` is given; ``close()`` stops
    them all at once and prints their logs.

HTTP helpers (urllib + http.cookiejar)
    ``login(base_url, username, password) -> "sessionid=...; csrftoken=..."``
    ``citizen_cookie(base_url, slug) -> "sessionid=..."`` (the citizen page's session)

Websocket helpers (the ``websockets`` package)
    ``async with open_socket(server, path, cookie=None, version=2) as sock`` (the
    socket asks for protocol ``v=2`` as the pages do; ``version=None``: as given) yields a
    ``LiveSocket`` that keeps every frame it received: ``await sock.until(type,
    where=...)`` returns the first matching frame not consumed yet (waiting with
    a timeout), ``await sock.request(type, **fields)`` sends a request and
    returns its reply without losing the events that arrive meanwhile,
    ``await sock.nothing(seconds)`` proves silence, and ``sock.frames`` lists
    everything in arrival order.

Also: ``ManageError``, ``ServerError``, ``ServiceUnavailable``, ``free_port()``,
``flush_channel_prefix(redis_url, prefix)``, ``stop_servers(servers)``,
``ServerGroup`` (servers sharing one channel prefix, stopped together).
"""

from __future__ import annotations

import asyncio
import atexit
import http.cookiejar
import json
import os
import re
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_POSTGRES_ADMIN_URL = "postgres://postgres@127.0.0.1:5432/postgres"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/0"
START_TIMEOUT = 30.0
# Daphne's listen queue (Twisted's default is 50): after a restart every client
# reconnects at once, and a short queue resets the handshakes it cannot hold.
LISTEN_BACKLOG = 4096
STOP_TIMEOUT = 10.0
# At teardown a server that has not exited this long after SIGTERM is killed.
# Daphne exits within a second or so, except when SIGTERM catches a
# moderator's disconnect half-way: the moderators' database thread then
# publishes through the event loop that has just stopped, and the process
# waits for that thread forever (until the kill). The tests do not check
# shutdown itself, and a killed server loses nothing they look at.
TEARDOWN_STOP_TIMEOUT = 3.0
FRAME_TIMEOUT = 10.0

# Variables that select a database or channel layer: never inherited by a
# child process from the test run, always set explicitly.
_SERVICE_VARIABLES = ("DATABASE_URL", "SQLITE_PATH", "REDIS_URL", "CHANNEL_PREFIX")


class ManageError(RuntimeError):
    """A ``manage.py`` command exited with an error."""


class ServerError(RuntimeError):
    """A Daphne server did not start (its log is in the message)."""


def services_required() -> bool:
    """Same rule as tests/conftest.py: in CI a missing service is a failure."""
    return os.environ.get("REQUIRE_SERVICES") == "1"


class ServiceUnavailable(RuntimeError):
    """A service the caller needs (PostgreSQL, Redis) cannot be reached.

    Tests turn it into a skip, or a failure under ``REQUIRE_SERVICES=1``
    (``tests.support.servers``); scripts let it stop them with its message.
    """


def new_channel_prefix() -> str:
    return f"townhall-test-{secrets.token_hex(6)}"


# --- databases -----------------------------------------------------------------


def _is_postgres(url: str) -> bool:
    return url.startswith(("postgres://", "postgresql://"))


def postgres_admin_url() -> str:
    explicit = os.environ.get("POSTGRES_ADMIN_URL")
    if explicit:
        return explicit
    suite = os.environ.get("DATABASE_URL", "")
    return suite if _is_postgres(suite) else DEFAULT_POSTGRES_ADMIN_URL


def _with_database_name(url: str, name: str) -> str:
    parts = urllib.parse.urlsplit(url)
    return urllib.parse.urlunsplit(parts._replace(path="/" + name))


def _child_env(database_url: str, extra: dict[str, str] | None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in _SERVICE_VARIABLES}
    # The settings module of the process that starts them (tests.settings
    # under pytest: its fast password hasher reaches the servers too).
    env.update(
        DJANGO_SETTINGS_MODULE=os.environ.get("DJANGO_SETTINGS_MODULE") or "townhall.settings", PYTHONUNBUFFERED="1"
    )
    env["DATABASE_URL"] = database_url
    env.update({k: str(v) for k, v in (extra or {}).items() if v is not None})
    return env


def manage(database_url: str, *args: str, env: dict[str, str] | None = None) -> str:
    """Run ``manage.py *args`` against ``database_url``; return stdout.

    Raises ``ManageError`` with stdout and stderr if the command fails.
    """
    command = [sys.executable, "manage.py", *args]
    result = subprocess.run(
        command, cwd=ROOT, env=_child_env(database_url, env), capture_output=True, text=True, timeout=120
    )
    if result.returncode != 0:
        raise ManageError(
            f"{' '.join(command[1:])} exited with {result.returncode}\n"
            f"--- stdout ---\n{result.stdout}\n--- stderr ---\n{result.stderr}"
        )
    return result.stdout


def _postgres_connect(url: str):
    import psycopg

    return psycopg.connect(url, autocommit=True, connect_timeout=3)


# Migrated template databases, made once per process and copied for each
# fresh database: a copy takes a fraction of a second, `migrate` several.
_postgres_templates: dict[str, str] = {}  # admin URL -> template database name
_sqlite_templates: dict[str, Path] = {}  # "" -> migrated SQLite file


def _drop_postgres_database(admin_url: str, name: str) -> None:
    from psycopg import sql

    with _postgres_connect(admin_url) as conn:
        conn.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
            [name],
        )
        force = sql.SQL(" WITH (FORCE)") if conn.info.server_version >= 130000 else sql.SQL("")
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(name)) + force)


def _postgres_template(admin_url: str, admin_connection) -> str:
    """The name of a migrated database to copy, made on the first call."""
    from psycopg import sql

    name = _postgres_templates.get(admin_url)
    if name is None:
        name = f"townhall_it_tmpl_{secrets.token_hex(6)}"
        admin_connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        try:
            manage(_with_database_name(admin_url, name), "migrate", "--noinput")
        except BaseException:
            _drop_postgres_database(admin_url, name)
            raise
        _postgres_templates[admin_url] = name
    return name


def _sqlite_template() -> Path:
    """A migrated SQLite file to copy, made on the first call."""
    path = _sqlite_templates.get("")
    if path is None:
        path = Path(tempfile.mkdtemp(prefix="townhall-it-tmpl-"), "townhall.sqlite3")
        try:
            manage("sqlite:///" + str(path), "migrate", "--noinput")
        except BaseException:
            shutil.rmtree(path.parent, ignore_errors=True)
            raise
        _sqlite_templates[""] = path
    return path


def drop_database_templates() -> None:
    """Remove the template databases this process made (the next fresh database makes them again)."""
    while _postgres_templates:
        admin_url, name = _postgres_templates.popitem()
        _drop_postgres_database(admin_url, name)
    while _sqlite_templates:
        shutil.rmtree(_sqlite_templates.popitem()[1].parent, ignore_errors=True)


atexit.register(drop_database_templates)  # scripts (bench/); under pytest a session fixture does it


@contextmanager
def _postgres_database(admin_url: str, admin_connection) -> Iterator[str]:
    from psycopg import sql

    name = f"townhall_it_{secrets.token_hex(6)}"
    with admin_connection:
        template = _postgres_template(admin_url, admin_connection)
        admin_connection.execute(
            sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(sql.Identifier(name), sql.Identifier(template))
        )
    try:
        yield _with_database_name(admin_url, name)
    finally:
        _drop_postgres_database(admin_url, name)


@contextmanager
def _sqlite_database() -> Iterator[str]:
    template = _sqlite_template()
    directory = tempfile.mkdtemp(prefix="townhall-it-")
    try:
        path = Path(directory, "townhall.sqlite3")
        shutil.copyfile(template, path)
        yield "sqlite:///" + str(path)
    finally:
        shutil.rmtree(directory, ignore_errors=True)


@contextmanager
def fresh_database(*, require_postgres: bool = False) -> Iterator[str]:
    """Yield the DATABASE_URL of a new, migrated database; remove it afterwards.

    The database is a copy of a template migrated once per process (see
    ``drop_database_templates``).

    PostgreSQL when reachable, else a SQLite file unless PostgreSQL is
    required (``require_postgres=True``, or ``REQUIRE_SERVICES=1`` with a
    PostgreSQL ``DATABASE_URL``): then ``ServiceUnavailable`` is raised.
    """
    import psycopg

    admin_url = postgres_admin_url()
    must_be_postgres = require_postgres or (services_required() and _is_postgres(os.environ.get("DATABASE_URL", "")))
    try:
        admin_connection = _postgres_connect(admin_url)
    except psycopg.OperationalError as exc:
        admin_connection, unreachable = None, f"PostgreSQL is unreachable at {admin_url}: {exc}".strip()
    if admin_connection is not None:
        database = _postgres_database(admin_url, admin_connection)
    elif must_be_postgres:
        raise ServiceUnavailable(unreachable)
    else:
        database = _sqlite_database()
    with database as url:
        yield url


# --- Daphne --------------------------------------------------------------------


def free_port() -> int:
    """A port nobody listens on right now (the OS picks it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _accepts_connections(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


class DaphneServer:
    """One Daphne process serving ``asgi:application`` on 127.0.0.1."""

    def __init__(self, database_url: str, redis_url: str | None = None, *, port: int | None = None, **env: str) -> None:
        self.database_url = database_url
        self.redis_url = redis_url
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.ws_url = f"ws://127.0.0.1:{self.port}"
        self.channel_prefix = env.pop("CHANNEL_PREFIX", None) or new_channel_prefix()
        self.extra_env = env
        self.process: subprocess.Popen[bytes] | None = None
        self._log_dir = Path(tempfile.mkdtemp(prefix="townhall-daphne-"))
        self._log_path = self._log_dir / "daphne.log"
        self._log_file = None
        self.health: dict[str, Any] | None = None
        self._terminated = False

    def __repr__(self) -> str:
        return f"<DaphneServer {self.url} running={self.running}>"

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def env(self) -> dict[str, str]:
        extra = {
            "PUBLIC_BASE_URL": self.url,
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            **self.extra_env,
            "CHANNEL_PREFIX": self.channel_prefix,
        }
        if self.redis_url:
            extra["REDIS_URL"] = self.redis_url
        return _child_env(self.database_url, extra)

    def start(self) -> DaphneServer:
        """Start the process and return once /healthz answers 200 with the scorer loaded.

        Raises ``ServerError`` (with the log) if the process exits or the
        server is not healthy within ``START_TIMEOUT`` seconds.
        """
        self.launch()
        self.wait_ready()
        return self

    def launch(self) -> None:
        """Start the process without waiting for it to serve (then ``wait_ready()``)."""
        if self.running:
            return
        if _accepts_connections(self.port):
            raise ServerError(f"port {self.port} is already taken: /healthz would answer for another server")
        command = [
            sys.executable,
            "-m",
            "daphne",
            "-e",
            f"tcp:port={self.port}:interface=127.0.0.1:backlog={LISTEN_BACKLOG}",
            "asgi:application",
        ]
        self._log_file = open(self._log_path, "ab")
        self.process = subprocess.Popen(
            command, cwd=ROOT, env=self.env(), stdout=self._log_file, stderr=subprocess.STDOUT
        )

    def wait_ready(self) -> None:
        """Return once the launched server is healthy (see ``start()``)."""
        assert self.process is not None
        deadline = time.monotonic() + START_TIMEOUT
        last_answer = "no answer"
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(self.url + "/healthz", timeout=2) as response:
                    self.health = json.loads(response.read())
                # Healthy, and the scorer has finished loading (ready, fallback,
                # worker or unavailable): the first question is not timed
                # against the model load.
                if self.health.get("scorer", {}).get("status") not in ("loading", "not_loaded"):
                    return
                last_answer = f"scorer still loading: {self.health.get('scorer')}"
            except urllib.error.HTTPError as exc:  # 503: up but degraded (e.g. Redis down)
                last_answer = f"HTTP {exc.code}: {exc.read()[:500]!r}"
            except (urllib.error.URLError, ConnectionError, TimeoutError) as exc:
                last_answer = f"{type(exc).__name__}: {exc}"
            # Waiting on the process doubles as the pause between polls: it
            # returns at once if Daphne died.
            try:
                code = self.process.wait(timeout=0.1)
            except subprocess.TimeoutExpired:
                continue
            self._close_log()
            raise ServerError(f"Daphne on port {self.port} exited with {code} while starting:\n{self.log()}")
        self.stop()
        raise ServerError(
            f"Daphne on port {self.port} not healthy after {START_TIMEOUT:.0f}s (last: {last_answer}):\n{self.log()}"
        )

    def terminate(self) -> None:
        """Ask the process to exit (SIGTERM), without waiting for it: see ``stop()``."""
        if self.running and not self._terminated:
            self.process.terminate()
            self._terminated = True

    def stop(self, timeout: float = STOP_TIMEOUT) -> None:
        """Terminate the process (kill it if it does not exit within ``timeout`` s) and keep its log."""
        if self.process is not None and self.process.poll() is None:
            self.terminate()
            try:
                self.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=STOP_TIMEOUT)
        self._terminated = False
        self._close_log()

    def restart(self) -> DaphneServer:
        """Stop, then start again on the same port."""
        self.stop()
        return self.start()

    def log(self) -> str:
        if self._log_file is not None:
            self._log_file.flush()
        try:
            return self._log_path.read_text(errors="replace")
        except FileNotFoundError:
            return ""

    def _close_log(self) -> None:
        if self._log_file is not None:
            self._log_file.close()
            self._log_file = None

    def cleanup(self) -> None:
        self.stop()
        shutil.rmtree(self._log_dir, ignore_errors=True)


# --- groups of servers ---------------------------------------------------------


def flush_channel_prefix(redis_url: str, prefix: str) -> None:
    """Delete what channels_redis stored under ``prefix`` (groups, queues)."""
    import redis

    client = redis.Redis.from_url(redis_url, socket_connect_timeout=2, socket_timeout=5)
    try:
        keys = list(client.scan_iter(match=f"{prefix}*", count=500))
        if keys:
            client.delete(*keys)
    finally:
        client.close()


def stop_servers(servers: list[DaphneServer], timeout: float = STOP_TIMEOUT) -> None:
    """Stop several servers at once: signal them all, then wait for each.

    Stopping one after the other would add up their shutdown times.
    """
    for server in servers:
        server.terminate()
    for server in servers:
        server.stop(timeout)  # waits (and kills a process that does not exit)


class ServerGroup:
    """Daphne servers that share one channel prefix, for tests that use them together.

    ``start(database_url, redis_url=None, **env)`` returns a started server;
    ``close()`` stops them all at once, flushes their Redis keys and prints
    their logs (pytest shows them when a test failed). Test servers use the
    offline scorer unless ``TOXICITY_SCORER`` is given: loading Detoxify
    only to fall back from it adds more than a second to every start.
    """

    def __init__(self) -> None:
        self.prefix = new_channel_prefix()
        self.servers: list[DaphneServer] = []

    def start(self, database_url: str, redis_url: str | None = None, **env: str) -> DaphneServer:
        server = self.launch(database_url, redis_url, **env)
        server.wait_ready()
        return server

    def launch(self, database_url: str, redis_url: str | None = None, **env: str) -> DaphneServer:
        """A server starting, not waited for (``server.wait_ready()``)."""
        env.setdefault("CHANNEL_PREFIX", self.prefix)
        env.setdefault("TOXICITY_SCORER", "offline")
        server = DaphneServer(database_url, redis_url, **env)
        self.servers.append(server)
        server.launch()
        return server

    def start_many(self, count: int, database_url: str, redis_url: str | None = None, **env: str) -> list[DaphneServer]:
        """``count`` servers started side by side (their start-ups overlap)."""
        servers = [self.launch(database_url, redis_url, **env) for _ in range(count)]
        for server in servers:
            server.wait_ready()
        return servers

    def close(self) -> None:
        stop_servers(self.servers, TEARDOWN_STOP_TIMEOUT)
        for url, used_prefix in {(s.redis_url, s.channel_prefix) for s in self.servers if s.redis_url}:
            flush_channel_prefix(url, used_prefix)
        for server in self.servers:
            # Captured: pytest shows it only when the test failed.
            print(f"===== Daphne {server.url} log =====\n{server.log()}")
            server.cleanup()
        self.servers.clear()


# --- HTTP: cookies ---------------------------------------------------------------


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


def _opener(jar: http.cookiejar.CookieJar) -> urllib.request.OpenerDirector:
    return urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar), _NoRedirect())


def _cookies(jar: http.cookiejar.CookieJar) -> dict[str, str]:
    return {cookie.name: cookie.value for cookie in jar}


def login(base_url: str, username: str, password: str) -> str:
    """Sign in through /accounts/login/ like a browser; return the Cookie header value.

    Raises ``AssertionError`` if the login is refused.
    """
    jar = http.cookiejar.CookieJar()
    opener = _opener(jar)
    login_url = base_url.rstrip("/") + "/accounts/login/"
    with opener.open(login_url, timeout=10) as response:
        page = response.read().decode()
    match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
    assert match, f"no CSRF token on {login_url}"
    form = urllib.parse.urlencode(
        {"csrfmiddlewaretoken": match.group(1), "username": username, "password": password, "next": ""}
    ).encode()
    post = urllib.request.Request(login_url, data=form, headers={"Referer": login_url}, method="POST")
    try:
        with opener.open(post, timeout=10) as response:
            status = response.status
    except urllib.error.HTTPError as exc:  # a redirect (not followed) means success
        status = exc.code
    cookies = _cookies(jar)
    assert status in (301, 302, 303) and "sessionid" in cookies, f"login as {username!r} refused (HTTP {status})"
    return f"sessionid={cookies['sessionid']}; csrftoken={cookies['csrftoken']}"


def citizen_cookie(base_url: str, slug: str) -> str:
    """Open the citizen page of ``slug`` and return its session cookie ("sessionid=...")."""
    jar = http.cookiejar.CookieJar()
    with _opener(jar).open(f"{base_url.rstrip('/')}/t/{slug}/", timeout=10) as response:
        response.read()
    cookies = _cookies(jar)
    assert "sessionid" in cookies, f"the citizen page of {slug!r} set no session cookie"
    return f"sessionid={cookies['sessionid']}"


# --- websockets ------------------------------------------------------------------


class LiveSocket:
    """A websocket to a real server that keeps every frame it received."""

    def __init__(self, ws: Any) -> None:
        self.ws = ws
        self.frames: list[dict[str, Any]] = []
        self._unread: list[dict[str, Any]] = []
        self._ids = 0

    async def until(
        self,
        *types: str,
        where: Callable[[dict[str, Any]], bool] | None = None,
        timeout: float = FRAME_TIMEOUT,
    ) -> dict[str, Any]:
        """The first unconsumed frame of one of ``types`` (any if none) that satisfies ``where``."""

        def matches(frame: dict[str, Any]) -> bool:
            return (not types or frame["type"] in types) and (where is None or where(frame))

        for index, frame in enumerate(self._unread):
            if matches(frame):
                return self._unread.pop(index)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise AssertionError(
                    f"no {types or 'frame'} within {timeout}s; unread: {[f['type'] for f in self._unread]}"
                )
            try:
                raw = await asyncio.wait_for(self.ws.recv(), remaining)
            except TimeoutError:
                continue
            frame = json.loads(raw)
            self.frames.append(frame)
            if matches(frame):
                return frame
            self._unread.append(frame)

    async def nothing(self, timeout: float) -> bool:
        """True if no frame arrives within ``timeout`` (a wait on the socket; a close raises)."""
        try:
            raw = await asyncio.wait_for(self.ws.recv(), timeout)
        except TimeoutError:
            return True
        frame = json.loads(raw)
        self.frames.append(frame)
        self._unread.append(frame)
        return False

    async def send(self, frame: dict[str, Any]) -> None:
        await self.ws.send(json.dumps(frame))

    async def request(self, frame_type: str, *, timeout: float = FRAME_TIMEOUT, **fields: Any) -> dict[str, Any]:
        """Send a request and return its reply (ok, error or snapshot); events stay unread."""
        self._ids += 1
        request_id = f"req-{self._ids}"
        await self.send({"type": frame_type, "id": request_id, **fields})
        return await self.until("ok", "error", "snapshot", where=lambda f: f.get("id") == request_id, timeout=timeout)

    def events(self) -> list[dict[str, Any]]:
        """Every event frame received so far (frames with a seq, except snapshots)."""
        return [f for f in self.frames if "seq" in f and f["type"] != "snapshot"]


def with_protocol_version(path: str, version: int | None) -> str:
    """``path`` asking for protocol ``version`` (``v=2``, as the pages do); ``None``
    or a path that already says: as given (``None``: a version-1 client)."""
    if version is None or "v=" in path:
        return path
    return path + ("&" if "?" in path else "?") + f"v={version}"


@asynccontextmanager
async def open_socket(
    server: DaphneServer, path: str, cookie: str | None = None, *, version: int | None = 2
) -> AsyncIterator[LiveSocket]:
    """Open ``path`` on ``server`` with a same-origin Origin header (and ``cookie``); close it on exit.

    The socket asks for protocol ``version`` (``v=2``, as the pages do); ``None``
    opens ``path`` as given: a version-1 client (docs/protocol.md, "Versions").
    """
    from websockets.asyncio.client import connect

    headers = {"Origin": server.url}
    if cookie:
        headers["Cookie"] = cookie
    path = with_protocol_version(path, version)
    async with connect(server.ws_url + path, additional_headers=headers, open_timeout=10) as ws:
        yield LiveSocket(ws)
