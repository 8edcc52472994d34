"""Headless Debian Chromium and a live demo site for the browser tests (a pytest plugin).

Starting Daphne and Chromium costs seconds; the browser tests share one
Daphne (per pytest process) and one Chromium per module, and each test gets
what must be its own:

``browser``
    The module's Chromium, as one test sees it: ``browser.new_context(...)``
    works as Playwright's, and every context the test opened is closed when
    it ends (its pages and sockets with it).

``demo``
    A town hall of the test's own (``Demo``: ``.slug``, ``.url``,
    ``.path(rest)``, ``.screen_url(theme)``, ``.key``, ``.code``), live,
    moderated by ``moderator`` ("Demo moderator") and ``bob`` ("Bob Leroy"),
    both with the password ``PASSWORD``, on the shared server
    (``demo.server``) and database (``demo.database_url``). Questions,
    votes, the screen and presence are per town hall, so tests do not see
    each other's. ``demo.on(server)`` is the same town hall on another
    server (for a test that stops and restarts one).

Chromium is module-scoped, not session-scoped: Playwright's sync API runs
an event loop of its own, and the async tests of other modules run theirs;
the two never overlap this way.
"""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Iterator
from typing import Any

import pytest

from tests.support.servers import DaphneServer, ServerGroup, fresh_database, manage, service_unavailable

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
    "--disable-quic",
]
PASSWORD = "browser-test-password"


# --- Chromium --------------------------------------------------------------------


@pytest.fixture(scope="module")
def chromium() -> Iterator:
    """One headless Chromium for the module (use ``browser`` in tests)."""
    if not shutil.which(CHROMIUM):
        service_unavailable(f"{CHROMIUM} is missing (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


class OwnContexts:
    """A Playwright browser whose ``new_context`` remembers the contexts, to close them."""

    def __init__(self, browser: Any) -> None:
        self._browser = browser
        self.contexts: list[Any] = []

    def new_context(self, **options: Any) -> Any:
        context = self._browser.new_context(**options)
        self.contexts.append(context)
        return context

    def new_page(self, **options: Any) -> Any:
        return self.new_context(**options).new_page()

    def close(self) -> None:
        while self.contexts:
            self.contexts.pop().close()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._browser, name)


@pytest.fixture
def browser(chromium) -> Iterator[OwnContexts]:
    """The module's Chromium; the contexts a test opens are closed when it ends."""
    own = OwnContexts(chromium)
    yield own
    own.close()


# --- the demo site -----------------------------------------------------------------

# Run by `manage.py shell`: the two moderators, then town halls through the
# one write path (as `manage.py demo` makes its own).
_SETUP = """
import json
from django.contrib.auth import get_user_model
from moderation import services
from moderation.models import TownHall

User = get_user_model()
password, count = {password!r}, {count}
moderators = []
for username, first, last in (("moderator", "Demo moderator", ""), ("bob", "Bob", "Leroy")):
    user = User.objects.filter(username=username).first()
    if user is None:
        user = User.objects.create_user(username, password=password, first_name=first, last_name=last)
    moderators.append(user)
start = TownHall.objects.count() + 1
made = []
for number in range(start, start + count):
    townhall = services.townhall_create(
        title=f"Demo town hall {{number}}", slug=f"demo-{{number}}", moderators=moderators,
        status=TownHall.Status.LIVE,
    )
    made.append({{"slug": townhall.slug, "key": townhall.screen_key, "code": townhall.join_code}})
print("TOWNHALLS " + json.dumps(made))
"""


class Demo:
    """A live town hall of one test: its server, URLs, screen key and join code."""

    def __init__(self, server: DaphneServer, database_url: str, slug: str, key: str, code: str) -> None:
        self.server = server
        self.database_url = database_url
        self.slug = slug
        self.key = key
        self.code = code

    @property
    def url(self) -> str:
        return self.server.url

    def path(self, rest: str = "") -> str:
        """``/t/<slug>/<rest>``."""
        return f"/t/{self.slug}/{rest}"

    def ws_path(self, rest: str = "") -> str:
        """``/ws/t/<slug>/<rest>``: the town hall's sockets."""
        return f"/ws/t/{self.slug}/{rest}"

    def screen_url(self, theme: str | None = None) -> str:
        return f"{self.url}{self.path('screen/')}?key={self.key}" + (f"&theme={theme}" if theme else "")

    def on(self, server: DaphneServer) -> Demo:
        """The same town hall, served by ``server`` (which must use the same database)."""
        return Demo(server, self.database_url, self.slug, self.key, self.code)


def _make_townhalls(database_url: str, count: int) -> list[dict[str, str]]:
    """Create ``count`` town halls (and the moderators, the first time) in one process."""
    output = manage(database_url, "shell", "--no-imports", "-c", _SETUP.format(password=PASSWORD, count=count))
    match = re.search(r"^TOWNHALLS (.*)$", output, re.MULTILINE)
    assert match, output
    return json.loads(match.group(1))


class DemoSite:
    """The database and Daphne shared by the browser tests, and town halls to hand out."""

    def __init__(self, server: DaphneServer, database_url: str, ready: list[dict[str, str]]) -> None:
        self.server = server
        self.database_url = database_url
        self._ready = ready

    def take(self) -> Demo:
        """A town hall no other test has used."""
        if not self._ready:
            self._ready.extend(_make_townhalls(self.database_url, 1))
        made = self._ready.pop(0)
        return Demo(self.server, self.database_url, made["slug"], made["key"], made["code"])


@pytest.fixture(scope="session")
def demo_site(request: pytest.FixtureRequest) -> Iterator[DemoSite]:
    """A fresh database and one Daphne server for the browser tests, with a town hall ready per test."""
    wanted = sum(1 for item in request.session.items if "demo" in getattr(item, "fixturenames", ()))
    group = ServerGroup()
    with fresh_database() as database_url:
        try:
            server = group.launch(database_url)
            ready = _make_townhalls(database_url, max(wanted, 1))  # while the server starts
            server.wait_ready()
            yield DemoSite(server, database_url, ready)
        finally:
            group.close()


@pytest.fixture
def demo(demo_site: DemoSite) -> Iterator[Demo]:
    """A live town hall of the test's own, on the shared server."""
    start = len(demo_site.server.log())
    yield demo_site.take()
    # Captured: pytest shows it only when the test failed.
    print(f"===== Daphne {demo_site.server.url} log during the test =====\n{demo_site.server.log()[start:]}")
