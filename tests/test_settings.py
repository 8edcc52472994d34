"""Settings read from the environment refuse bad values with a message that names them."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("SCORING_BATCH_SIZE", "sixteen", "SCORING_BATCH_SIZE must be a whole number, got 'sixteen'"),
        ("DATABASE_CONN_MAX_AGE", "1.5", "DATABASE_CONN_MAX_AGE must be a whole number, got '1.5'"),
        ("SCORING_TIMEOUT", "soon", "SCORING_TIMEOUT must be a number, got 'soon'"),
        ("GC_THRESHOLDS", "big,10,10", "GC_THRESHOLDS must be whole numbers separated by commas"),
    ],
)
def test_a_bad_number_stops_start_up_with_its_name(name, value, message):
    env = {**os.environ, name: value, "DATABASE_URL": "postgres://nobody@127.0.0.1:1/none"}
    result = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        cwd=ROOT,
        env={**env, "DJANGO_SETTINGS_MODULE": "townhall.settings"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    assert message in result.stderr


def test_good_numbers_are_read():
    env = {
        **os.environ,
        "SCORING_BATCH_SIZE": "8",
        "DATABASE_CONN_MAX_AGE": "0",
        "DATABASE_URL": "postgres://nobody@127.0.0.1:1/none",
        "DJANGO_SETTINGS_MODULE": "townhall.settings",
    }
    code = (
        "import django; django.setup(); from django.conf import settings as s; "
        "print(s.SCORING_BATCH_SIZE, s.DATABASES['default']['CONN_MAX_AGE'])"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["8", "0"]


def _in_settings(env: dict[str, str], code: str) -> subprocess.CompletedProcess[str]:
    """Run ``code`` after ``django.setup()`` with the service's settings and ``env``
    (the database variables of the test run are removed first)."""
    base = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_", "SQLITE_PATH"))}
    return subprocess.run(
        [sys.executable, "-c", "import django; django.setup()\n" + code],
        cwd=ROOT,
        env={**base, "DJANGO_SETTINGS_MODULE": "townhall.settings", **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


PRINT_DATABASE = (
    "import json; from django.conf import settings as s; d = s.DATABASES['default']\n"
    "print(json.dumps({k: d.get(k) for k in ('ENGINE', 'NAME', 'CONN_MAX_AGE', 'CONN_HEALTH_CHECKS', 'OPTIONS')}))"
)
UNREACHABLE_POSTGRES = "postgres://nobody@127.0.0.1:1/none"


def database_settings(**env: str) -> dict:
    result = _in_settings(env, PRINT_DATABASE)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_postgres_gets_a_bounded_connection_pool_by_default():
    database = database_settings(DATABASE_URL=UNREACHABLE_POSTGRES)
    # Django returns a connection to the pool only when it closes it: CONN_MAX_AGE=0.
    assert database["CONN_MAX_AGE"] == 0
    assert database["CONN_HEALTH_CHECKS"] is True
    assert database["OPTIONS"] == {"pool": {"min_size": 2, "max_size": 10, "timeout": 10.0}}


def test_the_pool_bounds_come_from_the_environment():
    database = database_settings(
        DATABASE_URL=UNREACHABLE_POSTGRES,
        DATABASE_POOL_MIN_SIZE="1",
        DATABASE_POOL_MAX_SIZE="4",
        DATABASE_POOL_TIMEOUT="2.5",
    )
    assert database["OPTIONS"]["pool"] == {"min_size": 1, "max_size": 4, "timeout": 2.5}


def test_the_pool_can_be_turned_off_for_persistent_connections():
    database = database_settings(DATABASE_URL=UNREACHABLE_POSTGRES, DATABASE_POOL="0", DATABASE_CONN_MAX_AGE="600")
    assert "pool" not in database["OPTIONS"]
    assert database["CONN_MAX_AGE"] == 600
    assert database["CONN_HEALTH_CHECKS"] is True
    # Off, and DATABASE_CONN_MAX_AGE unset: a connection per unit of work (Django's default).
    assert database_settings(DATABASE_URL=UNREACHABLE_POSTGRES, DATABASE_POOL="0")["CONN_MAX_AGE"] == 0


@pytest.mark.parametrize(
    ("env", "message"),
    [
        (
            {"DATABASE_CONN_MAX_AGE": "600"},
            "DATABASE_CONN_MAX_AGE keeps a connection per thread and cannot be used with the connection pool",
        ),
        (
            {"DATABASE_POOL_MIN_SIZE": "5", "DATABASE_POOL_MAX_SIZE": "4"},
            "DATABASE_POOL_MIN_SIZE and DATABASE_POOL_MAX_SIZE must satisfy 0 <= min <= max and max >= 1, got 5 and 4",
        ),
        ({"DATABASE_POOL_MAX_SIZE": "0", "DATABASE_POOL_MIN_SIZE": "0"}, "got 0 and 0"),
        ({"DATABASE_POOL_TIMEOUT": "0"}, "DATABASE_POOL_TIMEOUT must be above 0, got 0.0"),
        ({"DATABASE_POOL_MAX_SIZE": "ten"}, "DATABASE_POOL_MAX_SIZE must be a whole number, got 'ten'"),
    ],
)
def test_a_pool_setting_that_cannot_work_stops_start_up(env, message):
    result = _in_settings({"DATABASE_URL": UNREACHABLE_POSTGRES, **env}, "")
    assert result.returncode != 0
    assert message in result.stderr


def test_a_sqlite_url_gets_the_same_options_as_the_default_file(tmp_path):
    path = str(tmp_path / "townhall.sqlite3")
    default = database_settings(SQLITE_PATH=path)
    from_url = database_settings(DATABASE_URL="sqlite:///" + path)
    assert from_url == default
    assert default["OPTIONS"] == {
        "init_command": "PRAGMA journal_mode=WAL;",
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
    }


# Eight threads, each reading then writing in one transaction 25 times: with
# deferred transactions two readers that both try to write deadlock, and
# SQLite answers one of them "database is locked" at once, busy timeout or not.
CONCURRENT_WRITERS = """
import json, threading
from django.db import OperationalError, connection, transaction

with connection.cursor() as cursor:
    cursor.execute("CREATE TABLE tally (n integer)")
connection.close()
errors, start = [], threading.Barrier(8)

def writer():
    start.wait()
    try:
        for _ in range(25):
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute("SELECT count(*) FROM tally")
                cursor.fetchone()
                cursor.execute("INSERT INTO tally VALUES (1)")
    except OperationalError as exc:
        errors.append(str(exc))
    finally:
        connection.close()

threads = [threading.Thread(target=writer) for _ in range(8)]
for thread in threads:
    thread.start()
for thread in threads:
    thread.join()
with connection.cursor() as cursor:
    cursor.execute("PRAGMA journal_mode")
    mode = cursor.fetchone()[0]
    cursor.execute("PRAGMA busy_timeout")
    busy = cursor.fetchone()[0]
    cursor.execute("SELECT count(*) FROM tally")
    rows = cursor.fetchone()[0]
print(json.dumps({"errors": errors, "rows": rows, "journal_mode": mode, "busy_timeout_ms": busy}))
"""


@pytest.mark.parametrize("chosen_by", ["SQLITE_PATH", "DATABASE_URL"])
def test_concurrent_sqlite_writers_queue_instead_of_failing(tmp_path, chosen_by):
    path = str(tmp_path / "townhall.sqlite3")
    env = {"SQLITE_PATH": path} if chosen_by == "SQLITE_PATH" else {"DATABASE_URL": "sqlite:///" + path}
    result = _in_settings(env, CONCURRENT_WRITERS)
    assert result.returncode == 0, result.stderr
    outcome = json.loads(result.stdout)
    assert outcome == {"errors": [], "rows": 200, "journal_mode": "wal", "busy_timeout_ms": 20000}


def _gc_after_importing_asgi(gc_thresholds: str | None) -> dict:
    """gc's thresholds and frozen count in a fresh process that imported asgi.py."""
    env = {k: v for k, v in os.environ.items() if k != "GC_THRESHOLDS"}
    env["DJANGO_SETTINGS_MODULE"] = "townhall.settings"
    if gc_thresholds is not None:
        env["GC_THRESHOLDS"] = gc_thresholds
    code = "import gc, json, asgi; print(json.dumps([gc.get_threshold(), gc.get_freeze_count()]))"
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    thresholds, frozen = json.loads(result.stdout.splitlines()[-1])
    return {"thresholds": tuple(thresholds), "frozen": frozen}


def test_a_server_process_freezes_its_import_time_heap_and_raises_the_gc_thresholds():
    # townhall/collector.py: a full collection walks every tracked object; what
    # the imports left is moved out of its way, and young objects get longer to die.
    result = _gc_after_importing_asgi(None)
    assert result["frozen"] > 10_000
    assert result["thresholds"] == (50_000, 20, 10)


@pytest.mark.parametrize(("value", "thresholds"), [("2000,5,5", (2000, 5, 5)), ("", (700, 10, 10))])
def test_the_gc_thresholds_come_from_the_environment(value, thresholds):
    assert _gc_after_importing_asgi(value)["thresholds"] == thresholds
