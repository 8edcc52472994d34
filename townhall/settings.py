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
from datetime import timedelta
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
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost,[::1],testserver")
_DEV_SECRET = "insecure-dev-key-set-SECRET_KEY-in-production"
# The development key is public (it is in this file), and so is the env
# example's placeholder: whoever knows the key can forge sessions (log in as
# any moderator) and CSRF tokens. Development means DEBUG on, or a server that
# answers only for this machine (ALLOWED_HOSTS all loopback or the test
# client's host): `make run` and `make test` need no key. Anything else that
# still has a public key stops at start.
_PUBLIC_SECRETS = {_DEV_SECRET, "change-me"}
_LOCAL_HOSTS = {"127.0.0.1", "localhost", "[::1]", "::1", "testserver"}
SECRET_KEY = os.environ.get("SECRET_KEY") or _DEV_SECRET
if not DEBUG and SECRET_KEY in _PUBLIC_SECRETS:
    if env_bool("REQUIRE_SECRET_KEY", False) or not set(ALLOWED_HOSTS) <= _LOCAL_HOSTS:
        raise ImproperlyConfigured(
            "SECRET_KEY is not set (or is the public example value) while ALLOWED_HOSTS names "
            f"{', '.join(sorted(set(ALLOWED_HOSTS) - _LOCAL_HOSTS)) or 'this server'}: set SECRET_KEY to a long "
            "random string (python3 -c 'import secrets; print(secrets.token_urlsafe(50))'), see docs/deploy.md"
        )
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
    "axes",
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
    # Last, as django-axes asks: turns a locked-out login into its page.
    "axes.middleware.AxesMiddleware",
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

# --- Websocket frames and Origin (issue 10; docs/security.md, "Text, frames and Origin")
# Frames over 16 KiB get bad_request; a frame (or fragmented message) over
# WEBSOCKET_MAX_FRAME bytes is not read at all: the socket is closed with 1009
# (consumers/frames.py). The Origin check needs no setting of its own: it
# uses ALLOWED_HOSTS, CSRF_TRUSTED_ORIGINS and TRUST_X_FORWARDED_PROTO.
WEBSOCKET_MAX_FRAME = env_int("WEBSOCKET_MAX_FRAME", 1024 * 1024)
if WEBSOCKET_MAX_FRAME <= 16 * 1024:
    raise ImproperlyConfigured("WEBSOCKET_MAX_FRAME must be over 16384 bytes (frames up to that get bad_request)")

# --- Auth and sessions ---------------------------------------------------------
LOGIN_URL = "/accounts/login/"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "/"
# django-axes checks (and counts) every login before the password does.
AUTHENTICATION_BACKENDS = [
    "townhall.login_throttle.LoginThrottleBackend",
    "django.contrib.auth.backends.ModelBackend",
]
SESSION_COOKIE_AGE = 60 * 60 * 24 * 7

# --- Personal data: retention (issue 11; docs/security.md, "Personal data") ----
# Days after a town hall closes before `manage.py purge` removes its personal
# data (names, places, participant ids, addresses, texts never made public).
RETENTION_DAYS = env_int("RETENTION_DAYS", 30)
if RETENTION_DAYS < 0:
    raise ImproperlyConfigured("RETENTION_DAYS must be 0 or more")
# A citizen's session cookie (their participant ids) lives this many seconds
# after their last visit to a citizen page, a day by default: long enough to
# download or erase their questions after the town hall, never longer than
# the retention (a moderator's session keeps SESSION_COOKIE_AGE).
CITIZEN_SESSION_AGE = min(env_int("CITIZEN_SESSION_AGE", 60 * 60 * 24), max(RETENTION_DAYS, 1) * 86400)
if CITIZEN_SESSION_AGE < 60:
    raise ImproperlyConfigured("CITIZEN_SESSION_AGE must be 60 seconds or more")
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
# Cookies sent over HTTPS only: SECURE_COOKIES sets both, each may be set on its own.
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", env_bool("SECURE_COOKIES", False))
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", env_bool("SECURE_COOKIES", False))

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

# --- Accounts, deployment and logs (issue 10; docs/security.md) ---------------
# How many proxies in front of Daphne set X-Forwarded-For (nginx: 1). 0, the
# default, ignores the header (a client can write it): townhall/client_ip.py,
# used by login throttling, flood control and /healthz.
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0)

# Login throttling (django-axes): after LOGIN_FAILURE_LIMIT wrong passwords for
# one username from one address, that pair is refused for LOGIN_COOLOFF_SECONDS
# (a page says so, HTTP 429), even with the right password. Other users, and
# the same user from another address, are unaffected; a successful login
# resets the count. Attempts are kept in the database (shared by every process).
AXES_ENABLED = env_bool("LOGIN_THROTTLE", True)
AXES_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(seconds=env_int("LOGIN_COOLOFF_SECONDS", 900))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_CLIENT_IP_CALLABLE = "townhall.client_ip.client_ip"
AXES_LOCKOUT_CALLABLE = "townhall.login_throttle.locked_out"
AXES_RESET_ON_SUCCESS = True
# No row per successful login (address, browser): only failed attempts are kept.
AXES_DISABLE_ACCESS_LOG = True
AXES_VERBOSE = False

# Mail: password reset needs it. Without EMAIL_HOST the reset pages do not
# exist (404) and the login page does not offer them; accounts are reset with
# `manage.py changepassword`.
EMAIL_HOST = os.environ.get("EMAIL_HOST", "")
EMAIL_PORT = env_int("EMAIL_PORT", 587)
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", True)
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "webmaster@localhost")
PASSWORD_RESET_ENABLED = bool(EMAIL_HOST)

# HTTPS. nginx redirects plain HTTP (deploy/nginx/townhall.conf), so Django's
# own redirect is off by default; behind that proxy check --deploy's reminder
# about it (security.W008) is silenced below. Turning it on behind nginx
# changes nothing; reached directly it would also redirect the loopback
# /healthz, hence the exemption.
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", False)
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
# Strict-Transport-Security, sent on HTTPS responses: browsers then refuse
# plain HTTP to this host for that many seconds. Start low (300) and raise it
# (31536000) once HTTPS works; the env example sets a year.
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", False)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
SILENCED_SYSTEM_CHECKS = [
    # HSTS preload is a commitment made for a whole registered domain (on
    # hstspreload.org), not by one service on one of its hosts: left to the operator.
    "security.W021",
]
if env_bool("TRUST_X_FORWARDED_PROTO", False):
    # Behind the TLS proxy, which redirects HTTP to HTTPS itself.
    SILENCED_SYSTEM_CHECKS.append("security.W008")

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
# Detoxify model: multilingual (the default: reads French and English), original,
# unbiased, original-small, unbiased-small (English only). See docs/toxicity.md.
TOXICITY_MODEL = os.environ.get("TOXICITY_MODEL", "multilingual")
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
# --- Flood control (docs/security.md, "Flood control") -------------------------
# A town hall puts hundreds of phones behind one public address, so each
# limit per address is sized for a full room; the per-session and per-town-hall
# limits hold a script that rotates sessions or addresses.
# The client's address: townhall/client_ip.py (TRUSTED_PROXY_COUNT, above).
# Questions: per citizen session, per address, per town hall (count per window in seconds).
QUESTION_RATE_COUNT = env_int("QUESTION_RATE_COUNT", 5)
QUESTION_RATE_WINDOW = env_int("QUESTION_RATE_WINDOW", 60)
# --- Rights and sockets (docs/security.md, "Rights and sockets") -----------
# Open citizen sockets one session may hold, per server process (4429 beyond);
# its sockets share one frame budget (30 frames in 10 s).
SOCKETS_PER_SESSION = env_int("SOCKETS_PER_SESSION", 10)
QUESTION_IP_RATE_COUNT = env_int("QUESTION_IP_RATE_COUNT", 60)
QUESTION_IP_RATE_WINDOW = env_int("QUESTION_IP_RATE_WINDOW", 60)
QUESTION_TOWNHALL_RATE_COUNT = env_int("QUESTION_TOWNHALL_RATE_COUNT", 120)
QUESTION_TOWNHALL_RATE_WINDOW = env_int("QUESTION_TOWNHALL_RATE_WINDOW", 60)
# Votes: per session, per address, per town hall.
VOTE_RATE_COUNT = env_int("VOTE_RATE_COUNT", 30)
VOTE_RATE_WINDOW = env_int("VOTE_RATE_WINDOW", 60)
VOTE_IP_RATE_COUNT = env_int("VOTE_IP_RATE_COUNT", 1000)
VOTE_IP_RATE_WINDOW = env_int("VOTE_IP_RATE_WINDOW", 60)
VOTE_TOWNHALL_RATE_COUNT = env_int("VOTE_TOWNHALL_RATE_COUNT", 5000)
VOTE_TOWNHALL_RATE_WINDOW = env_int("VOTE_TOWNHALL_RATE_WINDOW", 60)
# A session must be this old (seconds) before it may vote.
VOTE_MIN_SESSION_AGE = env_int("VOTE_MIN_SESSION_AGE", 10)
# New citizen sessions (the citizen page draws them) per address.
CITIZEN_SESSION_RATE_COUNT = env_int("CITIZEN_SESSION_RATE_COUNT", 500)
CITIZEN_SESSION_RATE_WINDOW = env_int("CITIZEN_SESSION_RATE_WINDOW", 600)
# flood.alert: a town hall's questions, votes or new sessions over the last
# FLOOD_ALERT_WINDOW seconds reach FLOOD_ALERT_FACTOR times their average per
# window over the FLOOD_ALERT_BASELINE seconds before, and at least the minimum.
FLOOD_ALERT_WINDOW = env_int("FLOOD_ALERT_WINDOW", 60)
FLOOD_ALERT_BASELINE = env_int("FLOOD_ALERT_BASELINE", 600)
FLOOD_ALERT_FACTOR = env_float("FLOOD_ALERT_FACTOR", 4.0)
FLOOD_ALERT_MIN_QUESTIONS = env_int("FLOOD_ALERT_MIN_QUESTIONS", 40)
FLOOD_ALERT_MIN_VOTES = env_int("FLOOD_ALERT_MIN_VOTES", 400)
FLOOD_ALERT_MIN_SESSIONS = env_int("FLOOD_ALERT_MIN_SESSIONS", 50)
# How long (seconds) a moderator's decision can be undone (decision.undo).
UNDO_WINDOW = env_int("UNDO_WINDOW", 300)
# The public base of every link the service builds (console's screen and join
# links, the QR code, the moderators' snapshot, management commands), e.g.
# https://questions.example.org. Empty: pages build links from the request
# (https when it is secure), the rest use http://127.0.0.1:8000 (make run).
PUBLIC_BASE_URL = os.environ.get("PUBLIC_BASE_URL", "")

# Data protection (docs/security.md, the privacy notice on the citizen and
# charter pages, which also state RETENTION_DAYS, above): the data controller
# (the council or body that runs the town halls) and how to reach it. Set
# them per deployment.
PRIVACY_CONTROLLER = os.environ.get("PRIVACY_CONTROLLER", "")
PRIVACY_CONTACT = os.environ.get("PRIVACY_CONTACT", "")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {"django.channels.server": {"level": "WARNING"}},
}
