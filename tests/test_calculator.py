"""The calculator's settings: holding rules, payouts, compounding, dust and contexts."""

from __future__ import annotations

import decimal
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from fractions import Fraction
from zoneinfo import ZoneInfo

import attrs
import pytest

from softstaking import (
    AprSchedule,
    BalanceEvent,
    BalanceTimeline,
    DailySnapshot,
    Dust,
    MinimumBalance,
    RewardCalculator,
    Settlement,
    SnapshotAverage,
    TimeWeighted,
    Token,
    settle,
)

DAY = timedelta(days=1)
JAN_1 = date(2024, 1, 1)
USD0 = Token("USD", 0)
# 36,500 at 3.65 % earns exactly 3.65 a day (36,500 × 0.0365 / 365).
RATE = AprSchedule.constant("0.0365")


def flat(amount: str) -> BalanceTimeline:
    return BalanceTimeline.from_events([], opening=amount)


class TestHoldingRules:
    def test_below_the_minimum_earns_nothing(self) -> None:
        """A measured balance under min_holding earns nothing; at exactly it, it earns."""
        calc = RewardCalculator(Token("T", 6), RATE, min_holding=100)
        (below,) = calc.daily_rewards(flat("99.999999"), JAN_1, JAN_1 + DAY)
        (at,) = calc.daily_rewards(flat("100"), JAN_1, JAN_1 + DAY)
        assert below.balance == Decimal("99.999999")
        assert below.eligible == below.gross == 0
        assert at.eligible == 100
        assert at.paid == Decimal("0.01")  # 100 × 0.0365 / 365

    def test_above_the_cap_earns_as_the_cap(self) -> None:
        """A balance over the cap earns as if it were the cap, and reports both."""
        calc = RewardCalculator(Token("T", 6), RATE, cap=10_000)
        (day,) = calc.daily_rewards(flat("36500"), JAN_1, JAN_1 + DAY)
        assert day.balance == 36500
        assert day.eligible == 10_000
        assert day.paid == 1


class TestSchedules:
    def test_a_rate_change_applies_from_its_day(self) -> None:
        """Each day uses the rate in force on it."""
        schedule = AprSchedule({JAN_1: "0.0365", JAN_1 + 2 * DAY: "0.073"})
        calc = RewardCalculator(Token("T", 2), schedule)
        days = calc.daily_rewards(flat("36500"), JAN_1, JAN_1 + 4 * DAY)
        assert [d.paid for d in days] == [Decimal("3.65")] * 2 + [Decimal("7.30")] * 2
        assert [d.apr for d in days] == [Decimal("0.0365")] * 2 + [Decimal("0.073")] * 2

    def test_an_empty_range_gives_no_records(self) -> None:
        """[d, d) has no days."""
        assert RewardCalculator(USD0, RATE).daily_rewards(flat("1"), JAN_1, JAN_1) == []


class TestCarry:
    def test_the_carry_argument_chains_runs(self) -> None:
        """Passing the last carry into the next run pays as one run would."""
        calc = RewardCalculator(USD0, AprSchedule.constant("0.01"))
        timeline = flat("10000")  # 10,000 × 1 % / 365 = 0.27397… a day
        whole = calc.daily_rewards(timeline, JAN_1, JAN_1 + 8 * DAY)
        first = calc.daily_rewards(timeline, JAN_1, JAN_1 + 3 * DAY)
        rest = calc.daily_rewards(timeline, JAN_1 + 3 * DAY, JAN_1 + 8 * DAY, carry=first[-1].carry)
        assert first + rest == whole
        # Day 4 is the first whose cumulative 4 × 0.27397… reaches a whole unit.
        assert [d.paid for d in whole] == [0, 0, 0, 1, 0, 0, 0, 1]

    def test_forfeit_pays_the_floor_each_day_and_reports_the_rest(self) -> None:
        """With Dust.FORFEIT the sub-unit rest is dropped daily and reported, never carried."""
        calc = RewardCalculator(USD0, AprSchedule.constant("0.01"), dust=Dust.FORFEIT)
        days = calc.daily_rewards(flat("100000"), JAN_1, JAN_1 + 3 * DAY)
        # 100,000 × 1 % / 365 = 2.7397…: 2 paid, 0.7397… forfeited, every day.
        assert [d.paid for d in days] == [2, 2, 2]
        assert all(d.carry == 0 for d in days)
        for d in days:
            assert abs(Fraction(d.forfeited) - (Fraction(1000, 365) - 2)) < Fraction(1, 10**19)

    def test_a_minimum_payout_holds_back_and_carries(self) -> None:
        """KuCoin paid no rebate under 0.000001: smaller amounts carry until they reach it."""
        token = Token("IOTX", 18)
        calc = RewardCalculator(token, AprSchedule.constant("0.0365"), min_payout="0.000001")
        # 0.004 × 0.0365 / 365 = 0.0000004 a day: paid on day 3, when 0.0000012 is owed.
        days = calc.daily_rewards(flat("0.004"), JAN_1, JAN_1 + 5 * DAY)
        assert [d.paid for d in days] == [0, 0, Decimal("0.0000012"), 0, 0]
        assert days[1].carry == Decimal("0.0000008")

    def test_a_payment_exactly_at_the_minimum_is_paid(self) -> None:
        """A payable amount equal to min_payout is paid that day, by settle and the calculator."""
        assert settle(Decimal("5.5"), USD0, min_payout=Decimal(5)) == Settlement(
            Decimal(5), Decimal("0.5"), Decimal(0)
        )
        calc = RewardCalculator(USD0, RATE, min_payout=3)
        days = calc.daily_rewards(flat("36500"), JAN_1, JAN_1 + 2 * DAY)
        # 3.65 owed on day 1: 3 is payable, exactly the minimum, so it is paid.
        assert [d.paid for d in days] == [3, 4]
        forfeit = RewardCalculator(USD0, RATE, min_payout=3, dust=Dust.FORFEIT)
        days = forfeit.daily_rewards(flat("36500"), JAN_1, JAN_1 + 2 * DAY)
        assert [d.paid for d in days] == [3, 3]

    def test_whole_units_below_the_minimum_are_held_back(self) -> None:
        """A payable amount of whole units under min_payout is not paid; all of it carries."""
        held = settle(Decimal("4.5"), USD0, min_payout=Decimal(5))
        assert held == Settlement(Decimal(0), Decimal("4.5"), Decimal(0))
        forfeit = settle(Decimal("4.5"), USD0, min_payout=Decimal(5), dust=Dust.FORFEIT)
        assert forfeit == Settlement(Decimal(0), Decimal(4), Decimal("0.5"))
        calc = RewardCalculator(USD0, RATE, min_payout=4)
        days = calc.daily_rewards(flat("36500"), JAN_1, JAN_1 + 2 * DAY)
        # 3.65 on day 1 is under 4 and carries; day 2 owes 7.30 and pays 7.
        assert [d.paid for d in days] == [0, 7]

    def test_the_dust_rules_are_named_carry_and_forfeit(self) -> None:
        """Program files and the command name the dust rules by their values, carry and forfeit."""
        assert Dust("carry") is Dust.CARRY
        assert Dust("forfeit") is Dust.FORFEIT


class TestCompounding:
    def test_paid_is_seen_by_the_next_midnight_snapshot(self) -> None:
        """With compound=True, a day's payment at midnight is in the next day's balance."""
        calc = RewardCalculator(USD0, RATE, compound=True)
        days = calc.daily_rewards(flat("36500"), JAN_1, JAN_1 + 3 * DAY)
        # 36,500 earns 3.65: 3 paid (whole units), then 36,503 earns 3.65003 + 0.65 carry.
        assert [d.balance for d in days] == [36500, 36503, 36507]
        assert [d.paid for d in days] == [3, 4, 3]

    def test_a_delayed_payment_is_seen_pro_rata_by_the_average(self) -> None:
        """Paid 8 hours into the next day, a payment counts for 16 of that day's 24 hours."""
        calc = RewardCalculator(
            USD0, RATE, TimeWeighted(), compound=True, payout_delay=timedelta(hours=8)
        )
        first, second = calc.daily_rewards(flat("36500"), JAN_1, JAN_1 + 2 * DAY)
        assert first.paid == 3
        assert first.payout_at == datetime(2024, 1, 2, 8, tzinfo=UTC)
        assert second.balance == 36500 + Fraction(3 * 16, 24)

    def test_a_delayed_payment_is_missed_by_the_midnight_snapshot(self) -> None:
        """A payment due at 08:00 is not in that day's midnight snapshot."""
        calc = RewardCalculator(
            USD0, RATE, DailySnapshot(), compound=True, payout_delay=timedelta(hours=8)
        )
        days = calc.daily_rewards(flat("36500"), JAN_1, JAN_1 + 3 * DAY)
        assert [d.balance for d in days] == [36500, 36500, 36503]


class TestPayoutTime:
    def test_the_payout_delay_is_elapsed_time_across_dst(self) -> None:
        """The delay is elapsed time: across the clocks going forward it shows as 9 hours."""
        ny = ZoneInfo("America/New_York")
        calc = RewardCalculator(USD0, RATE, tz=ny, payout_delay=timedelta(hours=8))
        day = date(2024, 3, 9)  # the day before the clocks go forward
        first, second = calc.daily_rewards(flat("1"), day, day + 2 * DAY)
        # 9 March ends at midnight EST, 05:00 UTC; 8 hours later is 13:00 UTC, which the
        # clocks, gone forward at 02:00, show as 09:00 EDT.
        assert first.payout_at.astimezone(UTC) == datetime(2024, 3, 10, 13, tzinfo=UTC)
        assert first.payout_at.replace(tzinfo=None) == datetime(2024, 3, 10, 9)
        # The 23-hour day of the change ends at midnight EDT, 04:00 UTC; + 8 h = 12:00 UTC.
        assert second.payout_at.astimezone(UTC) == datetime(2024, 3, 11, 12, tzinfo=UTC)
        assert second.payout_at.utcoffset() == timedelta(hours=-4)


class TestCallerContext:
    def test_the_callers_decimal_context_is_neither_used_nor_changed(self) -> None:
        """A caller's 5-digit context does not change a result, and is left as it was."""
        events = [BalanceEvent(datetime(2024, 1, 1, 6, tzinfo=UTC), "123456789.123456789012345678")]
        timeline = BalanceTimeline.from_events(events)
        calc = RewardCalculator(Token("ETH", 18), AprSchedule.constant("0.0123"), TimeWeighted())
        expected = calc.daily_rewards(timeline, JAN_1, JAN_1 + 3 * DAY)
        with decimal.localcontext() as ctx:
            ctx.clear_flags()  # a copy of the thread's context, whatever flags it had
            ctx.prec = 5
            ctx.rounding = decimal.ROUND_CEILING
            ctx.traps[decimal.Inexact] = True
            got = calc.daily_rewards(timeline, JAN_1, JAN_1 + 3 * DAY)
            assert (ctx.prec, ctx.rounding) == (5, decimal.ROUND_CEILING)
            assert not ctx.flags[decimal.Inexact]
        assert got == expected
        assert got[0].balance == Fraction(123456789123456789012345678, 10**18) * Fraction(18, 24)


class TestCustomPolicy:
    def test_a_users_policy_drives_the_calculator(self) -> None:
        """Any object with measure(window, balances) is a policy: here, the closing balance."""

        class Closing:
            def measure(self, window, balances):  # type: ignore[no-untyped-def]
                return balances.balance_at(window.end - timedelta(microseconds=1))

        events = [BalanceEvent(datetime(2024, 1, 1, 23, 59, tzinfo=UTC), "36500")]
        calc = RewardCalculator(USD0, RATE, Closing())
        (day,) = calc.daily_rewards(BalanceTimeline.from_events(events), JAN_1, JAN_1 + DAY)
        assert day.balance == 36500
        snap = RewardCalculator(USD0, RATE, DailySnapshot(time(12)))
        (noon,) = snap.daily_rewards(BalanceTimeline.from_events(events), JAN_1, JAN_1 + DAY)
        assert noon.balance == 0


class TestPolicies:
    def test_the_default_snapshot_is_taken_at_midnight(self) -> None:
        """DailySnapshot() reads the balance at 00:00: a deposit at 00:30 is not in that day."""
        assert DailySnapshot() == DailySnapshot(time(0))
        events = [BalanceEvent(datetime(2024, 1, 1, 0, 30, tzinfo=UTC), "36500")]
        calc = RewardCalculator(USD0, RATE, DailySnapshot())
        days = calc.daily_rewards(BalanceTimeline.from_events(events), JAN_1, JAN_1 + 2 * DAY)
        assert [d.balance for d in days] == [0, 36500]

    @pytest.mark.parametrize(
        "policy",
        [DailySnapshot(), TimeWeighted(), MinimumBalance(), SnapshotAverage([time(0)])],
        ids=type,
    )
    def test_policies_are_frozen_values(
        self, policy: DailySnapshot | TimeWeighted | MinimumBalance | SnapshotAverage
    ) -> None:
        """A shipped policy cannot be changed after it is made, and equal ones hash alike."""
        with pytest.raises(attrs.exceptions.FrozenInstanceError):
            policy.at = time(1)  # type: ignore[union-attr, misc]
        assert hash(policy) == hash(attrs.evolve(policy))


class TestTimeline:
    def test_events_apply_in_time_order_whatever_the_input_order(self) -> None:
        """Events given out of time order are applied and listed in time order."""
        t0 = datetime(2024, 1, 1, tzinfo=UTC)
        late = BalanceEvent(t0 + 2 * DAY, -10, kind="withdrawal")
        early = BalanceEvent(t0, 10, kind="deposit")
        timeline = BalanceTimeline.from_events([late, early], opening=5)
        assert timeline.events == (early, late)
        assert timeline.balance_at(t0 - DAY) == 5
        assert timeline.balance_at(t0 + DAY) == 15
        assert timeline.balance_at(t0 + 2 * DAY) == 5
        calc = RewardCalculator(USD0, RATE)
        days = calc.daily_rewards(timeline, JAN_1, JAN_1 + 3 * DAY)
        assert [d.balance for d in days] == [15, 15, 5]
