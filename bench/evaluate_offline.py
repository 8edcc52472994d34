"""Quality of the offline scorer on the labelled town-hall questions.

    .venv/bin/python bench/evaluate_offline.py [--errors] [--split dev|test|all] [--test-file PATH]

Reads the development part (moderation/scoring/data/labelled_questions.tsv,
also the learned classifier's training data) and the test part
(tests/data/eval_questions_test.tsv) and prints Markdown tables, per split
(dev, test, all) and language (en, fr, all):

- ROC-AUC of (a) the raw alt-profanity-check model on the raw text, (b) the
  same model on ``normalize_for_model(text)``, (c) the combined
  ``OfflineScorer`` (model on normalised text with neutral words hidden,
  max'd with the lexicon weight and the classifier label);
- at the default hold threshold 0.5: the share of toxic questions held
  (recall), the share of civil questions held (false-hold rate), and the
  holds in the "criticism" category;
- held/total per category.

``--errors`` also lists every misclassified question of the dev split; it
refuses the test split, which is for reporting only (the lexicons are never
tuned on it). ``--split dev`` does not read the test part at all, so tuning
runs show no test figure, not even an aggregate. No Django needed.

``--test-file`` scores another held-out file in the test part's place
(tests/data/eval_questions_test_b.tsv, the second blind sample).

The classifier is trained on the development part, so on it the figures are
cross-validated: each question is scored by a classifier trained on the other
writers' questions only (``offline.cross_validated``; the writer is in the
id, tests/data/README.md). The test
part is scored by the shipped scorer, trained on the whole development part.
"""

from __future__ import annotations

import argparse
import csv
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sklearn.metrics import roc_auc_score  # noqa: E402

from moderation.scoring.classifier import TRAINING_DATA, writer_of  # noqa: E402
from moderation.scoring.lexicon import default_lexicons  # noqa: E402
from moderation.scoring.normalize import normalize_for_model  # noqa: E402
from moderation.scoring.offline import CROSS_VALIDATION_FOLDS, OfflineScorer, cross_validated  # noqa: E402

DATA = TRAINING_DATA
TEST_DATA = ROOT / "tests" / "data" / "eval_questions_test.tsv"
THRESHOLD = 0.5
CATEGORIES = (
    "civil",
    "criticism",
    "identity_neutral",
    "insult",
    "threat",
    "identity_attack",
    "obscenity",
    "obfuscated",
)


def read(path: Path, split: str) -> list[dict[str, str]]:
    """The rows of one TSV file of the labelled set, each tagged with ``split``."""
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE))
    for row in rows:
        row["split"] = split
    return rows


def load(split: str = "all", test_data: Path = TEST_DATA) -> list[dict[str, str]]:
    """The development part then the test part (see tests/data/README.md).

    ``split="dev"`` does not read the test part at all: whoever tunes the
    lexicons on the development part sees no figure of the test part.
    """
    rows = read(DATA, "dev")
    if split == "dev":
        return rows
    if not test_data.exists():
        raise SystemExit(f"{test_data} is missing: use --split dev (see tests/data/README.md)")
    return rows + read(test_data, "test")


def _auc(rows: Sequence[dict], scores: Sequence[float]) -> str:
    labels = [r["label"] == "toxic" for r in rows]
    if len(set(labels)) < 2:
        return "n/a"
    return f"{roc_auc_score(labels, scores):.3f}"


def _rate(part: int, whole: int) -> str:
    return f"{part}/{whole} ({100 * part / whole:.1f}%)" if whole else "n/a"


def combined_scores(rows: list[dict[str, str]]) -> list:
    """The ``OfflineScorer`` result for each row: cross-validated on dev rows, shipped on the others."""
    lexicon = default_lexicons()
    results: list = [None] * len(rows)
    dev = [i for i, r in enumerate(rows) if r["split"] == "dev"]
    examples = [(rows[i]["text"], rows[i]["label"] == "toxic", rows[i]["lang"] + rows[i]["category"]) for i in dev]
    writers = [writer_of(rows[i]["id"]) for i in dev]
    for i, result in zip(dev, cross_validated(examples, lexicon, writers), strict=True):
        results[i] = result
    others = [i for i, r in enumerate(rows) if r["split"] != "dev"]
    if others:
        shipped = OfflineScorer(lexicon=lexicon).score_batch([rows[i]["text"] for i in others])
        for i, result in zip(others, shipped, strict=True):
            results[i] = result
    return results


def score_all(rows: list[dict[str, str]]) -> None:
    """Adds raw, normalised and combined scores to each row."""
    from profanity_check import predict_prob

    texts = [r["text"] for r in rows]
    raw = predict_prob(texts)
    normalised = predict_prob([normalize_for_model(t) for t in texts])
    combined = combined_scores(rows)
    for row, a, b, c in zip(rows, raw, normalised, combined, strict=True):
        row.update(raw=float(a), norm=float(b), combined=c.score, labels=c.labels)


def summary_table(rows: list[dict], groups: list[tuple[str, Callable[[dict], bool]]]) -> str:
    lines = [
        "| split | lang | n (toxic/civil) | AUC raw model, raw text | AUC model, normalised | AUC combined | toxic held @0.5 | civil held @0.5 | criticism held |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for name, keep in groups:
        for lang in ("en", "fr", "all"):
            sub = [r for r in rows if keep(r) and (lang == "all" or r["lang"] == lang)]
            toxic = [r for r in sub if r["label"] == "toxic"]
            civil = [r for r in sub if r["label"] == "civil"]
            criticism = [r for r in sub if r["category"] == "criticism"]
            held = lambda rs: sum(r["combined"] >= THRESHOLD for r in rs)  # noqa: E731
            lines.append(
                f"| {name} | {lang} | {len(sub)} ({len(toxic)}/{len(civil)}) "
                f"| {_auc(sub, [r['raw'] for r in sub])} | {_auc(sub, [r['norm'] for r in sub])} "
                f"| {_auc(sub, [r['combined'] for r in sub])} | {_rate(held(toxic), len(toxic))} "
                f"| {_rate(held(civil), len(civil))} | {held(criticism)}/{len(criticism)} |"
            )
    return "\n".join(lines)


def category_table(rows: list[dict]) -> str:
    lines = [
        "| category | label | en held | fr held | raw model held (en / fr) |",
        "| --- | --- | --- | --- | --- |",
    ]
    for category in CATEGORIES:
        cells = []
        raw_cells = []
        label = ""
        for lang in ("en", "fr"):
            sub = [r for r in rows if r["category"] == category and r["lang"] == lang]
            label = sub[0]["label"] if sub else label
            cells.append(f"{sum(r['combined'] >= THRESHOLD for r in sub)}/{len(sub)}")
            raw_cells.append(f"{sum(r['raw'] >= THRESHOLD for r in sub)}/{len(sub)}")
        lines.append(f"| {category} | {label} | {cells[0]} | {cells[1]} | {' / '.join(raw_cells)} |")
    return "\n".join(lines)


def errors(rows: list[dict]) -> str:
    out = []
    for r in rows:
        held = r["combined"] >= THRESHOLD
        if held != (r["label"] == "toxic"):
            kind = "FALSE HOLD" if held else "MISSED"
            labels = ", ".join(f"{k}={v:.2f}" for k, v in r["labels"].items())
            out.append(f"- {kind} {r['id']} [{r['category']}] ({labels}): {r['text']!r}")
    return "\n".join(out) or "- none"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--errors", action="store_true", help="list misclassified questions")
    parser.add_argument(
        "--split", choices=("dev", "test", "all"), default="all", help="split for --errors and per-category counts"
    )
    parser.add_argument("--test-file", type=Path, help="a held-out TSV to score as the test split")
    args = parser.parse_args(argv)
    test_data = args.test_file.resolve() if args.test_file else TEST_DATA
    if args.errors and args.split != "dev":
        parser.error("--errors lists the dev split only (--split dev): the test split is for reporting")

    rows = load(args.split, test_data)
    score_all(rows)
    chosen = [r for r in rows if args.split == "all" or r["split"] == args.split]
    parts = f"{DATA.relative_to(ROOT)} (dev)"
    if args.split != "dev":
        shown = test_data.relative_to(ROOT) if test_data.is_relative_to(ROOT) else test_data
        parts += f" and {shown} (test)"
    print(f"Offline scorer: {OfflineScorer().name}; threshold {THRESHOLD}; {len(rows)} questions in {parts}")
    writers = sorted({writer_of(r["id"]) for r in rows if r["split"] == "dev"})
    folds = (
        f"leaving out one writer at a time ({', '.join(writers)})"
        if len(writers) >= 3
        else f"in {CROSS_VALIDATION_FOLDS} folds"
    )
    print(f"(dev: classifier cross-validated {folds}; test: the shipped classifier)\n")
    groups = [("dev", lambda r: r["split"] == "dev")]
    if args.split != "dev":
        groups += [("test", lambda r: r["split"] == "test"), ("all", lambda r: True)]
    print(summary_table(rows, groups))
    print(f"\nHeld per category (split: {args.split}):\n")
    print(category_table(chosen))
    if args.errors:
        print(f"\nMisclassified (split: {args.split}):\n")
        print(errors(chosen))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
