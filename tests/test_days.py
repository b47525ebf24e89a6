"""Calendar days in a zone: DST, gaps at midnight, day offsets and dateutil zones."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta, timezone
from fractions import Fraction
from zoneinfo import ZoneInfo

import pytest
from dateutil import tz as dateutil_tz

from softstaking import (
    AprSchedule,
    BalanceEvent,
    BalanceTimeline,
    DailySnapshot,
    DayCalendar,
    RewardCalculator,
    SnapshotAverage,
    TimeWeighted,
    Token,
    resolve_wall_time,
)

NY = ZoneInfo("America/New_York")
UTC8 = timezone(timedelta(hours=8))


class TestDaylightSaving:
    @pytest.mark.parametrize(
        ("day", "hours"),
        [(date(2024, 3, 10), 23), (date(2024, 11, 3), 25), (date(2024, 6, 1), 24)],
    )
    def test_new_york_days_last_23_24_or_25_hours(self, day: date, hours: int) -> None:
        """The days the clocks change in New York last 23 and 25 hours."""
        assert DayCalendar(NY).window(day).duration == timedelta(hours=hours)

    def test_an_hour_is_a_25th_of_the_long_day(self) -> None:
        """Time-weighted, 100 deposited at 23:00 on the 25-hour day averages 100 / 25."""
        day = date(2024, 11, 3)
        events = [BalanceEvent(datetime(2024, 11, 3, 23, tzinfo=NY), "100")]
        calc = RewardCalculator(
            Token("T", 2), AprSchedule.constant("0.0365"), TimeWeighted(), tz=NY
        )
        (record,) = calc.daily_rewards(BalanceTimeline.from_events(events), day, day + timedelta(1))
        assert record.balance == 4

    def test_a_midnight_that_does_not_exist_starts_the_day_after_the_gap(self) -> None:
        """In Santiago the clocks jumped from 00:00 to 01:00 on 11 Sep 2022: the day starts then."""
        santiago = ZoneInfo("America/Santiago")
        window = DayCalendar(santiago).window(date(2022, 9, 11))
        assert window.start.replace(tzinfo=None) == datetime(2022, 9, 11, 1)
        assert window.start.utcoffset() == timedelta(hours=-3)
        assert window.duration == timedelta(hours=23)

    def test_a_skipped_snapshot_time_reads_the_end_of_the_gap(self) -> None:
        """A 02:30 snapshot on the spring-forward day reads 03:00 EDT, the gap's end."""
        assert resolve_wall_time(datetime(2024, 3, 10, 2, 30), NY) == datetime(
            2024, 3, 10, 7, tzinfo=UTC
        )

    def test_a_repeated_snapshot_time_reads_its_first_occurrence(self) -> None:
        """A 01:30 snapshot on the fall-back day reads 01:30 EDT, the first of the two."""
        got = resolve_wall_time(datetime(2024, 11, 3, 1, 30), NY)
        # Compared in UTC: PEP 495 makes an ambiguous time unequal to any other zone's.
        assert got.astimezone(UTC) == datetime(2024, 11, 3, 5, 30, tzinfo=UTC)

    def test_hourly_snapshots_keep_their_count_on_dst_days(self) -> None:
        """24 hourly snapshots average to the true mean on a 23-hour day too."""
        day = date(2024, 3, 10)
        # 240 arrives at 12:00 EDT; 12 of the 24 snapshots (12:00 … 23:00) see it.
        events = [BalanceEvent(datetime(2024, 3, 10, 12, tzinfo=NY), "240")]
        policy = SnapshotAverage([time(h) for h in range(24)])
        calc = RewardCalculator(Token("T", 2), AprSchedule.constant("0.0365"), policy, tz=NY)
        (record,) = calc.daily_rewards(BalanceTimeline.from_events(events), day, day + timedelta(1))
        assert record.balance == 120

    def test_dateutil_zones_give_the_same_days_as_zoneinfo(self) -> None:
        """A dateutil.tz zone cuts the same days as the zoneinfo zone of the same name."""
        du = dateutil_tz.gettz("America/New_York")
        assert du is not None
        for day in (date(2024, 3, 10), date(2024, 11, 3), date(2024, 7, 4)):
            a, b = DayCalendar(NY).window(day), DayCalendar(du).window(day)
            assert (a.start_us, a.end_us) == (b.start_us, b.end_us)


class TestDayOffset:
    KUCOIN = DayCalendar(UTC8, day_offset=timedelta(hours=-2))

    def test_a_22_00_cut_off_runs_from_the_evening_before(self) -> None:
        """KuCoin's KCS day D ran from 22:00 on D - 1 to 21:59:59 on D, UTC+8."""
        window = self.KUCOIN.window(date(2020, 5, 1))
        assert window.start == datetime(2020, 4, 30, 22, tzinfo=UTC8)
        assert window.end == datetime(2020, 5, 1, 22, tzinfo=UTC8)

    def test_a_time_after_the_cut_off_belongs_to_the_next_day(self) -> None:
        """In a 22:00 day, 23:00 comes first: on the evening before the date."""
        window = self.KUCOIN.window(date(2020, 5, 1))
        assert window.at(time(23)) == datetime(2020, 4, 30, 23, tzinfo=UTC8)
        assert window.at(time(10)) == datetime(2020, 5, 1, 10, tzinfo=UTC8)
        assert self.KUCOIN.day_of(datetime(2020, 4, 30, 22, tzinfo=UTC8)) == date(2020, 5, 1)
        assert self.KUCOIN.day_of(datetime(2020, 4, 30, 21, 59, 59, tzinfo=UTC8)) == date(
            2020, 4, 30
        )

    def test_the_calculator_measures_in_the_offset_day(self) -> None:
        """A deposit at 22:30 on 30 April counts in 1 May's 23:00 snapshot."""
        events = [BalanceEvent(datetime(2020, 4, 30, 22, 30, tzinfo=UTC8), "365")]
        calc = RewardCalculator(
            Token("KCS", 6),
            AprSchedule.constant("0.1"),
            DailySnapshot(time(23)),
            tz=UTC8,
            day_offset=timedelta(hours=-2),
        )
        days = calc.daily_rewards(
            BalanceTimeline.from_events(events), date(2020, 4, 30), date(2020, 5, 2)
        )
        assert [d.balance for d in days] == [0, 365]
        assert days[1].payout_at == datetime(2020, 5, 1, 22, tzinfo=UTC8)
        assert Fraction(days[1].gross) == Fraction(365 * 1, 10 * 365)
