"""Figures and Markdown for bench/fanout.py: raw client replies in, tables out.

Every figure of a server target is also given as a ratio to the bare relay's
figure for the same number of citizens, measured in the same run.
"""

from __future__ import annotations

import argparse
import math
import os
import platform
import subprocess
import time
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
LABELS = {
    "a": "(a) bare relay",
    "b": "(b) 1 Daphne, SQLite, in-memory",
    "c": "(c) 2 Daphne, PostgreSQL + Redis",
}
MIB = 2**20


def percentile(values: list[float], p: float) -> float:
    if not values:
        return math.nan
    ordered = sorted(values)
    k = (len(ordered) - 1) * p / 100
    low, high = math.floor(k), math.ceil(k)
    return ordered[low] + (ordered[high] - ordered[low]) * (k - low)


def latencies(results: list[dict[str, Any]], question: int, sent: float) -> tuple[list[float], int]:
    """Milliseconds from ``sent`` to each citizen's approved ``question``; and how many never got it."""
    times = [t for r in results for t in r["approved"].get(str(question), [])]
    return [(t - sent) * 1000 for t in times if t is not None], sum(t is None for t in times)


def frames(results: list[dict[str, Any]], phase: str) -> Counter:
    total: Counter = Counter()
    for r in results:
        total.update(r["frames"].get(phase, {}))
    return total


def summarise_run(run: dict[str, Any]) -> dict[str, Any]:
    n = run["n"]
    start = run["connect"]["start"]
    replies = run["connect"]["replies"]
    snaps = [t - start for r in replies for t in r["snapshot_at"] if t is not None]
    errors: Counter = Counter()
    for r in replies:
        errors.update(dict(r["errors"]))
    out: dict[str, Any] = {
        "n": n,
        "aborted": run.get("aborted"),
        "events": run["events"],
        "connect": {
            "connected": len(snaps),
            "last_s": max(snaps, default=math.nan),
            "p50_s": percentile(snaps, 50),
            "failures": sum(r["failures"] for r in replies),
            "errors": errors.most_common(3),
        },
        "rss_before_mib": run["rss_before"] / MIB,
        "rss_after_mib": run["rss_after"] / MIB,
        "rss_per_socket_kib": (run["rss_after"] - run["rss_before"]) / n / 1024,
        "idle_cpu_pct": run["idle_cpu"] * 100 if "idle_cpu" in run else None,
    }
    results = run["results"]
    out["frames"] = {phase: dict(frames(results, phase)) for phase in ("connect", "idle", "approve", "storm")}
    approved_at = run.get("approved_at", {})
    if approved_at:
        quiet = next(iter(approved_at))
        ms, missing = latencies(results, quiet, approved_at[quiet])
        out["approval"] = {
            "p50_ms": percentile(ms, 50),
            "p99_ms": percentile(ms, 99),
            "last_ms": max(ms, default=math.nan),
            "missing": missing,
        }
    storm = run.get("storm")
    if storm:
        out["storm"] = summarise_storm(run, results, out.get("approval", {}))
    return out


def summarise_storm(run: dict[str, Any], results: list[dict[str, Any]], quiet: dict[str, Any]) -> dict[str, Any]:
    storm = run["storm"]
    start, voters = storm["start"], storm["voters"]
    acks = [a for r in results for a in r["acks"]]
    acked = [a for a in acks if a[1] is not None]
    kinds = Counter(a[2] for a in acked)
    counts = Counter(v for r in results for v in r["votes_last"])
    last_frame = [r["last_frame"]["storm"] for r in results if "storm" in r["last_frame"]]
    out = {
        "voters": voters,
        "acked": len(acked),
        "ok": kinds.get("ok", 0),
        "refused": {k: v for k, v in kinds.items() if k != "ok"},
        "all_acked_s": (max(a[1] for a in acked) - start) if len(acked) == voters else None,
        "last_ack_s": max((a[1] - start for a in acked), default=math.nan),
        "ack_p50_ms": percentile([(a[1] - a[0]) * 1000 for a in acked], 50),
        "ack_p99_ms": percentile([(a[1] - a[0]) * 1000 for a in acked], 99),
        "frames": dict(frames(results, "storm")),
        "last_frame_s": max(last_frame, default=start) - start,
        "final_count_ok": counts.get(voters, 0),
        "final_counts": counts.most_common(4),
        "measured_s": storm["end"] - start,
        "timed_out": not storm["acks_done"],
    }
    other = [q for q in run["approved_at"] if q != next(iter(run["approved_at"]))]
    if other:
        ms, missing = latencies(results, other[0], run["approved_at"][other[0]])
        last = max(ms, default=math.nan)
        out["approval"] = {
            "p50_ms": percentile(ms, 50),
            "last_ms": last,
            "missing": missing,
            "vs_quiet": last / quiet.get("last_ms", math.nan) if ms else math.nan,
        }
    return out


def summarise(entry: dict[str, Any]) -> dict[str, Any]:
    out = {k: v for k, v in entry.items() if k != "runs"}
    out["runs"] = [summarise_run(run) for run in entry.get("runs", [])]
    return out


# --- Markdown ----------------------------------------------------------------------


def ms(value: float | None) -> str:
    if value is None or math.isnan(value):
        return "—"
    return f"{value:,.0f} ms" if value >= 100 else f"{value:.1f} ms"


def secs(value: float | None) -> str:
    if value is None or math.isnan(value):
        return "—"
    if value < 1:
        return ms(value * 1000)
    return f"{value:,.1f} s" if value < 100 else f"{value:,.0f} s"


def ratio(value: float | None, base: float | None) -> str:
    if value is None or base is None or math.isnan(value) or math.isnan(base) or base <= 0:
        return "—"
    return f"{value / base:.1f}×"


def get(d: dict[str, Any] | None, *path: str) -> Any:
    for key in path:
        if not isinstance(d, dict):
            return None
        d = d.get(key)
    return d


def per_citizen(count: int, n: int) -> str:
    return f"{count:,} ({count / n:.2f})" if count else "0"


def machine() -> str:
    with open("/proc/meminfo") as meminfo:
        kib = int(meminfo.readline().split()[1])
    cpu = ""
    try:
        lines = subprocess.run(["lscpu"], capture_output=True, text=True, check=False).stdout.splitlines()
        cpu = next((line.split(":", 1)[1].strip() for line in lines if line.startswith("Model name")), "")
    except OSError:
        pass
    return f"{os.cpu_count()} cores{f' ({cpu})' if cpu else ''}, {kib / 2**20:.0f} GiB, {platform.system()} {platform.release()}"


def code_version() -> str:
    def git(*args: str) -> str:
        return subprocess.run(
            ["git", "-C", str(ROOT), *args], capture_output=True, text=True, check=False
        ).stdout.strip()

    dirty = git("status", "--porcelain", "--untracked-files=no", "--", "consumers", "moderation", "townhall", "harness")
    return git("rev-parse", "--short", "HEAD") + (" (with local changes)" if dirty else "")


def versions() -> str:
    import daphne
    import django
    import websockets

    return f"Python {platform.python_version()}, Django {django.__version__}, Daphne {daphne.__version__}, websockets {websockets.__version__}"


def report(summary: list[dict[str, Any]], args: argparse.Namespace, argv: list[str], began: float) -> str:
    storm_entries = [e for e in summary if e["sizes"] == args.sizes]
    hold_entries = [e for e in summary if e["sizes"] != args.sizes]
    out = [
        "## Fan-out benchmark (`bench/fanout.py`)",
        "",
        f"- Command: `.venv/bin/python bench/fanout.py {' '.join(argv)}`".rstrip() + "",
        f"- Date: {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime(began))}, {(time.time() - began) / 60:.0f} min",
        f"- Machine: {machine()}",
        f"- Code: {code_version()}; {versions()}",
        f"- Clients: {args.client_processes} processes of `bench/fanout_client.py`; ratios (÷ relay) are to (a) in the same run",
        "",
    ]
    out += section_approval(storm_entries + hold_entries)
    out += section_connect(storm_entries + hold_entries)
    out += section_memory(storm_entries + hold_entries)
    out += section_frames(storm_entries + hold_entries)
    out += section_storm(storm_entries, args.storm_approve_delay)
    notes = []
    for e in summary:
        label = f"{LABELS[e['key']]} ({', '.join(map(str, e['sizes']))})"
        if e.get("not_run"):
            notes.append(f"- {label}: not run: {e['not_run']}")
        if e.get("error"):
            notes.append(f"- {label}: failed: {e['error']}")
        for run in e["runs"]:
            if run["aborted"]:
                notes.append(f"- {label}, {run['n']:,} citizens: stopped: {run['aborted']}")
            for what, text in run["events"].items():
                notes.append(f"- {label}, {run['n']:,} citizens, {what}: {text}")
            if run["connect"]["errors"]:
                errors = "; ".join(f"{n}× {text}" for text, n in run["connect"]["errors"])
                notes.append(f"- {label}, {run['n']:,} citizens, failed connection attempts: {errors}")
    if notes:
        out += ["### Notes", "", *notes, ""]
    return "\n".join(out)


def rows(entries: list[dict[str, Any]]):
    """(entry, run, the relay's run with the same number of citizens) for each measured size."""
    relay = {run["n"]: run for e in entries if e["key"] == "a" for run in e["runs"]}
    for e in entries:
        for run in e["runs"]:
            yield e, run, relay.get(run["n"])


def section_approval(entries: list[dict[str, Any]]) -> list[str]:
    out = [
        "### Approval → citizens (quiet)",
        "",
        "| target | citizens | p50 | p99 | last | last ÷ relay | missing |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for e, run, base in rows(entries):
        a = run.get("approval")
        if a:
            out.append(
                f"| {LABELS[e['key']]} | {run['n']:,} | {ms(a['p50_ms'])} | {ms(a['p99_ms'])} | {ms(a['last_ms'])} "
                f"| {ratio(a['last_ms'], get(base, 'approval', 'last_ms'))} | {a['missing']} |"
            )
    return out + [""]


def section_connect(entries: list[dict[str, Any]]) -> list[str]:
    out = [
        "### Connect storm (all citizens at once, until each has its snapshot)",
        "",
        "| target | citizens | connected | last snapshot | p50 | rate | last ÷ relay | failed attempts |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for e, run, base in rows(entries):
        c = run["connect"]
        rate = c["connected"] / c["last_s"] if c["last_s"] and not math.isnan(c["last_s"]) else math.nan
        out.append(
            f"| {LABELS[e['key']]} | {run['n']:,} | {c['connected']:,} | {secs(c['last_s'])} | {secs(c['p50_s'])} "
            f"| {rate:,.0f}/s | {ratio(c['last_s'], get(base, 'connect', 'last_s'))} | {c['failures']:,} |"
        )
    return out + [""]


def section_memory(entries: list[dict[str, Any]]) -> list[str]:
    out = [
        "### Server memory and idle CPU (sum over the server processes)",
        "",
        "| target | sockets | RSS before → after | per socket | ÷ relay | idle CPU (of one core) | relay's idle CPU |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for e, run, base in rows(entries):
        cpu = run["idle_cpu_pct"]
        base_cpu = get(base, "idle_cpu_pct")
        out.append(
            f"| {LABELS[e['key']]} | {run['n']:,} | {run['rss_before_mib']:,.0f} → {run['rss_after_mib']:,.0f} MiB "
            f"| {run['rss_per_socket_kib']:,.1f} KiB | {ratio(run['rss_per_socket_kib'], get(base, 'rss_per_socket_kib'))} "
            f"| {'—' if cpu is None else f'{cpu:.1f} %'} | {'—' if base_cpu is None else f'{base_cpu:.1f} %'} |"
        )
    return out + [""]


def section_frames(entries: list[dict[str, Any]]) -> list[str]:
    out = [
        "### Frames received by the citizens, per phase (total, and per citizen)",
        "",
        "| target | citizens | connect | idle | approval | vote storm | storm's frames by type |",
        "| --- | ---: | ---: | ---: | ---: | ---: | --- |",
    ]
    for e, run, _ in rows(entries):
        f = {phase: sum(counts.values()) for phase, counts in run["frames"].items()}
        kinds = ", ".join(f"{k} {v:,}" for k, v in sorted(run["frames"]["storm"].items(), key=lambda kv: -kv[1]))
        out.append(
            f"| {LABELS[e['key']]} | {run['n']:,} | {per_citizen(f['connect'], run['n'])} | {per_citizen(f['idle'], run['n'])} "
            f"| {per_citizen(f['approve'], run['n'])} | {per_citizen(f['storm'], run['n']) if 'storm' in run else '—'} | {kinds} |"
        )
    return out + [""]


def section_storm(entries: list[dict[str, Any]], delay: float) -> list[str]:
    out = [
        f"### Vote storm (the voters vote at once for an approved question; another is approved {delay:g} s later)",
        "",
        "| target | connected | voters | acknowledged | all acknowledged | ack p50 / p99 | ÷ relay (all acked) "
        "| frames to citizens | last count = voters | approval in the storm: p50 / last | ÷ quiet last | ÷ relay |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for e, run, base in rows(entries):
        s = run.get("storm")
        if not s:
            continue
        b = get(base, "storm")
        a = s.get("approval", {})
        acked = f"{s['acked']:,}" + (
            f" ({', '.join(f'{v} {k}' for k, v in s['refused'].items())})" if s["refused"] else ""
        )
        everyone = secs(s["all_acked_s"]) if s["all_acked_s"] is not None else f"not after {secs(s['measured_s'])}"
        counts = f"{s['final_count_ok']:,} of {run['n']:,}"
        if s["final_count_ok"] < run["n"]:
            counts += " (" + ", ".join(f"{k}: {v:,}" for k, v in s["final_counts"]) + ")"
        out.append(
            f"| {LABELS[e['key']]} | {run['n']:,} | {s['voters']:,} | {acked} | {everyone} | {ms(s['ack_p50_ms'])} / {ms(s['ack_p99_ms'])} "
            f"| {ratio(s['all_acked_s'], get(b, 'all_acked_s'))} | {per_citizen(sum(s['frames'].values()), run['n'])} | {counts} "
            f"| {ms(a.get('p50_ms'))} / {ms(a.get('last_ms'))} | {ratio(a.get('last_ms'), get(run, 'approval', 'last_ms'))} "
            f"| {ratio(a.get('last_ms'), get(b, 'approval', 'last_ms'))} |"
        )
    return out + [""]
