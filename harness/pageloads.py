"""Page loads and PostgreSQL connection counts, for ``tests/test_connection_pool.py``
and ``bench/pageloads.py``. No pytest here.

``with_application_name(database_url, name) -> str``
    the URL with ``?application_name=name``: settings pass it to psycopg, so
    each server process's connections are told apart in ``pg_stat_activity``.
``ConnectionSampler(database_url)``
    a context manager running a thread that counts, from its own connection
    to the server's ``postgres`` database, the client backends connected to
    the database of ``database_url``, per ``application_name``, until the
    block ends. ``peak`` is the largest total seen, ``peaks`` the largest per
    application name, ``samples`` how many counts were taken. Background
    workers (autovacuum) are not clients and are not counted.
``get_page(url, timeout=30) -> (status, seconds)``
    one GET like a new visitor's (no cookie, redirects not followed); a
    refused, reset or timed-out connection is status 0.
"""

from __future__ import annotations

import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter
from types import TracebackType

# How often the sampler counts. A count costs a fraction of a millisecond;
# a pool's connections live for minutes, so a peak lasts far longer than this.
SAMPLE_INTERVAL = 0.005

COUNT_CONNECTIONS = """
SELECT application_name, count(*) FROM pg_stat_activity
WHERE datname = %s AND backend_type = 'client backend' GROUP BY application_name
"""


def with_application_name(database_url: str, name: str) -> str:
    parts = urllib.parse.urlsplit(database_url)
    query = urllib.parse.parse_qsl(parts.query) + [("application_name", name)]
    return urllib.parse.urlunsplit(parts._replace(query=urllib.parse.urlencode(query)))


class ConnectionSampler:
    """Counts the connections to one PostgreSQL database while the block runs."""

    def __init__(self, database_url: str, interval: float = SAMPLE_INTERVAL) -> None:
        parts = urllib.parse.urlsplit(database_url)
        self.database = parts.path.lstrip("/")
        self.admin_url = urllib.parse.urlunsplit(parts._replace(path="/postgres", query=""))
        self.interval = interval
        self.peak = 0
        self.peaks: Counter[str] = Counter()
        self.samples = 0
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._error: BaseException | None = None

    def __enter__(self) -> ConnectionSampler:
        import psycopg

        self._connection = psycopg.connect(self.admin_url, autocommit=True, connect_timeout=3)
        self.sample()  # fails here, in the caller, if the query cannot run
        self._thread = threading.Thread(target=self._run, name="pg-connection-sampler", daemon=True)
        self._thread.start()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, value: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self._stop.set()
        assert self._thread is not None
        self._thread.join(timeout=10)
        self._connection.close()
        if self._error is not None and kind is None:
            raise RuntimeError("the connection sampler failed") from self._error

    def sample(self) -> dict[str, int]:
        """Count once; update the peaks; return the count per application name."""
        counts = dict(self._connection.execute(COUNT_CONNECTIONS, [self.database]).fetchall())
        self.samples += 1
        self.peak = max(self.peak, sum(counts.values()))
        for name, count in counts.items():
            self.peaks[name] = max(self.peaks[name], count)
        return counts

    def _run(self) -> None:
        try:
            while not self._stop.wait(self.interval):
                self.sample()
        except BaseException as exc:  # reported by __exit__
            self._error = exc


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


_OPENER = urllib.request.build_opener(_NoRedirect())


def get_page(url: str, timeout: float = 30.0) -> tuple[int, float]:
    """GET ``url`` as a new visitor; return (HTTP status or 0, seconds)."""
    start = time.perf_counter()
    try:
        with _OPENER.open(url, timeout=timeout) as response:
            response.read()
            status = response.status
    except urllib.error.HTTPError as exc:
        exc.read()
        status = exc.code
    except (urllib.error.URLError, ConnectionError, TimeoutError):
        status = 0
    return status, time.perf_counter() - start
