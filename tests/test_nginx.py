"""The front door of docs/deploy.md: nginx (Debian's package) terminates TLS in
front of two Daphne processes on PostgreSQL and Redis, and a citizen, a
moderator and the screen use the service through it, in headless Chromium,
over https:// and wss:// only.

nginx runs the shipped ``deploy/nginx/townhall.conf`` with only its
deployment values replaced (ports, host name, certificate, paths), as a
private instance of this test (its own prefix, ports and PID), never the
system's service. The Daphne processes get the production settings the env
example gives for a TLS proxy (``TRUST_X_FORWARDED_PROTO``, ``SECURE_COOKIES``,
an https ``PUBLIC_BASE_URL``) and no ``CSRF_TRUSTED_ORIGINS``.
"""

from __future__ import annotations

import http.client
import json
import os
import re
import shutil
import ssl
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.support.browser import OwnContexts
from tests.support.nginx import HOST, NGINX, Nginx, main_config, self_signed_certificate, site_config
from tests.support.servers import (
    ROOT,
    DaphneServer,
    ServerGroup,
    free_port,
    fresh_database,
    manage,
    reachable_redis,
    service_unavailable,
)

PASSWORD = "nginx-test-password"
SHOTS = ROOT / "var" / "screenshots"  # for a person to look at, never published
# A request line of the shipped log format: request, status, upstream.
LOG_LINE = re.compile(r'"(?P<method>[A-Z]+) (?P<path>\S+) [^"]*" (?P<status>\d{3}) .* upstream=(?P<upstream>\S+) ')


# --- fixtures --------------------------------------------------------------------------------


@dataclass
class FrontDoor:
    nginx: Nginx
    http_port: int
    https_port: int
    servers: list[DaphneServer]
    access_log: Path

    @property
    def url(self) -> str:
        return f"https://{HOST}:{self.https_port}"

    def log_lines(self) -> list[dict[str, str]]:
        text = self.access_log.read_text() if self.access_log.exists() else ""
        return [match.groupdict() for match in map(LOG_LINE.search, text.splitlines()) if match]


@pytest.fixture(scope="module")
def front_door(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FrontDoor]:
    """nginx on two free ports (HTTP, HTTPS) in front of two Daphne processes, for the module.

    The demo town hall on a fresh PostgreSQL database, the Redis channel
    layer, static files collected into a STATIC_ROOT of the test's own.
    """
    if not os.access(NGINX, os.X_OK):
        service_unavailable(f"{NGINX} is missing (make nginx, or apt-get install nginx)")
    if shutil.which("openssl") is None:
        service_unavailable("openssl is missing (apt-get install openssl)")
    redis_url = reachable_redis()
    directory = tmp_path_factory.mktemp("nginx")
    http_port, https_port = free_port(), free_port()
    static_root, logs = directory / "static", directory / "logs"
    logs.mkdir()
    certificate, key = self_signed_certificate(directory)
    group = ServerGroup()
    with fresh_database(require_postgres=True) as database_url:
        try:
            manage(database_url, "demo", env={"DEMO_MODERATOR_PASSWORD": PASSWORD})
            manage(database_url, "collectstatic", "--noinput", env={"STATIC_ROOT": str(static_root)})
            servers = group.start_many(
                2,
                database_url,
                redis_url,
                ALLOWED_HOSTS=f"{HOST},127.0.0.1",
                PUBLIC_BASE_URL=f"https://{HOST}:{https_port}",
                TRUST_X_FORWARDED_PROTO="1",
                TRUSTED_PROXY_COUNT="1",
                SECURE_COOKIES="1",
            )
            site = directory / "townhall.conf"
            site.write_text(
                site_config(
                    http_port=http_port,
                    https_port=https_port,
                    daphne_ports=(servers[0].port, servers[1].port),
                    certificate=certificate,
                    key=key,
                    static_root=static_root,
                    logs=logs,
                )
            )
            config = directory / "nginx.conf"
            config.write_text(main_config(directory, site))
            nginx = Nginx(directory, config, https_port)
            nginx.check()
            nginx.start()
            try:
                yield FrontDoor(nginx, http_port, https_port, servers, logs / "access.log")
            finally:
                nginx.stop()
                # Captured: pytest shows it only when a test failed.
                print(f"===== nginx =====\n{nginx.logs()}")
        finally:
            group.close()


# --- helpers ------------------------------------------------------------------------------------


def https_get(door: FrontDoor, path: str, referer: str | None = None) -> http.client.HTTPResponse:
    """GET over HTTPS through nginx (the test's certificate is self-signed)."""
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    connection = http.client.HTTPSConnection("127.0.0.1", door.https_port, context=context, timeout=10)
    headers = {"Host": f"{HOST}:{door.https_port}"}
    if referer is not None:
        headers["Referer"] = referer
    connection.request("GET", path, headers=headers)
    return connection.getresponse()


def watch(page, problems: list[str], sockets: list[str], frames: list[dict] | None = None):
    """Collect the page's errors, the URLs of its sockets and (if asked) the frames they receive."""
    page.on("console", lambda m: problems.append(f"console {m.type}: {m.text}") if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(f"page error: {e}"))

    def opened(ws) -> None:
        sockets.append(ws.url)
        if frames is not None:
            ws.on("framereceived", lambda payload: frames.append(json.loads(payload)))

    page.on("websocket", opened)
    return page


def wait_for(condition, timeout: float, message) -> None:
    """Poll ``condition`` until ``timeout``: for nginx's access log, a file another
    process writes when a socket ends, which gives no event to wait on."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(message())
        time.sleep(0.05)


# --- the tests -----------------------------------------------------------------------------------

# What a request that came through the TLS proxy looks like to Django, with
# and without the switch (settings are read once per process: a subprocess each).
PROXIED_REQUEST = """
import django
django.setup()
from django.test import RequestFactory
from townhall import links
request = RequestFactory().get("/", HTTP_HOST="questions.example.org", HTTP_X_FORWARDED_PROTO="https")
print(request.is_secure(), links.absolute("/t/demo/", request))
"""


@pytest.mark.parametrize(
    ("switch", "expected"),
    [
        ("1", "True https://questions.example.org/t/demo/"),
        ("", "False http://questions.example.org/t/demo/"),
    ],
)
def test_x_forwarded_proto_is_trusted_only_when_asked(switch, expected):
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "townhall.settings",
        "ALLOWED_HOSTS": "questions.example.org",
        "SECRET_KEY": "a-test-key-that-is-not-the-public-development-one",
        "TRUST_X_FORWARDED_PROTO": switch,
    }
    result = subprocess.run(
        [sys.executable, "-c", PROXIED_REQUEST], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == expected


@pytest.mark.multiprocess
def test_plain_http_is_redirected_to_https(front_door):
    # when a browser asks for the citizen page over plain HTTP
    connection = http.client.HTTPConnection("127.0.0.1", front_door.http_port, timeout=10)
    connection.request("GET", "/t/demo/?lang=fr", headers={"Host": f"{HOST}:{front_door.http_port}"})
    response = connection.getresponse()

    # then nginx sends it to the same page over HTTPS (on the standard port)
    assert response.status == 301
    assert response.getheader("Location") == f"https://{HOST}/t/demo/?lang=fr"


@pytest.mark.multiprocess
def test_static_files_come_from_nginx_and_healthz_from_daphne(front_door):
    # when a script of the pages and the health report are fetched through nginx
    script = https_get(front_door, "/static/js/socket.js")
    body = script.read()
    health = https_get(front_door, "/healthz")
    report = json.loads(health.read())

    # then the script is the collected file, served by nginx itself, revalidated on each use
    assert script.status == 200
    assert body == (ROOT / "static" / "js" / "socket.js").read_bytes()
    assert script.getheader("Cache-Control") == "no-cache"
    assert script.getheader("X-Content-Type-Options") == "nosniff"
    assert "javascript" in script.getheader("Content-Type")
    # and the health report comes from a Daphne process on PostgreSQL and Redis
    assert health.status == 200
    assert report["database"] == {"status": "ok", "vendor": "postgresql"}
    assert report["channel_layer"]["backend"] == "channels_redis.core.RedisChannelLayer"
    daphne = {f"127.0.0.1:{server.port}" for server in front_door.servers}
    # nginx writes a request's log line after its last byte is sent: the client may read first.
    wait_for(
        lambda: {"/static/js/socket.js", "/healthz"} <= {line["path"] for line in front_door.log_lines()},
        10,
        lambda: f"nginx logged neither the script nor /healthz: {front_door.log_lines()}",
    )
    upstreams = {line["path"]: line["upstream"] for line in front_door.log_lines()}
    assert upstreams["/static/js/socket.js"] == "-"
    assert upstreams["/healthz"] in daphne


SCREEN_KEY = "Zq8-secret-screen-key-w3"


@pytest.mark.multiprocess
def test_the_access_log_does_not_keep_the_screen_key(front_door):
    # given the log so far
    earlier = len(front_door.log_lines())

    # when the screen page and its socket path are asked for with a key, a
    # script names the screen page as its Referer, and the join code is used
    https_get(front_door, f"/t/demo/screen/?key={SCREEN_KEY}").read()
    https_get(front_door, f"/ws/t/demo/screen/?key={SCREEN_KEY}&v=2").read()
    https_get(
        front_door,
        "/static/js/socket.js",
        referer=f"https://{HOST}:{front_door.https_port}/t/demo/screen/?key={SCREEN_KEY}",
    ).read()
    https_get(front_door, "/join?code=NOPE42").read()
    wait_for(
        lambda: len(front_door.log_lines()) >= earlier + 4,
        10,
        lambda: f"nginx logged no 4 requests: {front_door.log_lines()[earlier:]}",
    )

    # then the log has the paths, and the key nowhere
    text = front_door.access_log.read_text()
    assert SCREEN_KEY not in text
    paths = [line["path"] for line in front_door.log_lines()[earlier:]]
    assert paths == ["/t/demo/screen/?-", "/ws/t/demo/screen/?-", "/static/js/socket.js", "/join?code=NOPE42"]
    assert f'"https://{HOST}:{front_door.https_port}/t/demo/screen/?-"' in text


@pytest.mark.multiprocess
@pytest.mark.browser
def test_citizen_moderator_and_screen_through_nginx(front_door, browser: OwnContexts):
    # given a moderator, the screen and a citizen in Chromium, through nginx only
    base = front_door.url
    earlier = len(front_door.log_lines())  # the module's other tests
    problems: list[str] = []
    sockets: list[str] = []
    console_frames: list[dict] = []

    def new_page(width: int, height: int, frames: list[dict] | None = None):
        context = browser.new_context(ignore_https_errors=True, viewport={"width": width, "height": height})
        return watch(context.new_page(), problems, sockets, frames)

    moderator = new_page(1440, 900, console_frames)
    moderator.goto(f"{base}/accounts/login/?next=/t/demo/moderate/")
    moderator.get_by_test_id("login-username").fill("moderator")
    moderator.get_by_test_id("login-password").fill(PASSWORD)
    moderator.get_by_test_id("login-submit").click()
    moderator.wait_for_url(f"{base}/t/demo/moderate/")
    moderator.locator("[data-testid=connection][data-state=connected]").wait_for(state="attached")
    # the console's links: the screen's as the page built it from the request,
    # and both as the socket's snapshot gives them (from PUBLIC_BASE_URL)
    rendered = moderator.get_by_test_id("screen-url").get_attribute("value")
    # (the page says connected once it applied its snapshot, so the frame was seen first)
    assert any(f["type"] == "snapshot" for f in console_frames), console_frames
    links = next(f for f in console_frames if f["type"] == "snapshot")["townhall"]
    expect(moderator.get_by_test_id("screen-url")).to_have_value(links["screen_url"])
    screen = new_page(1920, 1080)
    screen.goto(links["screen_url"])
    screen.locator("[data-testid=screen-app][data-connection=connected]").wait_for(state="attached")
    citizen = new_page(390, 844)
    citizen.goto(f"{base}/t/demo/")
    citizen.locator("[data-testid=connection][data-state=connected]").wait_for(state="attached")

    # when the citizen asks a question
    citizen.get_by_test_id("ask-text").fill("Will the new bridge have a cycle lane?")
    citizen.get_by_test_id("ask-name").fill("Louise")
    citizen.get_by_test_id("ask-submit").click()
    citizen.get_by_test_id("my-question").filter(has_text="cycle lane").wait_for()

    # and the moderator approves it once scored, and puts it on screen
    pending = moderator.locator("[data-testid=pending-item][data-scored=scored]", has_text="cycle lane")
    pending.get_by_test_id("approve-button").click()
    approved = moderator.locator("[data-testid=approved-item]", has_text="cycle lane")
    approved.get_by_test_id("show-button").click()

    # then the screen shows it, and the citizen sees it approved
    screen.get_by_test_id("screen-current-text").filter(has_text="cycle lane").wait_for()
    assert screen.get_by_test_id("screen-current-author").inner_text().strip().endswith("Louise")
    citizen.get_by_test_id("tab-popular").click()
    citizen.get_by_test_id("approved-question").filter(has_text="cycle lane").wait_for()
    SHOTS.mkdir(parents=True, exist_ok=True)
    moderator.screenshot(path=SHOTS / "nginx-console.png")

    # and every link the console gives is https, on the public host and port
    assert rendered.startswith(f"{base}/t/demo/screen/?key="), rendered
    assert links["screen_url"] == rendered
    assert links["join_url"] == f"{base}/t/demo/"
    # and the three pages' sockets went over wss through nginx
    assert sorted(url.split("?")[0] for url in sockets) == sorted(
        f"wss://{HOST}:{front_door.https_port}/ws/t/demo/{room}" for room in ("", "moderate/", "screen/")
    ), sockets
    assert problems == []

    # when the pages close (nginx logs a socket when it ends)
    browser.close()
    wait_for(
        lambda: len([line for line in front_door.log_lines()[earlier:] if line["path"].startswith("/ws/")]) >= 3,
        10,
        lambda: f"nginx logged no 3 sockets: {front_door.log_lines()}",
    )

    # then the sockets were upgraded (101) and spread over both Daphne processes
    lines = front_door.log_lines()[earlier:]
    daphne = {f"127.0.0.1:{server.port}" for server in front_door.servers}
    socket_lines = [line for line in lines if line["path"].startswith("/ws/")]
    assert {line["status"] for line in socket_lines} == {"101"}, socket_lines
    assert {line["upstream"] for line in socket_lines} == daphne, socket_lines
    # and pages came from Daphne, static files from nginx itself
    pages = [line for line in lines if line["path"].startswith(("/t/", "/accounts/"))]
    assert pages and {line["upstream"] for line in pages} <= daphne, pages
    static = [line for line in lines if line["path"].startswith("/static/")]
    assert static and {line["upstream"] for line in static} == {"-"}, static
