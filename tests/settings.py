"""Settings for the test suite: the service's own settings, with two test-only changes.

Selected by ``DJANGO_SETTINGS_MODULE=tests.settings`` (pyproject's pytest
configuration); the Daphne and ``manage.py`` processes the tests start get the
same module (tests/support/servers.py passes it on), so they behave as the
test process does. Production settings have no switch for any of this.
"""

from __future__ import annotations

import os
import secrets
import tempfile

from townhall.settings import *  # noqa: F403
from townhall.settings import CHANNEL_LAYERS, DATABASES

# A PBKDF2 hash costs about 0.3 s, on purpose; the suite hashes hundreds of
# passwords (factories, the demo command, logins in the servers it starts).
# What the tests check is who may log in, not the cost of guessing.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3" and "NAME" not in DATABASES["default"].get(
    "TEST", {}
):
    # Django's default SQLite test database is a shared-cache in-memory one.
    # Two connections to it (a test's, and the moderators' database thread in
    # consumers/db.py) lock at table level, and SQLITE_LOCKED ignores the
    # busy timeout: "database table is locked" under load. A file behaves
    # like the database the service runs on. One per process (pytest-xdist
    # workers add their own suffix), removed by Django after the run.
    DATABASES["default"]["TEST"] = {
        **DATABASES["default"].get("TEST", {}),
        "NAME": os.path.join(tempfile.gettempdir(), f"townhall-test-{os.getpid()}.sqlite3"),
    }

if CHANNEL_LAYERS["default"]["BACKEND"].startswith("channels_redis.") and not os.environ.get("CHANNEL_PREFIX"):
    # With REDIS_URL, the in-process tests' layer gets a prefix of its own:
    # every test database numbers its town halls from 1, so two runs (or two
    # pytest-xdist workers) on one Redis would otherwise share group names
    # and receive each other's events. Server processes get CHANNEL_PREFIX.
    CHANNEL_LAYERS["default"]["CONFIG"]["prefix"] = f"townhall-test-{secrets.token_hex(6)}"

# Flood control (docs/security.md). Every test server and browser comes from
# 127.0.0.1, many tests ask dozens of questions a minute into one town hall,
# and pages vote within a second of loading: the limits per address and per
# town hall, the session age and the alerts are off in tests unless the
# environment sets them. tests/test_flood*.py put back the production
# defaults, kept here as FLOOD_CONTROL_DEFAULTS.
_FLOOD_OFF = {
    "QUESTION_IP_RATE_COUNT": 0,
    "QUESTION_TOWNHALL_RATE_COUNT": 0,
    "VOTE_RATE_COUNT": 0,
    "VOTE_IP_RATE_COUNT": 0,
    "VOTE_TOWNHALL_RATE_COUNT": 0,
    "CITIZEN_SESSION_RATE_COUNT": 0,
    "VOTE_MIN_SESSION_AGE": 0,
    "FLOOD_ALERT_MIN_QUESTIONS": 10**9,
    "FLOOD_ALERT_MIN_VOTES": 10**9,
    "FLOOD_ALERT_MIN_SESSIONS": 10**9,
}
FLOOD_CONTROL_DEFAULTS = {name: globals()[name] for name in _FLOOD_OFF}
for _name, _off in _FLOOD_OFF.items():
    globals()[_name] = int(os.environ[_name]) if os.environ.get(_name) else _off
