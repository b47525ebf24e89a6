"""Runs of days (``core.runs``) against a ``BalanceView`` asked day by day; the records builder.

The view is the calculator's general path: what a policy reads. Each day of a run must
measure what the view answers for that day, the very object where the view returns one
of the timeline's balances, and an equal Decimal with the same exponent where it
computes one.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from itertools import pairwise, repeat

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from softstaking import BalanceEvent, BalanceTimeline, DailyReward, DayCalendar, DayWindow, Token
from softstaking.core.amounts import EXACT
from softstaking.core.records import _build_open, _build_slots, rewards_builder
from softstaking.core.runs import Run, day_runs, snapshot_runs
from softstaking.core.sweep import BalanceView
from tests.strategies import day_offsets, first_days, timelines, wall_times, zones


def _each_day(runs: list[Run]) -> list[tuple[Decimal, Decimal | None]]:
    """The runs as one ``(value, integral)`` per day."""
    days = []
    start = 0
    for end, value, integral in runs:
        assert end > start
        days += [(value, integral)] * (end - start)
        start = end
    return days


def _same(got: Decimal, want: Decimal) -> None:
    assert got.as_tuple() == want.as_tuple(), (got, want)


@st.composite
def calendars(draw: st.DrawFn) -> tuple[BalanceTimeline, list[DayWindow]]:
    """A timeline, and the windows of up to 20 days of a calendar in any zone and offset."""
    token = Token("TKN", draw(st.sampled_from([0, 6, 18])))
    first = draw(first_days())
    days = draw(st.integers(0, 20))
    events = draw(st.sampled_from([6, 40]))
    timeline = draw(timelines(token, days=days, max_events=events, first=first))
    calendar = DayCalendar(draw(zones()), day_offset=draw(day_offsets()))
    return timeline, calendar.windows(first, first + timedelta(days=days))


class TestSnapshotRuns:
    """``snapshot_runs``: each day's balance at its instant, the view's own object."""

    @given(calendars(), wall_times())
    def test_each_day_reads_the_views_balance(
        self, setup: tuple[BalanceTimeline, list[DayWindow]], at: time
    ) -> None:
        """The balance at each day's snapshot instant, events at that instant included."""
        timeline, windows = setup
        instants = [w.at_us(at) for w in windows]
        got = _each_day(snapshot_runs(timeline, instants))
        view = BalanceView(timeline)
        assert len(got) == len(instants)
        for (value, integral), t in zip(got, instants, strict=True):
            assert integral is None
            assert value is view.at_us(t)

    def test_a_change_at_the_instant_counts(self) -> None:
        """A deposit at exactly a day's instant is in that day's balance, not the day before's."""
        at = datetime(2024, 1, 2, tzinfo=UTC)
        timeline = BalanceTimeline.from_events([BalanceEvent(at, 5)], opening=1)
        us = int(at.timestamp()) * 10**6
        runs = snapshot_runs(timeline, [us - 1, us, us + 1])
        assert [(end, str(value)) for end, value, _ in runs] == [(1, "1"), (3, "6")]


class TestDayRuns:
    """``day_runs``: each day's average or lowest balance, as a view computes it."""

    @given(calendars(), st.booleans())
    def test_each_day_is_the_views_measure(
        self, setup: tuple[BalanceTimeline, list[DayWindow]], average: bool
    ) -> None:
        """The same value, exponent included, and the timeline's own object where it is one."""
        timeline, windows = setup
        starts, ends = [w.start_us for w in windows], [w.end_us for w in windows]
        got = _each_day(day_runs(timeline, starts, ends, average=average))
        view = BalanceView(timeline)
        assert len(got) == len(starts)
        for (value, integral), s, e in zip(got, starts, ends, strict=True):
            view.enter_day(s)
            want = view.average_us(s, e) if average else view.min_us(s, e)
            _same(value, want)
            held = any(value is b for b in (timeline.opening, *timeline._balances))
            if integral is None:
                assert held
                assert value is want
            else:
                assert average
                # The exact sum the average is the quotient of, with the view's exponent.
                steps = [(t, b) for t, b in zip(timeline._times, timeline._balances, strict=True)]
                inside = [(t, b) for t, b in steps if s < t < e]
                assert inside
                before = [b for t, b in steps if t <= s]
                first = before[-1] if before else timeline.opening
                cuts = [s, *(t for t, _ in inside), e]
                values = [first, *(b for _, b in inside)]
                terms = [
                    EXACT.multiply(v, b - a)
                    for (a, b), v in zip(pairwise(cuts), values, strict=True)
                ]
                want_sum = terms[0]
                for term in terms[1:]:
                    want_sum = EXACT.add(want_sum, term)
                _same(integral, want_sum)

    def test_several_changes_in_a_day(self) -> None:
        """Two deposits in one day of 10 µs: (1×2 + 3×3 + 6×5) / 10 = 4.1, lowest 1."""
        t0 = datetime(1970, 1, 1, tzinfo=UTC)
        timeline = BalanceTimeline.from_events(
            [
                BalanceEvent(t0 + timedelta(microseconds=2), 2),
                BalanceEvent(t0 + timedelta(microseconds=5), 3),
            ],
            opening=1,
        )
        runs = day_runs(timeline, [0, 10], [10, 20], average=True)
        assert [(end, str(value), str(integral)) for end, value, integral in runs] == [
            (1, "4.1", "41"),
            (2, "6", "None"),
        ]
        lows = day_runs(timeline, [0, 10], [10, 20], average=False)
        assert [(end, str(value)) for end, value, _ in lows] == [(1, "1"), (2, "6")]


class TestRewardsBuilder:
    """The records built from columns are ``DailyReward`` records like the class's own."""

    @pytest.mark.parametrize("build", [rewards_builder(), _build_open, _build_slots])
    @given(st.lists(st.integers(0, 10**30), min_size=0, max_size=5))
    def test_records_equal_the_classs(self, build: object, amounts: list[int]) -> None:
        """Same type, equal and equally hashed; frozen after."""
        n = len(amounts)
        values = [Decimal(a).scaleb(-18) for a in amounts]
        days = [date(2024, 1, 1) + timedelta(days=i) for i in range(n)]
        paid_at = [datetime(2024, 1, 2, tzinfo=UTC) + timedelta(days=i) for i in range(n)]
        columns = (days, values, values[::-1], values, values, values[::-1], values, paid_at)
        got = build(*columns, repeat(Decimal(0), n))  # type: ignore[operator]
        want = [DailyReward(*fields) for fields in zip(*columns, strict=True)]
        assert got == want
        for g, w in zip(got, want, strict=True):
            assert type(g) is DailyReward
            assert hash(g) == hash(w)
            assert attrs.astuple(g, recurse=False) == attrs.astuple(w, recurse=False)
            with pytest.raises(attrs.exceptions.FrozenInstanceError):
                g.paid = Decimal(1)  # type: ignore[misc]
