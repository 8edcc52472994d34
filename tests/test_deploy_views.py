"""Pages and sockets a public server must not give away: /healthz details,
password reset without mail, draft town halls, http:// links behind the TLS
proxy (docs/security.md, "Accounts, deployment and logs")."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.test import Client

from harness.servers import free_port
from tests.support import factories

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


