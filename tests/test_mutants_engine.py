"""Engine behaviour that mutation testing (tools/mutation.py) found no engine test stating.

The integer day loop (``softstaking.core.engine``) runs every ordinary calculation; these
tests go through ``RewardCalculator.daily_rewards`` with no starting carry, so the engine
answers, and state what the definitions say: a snapshot reads the balance at its instant,
changes at that instant included; a policy's measure must be a finite, non-negative
Decimal.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from softstaking import (
    AprSchedule,
    BalanceEvent,
    BalanceTimeline,
    BalanceView,
    DayWindow,
    InvalidInputError,
    InvalidTypeError,
    RewardCalculator,
    Token,
)

USDT = Token("USDT", 6)
APR = AprSchedule.constant("0.0365")  # 1000 earns 1000 × 0.0365 / 365 = 0.1 a day
DAY1, DAY3 = date(2024, 1, 1), date(2024, 1, 3)


class Measures:
    """A custom policy that measures ``value`` every day."""

    def __init__(self, value: object) -> None:
        self.value = value

    def measure(self, window: DayWindow, balances: BalanceView) -> Decimal:
        """The fixed value, whatever the balance."""
        return self.value  # type: ignore[return-value]


class TestSnapshots:
    def test_a_change_at_the_snapshot_instant_is_in_that_days_balance(self) -> None:
        """_snapshot_balances mutant 7: a deposit at midnight counts for the day it starts."""
        deposit = BalanceEvent(datetime(2024, 1, 2, tzinfo=UTC), 1000)
        timeline = BalanceTimeline.from_events([deposit], opening=1000)
        records = RewardCalculator(USDT, APR).daily_rewards(timeline, DAY1, DAY3)
        assert [r.balance for r in records] == [Decimal(1000), Decimal(2000)]
        assert [r.paid for r in records] == [Decimal("0.1"), Decimal("0.2")]


class TestMeasures:
    @pytest.mark.parametrize("value", [Decimal(-5), Decimal("-0.000001")])
    def test_a_negative_measure_is_refused_naming_the_policy_and_day(self, value: Decimal) -> None:
        """A negative Decimal is refused on the engine's path too, not paid on."""
        calc = RewardCalculator(USDT, APR, Measures(value))
        with pytest.raises(InvalidInputError) as caught:
            calc.daily_rewards(BalanceTimeline.from_events([], opening=1000), DAY1, DAY3)
        assert str(caught.value) == (
            f"Measures on 2024-01-01 measured {value}; a balance must be finite and not negative"
        )

    def test_a_measure_that_is_not_a_decimal_is_refused(self) -> None:
        """_measure_each mutants 9, 11: an int measure is named, not read."""
        calc = RewardCalculator(USDT, APR, Measures(1000))
        with pytest.raises(InvalidTypeError) as caught:
            calc.daily_rewards(BalanceTimeline.from_events([], opening=1000), DAY1, DAY3)
        assert str(caught.value) == (
            "Measures on 2024-01-01 measured a int; a policy must return a Decimal"
        )
