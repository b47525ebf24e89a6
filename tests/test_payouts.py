"""Payout schedules, payout grouping, and the calculator paying on a schedule."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta, timezone
from decimal import Decimal
from fractions import Fraction
from zoneinfo import ZoneInfo

import pytest
from dateutil import rrule
from hypothesis import given
from hypothesis import strategies as st

from softstaking import (
    AccrualPolicy,
    AprSchedule,
    BalanceTimeline,
    DailyPayouts,
    DailyReward,
    DailySnapshot,
    InvalidInputError,
    InvalidTypeError,
    MonthlyPayouts,
    NaiveDatetimeError,
    PayoutSchedule,
    RewardCalculator,
    TimeWeighted,
    Token,
    WeeklyPayouts,
    WindowPayouts,
    group_payouts,
)
from softstaking.core.days import resolve_wall_time
from tests.strategies import FIRST_DAY, policies, timelines, wall_times, weekday_sets, zones

DAY = timedelta(days=1)
JAN_1 = date(2024, 1, 1)  # a Monday
NY = ZoneInfo("America/New_York")
USD2 = Token("USD", 2)
# 36,500 at 3.65 % earns exactly 3.65 a day (36,500 × 0.0365 / 365).
RATE = AprSchedule.constant("0.0365")


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def flat(amount: str) -> BalanceTimeline:
    return BalanceTimeline.from_events([], opening=amount)


class TestDailyPayouts:
    def test_midnight_pays_each_day_as_it_ends(self) -> None:
        """A day ending at a payout instant is paid at that instant."""
        ends = [utc(2024, 1, 2), utc(2024, 1, 3)]
        assert DailyPayouts(tz=UTC).payout_times(ends) == ends

    def test_a_later_time_pays_the_same_day(self) -> None:
        """Days ending at midnight UTC+8 are paid at 18:00 that day."""
        utc8 = timezone(timedelta(hours=8))
        got = DailyPayouts(time(18), tz=utc8).payout_times([datetime(2025, 6, 2, tzinfo=utc8)])
        assert got == [datetime(2025, 6, 2, 18, tzinfo=utc8)]

    def test_a_time_in_the_dst_gap_pays_when_the_clocks_jump(self) -> None:
        """02:30 does not exist in New York on 10 March 2024; the payout is at 03:00 EDT."""
        end = datetime(2024, 3, 10, tzinfo=NY)
        (got,) = DailyPayouts(time(2, 30), tz=NY).payout_times([end])
        assert got.astimezone(UTC) == utc(2024, 3, 10, 7)  # 03:00 EDT = 07:00 UTC

    def test_a_repeated_time_pays_at_its_first_occurrence(self) -> None:
        """01:30 happens twice in New York on 3 November 2024; the payout is the first, EDT."""
        end = datetime(2024, 11, 3, tzinfo=NY)
        (got,) = DailyPayouts(time(1, 30), tz=NY).payout_times([end])
        assert got.astimezone(UTC) == utc(2024, 11, 3, 5, 30)  # 01:30 EDT = 05:30 UTC

    @given(zones(), wall_times(), st.integers(0, 400), st.integers(0, 86_399))
    def test_the_payout_is_the_first_at_or_after_the_end(
        self, zone: object, at: time, offset_days: int, offset_s: int
    ) -> None:
        """The payout is not before the end, and no payout time lies between the two."""
        schedule = DailyPayouts(at, tz=zone)  # type: ignore[arg-type]
        end = utc(2024, 1, 1) + timedelta(days=offset_days, seconds=offset_s)
        (pay,) = schedule.payout_times([end])
        assert pay >= end
        # The payout time on the day before the payout's date lies before the end.
        local = pay.astimezone(schedule.tz)
        previous = datetime.combine(local.date() - DAY, at)
        assert resolve_wall_time(previous, schedule.tz) < end


class TestWeeklyPayouts:
    def test_mondays_pay_the_week_before(self) -> None:
        """Days ending Tuesday to Monday midnight are paid on that Monday."""
        ends = [utc(2024, 1, d) for d in range(2, 10)]
        got = WeeklyPayouts([rrule.MO], tz=UTC).payout_times(ends)
        assert got == [utc(2024, 1, 8)] * 7 + [utc(2024, 1, 15)]

    def test_two_weekdays_split_the_week(self) -> None:
        """Monday and Thursday payouts at 12:00 cover Mon–Wed and Thu–Sun days."""
        ends = [utc(2024, 1, 1) + i * DAY for i in range(1, 8)]  # days ending Tue … Mon
        got = WeeklyPayouts([0, 3], at=time(12), tz=UTC).payout_times(ends)
        thursday, monday = utc(2024, 1, 4, 12), utc(2024, 1, 8, 12)
        assert got == [thursday] * 3 + [monday] * 4

    def test_numbers_and_rrule_weekdays_are_the_same(self) -> None:
        """[3, 0] and [TH, MO] make the same schedule, stored as sorted numbers."""
        assert WeeklyPayouts([3, 0], tz=UTC) == WeeklyPayouts([rrule.TH, rrule.MO], tz=UTC)
        assert WeeklyPayouts([3, 0], tz=UTC).weekdays == (0, 3)

    @pytest.mark.parametrize(
        ("weekdays", "kind"),
        [
            ([], InvalidInputError),
            ([7], InvalidInputError),
            ([1, 1], InvalidInputError),
            ([rrule.MO(+1)], InvalidInputError),
            ([True], InvalidTypeError),
            (0, InvalidTypeError),
        ],
    )
    def test_bad_weekdays_are_refused(self, weekdays: object, kind: type) -> None:
        """Empty, out of range, repeated, numbered, bool and non-iterable weekdays raise."""
        with pytest.raises(kind):
            WeeklyPayouts(weekdays, tz=UTC)  # type: ignore[arg-type]

    @given(weekday_sets(), st.integers(0, 60))
    def test_every_payout_falls_on_a_chosen_weekday_within_a_week(
        self, weekdays: list[int], offset: int
    ) -> None:
        """Each payout is on one of the weekdays, at most 7 days after the day ends."""
        ends = [utc(2024, 1, 1) + (offset + i) * DAY for i in range(10)]
        for end, pay in zip(ends, WeeklyPayouts(weekdays, tz=UTC).payout_times(ends), strict=True):
            assert pay.weekday() in weekdays
            assert end <= pay < end + 7 * DAY


class TestMonthlyPayouts:
    def test_day_31_falls_on_the_last_day_of_shorter_months(self) -> None:
        """MonthlyPayouts(31) pays on 31 Jan, 29 Feb 2024, 31 Mar, 30 Apr: no month skipped."""
        ends = [utc(2024, m, 2) for m in (1, 2, 3, 4)]
        got = MonthlyPayouts(31, tz=UTC).payout_times(ends)
        assert [p.date() for p in got] == [
            date(2024, 1, 31),
            date(2024, 2, 29),
            date(2024, 3, 31),
            date(2024, 4, 30),
        ]

    def test_day_30_in_a_common_february_is_the_28th(self) -> None:
        """In February 2023 the 30th falls on the 28th; in March it is the 30th again."""
        got = MonthlyPayouts(30, tz=UTC).payout_times([utc(2023, 2, 2), utc(2023, 3, 2)])
        assert [p.date() for p in got] == [date(2023, 2, 28), date(2023, 3, 30)]

    def test_a_day_ending_on_the_payout_instant_is_in_that_payout(self) -> None:
        """The day ending at midnight on the 15th is paid on the 15th; the next day a month on."""
        got = MonthlyPayouts(15, tz=UTC).payout_times([utc(2024, 1, 15), utc(2024, 1, 16)])
        assert got == [utc(2024, 1, 15), utc(2024, 2, 15)]

    @pytest.mark.parametrize(("day", "kind"), [(0, InvalidInputError), (32, InvalidInputError)])
    def test_days_outside_1_to_31_are_refused(self, day: int, kind: type) -> None:
        """A day of the month must be from 1 to 31."""
        with pytest.raises(kind, match="1 to 31"):
            MonthlyPayouts(day, tz=UTC)

    @given(st.integers(1, 31), st.integers(0, 800))
    def test_every_month_has_exactly_one_payout(self, day: int, offset: int) -> None:
        """Over 400 days of days, the payouts fall one a month, on the day or the month's end."""
        ends = [utc(2023, 1, 1) + (offset + i) * DAY for i in range(400)]
        payouts = sorted({p.date() for p in MonthlyPayouts(day, tz=UTC).payout_times(ends)})
        for p in payouts:
            last = (p.replace(day=28) + 4 * DAY).replace(day=1) - DAY
            assert p.day == min(day, last.day)
        months = [p.year * 12 + p.month for p in payouts]
        assert months == list(range(months[0], months[0] + len(months)))


class TestWindowPayouts:
    def test_binance_pays_by_08_00_utc_the_next_day(self) -> None:
        """A UTC day is paid in the window opening as it ends, modelled at the close, 08:00."""
        got = WindowPayouts(time(0), time(8), tz=UTC).payout_times([utc(2024, 1, 2)])
        assert got == [utc(2024, 1, 2, 8)]

    def test_a_window_already_open_when_the_day_ends_is_not_used(self) -> None:
        """A day ending at 04:00 is paid in the next window, not the one open since 00:00."""
        got = WindowPayouts(time(0), time(8), tz=UTC).payout_times([utc(2024, 1, 2, 4)])
        assert got == [utc(2024, 1, 3, 8)]

    def test_a_window_across_midnight_closes_the_next_day(self) -> None:
        """A 22:00–02:00 window closes at 02:00 the following calendar day."""
        got = WindowPayouts(time(22), time(2), tz=UTC).payout_times([utc(2024, 1, 2)])
        assert got == [utc(2024, 1, 3, 2)]

    def test_an_empty_window_is_refused(self) -> None:
        """A window that opens and closes at the same time is an error."""
        with pytest.raises(InvalidInputError, match="differ"):
            WindowPayouts(time(8), time(8), tz=UTC)


class TestScheduleInput:
    def test_day_ends_must_be_aware(self) -> None:
        """A naive day end is refused."""
        with pytest.raises(NaiveDatetimeError):
            DailyPayouts(tz=UTC).payout_times([datetime(2024, 1, 1)])

    def test_day_ends_must_come_in_order(self) -> None:
        """Day ends going backwards are refused."""
        with pytest.raises(InvalidInputError, match="order"):
            DailyPayouts(tz=UTC).payout_times([utc(2024, 1, 3), utc(2024, 1, 2)])

    def test_the_zone_is_required_and_checked(self) -> None:
        """A schedule's zone must be a tzinfo."""
        with pytest.raises(InvalidTypeError, match="tz"):
            DailyPayouts(tz="UTC")  # type: ignore[arg-type]

    def test_the_time_is_a_wall_clock_time(self) -> None:
        """A payout time with a tzinfo of its own is refused: the schedule's zone says which."""
        with pytest.raises(InvalidInputError, match="wall-clock"):
            DailyPayouts(time(8, tzinfo=UTC), tz=UTC)

    def test_the_built_in_schedules_are_payout_schedules(self) -> None:
        """Each built-in schedule satisfies the PayoutSchedule protocol."""
        for schedule in (
            DailyPayouts(tz=UTC),
            WeeklyPayouts([0], tz=UTC),
            MonthlyPayouts(1, tz=UTC),
            WindowPayouts(time(0), time(8), tz=UTC),
        ):
            assert isinstance(schedule, PayoutSchedule)


def reward(day: date, paid: str, at: datetime) -> DailyReward:
    """A record with only the fields grouping reads set meaningfully."""
    z = Decimal(0)
    return DailyReward(day, z, z, z, z, Decimal(paid), z, at)


class TestGroupPayouts:
    def test_days_sharing_a_payout_instant_are_one_payout(self) -> None:
        """Records with the same payout_at sum into one payout listing their days."""
        monday = utc(2024, 1, 8)
        records = [reward(JAN_1 + i * DAY, "1.5", monday) for i in range(3)]
        statement = group_payouts(records, as_of=monday)
        (payout,) = statement.paid
        assert payout.at == monday
        assert payout.amount == Decimal("4.5")
        assert payout.days == (JAN_1, JAN_1 + DAY, JAN_1 + 2 * DAY)
        assert statement.pending == ()

    def test_a_payout_after_as_of_is_pending(self) -> None:
        """A payout due after as_of is reported as pending, with its days, not dropped."""
        records = [reward(JAN_1, "1", utc(2024, 1, 2)), reward(JAN_1 + DAY, "2", utc(2024, 1, 9))]
        statement = group_payouts(records, as_of=utc(2024, 1, 3))
        assert [p.days for p in statement.paid] == [(JAN_1,)]
        assert [(p.days, p.amount) for p in statement.pending] == [((JAN_1 + DAY,), Decimal(2))]

    def test_a_day_paying_nothing_still_belongs_to_a_payout(self) -> None:
        """A zero day is listed in its payout, which may then be zero."""
        (payout,) = group_payouts([reward(JAN_1, "0", utc(2024, 1, 2))], as_of=utc(2024, 1, 2)).paid
        assert payout.amount == 0
        assert payout.days == (JAN_1,)

    def test_a_repeated_day_is_refused(self) -> None:
        """Two records for one day mean two accounts or two runs were mixed."""
        records = [reward(JAN_1, "1", utc(2024, 1, 2))] * 2
        with pytest.raises(InvalidInputError, match="repeats"):
            group_payouts(records, as_of=utc(2024, 1, 2))

    def test_as_of_must_be_aware_and_records_must_be_records(self) -> None:
        """A naive as_of and a non-record item are refused."""
        with pytest.raises(NaiveDatetimeError):
            group_payouts([], as_of=datetime(2024, 1, 1))
        with pytest.raises(InvalidTypeError, match="records\\[0\\]"):
            group_payouts(["x"], as_of=utc(2024, 1, 1))  # type: ignore[list-item]

    @given(
        st.data(),
        st.sampled_from(
            [
                DailyPayouts(time(18), tz=timezone(timedelta(hours=8))),
                WeeklyPayouts([0, 3], tz=NY),
                MonthlyPayouts(31, tz=UTC),
                WindowPayouts(time(0), time(8), tz=UTC),
            ]
        ),
        policies(),
        st.booleans(),
        st.integers(1, 40),
    )
    def test_payouts_conserve_the_days_paid(
        self,
        data: st.DataObject,
        schedule: PayoutSchedule,
        policy: AccrualPolicy,
        compound: bool,
        days: int,
    ) -> None:
        """Payouts sum to the days' paid; each day is in exactly one payout, paid or pending."""
        token = Token("T", 6)
        timeline = data.draw(timelines(token, days=days))
        calc = RewardCalculator(
            token, AprSchedule.constant("0.5"), policy, compound=compound, payout_schedule=schedule
        )
        end = FIRST_DAY + days * DAY
        records = calc.daily_rewards(timeline, FIRST_DAY, end)
        as_of = calc.calendar.start_of(end)
        statement = group_payouts(records, as_of=as_of)
        everything = statement.paid + statement.pending
        assert sum(Fraction(p.amount) for p in everything) == sum(Fraction(r.paid) for r in records)
        covered = [d for p in everything for d in p.days]
        assert sorted(covered) == [r.day for r in records]
        assert all(p.at <= as_of for p in statement.paid)
        assert all(p.at > as_of for p in statement.pending)
        for r in records:
            assert r.payout_at >= calc.calendar.window(r.day).end


class TestCalculatorPayoutSchedule:
    def test_no_schedule_pays_at_the_end_of_each_day(self) -> None:
        """Without a schedule, payout_at is the end of the day, as before."""
        calc = RewardCalculator(USD2, RATE)
        days = calc.daily_rewards(flat("36500"), JAN_1, JAN_1 + 2 * DAY)
        assert [d.payout_at for d in days] == [utc(2024, 1, 2), utc(2024, 1, 3)]

    def test_a_daily_midnight_schedule_changes_nothing(self) -> None:
        """DailyPayouts at midnight in the calculator's zone gives the default records."""
        plain = RewardCalculator(USD2, RATE, tz=NY, compound=True)
        scheduled = RewardCalculator(
            USD2, RATE, tz=NY, compound=True, payout_schedule=DailyPayouts(tz=NY)
        )
        start = date(2024, 3, 8)  # across the clocks going forward
        timeline = flat("36500")
        assert scheduled.daily_rewards(timeline, start, start + 4 * DAY) == plain.daily_rewards(
            timeline, start, start + 4 * DAY
        )

    def test_weekly_payouts_with_compounding_grow_the_balance_at_the_payout(self) -> None:
        """Within the week the snapshots see no reward; from Monday's payout they see all 7."""
        calc = RewardCalculator(
            USD2,
            RATE,
            DailySnapshot(),
            compound=True,
            payout_schedule=WeeklyPayouts([rrule.MO], tz=UTC),
        )
        days = calc.daily_rewards(flat("36500"), JAN_1, JAN_1 + 9 * DAY)
        week = 7 * Fraction(36500 * 365, 10000 * 365)  # 7 × 3.65
        assert [d.balance for d in days[:7]] == [36500] * 7
        assert days[7].balance == 36500 + week  # Monday 8 January, 00:00: the payout is in
        assert days[7].payout_at == days[8].payout_at == utc(2024, 1, 15)
        # Monday's reward is computed on the grown balance: 36,525.55 × 3.65 % / 365.
        assert Fraction(days[7].gross) == (36500 + week) * Fraction(365, 10000) / 365

    def test_a_time_weighted_average_sees_a_payout_pro_rata(self) -> None:
        """Paid at 08:00 by a window schedule, a day's reward counts for 16 of the next 24 hours."""
        calc = RewardCalculator(
            Token("USD", 0),
            RATE,
            TimeWeighted(),
            compound=True,
            payout_schedule=WindowPayouts(time(0), time(8), tz=UTC),
        )
        first, second = calc.daily_rewards(flat("36500"), JAN_1, JAN_1 + 2 * DAY)
        assert first.payout_at == utc(2024, 1, 2, 8)
        assert first.paid == 3  # 3.65 owed, whole units paid
        assert second.balance == 36500 + Fraction(3 * 16, 24)

    def test_a_delay_and_a_schedule_are_exclusive(self) -> None:
        """payout_delay with payout_schedule is an error: the schedule says when."""
        with pytest.raises(InvalidInputError, match="exclusive"):
            RewardCalculator(
                USD2,
                RATE,
                payout_delay=timedelta(hours=8),
                payout_schedule=DailyPayouts(tz=UTC),
            )

    def test_a_non_schedule_is_refused(self) -> None:
        """A payout_schedule without payout_times is a type error."""
        with pytest.raises(InvalidTypeError, match="payout_times"):
            RewardCalculator(USD2, RATE, payout_schedule=timedelta(days=7))  # type: ignore[arg-type]

    def test_a_custom_schedule_paying_before_the_day_ends_is_refused(self) -> None:
        """A user's schedule that pays a day before it ends is caught when the run is planned."""

        class Early:
            def payout_times(self, day_ends: Sequence[datetime]) -> list[datetime]:
                return [e - DAY for e in day_ends]

        calc = RewardCalculator(USD2, RATE, payout_schedule=Early())
        with pytest.raises(InvalidInputError, match="before the day ending"):
            calc.daily_rewards(flat("1"), JAN_1, JAN_1 + DAY)

    def test_a_custom_schedule_going_backwards_is_refused(self) -> None:
        """A user's schedule that pays a later day before an earlier one is refused."""

        class Backwards:
            def payout_times(self, day_ends: Sequence[datetime]) -> list[datetime]:
                return [day_ends[-1] + (len(day_ends) - i) * DAY for i in range(len(day_ends))]

        calc = RewardCalculator(USD2, RATE, payout_schedule=Backwards())
        with pytest.raises(InvalidInputError, match="earlier day"):
            calc.daily_rewards(flat("1"), JAN_1, JAN_1 + 2 * DAY)

    def test_payout_instants_are_planned_once_for_many_accounts(self) -> None:
        """The schedule is asked once per range, however many accounts are run over it."""
        calls: list[int] = []

        class Counting:
            def payout_times(self, day_ends: Sequence[datetime]) -> list[datetime]:
                calls.append(len(day_ends))
                return list(day_ends)

        calc = RewardCalculator(USD2, RATE, payout_schedule=Counting())
        for opening in ("1", "2", "3"):
            calc.daily_rewards(flat(opening), JAN_1, JAN_1 + 5 * DAY)
        assert calls == [5]

    @given(
        st.data(),
        st.sampled_from(
            [
                WeeklyPayouts([0, 3], at=time(12), tz=NY),
                MonthlyPayouts(31, tz=UTC),
                WindowPayouts(time(22), time(2), tz=UTC),
            ]
        ),
        wall_times(),
        st.integers(1, 40),
    )
    def test_compounding_adds_exactly_the_rewards_paid_by_then(
        self, data: st.DataObject, schedule: PayoutSchedule, at: time, days: int
    ) -> None:
        """A snapshot sees the timeline plus every day's paid whose payout came by then."""
        token = Token("T", 6)
        timeline = data.draw(timelines(token, days=days))
        calc = RewardCalculator(
            token,
            AprSchedule.constant("2"),
            DailySnapshot(at),
            compound=True,
            payout_schedule=schedule,
        )
        records = calc.daily_rewards(timeline, FIRST_DAY, FIRST_DAY + days * DAY)
        for r in records:
            seen = calc.calendar.window(r.day).at(at)
            credited = sum(Fraction(q.paid) for q in records if q.payout_at <= seen)
            assert Fraction(r.balance) == Fraction(timeline.balance_at(seen)) + credited
