"""Pages and sockets a public server must not give away: /healthz details,
password reset without mail, draft town halls, http:// links behind the TLS
proxy (docs/security.md, "Accounts, deployment and logs")."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

import pytest
import segno
from channels.db import database_sync_to_async
from django.test import Client

from harness.servers import free_port
from tests.support import factories
from tests.support.ws import close_code, expect

ROOT = Path(__file__).resolve().parents[1]
OUTSIDE = "203.0.113.7"  # a documentation address: anyone on the internet


# --- /healthz ---------------------------------------------------------------------


@pytest.mark.django_db
def test_healthz_tells_anyone_only_ok_or_degraded():
    # given / when someone on the internet asks
    response = Client(REMOTE_ADDR=OUTSIDE).get("/healthz")

    # then the status, and nothing about the database, Redis or the scorer
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert "no-cache" in response.headers["Cache-Control"]


@pytest.mark.django_db
def test_a_degraded_server_tells_anyone_503_without_hosts_or_errors(settings):
    # given a channel layer on a Redis port where nothing listens
    port = free_port()
    settings.CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {"hosts": [f"redis://127.0.0.1:{port}/0"]},
        }
    }

    # when someone on the internet asks, and the server itself
    public = Client(REMOTE_ADDR=OUTSIDE).get("/healthz")
    local = Client().get("/healthz")

    # then the public answer says degraded, and only that
    assert public.status_code == 503
    assert public.json() == {"status": "degraded"}
    assert str(port) not in public.content.decode()
    # and the server itself gets the details
    assert local.status_code == 503
    body = local.json()
    assert body["channel_layer"]["status"] == "down" and str(port) in body["channel_layer"]["error"]


@pytest.mark.django_db
def test_staff_get_the_details_from_anywhere():
    # given a staff user and a moderator who is not staff
    staff = Client(REMOTE_ADDR=OUTSIDE)
    staff.force_login(factories.make_user("admin", is_staff=True))
    moderator = Client(REMOTE_ADDR=OUTSIDE)
    moderator.force_login(factories.make_user("alice"))

    # when / then
    assert {"database", "channel_layer", "scorer"} <= set(staff.get("/healthz").json())
    assert moderator.get("/healthz").json() == {"status": "ok"}


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("trusted", "forwarded_for", "details"),
    [
        pytest.param(0, None, True, id="loopback, no proxy: the machine itself"),
        pytest.param(0, "127.0.0.1", False, id="untrusted X-Forwarded-For: a proxy may relay anyone"),
        pytest.param(1, "127.0.0.1", True, id="through nginx, from the machine itself"),
        pytest.param(1, OUTSIDE, False, id="through nginx, from the internet"),
        pytest.param(1, f"127.0.0.1, {OUTSIDE}", False, id="a forged entry before nginx's"),
    ],
)
def test_loopback_gets_the_details_only_when_it_is_really_this_machine(settings, trusted, forwarded_for, details):
    # given requests reaching Daphne from 127.0.0.1 (nginx, or a local curl)
    settings.TRUSTED_PROXY_COUNT = trusted
    headers = {} if forwarded_for is None else {"HTTP_X_FORWARDED_FOR": forwarded_for}

    # when
    body = Client(REMOTE_ADDR="127.0.0.1").get("/healthz", **headers).json()

    # then
    assert ("database" in body) is details


# --- password reset without mail ---------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    "path", ["/accounts/password_reset/", "/accounts/password_reset/done/", "/accounts/reset/MQ/x-y/"]
)
def test_no_password_reset_pages_without_mail(settings, path):
    # given no EMAIL_HOST (the default)
    assert settings.EMAIL_HOST == "" and not settings.PASSWORD_RESET_ENABLED

    # when / then
    assert Client().get(path).status_code == 404


@pytest.mark.django_db
def test_the_login_page_offers_no_password_reset_without_mail():
    page = Client().get("/accounts/login/").content.decode()
    assert "password_reset" not in page and "password-reset-link" not in page


WITH_MAIL = """
import django
django.setup()
from django.conf import settings
from django.test import Client
client = Client()
print(settings.PASSWORD_RESET_ENABLED, client.get("/accounts/password_reset/").status_code,
      'data-testid="password-reset-link"' in client.get("/accounts/login/").content.decode())
"""


def test_with_mail_configured_password_reset_is_offered():
    # given EMAIL_HOST (URLs are read once per process: a subprocess)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_", "SQLITE_PATH", "REDIS_URL"))}
    env.update(DJANGO_SETTINGS_MODULE="townhall.settings", EMAIL_HOST="mail.example.org")

    # when
    result = subprocess.run(
        [sys.executable, "-c", WITH_MAIL], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )

    # then the reset page exists and the login page links to it
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["True", "200", "True"]


# --- draft town halls ---------------------------------------------------------------


@database_sync_to_async
def draft_room():
    moderator = factories.make_user("alice")
    townhall = factories.make_townhall(moderators=[moderator], slug="draft-room", status="draft")
    return townhall, moderator


@pytest.mark.django_db
def test_a_draft_is_not_found_by_citizens_or_the_screen_but_its_moderators_open_the_console():
    # given a draft town hall
    moderator = factories.make_user("alice")
    townhall = factories.make_townhall(moderators=[moderator], slug="draft-room", status="draft")
    anyone = Client()

    # when / then citizens, the screen (even with its key) and the join code find nothing
    assert anyone.get("/t/draft-room/").status_code == 404
    assert anyone.get("/t/draft-room/qr.svg").status_code == 404
    assert anyone.get(f"/t/draft-room/screen/?key={townhall.screen_key}").status_code == 404
    assert anyone.get(f"/join?code={townhall.join_code}").status_code == 404
    # and its moderator still opens the console
    console = Client()
    console.force_login(moderator)
    assert console.get("/t/draft-room/moderate/").status_code == 200


@pytest.mark.django_db(transaction=True)
@pytest.mark.asyncio
async def test_a_draft_closes_citizen_and_screen_sockets_4404_but_not_the_console(connect):
    # given a draft town hall, a citizen session and the moderator's
    townhall, moderator = await draft_room()
    citizen_session, _ = await database_sync_to_async(factories.citizen_session)(townhall)
    moderator_session = await database_sync_to_async(factories.login_session)(moderator)

    # when the three sockets open
    citizen = await connect("/ws/t/draft-room/", session=citizen_session, expect_snapshot=False)
    screen = await connect(f"/ws/t/draft-room/screen/?key={townhall.screen_key}", expect_snapshot=False)
    console = await connect("/ws/t/draft-room/moderate/", session=moderator_session)

    # then citizens and the screen are told it does not exist; the console gets its snapshot
    assert await close_code(citizen) == 4404
    assert await close_code(screen) == 4404
    snapshot = await expect(console, "snapshot")
    assert snapshot["townhall"]["status"] == "draft"


# --- links behind the TLS proxy -----------------------------------------------------


def qr_svg(url: str) -> bytes:
    buffer = io.BytesIO()
    segno.make(url, error="m").save(buffer, kind="svg", scale=8, border=2, dark="#000", light="#fff", xmldecl=False)
    return buffer.getvalue()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("public_base_url", "expected_base"),
    [
        pytest.param("", "https://questions.example.org", id="from the secure request"),
        pytest.param("https://questions.example.org", "https://questions.example.org", id="PUBLIC_BASE_URL"),
    ],
)
def test_links_are_https_behind_the_tls_proxy(settings, public_base_url, expected_base):
    # given Daphne behind nginx, which says the browser used HTTPS
    settings.ALLOWED_HOSTS = ["questions.example.org", "127.0.0.1"]
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    settings.PUBLIC_BASE_URL = public_base_url
    moderator = factories.make_user("alice")
    townhall = factories.make_townhall(moderators=[moderator], slug="room")
    client = Client(HTTP_HOST="questions.example.org", HTTP_X_FORWARDED_PROTO="https")
    client.force_login(moderator)

    # when the console, the screen and the QR code are fetched through the proxy
    console = client.get("/t/room/moderate/")
    screen = client.get(f"/t/room/screen/?key={townhall.screen_key}")
    qr = client.get("/t/room/qr.svg")

    # then every link is https on the public host
    assert console.context["screen_url"] == f"{expected_base}/t/room/screen/?key={townhall.screen_key}"
    assert screen.context["join_url"] == f"{expected_base}/t/room/"
    assert qr.content == qr_svg(f"{expected_base}/t/room/")


@pytest.mark.django_db
def test_public_base_url_wins_over_what_the_request_says(settings):
    # given PUBLIC_BASE_URL, and a request that reached Daphne as plain HTTP on
    # another host name (a proxy that does not send X-Forwarded-Proto)
    settings.ALLOWED_HOSTS = ["questions.example.org", "127.0.0.1"]
    settings.PUBLIC_BASE_URL = "https://questions.example.org/"
    moderator = factories.make_user("alice")
    townhall = factories.make_townhall(moderators=[moderator], slug="room")
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(moderator)

    # when
    console = client.get("/t/room/moderate/")
    qr = client.get("/t/room/qr.svg")

    # then the console's and the QR's links are on the public base, like the snapshot's
    assert console.context["screen_url"] == f"https://questions.example.org/t/room/screen/?key={townhall.screen_key}"
    assert qr.content == qr_svg("https://questions.example.org/t/room/")


@pytest.mark.django_db(transaction=True)
@pytest.mark.asyncio
async def test_the_moderators_snapshot_links_use_public_base_url(settings, connect):
    # given PUBLIC_BASE_URL
    settings.PUBLIC_BASE_URL = "https://questions.example.org"

    @database_sync_to_async
    def room():
        moderator = factories.make_user("alice")
        townhall = factories.make_townhall(moderators=[moderator], slug="room")
        return townhall, factories.login_session(moderator)

    townhall, session = await room()

    # when the console's socket opens
    console = await connect("/ws/t/room/moderate/", session=session)
    snapshot = await expect(console, "snapshot")

    # then
    assert snapshot["townhall"]["join_url"] == "https://questions.example.org/t/room/"
    assert snapshot["townhall"]["screen_url"].startswith("https://questions.example.org/t/room/screen/?key=")
