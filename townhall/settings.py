"""Settings for the town-hall moderation service.

Everything is configured from environment variables, with embedded defaults
that run on a fresh machine: SQLite, the in-memory channel layer, and the
Detoxify scorer, which falls back to the offline scorer (shipped model and
lexicons) when its model cannot be loaded. ``DATABASE_URL`` switches to
PostgreSQL (or any database dj-database-url understands) and ``REDIS_URL``
switches the channel layer to channels_redis so that several Daphne
processes share events. The README's Configuration table lists every variable.
"""

from __future__ import annotations

import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def _env_number(name: str, default, kind, noun: str):
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        return kind(raw)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name} must be {noun}, got {raw!r}") from exc


def env_int_list(name: str, default: str) -> list[int]:
    items = env_list(name, default)
    try:
        return [int(item) for item in items]
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name} must be whole numbers separated by commas, got {items!r}") from exc


def env_float(name: str, default: float) -> float:
    return _env_number(name, default, float, "a number")


def env_int(name: str, default: int) -> int:
    return _env_number(name, default, int, "a whole number")


DEBUG = env_bool("DEBUG", False)
_DEV_SECRET = "insecure-dev-key-set-SECRET_KEY-in-production"
SECRET_KEY = os.environ.get("SECRET_KEY", _DEV_SECRET)
if not DEBUG and SECRET_KEY == _DEV_SECRET and env_bool("REQUIRE_SECRET_KEY", False):
    raise ImproperlyConfigured("SECRET_KEY must be set in production")

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost,[::1],testserver")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "")
# Behind a TLS proxy (deploy/nginx/townhall.conf) Daphne sees plain HTTP. With
# this switch, a request is HTTPS when the proxy says so in X-Forwarded-Proto:
# links built from the request are https://, and the CSRF check accepts the
# page's https:// Origin. Only set it when every request comes through a proxy
# that overwrites that header (Daphne on loopback behind nginx); otherwise a
# client could claim HTTPS.
if env_bool("TRUST_X_FORWARDED_PROTO", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

INSTALLED_APPS = [
    "daphne",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "channels",
    "moderation.apps.ModerationConfig",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "townhall.middleware.ContentSecurityPolicyMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "townhall.urls"
ASGI_APPLICATION = "asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "townhall.context_processors.rules",
            ],
        },
    },
]

# --- Database: SQLite file by default, DATABASE_URL otherwise -----------------
_DEFAULT_SQLITE = BASE_DIR / "var" / "townhall.sqlite3"
_SQLITE_ENGINE = "django.db.backends.sqlite3"
_POSTGRES_ENGINE = "django.db.backends.postgresql"


def _sqlite_database(name: str) -> dict:
    """The same options whether SQLite is the default or a ``sqlite:`` DATABASE_URL.

    WAL lets readers and the writer work at once (with a rollback journal a
    commit waits for every reader to finish, and locks them out meanwhile);
    IMMEDIATE transactions take the write lock up front, so concurrent
    writers queue (for up to the busy timeout, 20 s) instead of failing with
    "database is locked" when a read lock is upgraded. The journal mode is
    kept in the file; setting it again on each connection is cheap.
    """
    return {
        "ENGINE": _SQLITE_ENGINE,
        "NAME": name,
        "OPTIONS": {"init_command": "PRAGMA journal_mode=WAL;", "timeout": 20, "transaction_mode": "IMMEDIATE"},
    }


def _pool_options() -> dict[str, int | float]:
    """psycopg_pool's bounds for this process, from the environment.

    Under ASGI every sync view runs in a thread of its own, besides the
    sockets' shared database thread, the moderators' and the seq watch's
    (consumers/db.py, consumers/watch.py). Each one takes a connection from
    the pool for one unit of work (a request, a ``database_sync_to_async``
    call) and gives it back at its end, so at most ``max_size`` are open in
    the process, whatever the number of threads: the others wait for one, up
    to ``timeout`` seconds, then fail with an OperationalError (a page
    answers 500) rather than open more. The defaults suit two Daphne processes and
    a scoring worker on a stock PostgreSQL (max_connections=100, 3 reserved
    for superusers): 3 × 10 = 30 at most, which leaves room for a process
    restarting beside the old one, ``manage.py`` commands, psql and backups;
    on 2 cores more concurrent queries would only queue inside PostgreSQL.
    ``min_size`` connections stay open when idle, so a quiet process answers
    without connecting first.
    """
    options = {
        "min_size": env_int("DATABASE_POOL_MIN_SIZE", 2),
        "max_size": env_int("DATABASE_POOL_MAX_SIZE", 10),
        "timeout": env_float("DATABASE_POOL_TIMEOUT", 10.0),
    }
    if not 0 <= options["min_size"] <= options["max_size"] or options["max_size"] < 1:
        raise ImproperlyConfigured(
            "DATABASE_POOL_MIN_SIZE and DATABASE_POOL_MAX_SIZE must satisfy 0 <= min <= max and max >= 1, "
            f"got {options['min_size']} and {options['max_size']}"
        )
    if options["timeout"] <= 0:
        raise ImproperlyConfigured(f"DATABASE_POOL_TIMEOUT must be above 0, got {options['timeout']}")
    return options


def _database_from_url(url: str) -> dict:
    parsed = dj_database_url.parse(url)
    if parsed["ENGINE"] == _SQLITE_ENGINE:
        return _sqlite_database(parsed["NAME"])
    conn_max_age = env_int("DATABASE_CONN_MAX_AGE", 0)
    if parsed["ENGINE"] == _POSTGRES_ENGINE and env_bool("DATABASE_POOL", True):
        # Django's connection pool: a connection goes back to the pool when
        # Django closes it (the end of a request, of a database_sync_to_async
        # call), which it does only with CONN_MAX_AGE=0. The health check runs
        # as a connection leaves the pool: one PostgreSQL dropped (a restart)
        # is replaced instead of failing the request.
        if conn_max_age:
            raise ImproperlyConfigured(
                "DATABASE_CONN_MAX_AGE keeps a connection per thread and cannot be used with the connection "
                "pool: leave it unset, or turn the pool off with DATABASE_POOL=0"
            )
        database = dj_database_url.parse(url, conn_max_age=0, conn_health_checks=True)
        database.setdefault("OPTIONS", {})["pool"] = _pool_options()
        return database
    # No pool (DATABASE_POOL=0, e.g. behind PgBouncer, or another engine):
    # a connection per unit of work, or Django's persistent connections with
    # DATABASE_CONN_MAX_AGE. Under ASGI every request runs in a new thread, so
    # a persistent connection is never reused and stays open until the
    # garbage collector frees it: hundreds of page loads exhaust PostgreSQL
    # (bench/pageloads.py). Django's documentation says to leave it at 0.
    return dj_database_url.parse(url, conn_max_age=conn_max_age, conn_health_checks=True)


if os.environ.get("DATABASE_URL"):
    DATABASES = {"default": _database_from_url(os.environ["DATABASE_URL"])}
else:
    DATABASES = {"default": _sqlite_database(os.environ.get("SQLITE_PATH", str(_DEFAULT_SQLITE)))}
if os.environ.get("TEST_DATABASE_NAME"):
    # Lets two test runs share one database server without sharing a test database.
    DATABASES["default"]["TEST"] = {"NAME": os.environ["TEST_DATABASE_NAME"]}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Channel layer: in-memory by default, Redis with REDIS_URL -----------------
REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {
                "hosts": [REDIS_URL],
                "prefix": os.environ.get("CHANNEL_PREFIX", "townhall"),
                "capacity": 1000,
                "expiry": 30,
            },
        }
    }
else:
    # One process. The same per-socket capacity as Redis above: a socket that
    # falls more than this many events behind loses the overflow, and catches
    # up from the database when it sees the next event (gap replay).
    CHANNEL_LAYERS = {
        "default": {"BACKEND": "townhall.channel_layer.TownHallInMemoryChannelLayer", "CONFIG": {"capacity": 1000}}
    }

# --- Auth and sessions ---------------------------------------------------------
LOGIN_URL = "/accounts/login/"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "/"
SESSION_COOKIE_AGE = 60 * 60 * 24 * 7
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", False)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]

# --- Internationalisation ----------------------------------------------------
LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("fr", "Français")]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
TIME_ZONE = os.environ.get("TIME_ZONE", "Europe/Paris")
USE_TZ = True

# --- Static files (self-hosted, served by WhiteNoise) --------------------------
STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
# Only needed for `collectstatic`; WhiteNoise serves straight from static/ otherwise.
STATIC_ROOT = os.environ.get("STATIC_ROOT") or None
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG

# --- Security headers --------------------------------------------------------
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'"
)

# --- Toxicity scoring ----------------------------------------------------------
# Which engine pre-ranks questions: "detoxify" (the default; falls back to the
# offline scorer with one warning when the model cannot be loaded) or
# "offline" (the shipped linear model plus held-term lexicons, no download).
TOXICITY_SCORER = os.environ.get("TOXICITY_SCORER", "detoxify")
# Detoxify model: original, unbiased, multilingual, original-small, unbiased-small.
TOXICITY_MODEL = os.environ.get("TOXICITY_MODEL", "original")
# Directory made by `manage.py toxicity_model fetch`: loading is then fully offline.
TOXICITY_MODEL_DIR = os.environ.get("TOXICITY_MODEL_DIR", "")
TOXICITY_DEVICE = os.environ.get("TOXICITY_DEVICE", "cpu")
TOXICITY_QUANTIZE = env_bool("TOXICITY_QUANTIZE", False)
# Threads torch may use for inference (0: one per core).
TOXICITY_THREADS = env_int("TOXICITY_THREADS", 0)
# "local": score in a thread of each Daphne process; "worker": hand questions to
# `manage.py runworker toxicity-scoring` processes over the Redis channel layer.
SCORING_MODE = os.environ.get("SCORING_MODE", "local")
# Micro-batching: wait this long for more questions, up to this many per batch.
SCORING_BATCH_WAIT_MS = env_float("SCORING_BATCH_WAIT_MS", 5.0)
SCORING_BATCH_SIZE = env_int("SCORING_BATCH_SIZE", 16)
# How many times a question is tried before it is left unscored for good.
SCORING_MAX_ATTEMPTS = env_int("SCORING_MAX_ATTEMPTS", 3)
# Queue again, when a process starts, the questions a crash or restart left unscored.
SCORING_RECOVER_ON_START = env_bool("SCORING_RECOVER_ON_START", True)
# Seconds before the first retry of a failed attempt; doubles each time.
SCORING_RETRY_DELAY = env_float("SCORING_RETRY_DELAY", 5.0)
# --- Town-hall behaviour -----------------------------------------------------
# Seconds a scoring call may take before the question is left unscored.
SCORING_TIMEOUT = env_float("SCORING_TIMEOUT", 10.0)
# Every this many seconds, each process re-queues the questions left waiting
# for a score for longer than twice SCORING_TIMEOUT (a lost task).
SCORING_SWEEP_INTERVAL = env_float("SCORING_SWEEP_INTERVAL", 60.0)
# Every this many seconds, each process reads the last seq of the town halls
# it has sockets for and replays what it missed (writes by other processes,
# signals the layer lost). See consumers/watch.py.
SEQ_POLL_INTERVAL = env_float("SEQ_POLL_INTERVAL", 2.0)
# --- Faults (docs/security.md, "Faults") ---------------------------------------
# A socket whose client does not read is closed with 4408 once more than this
# many bytes wait in the server's buffer for it (consumers/send_buffer.py).
SOCKET_BUFFER_LIMIT = env_int("SOCKET_BUFFER_LIMIT", 1024 * 1024)
# Votes are coalesced: each process reports the vote counts of a town hall at
# most this often (seconds), in one question.votes event (docs/protocol.md).
VOTE_FLUSH_INTERVAL = env_float("VOTE_FLUSH_INTERVAL", 0.5)
# The garbage collector's thresholds in server processes (townhall/collector.py),
# three whole numbers; empty keeps Python's (700,10,10).
GC_THRESHOLDS = tuple(env_int_list("GC_THRESHOLDS", "50000,20,10"))
# Citizen rate limit: at most QUESTION_RATE_COUNT questions per QUESTION_RATE_WINDOW seconds.
QUESTION_RATE_COUNT = env_int("QUESTION_RATE_COUNT", 5)
QUESTION_RATE_WINDOW = env_int("QUESTION_RATE_WINDOW", 60)
# How long (seconds) a moderator's decision can be undone (decision.undo).
UNDO_WINDOW = env_int("UNDO_WINDOW", 300)
# Public base URL printed by management commands.
PUBLIC_BASE_URL = os.environ.get("PUBLIC_BASE_URL", "http://127.0.0.1:8000")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {"django.channels.server": {"level": "WARNING"}},
}
