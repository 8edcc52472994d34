from __future__ import annotations

import asyncio
import os
import threading
from collections.abc import AsyncIterator, Iterator

import pytest
import pytest_asyncio
from channels.db import database_sync_to_async
from channels.layers import channel_layers

from harness.servers import with_protocol_version
from moderation import duplicates_runner
from moderation import scoring_runner as runner
from moderation.scoring import registry
from moderation.scoring.base import ScoreResult
from moderation.scoring.normalize import normalize_for_model
from tests.support.ws import Communicator

pytest_plugins = ["tests.support.servers", "tests.support.browser", "tests.support.faults"]

# The tests never reach the network: Hugging Face libraries fail at once
# instead of trying (this reaches the server processes the tests start too).
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

HOST = b"testserver"
ORIGIN = b"http://" + HOST


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix) -> None:
    # In this process the sockets' database threads (Channels' one, and the
    # moderators' in consumers/db.py) would keep their connections to the
    # test database open (DATABASE_CONN_MAX_AGE), and PostgreSQL refuses to
    # drop a database with open connections. Here every call closes its
    # connection; the server processes the tests start keep the setting.
    from django.conf import settings

    settings.DATABASES["default"]["CONN_MAX_AGE"] = 0


@pytest.fixture(autouse=True)
def _run_on_commit_callbacks(request) -> Iterator[None]:
    """Tests in a rolled-back transaction never commit: run their after-commit
    work (publishing events) when they end, as a commit would, so that it is
    exercised and its errors fail the test."""
    marker = request.node.get_closest_marker("django_db")
    transactional = marker is not None and marker.kwargs.get("transaction", bool(marker.args and marker.args[0]))
    if marker is None or transactional:
        yield
        return
    request.getfixturevalue("db")  # inside the test's transaction
    capture = request.getfixturevalue("django_capture_on_commit_callbacks")
    with capture(execute=True):
        yield


@pytest.fixture(scope="session", autouse=True)
def _flush_the_test_channel_prefix() -> Iterator[None]:
    """Remove what the in-process tests left in Redis under their prefix (tests/settings.py)."""
    yield
    from django.conf import settings

    config = settings.CHANNEL_LAYERS["default"]
    if config["BACKEND"].startswith("channels_redis."):
        from tests.support.servers import flush_channel_prefix

        flush_channel_prefix(config["CONFIG"]["hosts"][0], config["CONFIG"]["prefix"])


def services_required() -> bool:
    return os.environ.get("REQUIRE_SERVICES") == "1"


@pytest.fixture(autouse=True)
def _fresh_channel_layers() -> Iterator[None]:
    # A channel layer binds to the event loop it first runs on; each test has
    # its own loop, so each test gets its own layer instance.
    channel_layers.backends.clear()
    yield
    channel_layers.backends.clear()


@pytest.fixture(autouse=True)
def _default_language_after_each_test() -> Iterator[None]:
    # LocaleMiddleware activates a request's language in the thread that served
    # it and never deactivates it: after a French request through Django's test
    # client, the next test of the worker (a management command's output) ran
    # in French. A served process starts each request afresh; tests do too.
    yield
    from django.utils import translation

    translation.deactivate()


@pytest.fixture(autouse=True)
def _no_recovery_unless_asked(settings) -> None:
    # Recovery re-scores whatever an earlier step left unscored; tests that
    # are about recovery turn it back on.
    settings.SCORING_RECOVER_ON_START = False


class FakeScorer:
    """A scorer at the real boundary: scores by a lookup table, can fail or hang."""

    name = "fake-scorer 1.0"

    def __init__(self, scores: dict[str, float] | None = None, default: float = 0.01) -> None:
        self.scores = scores or {}
        self.default = default
        self.error: Exception | None = None
        self.gate: threading.Event | None = None
        self.calls: list[list[str]] = []

    def score_batch(self, texts: list[str]) -> list[ScoreResult]:
        """Scores by ``scores``, whose keys may be written as typed: the runner
        hands scorers normalised text, so keys are normalised the same way."""
        self.calls.append(list(texts))
        if self.gate is not None:
            self.gate.wait(timeout=30)
        if self.error is not None:
            raise self.error
        table = {normalize_for_model(text): score for text, score in self.scores.items()}
        return [ScoreResult(labels={"toxicity": table.get(t, self.default)}, model=self.name) for t in texts]


@pytest.fixture
def fake_scorer() -> Iterator[FakeScorer]:
    scorer = FakeScorer()
    with registry.use_scorer(scorer):
        yield scorer
    if scorer.gate is not None:
        scorer.gate.set()


@pytest_asyncio.fixture
async def connect() -> AsyncIterator:
    """Open sockets through the full ASGI application; always closed on teardown.

    The scorer is loaded before the first socket opens, as a served process
    loads it at start (asgi.py preloads it): its first load takes seconds and
    would otherwise count against a test's wait for ``question.scored``.
    Instant when it is loaded already or a test fakes it.
    """
    from asgi import application

    opened: list[Communicator] = []

    async def _connect(
        path: str,
        *,
        session: str | None = None,
        origin: bytes | None = ORIGIN,
        expect_snapshot: bool = True,
        version: int | None = 2,
        client: str | None = None,
    ) -> Communicator:
        if not opened:
            await asyncio.get_running_loop().run_in_executor(None, registry.get_scorer)
        # A browser always sends Host: the Origin check compares the two.
        headers = [(b"host", HOST)]
        if origin is not None:
            headers.append((b"origin", origin))
        if session is not None:
            headers.append((b"cookie", f"sessionid={session}".encode()))
        comm = Communicator(application, with_protocol_version(path, version), headers=headers)
        if client is not None:  # the peer address the server sees (flood control counts per address)
            comm.scope["client"] = (client, 50000)
        opened.append(comm)
        connected, _ = await comm.connect(timeout=5)
        if expect_snapshot:
            assert connected
        comm.connected = connected
        return comm

    yield _connect
    await runner.drain()
    await duplicates_runner.drain()
    # A socket whose application already failed or was cancelled raises
    # CancelledError here, a BaseException that pytest does not catch in a
    # teardown: it then skipped the other finalizers (the database rollback,
    # monkeypatches) and every later test of the worker failed with the
    # previous one's state. Disconnect every socket, then report a plain error.
    failures = []
    for comm in opened:
        try:
            await comm.disconnect(timeout=2)
        except (asyncio.CancelledError, Exception) as exc:  # one socket failing must not skip the rest
            failures.append(f"{type(exc).__name__}: {exc}")
    if failures:
        raise RuntimeError(f"{len(failures)} socket(s) did not disconnect cleanly: {failures}")


@pytest.fixture
def db_async():
    return database_sync_to_async
