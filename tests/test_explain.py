"""Explanations: one account-day, step by step, numbers filled in."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given

from softstaking import (
    AprSchedule,
    BalanceEvent,
    BalanceTimeline,
    DailyReward,
    DailySnapshot,
    Dust,
    InvalidInputError,
    RewardCalculator,
    TieredApr,
    Token,
)
from softstaking.core.explain import explain_day
from softstaking.samples import seed_calculator, seed_timeline
from tests.strategies import WIDE, reward_records

JAN1 = date(2024, 1, 1)


def _at(hour: int, day: int = 1) -> datetime:
    return datetime(2024, 1, day, hour, tzinfo=UTC)


class TestFromTheRecord:
    def test_brief_example(self) -> None:
        """36,500 at 5 % over 365 days reads gross = 36500 × 0.05 / 365 = 5 and pays 5."""
        calc = RewardCalculator(Token("IOTX", 18), AprSchedule.constant("0.05"))
        timeline = BalanceTimeline.from_events([], opening=36500)
        text = str(explain_day(calc, timeline, JAN1))
        assert "gross = eligible × apr / 365 = 36500 × 0.05 / 365 = 5.00\n" in text
        assert "paid  = owed rounded down to 0.000000000000000001 = 5.000000000000000000\n" in text
        assert "carry = owed − paid = 0\n" in text

    @given(reward_records())
    def test_carry_before_and_owed_follow_conservation(self, record: DailyReward) -> None:
        """carry_before + gross = owed = paid + carry + forfeited, exactly, or a named error.

        A record whose amounts need more than the library's 100 digits to add up exactly
        (hypothesis builds such inconsistent ones) cannot be explained, and says so.
        """
        exact_owed = WIDE.add(WIDE.add(record.paid, record.carry), record.forfeited)
        exact_before = WIDE.subtract(exact_owed, record.gross)
        if max(len(x.as_tuple().digits) for x in (exact_owed, exact_before)) > 100:
            with pytest.raises(InvalidInputError, match="cannot be explained exactly"):
                record.explain()
            return
        explanation = record.explain()
        owed = Fraction(record.paid) + Fraction(record.carry) + Fraction(record.forfeited)
        assert Fraction(explanation.owed) == owed
        assert Fraction(explanation.carry_before) == owed - Fraction(record.gross)

    def test_year_days_changes_the_formula(self) -> None:
        """With year_days=360 the formula divides by 360."""
        calc = RewardCalculator(Token("USDT", 6), AprSchedule.constant("0.036"))
        record = calc.daily_rewards(
            BalanceTimeline.from_events([], opening=1000), JAN1, date(2024, 1, 2)
        )[0]
        text = str(record.explain(year_days=360, token=Token("USDT", 6)))
        # 1000 × 0.036 / 360 = 0.1 exactly
        assert "gross = eligible × apr / 360 = 1000 × 0.036 / 360 = 0.1" in text
        assert "rounded down to 0.000001" in text

    def test_bad_year_days(self) -> None:
        """A year of zero days is refused."""
        record = seed_calculator().daily_rewards(
            seed_timeline(), date(2019, 7, 15), date(2019, 7, 16)
        )[0]
        with pytest.raises(InvalidInputError, match="year_days"):
            record.explain(year_days=0)


class TestExplainDay:
    def test_events_that_shaped_the_balance(self) -> None:
        """The day lists its opening balance and each event with the balance after it."""
        text = str(explain_day(seed_calculator(), seed_timeline(), date(2019, 7, 17)))
        assert "balance at the start of the day = 62345.678\n" in text
        assert "  2019-07-17T18:30:00+08:00  trade -20000  -> 42345.678\n" in text
        assert "= 42345.678\n" in text.split("measured balance", 1)[1]

    def test_carry_before_is_the_previous_days_carry(self) -> None:
        """Started earlier, the day's carry_before is the previous day's carry."""
        calc, timeline = seed_calculator(), seed_timeline()
        start = date(2019, 7, 15)
        records = calc.daily_rewards(timeline, start, date(2019, 7, 21))
        explanation = explain_day(calc, timeline, date(2019, 7, 20), start=start)
        assert explanation.carry_before == records[-2].carry
        assert explanation.record == records[-1]

    def test_minimum_payout_is_named(self) -> None:
        """A day whose owed amount is under the minimum payout says so."""
        text = str(explain_day(seed_calculator(), seed_timeline(), date(2019, 7, 19)))
        assert "paid  = owed rounded down to 0.000000000000000001 = 0\n" in text
        assert "below the minimum payout 0.000001" in text

    def test_minimum_holding_and_cap(self) -> None:
        """Eligible says why it differs from the measured balance."""
        token = Token("T", 2)
        timeline = BalanceTimeline.from_events([BalanceEvent(_at(12), 500)], opening=50)
        calc = RewardCalculator(
            token, AprSchedule.constant("0.1"), min_holding=100, cap=200, dust=Dust.FORFEIT
        )
        first = str(explain_day(calc, timeline, JAN1))
        second = str(explain_day(calc, timeline, date(2024, 1, 2)))
        assert "eligible = 0: the balance is below the minimum holding 100" in first
        assert "eligible = cap = 200: the balance is above the cap" in second
        # 200 × 0.1 / 365 = 0.05479452054794520547945…, rounded half-even to 1E-22;
        # 0.05 is paid and the rest forfeited
        assert "forfeited (dust below the base unit) = 0.0047945205479452054795\n" in second

    def test_tiers_are_shown(self) -> None:
        """A tiered day lists its bands and the blended rate."""
        tiers = TieredApr([(2000, "0.10"), (5000, "0.08"), (None, "0.05")])
        calc = RewardCalculator(Token("USDT", 6), AprSchedule.constant(tiers))
        text = str(explain_day(calc, BalanceTimeline.from_events([], opening=9000), JAN1))
        assert "tiers: 0.10 up to 2000, 0.08 up to 5000, 0.05 above" in text
        # 640 a year on 9,000, over 365 days: 640 / 365 = 1.753424…
        assert "= 1.7534246575342465753" in text

    def test_start_after_day_is_refused(self) -> None:
        """A run cannot start after the day it explains."""
        with pytest.raises(InvalidInputError, match="after the day"):
            explain_day(
                seed_calculator(), seed_timeline(), date(2019, 7, 15), start=date(2019, 7, 16)
            )

    def test_event_at_midnight_counts_in_the_opening(self) -> None:
        """An event at the very start of the day is part of the opening balance."""
        calc = RewardCalculator(Token("T", 2), AprSchedule.constant("0.1"), DailySnapshot(time(12)))
        timeline = BalanceTimeline.from_events([BalanceEvent(_at(0, 2), 10)])
        explanation = explain_day(calc, timeline, date(2024, 1, 2))
        assert explanation.opening == 10
        assert explanation.events == ()
        assert explanation.window is not None
        assert explanation.window.end - explanation.window.start == timedelta(days=1)


class TestLimits:
    def test_amounts_beyond_the_precision(self) -> None:
        """A record whose amounts cannot be added within 100 digits is refused, not rounded."""
        record = DailyReward(
            JAN1,
            Decimal(0),
            Decimal(0),
            Decimal(0),
            Decimal(0),
            Decimal(0),
            Decimal("1E-40"),
            _at(0, 2),
            Decimal("1E+65"),
        )
        with pytest.raises(InvalidInputError, match="cannot be explained exactly"):
            record.explain()
