"""The public record's charts, laid out on the server (pure: no queries).

Each function turns part of the record (``moderation.record``) into the
geometry ``templates/partials/record_chart.html`` draws as inline SVG: bars,
axis ticks and labels, all numbers. Labels are plain strings the template
escapes. No JavaScript, no third-party asset: the page's CSP stays strict.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

WIDTH = 720
HEIGHT = 260
LEFT, RIGHT, TOP, BOTTOM = 44, 12, 12, 44


@dataclass
class Bar:
    x: float
    y: float
    width: float
    height: float
    series: str  # a CSS class suffix: the colour of the series
    label: str  # the bar's own text (its <title>)


@dataclass
class Chart:
    """What the template draws: bars in a plot area, ticks on both axes."""

    title: str
    description: str
    bars: list[Bar] = field(default_factory=list)
    y_ticks: list[dict[str, Any]] = field(default_factory=list)
    x_labels: list[dict[str, Any]] = field(default_factory=list)
    legend: list[dict[str, str]] = field(default_factory=list)
    width: int = WIDTH
    height: int = HEIGHT
    plot_left: int = LEFT
    plot_bottom: int = HEIGHT - BOTTOM
    plot_right: int = WIDTH - RIGHT


def nice_ceiling(value: int) -> int:
    """The axis top: ``value`` rounded up to 1, 2 or 5 times a power of ten (at least 1)."""
    if value <= 1:
        return 1
    power = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 5, 10):
        if step * power >= value:
            return step * power
    return 10 * power  # not reached: 10 * power >= value always


def _y_ticks(top: int) -> list[dict[str, Any]]:
    """Ticks at 0, ``top`` and evenly between: every 1, 2, 5... so labels are whole numbers."""
    plot = HEIGHT - TOP - BOTTOM
    step = top // 5 if top % 5 == 0 else top // 2 if top % 2 == 0 else top
    return [{"y": round(HEIGHT - BOTTOM - plot * v / top, 1), "label": str(v)} for v in range(0, top + 1, step)]


def _bars(groups: list[list[tuple[int, str, str]]], top: int) -> list[Bar]:
    """Bars for each group of (value, series, label), side by side in the group's slot."""
    plot_width = WIDTH - LEFT - RIGHT
    plot_height = HEIGHT - TOP - BOTTOM
    slot = plot_width / max(len(groups), 1)
    bars = []
    for index, group in enumerate(groups):
        width = slot * 0.8 / max(len(group), 1)
        for offset, (value, series, label) in enumerate(group):
            height = plot_height * value / top
            x = LEFT + index * slot + slot * 0.1 + offset * width
            y = HEIGHT - BOTTOM - height
            bars.append(Bar(round(x, 1), round(y, 1), round(width, 1), round(height, 1), series, label))
    return bars


def _slot_center(index: int, count: int) -> float:
    return round(LEFT + (index + 0.5) * (WIDTH - LEFT - RIGHT) / max(count, 1), 1)


def timeline_chart(timeline: dict[str, Any]) -> Chart:
    """Questions asked, decided and answered per bucket of ``timeline``."""
    names = {"questions": _("Asked"), "decisions": _("Decided"), "answered": pgettext("record chart", "Answered")}
    buckets = timeline["buckets"]
    starts = [timezone.localtime(datetime.fromisoformat(b["start"])) for b in buckets]
    groups = [
        [(bucket[key], key, f"{start:%H:%M} {name}: {bucket[key]}") for key, name in names.items()]
        for bucket, start in zip(buckets, starts, strict=True)
    ]
    top = nice_ceiling(max((value for group in groups for value, _s, _l in group), default=0))
    every = max(1, math.ceil(len(buckets) / 8))
    totals = {key: sum(b[key] for b in buckets) for key in names}
    return Chart(
        title=_("Questions and decisions over time"),
        description=_(
            "Bars per %(minutes)d minutes: %(questions)d questions asked, %(decisions)d approved or rejected, "
            "%(answered)d answered in all."
        )
        % {"minutes": timeline["bucket_seconds"] // 60, **totals},
        bars=_bars(groups, top),
        y_ticks=_y_ticks(top),
        x_labels=[
            {"x": _slot_center(i, len(buckets)), "label": f"{start:%H:%M}"}
            for i, start in enumerate(starts)
            if i % every == 0
        ],
        legend=[{"series": key, "label": name} for key, name in names.items()],
    )


def bin_label(low: int, high: int | None) -> str:
    """A histogram bin's name: "< 30 s", "1–2 min", "≥ 30 min"."""

    def short(seconds: int) -> str:
        return _("%(n)d s") % {"n": seconds} if seconds < 60 else _("%(n)d min") % {"n": seconds // 60}

    if high is None:
        return f"≥ {short(low)}"
    if low == 0:
        return f"< {short(high)}"
    if low >= 60:
        return f"{low // 60}–{short(high)}"
    return f"{short(low)}–{short(high)}"


def decision_time_chart(time_to_decision: dict[str, Any]) -> Chart:
    """How many questions waited how long for their first decision."""
    bins = time_to_decision["histogram"]
    labels = [bin_label(b["from_seconds"], b["to_seconds"]) for b in bins]
    groups = [[(b["count"], "decisions", f"{label}: {b['count']}")] for b, label in zip(bins, labels, strict=True)]
    top = nice_ceiling(max((b["count"] for b in bins), default=0))
    return Chart(
        title=_("Time to decision"),
        description=_("How many questions waited how long for their first approval or rejection: %(bins)s.")
        % {"bins": "; ".join(f"{label}: {b['count']}" for b, label in zip(bins, labels, strict=True))},
        bars=_bars(groups, top),
        y_ticks=_y_ticks(top),
        x_labels=[{"x": _slot_center(i, len(bins)), "label": label} for i, label in enumerate(labels)],
    )
