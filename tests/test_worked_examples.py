"""Published worked examples (../shared/reference/worked-examples.md) that the core covers.

Each expectation is the source's own arithmetic, written out here.
"""

from __future__ import annotations

from datetime import UTC, date, timedelta
from decimal import Decimal
from fractions import Fraction

from softstaking import (
    AprSchedule,
    BalanceTimeline,
    DayCount,
    RewardCalculator,
    TieredApr,
    Token,
)

JAN_1 = date(2024, 1, 1)


def holding(amount: str) -> BalanceTimeline:
    return BalanceTimeline.from_events([], opening=amount)


class TestHtxMarginalTiers:
    HTX = TieredApr([(2000, "0.10"), (5000, "0.08"), (None, "0.05")])

    def test_a_year_on_9000_usdt_is_640(self) -> None:
        """9,000 USDT earns 2,000 × 10 % + 3,000 × 8 % + 4,000 × 5 % = 640 a year."""
        assert self.HTX.annual_reward(Decimal(9000)) == 640

    def test_a_day_is_640_over_365(self) -> None:
        """The calculator's day is 640 / 365, with the blended rate 640 / 9,000."""
        calc = RewardCalculator(Token("USDT", 6), AprSchedule.constant(self.HTX))
        (day,) = calc.daily_rewards(holding("9000"), JAN_1, JAN_1 + timedelta(days=1))
        assert abs(Fraction(day.gross) - Fraction(640, 365)) <= Fraction(1, 10**26)
        assert day.paid == Decimal("1.753424")  # 640 / 365 = 1.7534246…, rounded down
        assert abs(Fraction(day.apr) - Fraction(640, 9000)) < Fraction(1, 10**90)


class TestBitso:
    def test_10000_at_2_percent_is_0_547945_a_day(self) -> None:
        """10,000 at 2 % a year is 10,000 × 0.02 / 365 = 0.547945… a day."""
        calc = RewardCalculator(Token("MXN", 2), AprSchedule.constant("0.02"))
        first, second = calc.daily_rewards(holding("10000"), JAN_1, JAN_1 + timedelta(days=2))
        assert abs(Fraction(first.gross) - Fraction(200, 365)) <= Fraction(1, 10**22)
        # Paid rounds down to the cent and the rest carries: the second day owes
        # 0.00794… + 0.54794… = 0.5558…, and pays the 0.55 published.
        assert first.paid == Decimal("0.54")
        assert second.paid == Decimal("0.55")


class TestBinanceFixedRate:
    def test_30_days_of_50000_at_6_percent_pays_246(self) -> None:
        """50,000 × 6 % × 30 / 365 = 246.5753…: paid daily in whole units, 246 and 0.5753 carry."""
        calc = RewardCalculator(Token("USD", 0), AprSchedule.constant("0.06"))
        days = calc.daily_rewards(holding("50000"), JAN_1, JAN_1 + timedelta(days=30))
        assert sum(d.paid for d in days) == 246
        exact = Fraction(50000 * 6 * 30, 100 * 365)
        assert abs(Fraction(days[-1].carry) - (exact - 246)) < Fraction(1, 10**18)

    def test_a_50_percent_boost_pays_123(self) -> None:
        """Half the rate, 3 %, pays 50,000 × 3 % × 30 / 365 = 123.29 → 123."""
        calc = RewardCalculator(Token("USD", 0), AprSchedule.constant("0.03"))
        days = calc.daily_rewards(holding("50000"), JAN_1, JAN_1 + timedelta(days=30))
        assert sum(d.paid for d in days) == 123


class TestDayCounts:
    def test_act_act_isda_over_2011_2012(self) -> None:
        """29 Aug 2011 to 29 Aug 2012 is 125/365 + 241/366 = 1.00093569877985… under ACT/ACT."""
        got = DayCount.ACT_ACT.year_fraction(date(2011, 8, 29), date(2012, 8, 29))
        assert abs(Fraction(got) - (Fraction(125, 365) + Fraction(241, 366))) < Fraction(1, 10**98)
        # The source prints it rounded to 14 places.
        assert got.quantize(Decimal("1e-14")) == Decimal("1.00093569877985")

    def test_act_365_fixed_over_2011_2012(self) -> None:
        """The same span is 366/365 = 1.00273972602740… under ACT/365 Fixed."""
        got = DayCount.ACT_365_FIXED.year_fraction(date(2011, 8, 29), date(2012, 8, 29))
        assert abs(Fraction(got) - Fraction(366, 365)) < Fraction(1, 10**98)

    def test_a_leap_year_day_at_40_percent_on_100(self) -> None:
        """100 × 40 % / 366 = 0.10928961748633879… under ACT/ACT; /365 and /360 otherwise."""
        leap_day = date(2024, 2, 29)
        expected = {
            DayCount.ACT_ACT: Fraction(40, 366),
            DayCount.ACT_365_FIXED: Fraction(40, 365),
            DayCount.ACT_360: Fraction(40, 360),
        }
        for day_count, exact in expected.items():
            calc = RewardCalculator(
                Token("T", 18), AprSchedule.constant("0.40"), tz=UTC, day_count=day_count
            )
            (day,) = calc.daily_rewards(holding("100"), leap_day, leap_day + timedelta(days=1))
            assert abs(Fraction(day.gross) - exact) <= Fraction(1, 2 * 10**38)
        calc = RewardCalculator(
            Token("T", 18), AprSchedule.constant("0.40"), day_count=DayCount.ACT_ACT
        )
        (day,) = calc.daily_rewards(holding("100"), leap_day, leap_day + timedelta(days=1))
        assert str(day.gross).startswith("0.10928961748633879")
