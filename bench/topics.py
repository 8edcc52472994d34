"""How well the topic suggestion (moderation/topics.py) labels town-hall questions.

    .venv/bin/python bench/topics.py [--split dev|test] [--errors]

Reads the labelled questions of one part: tests/data/topic_questions.tsv
(development: the keywords were tuned on it) or
tests/data/topic_questions_test.tsv (test: never tuned on; ``--errors``
refuses it). Both were written by an author who did not see the keywords.
Every question is suggested a topic among the nine default ones, as on
arrival in a town hall that keeps the default set.

Prints Markdown, per language and overall:
- accuracy: suggestion == label, "no topic" included;
- precision: of the questions given a topic, the share given the right one
  (a wrong chip is what costs a moderator a key press);
- recall: of the questions that have a topic, the share given it;
and per topic, precision and recall. ``--errors`` lists the dev part's misses.
"""

from __future__ import annotations

import argparse
import csv
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "townhall.settings")

DATA = {
    "dev": ROOT / "tests" / "data" / "topic_questions.tsv",
    "test": ROOT / "tests" / "data" / "topic_questions_test.tsv",
}


def read(split: str) -> list[dict[str, str]]:
    with DATA[split].open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE))


def _pct(part: int, whole: int) -> str:
    return f"{part}/{whole} ({100 * part / whole:.1f}%)" if whole else "n/a"


def summary(rows: list[dict[str, str]], split: str) -> str:
    lines = [
        "| split | lang | n | accuracy | precision (given a topic) | recall (of topical questions) | given no topic |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    for lang in ("en", "fr", "all"):
        sub = [r for r in rows if lang == "all" or r["lang"] == lang]
        given = [r for r in sub if r["suggested"]]
        topical = [r for r in sub if r["topic"]]
        lines.append(
            f"| {split} | {lang} | {len(sub)} | {_pct(sum(r['suggested'] == r['topic'] for r in sub), len(sub))} "
            f"| {_pct(sum(r['suggested'] == r['topic'] for r in given), len(given))} "
            f"| {_pct(sum(r['suggested'] == r['topic'] for r in topical), len(topical))} "
            f"| {sum(not r['suggested'] for r in sub)} |"
        )
    return "\n".join(lines)


def per_topic(rows: list[dict[str, str]], topics: tuple[str, ...]) -> str:
    lines = ["| topic | labelled | suggested | precision | recall |", "| --- | --- | --- | --- | --- |"]
    for topic in (*topics, ""):
        labelled = [r for r in rows if r["topic"] == topic]
        suggested = [r for r in rows if r["suggested"] == topic]
        right = sum(r["topic"] == topic for r in suggested)
        lines.append(
            f"| {topic or '(none)'} | {len(labelled)} | {len(suggested)} | {_pct(right, len(suggested))} "
            f"| {_pct(right, len(labelled))} |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--split", choices=("dev", "test"), default="test")
    parser.add_argument("--errors", action="store_true", help="list the misses (dev part only)")
    args = parser.parse_args(argv)
    if args.errors and args.split != "dev":
        parser.error("--errors lists the dev part only: the test part is for reporting")

    import django

    django.setup()
    from moderation.topics import DEFAULT_TOPICS, suggest_topic

    rows = read(args.split)
    started = time.perf_counter()
    for row in rows:
        row["suggested"] = suggest_topic(row["text"])
    per_question_ms = 1000 * (time.perf_counter() - started) / len(rows)
    print(f"Topic suggestion on {DATA[args.split].relative_to(ROOT)} ({len(rows)} questions, default topics)\n")
    print(summary(rows, args.split))
    print()
    print(per_topic(rows, DEFAULT_TOPICS))
    print(f"\nTime per question (first call compiles the keywords): {per_question_ms:.2f} ms")
    if args.errors:
        print("\nMisses:\n")
        for row in rows:
            if row["suggested"] != row["topic"]:
                print(f"- {row['id']} [{row['topic'] or '-'} → {row['suggested'] or '-'}] {row['text']}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
