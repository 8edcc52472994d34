"""Quality and cost of the duplicate suggestions (moderation/duplicates.py).

    .venv/bin/python bench/duplicates.py --split dev|test [--pool 300] [--sweep] [--latency]

Reads the labelled pairs (tests/data/duplicate_pairs.tsv). For each pair
``(a, b)`` of the split, ``a`` is open among a pool of other open questions
(``--pool`` distractors: the generated town-hall questions of
bench/questions.py and the civil and critical questions of
moderation/scoring/data/labelled_questions.tsv, EN and FR mixed) and ``b`` arrives:

- precision: the share of the top suggestions shown (above the threshold)
  that are the true duplicate (``a`` of a ``dup`` pair); any top suggestion
  for a ``other`` pair, or a distractor on top, is a wrong one;
- recall: the share of ``dup`` pairs whose ``a`` is the top suggestion.

Printed as Markdown per language. ``--sweep`` (dev split only: the test
split is for reporting, never for choosing) compares settings and thresholds.
``--latency`` times one arrival among 200 and 2,000 open questions (median,
p99; a first arrival with an empty cache and the following ones). No Django.
"""

from __future__ import annotations

import argparse
import csv
import random
import statistics
import sys
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.questions import town_hall_questions  # noqa: E402
from moderation.duplicates import STOP_WORDS, THRESHOLD, Matcher  # noqa: E402

PAIRS = ROOT / "tests" / "data" / "duplicate_pairs.tsv"
DISTRACTORS = ROOT / "moderation" / "scoring" / "data" / "labelled_questions.tsv"


@dataclass(frozen=True)
class Pair:
    id: str
    lang: str
    split: str
    dup: bool
    a: str
    b: str


def load_pairs(split: str) -> list[Pair]:
    with PAIRS.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE))
    return [
        Pair(row["id"], row["lang"], row["split"], row["label"] == "dup", row["a"], row["b"])
        for row in rows
        if split == "all" or row["split"] == split
    ]


def distractors(n: int, *, seed: int = 12) -> list[str]:
    with DISTRACTORS.open(encoding="utf-8") as handle:
        rows = csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE)
        civil = [row["text"] for row in rows if row["label"] == "civil"]
    texts = civil + [q.text for q in town_hall_questions(max(n, 2000), seed=seed)]
    random.Random(seed).shuffle(texts)
    return texts[:n]


@dataclass
class Tally:
    pairs: int = 0
    dups: int = 0
    shown: int = 0
    right: int = 0

    def row(self, name: str) -> str:
        precision = self.right / self.shown if self.shown else float("nan")
        recall = self.right / self.dups if self.dups else float("nan")
        return f"| {name} | {self.pairs} | {self.dups} | {self.shown} | {self.right} | {precision:.1%} | {recall:.1%} |"


def measure(matcher: Matcher, pairs: list[Pair], pool: list[str]) -> dict[str, Tally]:
    """Top suggestion for each pair's ``b`` among ``pool`` + ``a`` (``a`` has id 0)."""
    candidates = [(0, "")] + [(i + 1, text) for i, text in enumerate(pool)]
    tallies = {"en": Tally(), "fr": Tally(), "all": Tally()}
    for pair in pairs:
        candidates[0] = (len(pool) + 1, pair.a)  # the newest open question: no tie advantage
        top = matcher.suggest(pair.b, candidates)[:1]
        for key in (pair.lang, "all"):
            tally = tallies[key]
            tally.pairs += 1
            tally.dups += pair.dup
            tally.shown += bool(top)
            tally.right += bool(top) and pair.dup and top[0].id == len(pool) + 1
    return tallies


HEADER = "| language | pairs | duplicates | top shown | right | precision | recall |\n|---|---|---|---|---|---|---|"


def report(split: str, pool_size: int, samples: int = 1) -> None:
    """The table for one sample of distractors (seed 12); with ``samples`` > 1, also the spread over that many."""
    pairs = load_pairs(split)
    matcher = Matcher()
    tallies = measure(matcher, pairs, distractors(pool_size))
    print(f"### Top suggestion, {split} split, {pool_size} other open questions, threshold {THRESHOLD}\n")
    print(HEADER)
    for key in ("en", "fr", "all"):
        print(tallies[key].row(key))
    print()
    if samples > 1:
        # Which questions happen to be open changes what is shown: the figure is a sample, give its spread.
        alls = [measure(matcher, pairs, distractors(pool_size, seed=12 + k))["all"] for k in range(samples)]
        precisions = sorted(t.right / t.shown for t in alls if t.shown)
        recalls = sorted(t.right / t.dups for t in alls)
        print(
            f"Over {samples} samples of the {pool_size} open questions (seeds 12-{11 + samples}), all languages: "
            f"precision {precisions[0]:.1%}-{precisions[-1]:.1%} (median {statistics.median(precisions):.1%}), "
            f"recall {recalls[0]:.1%}-{recalls[-1]:.1%} (median {statistics.median(recalls):.1%})\n"
        )


SETTINGS = {
    "char_wb 3-5, stop words": {"analyzer": "char_wb", "ngram_range": (3, 5), "stop_words": STOP_WORDS},
    "char_wb 3-5, all words": {"analyzer": "char_wb", "ngram_range": (3, 5), "stop_words": frozenset()},
    "char_wb 2-4, stop words": {"analyzer": "char_wb", "ngram_range": (2, 4), "stop_words": STOP_WORDS},
    "char_wb 3-6, stop words": {"analyzer": "char_wb", "ngram_range": (3, 6), "stop_words": STOP_WORDS},
    "char 3-5, stop words": {"analyzer": "char", "ngram_range": (3, 5), "stop_words": STOP_WORDS},
    "word 1-2, stop words": {"analyzer": "word", "ngram_range": (1, 2), "stop_words": STOP_WORDS},
}


def sweep(pool_size: int) -> None:
    pairs = load_pairs("dev")
    pool = distractors(pool_size)
    print(f"### Settings on the dev split ({pool_size} other open questions): precision / recall (all)\n")
    thresholds = (0.4, 0.5, 0.55, 0.6, 0.65, 0.7, 0.75)
    print("| setting | " + " | ".join(f"t={t}" for t in thresholds) + " |")
    print("|---|" + "---|" * len(thresholds))
    for name, options in SETTINGS.items():
        cells = []
        for threshold in thresholds:
            tally = measure(Matcher(**options, threshold=threshold), pairs, pool)["all"]
            precision = tally.right / tally.shown if tally.shown else float("nan")
            cells.append(f"{precision:.0%} / {tally.right / tally.dups:.0%}")
        print(f"| {name} | " + " | ".join(cells) + " |")
    print()


def latency(sizes: tuple[int, ...] = (200, 2000), arrivals: int = 200) -> None:
    print("### Latency of one arrival (this process, one thread)\n")
    print("| open questions | first arrival (cold cache) | median | p99 |\n|---|---|---|---|")
    for size in sizes:
        matcher = Matcher()
        pool = [(i, text) for i, text in enumerate(distractors(size, seed=size))]
        arriving = distractors(arrivals, seed=size + 1)
        start = time.perf_counter()
        matcher.suggest(arriving[0], pool)
        cold = time.perf_counter() - start
        times = []
        for i, text in enumerate(arriving[1:]):
            start = time.perf_counter()
            matcher.suggest(text, pool)
            times.append(time.perf_counter() - start)
            pool[i % size] = (size + i, text)  # the pool changes as questions arrive
        times.sort()
        p99 = times[min(len(times) - 1, int(0.99 * len(times)))]
        print(f"| {size} | {cold * 1000:.0f} ms | {statistics.median(times) * 1000:.1f} ms | {p99 * 1000:.1f} ms |")
    print()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--split", choices=("dev", "test"), default="dev")
    parser.add_argument("--pool", type=int, default=300, help="other open questions (distractors)")
    parser.add_argument("--sweep", action="store_true", help="compare settings (dev split only)")
    parser.add_argument("--latency", action="store_true", help="time arrivals among 200 and 2,000 open questions")
    parser.add_argument(
        "--samples", type=int, default=1, help="also report the spread over this many distractor samples"
    )
    args = parser.parse_args()
    if args.sweep:
        if args.split != "dev":
            parser.error("--sweep chooses settings: the dev split only (the test split is for reporting)")
        sweep(args.pool)
    report(args.split, args.pool, args.samples)
    if args.latency:
        latency()


if __name__ == "__main__":
    main()
