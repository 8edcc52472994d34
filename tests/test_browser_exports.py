"""The console's Export menu (issue 11, docs/exports.md) in headless Chromium,
against a real Daphne server: reachable from the keyboard, in English and
French, inside the activity lane at 1440×900 and 390 px wide, and a download
that opens as the CSV for French spreadsheets.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

from tests.support.servers import service_unavailable
from tests.test_accessibility import AXE, violations
from tests.test_browser_console import CIVIL, REPO, ask, card, console, wait_scored

pytestmark = pytest.mark.browser

LINKS = [f"export-{what}-{kind}" for what in ("questions", "decisions") for kind in ("csv", "excel", "json")]
SHOTS = REPO / "var/screenshots"


def _inside(page, inner: str, outer: str) -> bool:
    """Whether the box of ``inner`` lies within the box of ``outer`` (selectors)."""
    return page.evaluate(
        """([inner, outer]) => {
            const a = document.querySelector(inner).getBoundingClientRect();
            const b = document.querySelector(outer).getBoundingClientRect();
            return a.width > 0 && a.left >= b.left - 1 && a.right <= b.right + 1;
        }""",
        [inner, outer],
    )


def _overlapping_links(page) -> list[str]:
    return page.evaluate(
        """() => {
            const boxes = [...document.querySelectorAll('#exports a')].map((a) => [a.dataset.testid, a.getBoundingClientRect()]);
            const hits = [];
            for (const [i, [n1, r1]] of boxes.entries()) for (const [n2, r2] of boxes.slice(i + 1))
                if (r1.left < r2.right && r2.left < r1.right && r1.top < r2.bottom && r2.top < r1.bottom) hits.push(n1 + '/' + n2);
            return hits;
        }"""
    )


def _open_from_the_keyboard(page) -> None:
    summary = page.locator("#exports > summary")
    summary.focus()
    page.keyboard.press("Enter")
    assert page.get_by_test_id("exports").get_attribute("open") is not None
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.dataset.testid") == "export-questions-csv"


@pytest.mark.parametrize(("locale", "summary"), [("en-GB", "Export"), ("fr-FR", "Exporter")])
def test_the_export_menu_fits_the_console_and_downloads_the_excel_csv(browser, demo, locale, summary):
    # given a console with a rejected and an approved question
    problems: list[str] = []
    approved, rejected, _ = ask(demo, CIVIL)
    page = _console(browser, demo, problems, locale=locale, accept_downloads=True)
    wait_scored(page, 3)
    card(page, approved).get_by_test_id("approve-button").click()
    card(page, approved).and_(page.locator("[data-testid=approved-item]")).wait_for()
    card(page, rejected).get_by_test_id("reject-reason").select_option("off_topic")
    card(page, rejected).get_by_test_id("reject-button").click()
    page.get_by_test_id("audit-row").nth(1).wait_for()

    # when the moderator opens Export from the keyboard
    assert page.locator("#exports > summary").inner_text().strip() == summary
    _open_from_the_keyboard(page)

    # then every link shows inside the activity lane, none over another, no sideways scroll
    for link in LINKS:
        assert page.get_by_test_id(link).is_visible(), link
        assert _inside(page, f"[data-testid={link}]", "[data-testid=lane-activity]"), link
    assert _overlapping_links(page) == []
    assert not page.evaluate("document.documentElement.scrollWidth > innerWidth")
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SHOTS / f"moderator-exports-{locale}.png")

    # and the French spreadsheet CSV downloads with the session's rows
    with page.expect_download() as info:
        page.get_by_test_id("export-questions-excel").click()
    download = info.value
    assert download.suggested_filename == f"{demo.slug}-questions-excel.csv"
    content = Path(download.path()).read_bytes()
    assert content.startswith(b"\xef\xbb\xbf")
    rows = {
        int(r["id"]): r for r in csv.DictReader(io.StringIO(content.decode("utf-8-sig"), newline=""), delimiter=";")
    }
    assert rows[approved]["text"] == CIVIL[0] and rows[approved]["status"] == "approved"
    assert (rows[rejected]["status"], rows[rejected]["reason"], rows[rejected]["text"]) == ("rejected", "off_topic", "")
    assert CIVIL[1].encode("utf-8") not in content

    # and on a phone-width window the menu stays in its lane
    page.set_viewport_size({"width": 390, "height": 844})
    page.get_by_test_id("exports").scroll_into_view_if_needed()
    # (the French console's header and toolbar overflow at 390 px before this
    # menu existed: this checks the menu itself)
    assert (
        page.evaluate(
            "[...document.querySelectorAll('#exports, #exports *')].filter(e => e.getBoundingClientRect().right > innerWidth)"
            ".map(e => e.tagName + '.' + e.className)"
        )
        == []
    )
    for link in LINKS:
        assert page.get_by_test_id(link).is_visible(), link
        assert _inside(page, f"[data-testid={link}]", "[data-testid=lane-activity]"), link
    assert _overlapping_links(page) == []
    page.get_by_test_id("lane-activity").screenshot(path=SHOTS / f"moderator-exports-390-{locale}.png")
    assert problems == []


def _console(browser, demo, problems: list[str], *, locale: str, **options):
    """A signed-in console at 1440×900 in ``locale``; page errors go to ``problems``."""
    return console(browser, demo, problems, locale=locale, **options)


@pytest.mark.parametrize("locale", ["en-GB", "fr-FR"])
def test_the_open_export_menu_passes_wcag_21_aa(browser, demo, locale):
    if not AXE.exists():
        service_unavailable(f"{AXE} is missing: run `make test` (it installs tests/a11y with npm)")
    # given a console with a question (axe is injected: the CSP is bypassed here only)
    problems: list[str] = []
    ask(demo, CIVIL[:1])
    page = _console(browser, demo, problems, locale=locale, bypass_csp=True)
    wait_scored(page, 1)

    # when
    _open_from_the_keyboard(page)

    # then
    assert violations(page) == []
    assert problems == []
