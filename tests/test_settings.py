"""Settings read from the environment refuse bad values with a message that names them."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("SCORING_BATCH_SIZE", "sixteen", "SCORING_BATCH_SIZE must be a whole number, got 'sixteen'"),
        ("DATABASE_CONN_MAX_AGE", "1.5", "DATABASE_CONN_MAX_AGE must be a whole number, got '1.5'"),
        ("SCORING_TIMEOUT", "soon", "SCORING_TIMEOUT must be a number, got 'soon'"),
    ],
)
def test_a_bad_number_stops_start_up_with_its_name(name, value, message):
    env = {**os.environ, name: value, "DATABASE_URL": "postgres://nobody@127.0.0.1:1/none"}
    result = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        cwd=ROOT,
        env={**env, "DJANGO_SETTINGS_MODULE": "townhall.settings"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    assert message in result.stderr


def test_good_numbers_are_read():
    env = {
        **os.environ,
        "SCORING_BATCH_SIZE": "8",
        "DATABASE_CONN_MAX_AGE": "0",
        "DATABASE_URL": "postgres://nobody@127.0.0.1:1/none",
        "DJANGO_SETTINGS_MODULE": "townhall.settings",
    }
    code = (
        "import django; django.setup(); from django.conf import settings as s; "
        "print(s.SCORING_BATCH_SIZE, s.DATABASES['default']['CONN_MAX_AGE'])"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["8", "0"]
