"""The vote coalescer (consumers/votes.py) on its own: one report per interval,
and the next one only after this process delivered the previous one.

Its database call is faked: what it stores is tested in test_services.py."""

from __future__ import annotations

import asyncio
from types import SimpleNamespace

import pytest

from consumers.votes import VoteCoalescer
from moderation.services import ReportTooSoon

pytestmark = pytest.mark.asyncio


class FakeDatabase:
    """Stands in for ``hub_database``: records each report, returns its event.
    ``too_soon``: the waits to answer first, as if another process had just reported."""

    def __init__(self, too_soon: tuple[float, ...] = ()) -> None:
        self.reports: list[set[int]] = []
        self.reported = asyncio.Event()
        self.too_soon = list(too_soon)
        self.refused: list[set[int]] = []
        self.refusal = asyncio.Event()

    def __call__(self, service):
        async def call(*, townhall_id: int, question_ids: set[int], spacing: float = 0.0):
            if self.too_soon:
                self.refused.append(set(question_ids))
                self.refusal.set()
                raise ReportTooSoon(self.too_soon.pop(0))
            self.reports.append(set(question_ids))
            self.reported.set()
            return SimpleNamespace(seq=100 + len(self.reports))

        return call

    async def next_report(self) -> set[int]:
        await asyncio.wait_for(self.reported.wait(), 2)
        self.reported.clear()
        return self.reports[-1]


async def flushed(votes: VoteCoalescer) -> None:
    """Wait for the report under way to end (its task's done callback then runs)."""
    await asyncio.gather(*list(votes._flushing.values()))


@pytest.fixture
def quick(settings):
    settings.VOTE_FLUSH_INTERVAL = 0.05
    settings.SEQ_POLL_INTERVAL = 1.0


async def test_votes_in_one_interval_make_one_report(quick):
    # given
    database = FakeDatabase()
    votes = VoteCoalescer(database)

    # when three votes on two questions come at once
    for question_id in (7, 8, 7):
        votes.changed(1, question_id)

    # then one report names both questions
    assert await database.next_report() == {7, 8}
    assert len(database.reports) == 1


async def test_the_next_report_waits_until_the_previous_one_was_delivered(quick):
    # given a first report, stored as seq 101 but not delivered here yet
    database = FakeDatabase()
    votes = VoteCoalescer(database)
    votes.changed(1, 7)
    await database.next_report()
    await flushed(votes)

    # when more votes come, for longer than the interval
    votes.changed(1, 9)
    with pytest.raises(TimeoutError):
        await asyncio.wait_for(database.reported.wait(), 0.3)

    # then the report follows the delivery of seq 101, an interval later
    votes.delivered(1, 101)
    assert await database.next_report() == {9}
    assert len(database.reports) == 2


async def test_a_delivery_that_never_comes_delays_the_report_but_does_not_lose_it(settings):
    # given a first report that this process never delivers (its room left)
    settings.VOTE_FLUSH_INTERVAL = 0.02
    settings.SEQ_POLL_INTERVAL = 0.1
    database = FakeDatabase()
    votes = VoteCoalescer(database)
    votes.changed(1, 7)
    await database.next_report()
    await flushed(votes)

    # when another vote comes
    votes.changed(1, 8)

    # then it is reported anyway, after twice the poll interval
    assert await database.next_report() == {8}


async def test_flush_all_reports_what_is_left_at_once(quick):
    database = FakeDatabase()
    votes = VoteCoalescer(database)
    votes.changed(1, 7)
    votes.changed(2, 3)
    await votes.flush_all()
    assert sorted(map(sorted, database.reports)) == [[3], [7]]


async def test_a_report_another_process_just_made_delays_this_one_and_loses_nothing(quick):
    # given another process reported the town hall a moment ago (0.2 s left)
    database = FakeDatabase(too_soon=(0.2,))
    votes = VoteCoalescer(database)
    loop = asyncio.get_running_loop()

    # when votes come here, and more while waiting
    started = loop.time()
    votes.changed(1, 7)
    await asyncio.wait_for(database.refusal.wait(), 2)
    votes.changed(1, 8)

    # then one report carries both, after the wait the database asked for
    assert await database.next_report() == {7, 8}
    assert loop.time() - started >= 0.2
    assert database.refused == [{7}] and len(database.reports) == 1
