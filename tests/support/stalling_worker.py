"""``manage.py runworker toxicity-scoring`` whose scorer never finishes a batch.

Run as ``python -m tests.support.stalling_worker`` (tests/test_fault_worker.py):
the scorer prints ``BATCH STARTED <n>`` when a batch reaches it and then waits
forever, so the test knows the worker is mid-batch when it kills it.
"""

from __future__ import annotations

import os
import sys
import threading

import django


class StallingScorer:
    name = "stalling-scorer 1.0"

    def score_batch(self, texts: list[str]) -> list:
        print(f"BATCH STARTED {len(texts)}", flush=True)
        threading.Event().wait()  # until the test kills the process
        raise AssertionError("unreachable")


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "townhall.settings")
    django.setup()
    from django.core.management import call_command

    from moderation.scoring import registry

    with registry.use_scorer(StallingScorer()):
        call_command("runworker", "toxicity-scoring")


if __name__ == "__main__":
    sys.exit(main())
