"""Login throttling in Chromium against a real Daphne process (django-axes)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.browser import PASSWORD, Demo

pytestmark = pytest.mark.browser

SHOTS = Path(__file__).resolve().parents[1] / "var" / "screenshots"  # for a person to look at


def sign_in(page, demo: Demo, username: str, password: str):
    page.goto(f"{demo.url}/accounts/login/?next={demo.path('moderate/')}")
    page.get_by_test_id("login-username").fill(username)
    page.get_by_test_id("login-password").fill(password)
    with page.expect_navigation() as navigation:
        page.get_by_test_id("login-submit").click()
    return navigation.value


def test_a_guessing_script_meets_the_lockout_page_and_the_moderator_still_signs_in(browser, demo: Demo):
    # given a French browser guessing the password of an account
    page = browser.new_context(locale="fr-FR").new_page()

    # when it tries 30 passwords
    statuses = [sign_in(page, demo, "intruder", f"guess-{n}").status for n in range(30)]

    # then after the limit (5) every attempt gets the lockout page, in French
    assert statuses[:4] == [200] * 4 and set(statuses[4:]) == {429}, statuses
    assert page.get_by_test_id("error-title").inner_text().strip() == "Trop de tentatives"
    assert "15 minutes" in page.get_by_test_id("error-message").inner_text()
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SHOTS / "login-locked-out-fr.png")

    # and the moderator, from the same address, signs in as usual
    answer = sign_in(page, demo, "moderator", PASSWORD)
    assert answer.status == 200 and answer.url == demo.url + demo.path("moderate/")
