"""The record's chart layout and its figures' helpers (pure: no database)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from moderation.record import bucket_size, percentile
from townhall import record_charts
from townhall.record_views import format_duration

T0 = datetime(2026, 3, 5, 18, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("value", "top"), [(0, 1), (1, 1), (2, 2), (3, 5), (5, 5), (6, 10), (11, 20), (21, 50), (99, 100)]
)
def test_the_axis_top_is_a_round_number_at_least_the_value(value, top):
    assert record_charts.nice_ceiling(value) == top


@pytest.mark.parametrize(
    ("values", "fraction", "expected"),
    [
        ([], 0.9, None),
        ([7.0], 0.9, 7.0),
        ([30, 60, 120, 180, 600], 0.9, 600),
        ([float(n) for n in range(1, 21)], 0.9, 18.0),
    ],
)
def test_nearest_rank_percentile(values, fraction, expected):
    assert percentile(values, fraction) == expected


@pytest.mark.parametrize(
    ("minutes", "size"),
    [(0, 300), (60, 300), (240, 300), (241, 900), (12 * 60, 900), (13 * 60, 1800), (30 * 24 * 60, 86400)],
)
def test_buckets_are_the_smallest_size_that_fits_48_bars(minutes, size):
    assert bucket_size(T0, T0 + timedelta(minutes=minutes)) == size


@pytest.mark.parametrize(
    ("seconds", "text"),
    [(None, "–"), (42.4, "42 s"), (120, "2 min"), (165, "2 min 45 s"), (3 * 3600 + 65, "3 h 1 min")],
)
def test_durations_read_as_people_say_them(seconds, text):
    assert format_duration(seconds) == text


def test_the_timeline_chart_draws_one_bar_per_series_and_bucket_within_the_plot():
    # given two buckets
    timeline = {
        "bucket_seconds": 300,
        "buckets": [
            {"start": T0.isoformat(), "questions": 4, "decisions": 1, "answered": 0},
            {"start": (T0 + timedelta(minutes=5)).isoformat(), "questions": 2, "decisions": 3, "answered": 1},
        ],
    }

    # when
    chart = record_charts.timeline_chart(timeline)

    # then 6 bars, the tallest (4 of an axis topped at 5) 4/5 of the plot, all inside it
    assert len(chart.bars) == 6
    plot_height = chart.plot_bottom - record_charts.TOP
    assert max(bar.height for bar in chart.bars) == pytest.approx(plot_height * 4 / 5, abs=0.1)
    for bar in chart.bars:
        assert chart.plot_left <= bar.x and bar.x + bar.width <= chart.plot_right
        assert bar.y + bar.height == pytest.approx(chart.plot_bottom, abs=0.2)
    assert [tick["label"] for tick in chart.y_ticks] == ["0", "1", "2", "3", "4", "5"]
    assert "6 questions asked, 4 approved or rejected, 1 answered" in chart.description


def test_the_decision_time_chart_names_its_bins():
    # given
    bins = [{"from_seconds": 0, "to_seconds": 30, "count": 2}, {"from_seconds": 30, "to_seconds": 60, "count": 0}]
    bins += [
        {"from_seconds": 120, "to_seconds": 300, "count": 1},
        {"from_seconds": 1800, "to_seconds": None, "count": 3},
    ]

    # when
    chart = record_charts.decision_time_chart({"histogram": bins})

    # then
    assert [label["label"] for label in chart.x_labels] == ["< 30 s", "30 s–1 min", "2–5 min", "≥ 30 min"]
    assert [bar.height > 0 for bar in chart.bars] == [True, False, True, True]
    assert "< 30 s: 2; 30 s–1 min: 0; 2–5 min: 1; ≥ 30 min: 3" in chart.description
