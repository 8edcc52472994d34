"""Headless Debian Chromium for the browser tests (a pytest plugin: the `browser` fixture)."""
from __future__ import annotations

import shutil
from collections.abc import Iterator

import pytest

from tests.support.servers import service_unavailable

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--no-first-run", "--disable-sync", "--disable-quic",
]


@pytest.fixture
def browser() -> Iterator:
    if not shutil.which(CHROMIUM):
        service_unavailable(f"{CHROMIUM} is missing (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()
