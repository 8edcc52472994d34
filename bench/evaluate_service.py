"""The offline scorer's quality measured through the running service, as a council gets it.

    .venv/bin/python bench/evaluate_service.py [--split dev|test|all]

What ``make run`` serves with no Detoxify model installed: a Daphne process on
a fresh database with the demo town hall, the offline scorer, the default
hold threshold. Each labelled question (bench/evaluate_offline.py's set) is
submitted over a websocket by citizens, five per citizen session (the
server's per-session limit; the per-address and per-town-hall limits are
lifted, as every citizen here shares one address), and a signed-in
moderator socket collects the
``question.scored`` frames: the score and the ``held`` flag the console
shows. The tables are bench/evaluate_offline.py's, computed from those
frames (``held`` from the server's flag, not from the threshold here).

It also reports the largest difference between the service's score and the
in-process ``OfflineScorer`` on the same text, which is 0 unless the submit
path (text cleaning, normalisation) changes what is scored.

Markdown on stdout, progress on stderr. The clients run in this process; the
server in its own.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import secrets
import sys
from contextlib import AsyncExitStack
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "bench")]
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "townhall.settings")

from common import log  # noqa: E402
from evaluate_offline import CATEGORIES, THRESHOLD, _auc, _rate, load  # noqa: E402

from harness.servers import DaphneServer, citizen_cookie, fresh_database, login, manage, open_socket  # noqa: E402

PER_CITIZEN = 5  # a citizen session's limit (QUESTION_RATE_COUNT's default), kept
# Every citizen here shares one address and the set is sent in a minute: lift
# the per-address and per-town-hall limits (they guard against floods, not scores).
NO_RATE_LIMITS = {name: "1000000" for name in ("QUESTION_IP_RATE_COUNT", "QUESTION_TOWNHALL_RATE_COUNT")}


async def collect(server: DaphneServer, password: str, rows: list[dict]) -> dict[str, dict]:
    """Submit every row and return ``{client_key: question as the moderator got it when scored}``."""
    scored: dict[int, dict] = {}
    ids: dict[str, int] = {}
    async with AsyncExitStack() as stack:
        moderator = await stack.enter_async_context(
            open_socket(server, "/ws/t/demo/moderate/", login(server.url, "moderator", password))
        )
        await moderator.until("snapshot")
        for start in range(0, len(rows), PER_CITIZEN):
            async with open_socket(server, "/ws/t/demo/", citizen_cookie(server.url, "demo")) as citizen:
                await citizen.until("snapshot")
                for i in range(start, min(start + PER_CITIZEN, len(rows))):
                    key = f"eval-{i}"
                    reply = await citizen.request("question.submit", text=rows[i]["text"], client_key=key)
                    if reply["type"] != "ok":
                        raise RuntimeError(f"submit of row {rows[i]['id']} refused: {reply}")
                    ids[key] = reply["question"]["id"]
        log(f"submitted {len(rows)}")
        wanted = set(ids.values())
        while not wanted <= scored.keys():
            frame = await moderator.until("question.scored", timeout=120)
            question = frame["question"]
            if question["toxicity"].get("status") == "scored":
                scored[question["id"]] = question
    return {key: scored[qid] for key, qid in ids.items()}


def report(rows: list[dict], split: str) -> str:
    """Per language: AUC of the service's scores, then what its ``held`` flag held; then per category."""
    held = lambda rs: sum(r["held"] for r in rs)  # noqa: E731
    lines = [
        "| split | lang | n (toxic/civil) | AUC | toxic held | civil held | criticism held |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    for lang in ("en", "fr", "all"):
        sub = [r for r in rows if lang == "all" or r["lang"] == lang]
        toxic = [r for r in sub if r["label"] == "toxic"]
        civil = [r for r in sub if r["label"] == "civil"]
        criticism = [r for r in sub if r["category"] == "criticism"]
        lines.append(
            f"| {split} | {lang} | {len(sub)} ({len(toxic)}/{len(civil)}) | {_auc(sub, [r['score'] for r in sub])} "
            f"| {_rate(held(toxic), len(toxic))} | {_rate(held(civil), len(civil))} | {held(criticism)}/{len(criticism)} |"
        )
    lines += ["", "| category | label | en held | fr held |", "| --- | --- | --- | --- |"]
    for category in CATEGORIES:
        sub = {lang: [r for r in rows if r["category"] == category and r["lang"] == lang] for lang in ("en", "fr")}
        label = next((r["label"] for rs in sub.values() for r in rs), "")
        lines.append(
            f"| {category} | {label} | {held(sub['en'])}/{len(sub['en'])} | {held(sub['fr'])}/{len(sub['fr'])} |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--split", choices=("dev", "test", "all"), default="test")
    args = parser.parse_args(argv)
    rows = [r for r in load(args.split) if args.split == "all" or r["split"] == args.split]

    import django

    django.setup()
    from moderation.scoring.offline import OfflineScorer

    password = "eval-" + secrets.token_urlsafe(12)
    with fresh_database() as database_url:
        manage(database_url, "demo", env={"DEMO_MODERATOR_PASSWORD": password})
        server = DaphneServer(database_url, DEMO_MODERATOR_PASSWORD=password, SCORING_MODE="local", **NO_RATE_LIMITS)
        try:
            server.start()
            scorer = server.health["scorer"]
            log(f"server up: {scorer}")
            got = asyncio.run(collect(server, password, rows))
        finally:
            server.cleanup()
    local = OfflineScorer().score_batch([r["text"] for r in rows])
    drift = 0.0
    for i, (row, mine) in enumerate(zip(rows, local, strict=True)):
        question = got[f"eval-{i}"]
        row["score"] = question["toxicity"]["score"]
        row["held"] = question["held"]
        drift = max(drift, abs(row["score"] - mine.score))
        if abs(row["score"] - mine.score) > 0.01:
            log(
                f"differs: {row['id']} service {row['score']:.3f} in-process {mine.score:.3f}: {row['text']!r} -> {question['text']!r}"
            )
    disagree = sum(r["held"] != (r["score"] >= THRESHOLD) for r in rows)
    print(f"Through the service: Daphne, {scorer.get('name')}, demo town hall; {len(rows)} questions ({args.split})\n")
    print(report(rows, args.split))
    print(
        f"\nLargest |service score − in-process OfflineScorer score|: {drift:.6f}; "
        f"questions whose `held` flag differs from score ≥ {THRESHOLD}: {disagree}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
