"""Daphne run as deploy/systemd/townhall-daphne@.service runs it does not
print the screen's secret key to the journal (its access log prints every
request's full URL, query string included)."""

from __future__ import annotations

import re
import shlex
import subprocess
import sys
import urllib.error
import urllib.request

import pytest

from harness.servers import DaphneServer, fresh_database
from tests.support.servers import ROOT

UNIT = ROOT / "deploy" / "systemd" / "townhall-daphne@.service"
SCREEN_KEY = "Zq8-secret-screen-key-w3"


def unit_command(port: int) -> list[str]:
    """The unit's ExecStart, with this venv's Daphne and ``port`` for its instance (%i)."""
    line = next(line for line in UNIT.read_text().splitlines() if line.startswith("ExecStart="))
    words = shlex.split(line.removeprefix("ExecStart=").replace("%i", str(port)))
    assert words[0] == "/srv/townhall/app/.venv/bin/daphne", words
    return [sys.executable, "-m", "daphne", *words[1:]]


class UnitDaphne(DaphneServer):
    """A DaphneServer started with the unit's command line instead of the harness's."""

    def launch(self) -> None:
        self._log_file = open(self._log_path, "ab")
        self.process = subprocess.Popen(
            unit_command(self.port), cwd=ROOT, env=self.env(), stdout=self._log_file, stderr=subprocess.STDOUT
        )


@pytest.mark.multiprocess
def test_the_unit_keeps_the_screen_key_out_of_the_journal():
    with fresh_database() as database_url:
        server = UnitDaphne(database_url, TOXICITY_SCORER="offline")
        try:
            # given Daphne as the unit runs it
            server.start()

            # when the screen page is asked for with a key (a wrong one: 404 for an unknown slug)
            with pytest.raises(urllib.error.HTTPError) as refused:
                urllib.request.urlopen(f"{server.url}/t/demo/screen/?key={SCREEN_KEY}", timeout=10)
            assert refused.value.code == 404
        finally:
            server.stop()
            log = server.log()
            server.cleanup()

    # then what reached its output (the journal) names the path, never the key
    assert re.search(r"Not Found: /t/demo/screen/", log), log
    assert SCREEN_KEY not in log
