"""Pytest fixtures over ``harness.servers`` (real databases, Daphne, sockets).

``tests/conftest.py`` loads this module as a plugin. It re-exports the
harness's names that tests import from here, adds the skip-or-fail rule for a
missing service, and the fixtures:

``live_server_factory``
    function-scoped; a callable ``(database_url, redis_url=None, **env) ->
    DaphneServer`` returning a started server. The servers of one test share
    one fresh ``CHANNEL_PREFIX``; all are stopped at teardown and their logs
    printed (pytest shows them when the test failed).
``live_servers``
    the same as a ``ServerGroup`` (``start_many(n, ...)`` starts servers side by side).
``redis_url``
    ``REDIS_URL`` or ``redis://127.0.0.1:6379/0``, checked with a PING; skips
    when Redis is unreachable, fails under ``REQUIRE_SERVICES=1``.
``channel_prefix``
    a fresh channel-layer prefix for in-process tests.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from typing import NoReturn

import pytest

from harness import servers as harness
from harness.servers import (  # noqa: F401  (re-exported for the tests)
    DEFAULT_REDIS_URL,
    ROOT,
    DaphneServer,
    ManageError,
    ServerError,
    ServerGroup,
    ServiceUnavailable,
    _child_env,
    citizen_cookie,
    drop_database_templates,
    flush_channel_prefix,
    free_port,
    login,
    manage,
    new_channel_prefix,
    open_socket,
    services_required,
    stop_servers,
)


def service_unavailable(reason: str) -> NoReturn:
    """Skip the test, or fail it when ``REQUIRE_SERVICES=1``."""
    if services_required():
        pytest.fail(f"{reason} (REQUIRE_SERVICES=1: a missing service is a failure)", pytrace=False)
    pytest.skip(reason)


@contextmanager
def fresh_database(*, require_postgres: bool = False) -> Iterator[str]:
    """``harness.servers.fresh_database``, skipping (or failing in CI) when
    the PostgreSQL it needs is unreachable."""
    with ExitStack() as stack:
        try:
            url = stack.enter_context(harness.fresh_database(require_postgres=require_postgres))
        except ServiceUnavailable as exc:
            service_unavailable(str(exc))
        yield url


@pytest.fixture
def channel_prefix() -> str:
    return new_channel_prefix()


@pytest.fixture
def redis_url() -> str:
    """A reachable Redis (PING), else skip (fail when REQUIRE_SERVICES=1)."""
    return reachable_redis()


def reachable_redis() -> str:
    """``REDIS_URL`` or the default, answering PING; else skip (fail when REQUIRE_SERVICES=1).
    Also for module-scoped fixtures, which cannot use ``redis_url``."""
    import redis

    url = os.environ.get("REDIS_URL") or DEFAULT_REDIS_URL
    client = redis.Redis.from_url(url, socket_connect_timeout=2, socket_timeout=2)
    try:
        client.ping()
    except (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError, OSError) as exc:
        service_unavailable(f"Redis is unreachable at {url}: {exc}")
    finally:
        client.close()
    return url


@pytest.fixture
def live_server_factory() -> Iterator[Callable[..., DaphneServer]]:
    """Start Daphne servers that share one channel prefix; stop them all at teardown."""
    group = ServerGroup()
    yield group.start
    group.close()


@pytest.fixture
def live_servers() -> Iterator[ServerGroup]:
    """A ``ServerGroup`` (several servers started at once: ``start_many``); stopped at teardown."""
    group = ServerGroup()
    yield group
    group.close()


@pytest.fixture(scope="session", autouse=True)
def _drop_database_templates() -> Iterator[None]:
    yield
    drop_database_templates()
