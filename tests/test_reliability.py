"""Library defects found by fuzzing and mutation (issue 12), each pinned by a test."""

from __future__ import annotations

import decimal
from datetime import UTC, date, datetime, time
from decimal import Decimal
from fractions import Fraction

import pytest

import softstaking
from softstaking import (
    AprSchedule,
    BalanceEvent,
    BalanceTimeline,
    DailySnapshot,
    RewardCalculator,
    Token,
    distribute,
    distribute_days,
)


class TestDistributeFineHoldings:
    """Holdings finer than a base unit, such as averages, share exactly (no raw Inexact)."""

    # A 100-digit average and a 100-digit integer: their sum needs 200 digits.
    FINE = Decimal("0." + "1" * 100)
    LARGE = Decimal("9" * 100)

    def test_distribute_shares_exactly_when_the_sum_outgrows_the_precision(self) -> None:
        """The shares are the floors or ceilings of the exact quotas and sum to the pool."""
        token = Token("T", 6)
        holdings = {"a": self.FINE, "b": self.LARGE, "c": Decimal("3.5")}
        allocation = distribute("1000", holdings, token=token)
        total = sum(Fraction(h) for h in holdings.values())
        assert Fraction(allocation.total_holding) == total
        units = 1000 * 10**6
        for account, held in holdings.items():
            quota = Fraction(units) * Fraction(held) / total
            share_units = Fraction(allocation.shares[account]) * 10**6
            assert share_units in (quota.__floor__(), quota.__ceil__())
        assert sum(allocation.shares.values()) == Decimal(1000)

    def test_distribute_days_shares_exactly_when_the_sum_outgrows_the_precision(self) -> None:
        """Each day's pool is shared whole, with no decimal signal escaping."""
        token = Token("T", 6)
        day = date(2024, 1, 1)
        days = distribute_days({day: "1"}, {day: {"a": self.FINE, "b": self.LARGE}}, token=token)
        assert sum(days[0].allocation.shares.values()) + days[0].carry_out == Decimal(1)


class TestExportedContext:
    """Changing what the library exports cannot change the library's results."""

    def _paid(self) -> Decimal:
        utc = UTC
        calc = RewardCalculator(
            Token("IOTX", 18), AprSchedule.constant("0.05"), DailySnapshot(time(0)), tz=utc
        )
        timeline = BalanceTimeline.from_events(
            [BalanceEvent(datetime(2024, 1, 1, tzinfo=utc), "1000")]
        )
        return calc.daily_rewards(timeline, date(2024, 1, 2), date(2024, 1, 3))[0].gross

    def test_assigning_a_setting_of_the_exported_context_is_refused(self) -> None:
        """``softstaking.CONTEXT.prec = 5`` raises AttributeError naming the way out."""
        with pytest.raises(AttributeError, match=r"read-only.*copy\(\)"):
            softstaking.CONTEXT.prec = 5

    def test_changing_the_exported_contexts_traps_changes_no_result(self) -> None:
        """A trap set on the exported context is not the library's: runs give the same gross."""
        before = self._paid()
        softstaking.CONTEXT.traps[decimal.Inexact] = True
        try:
            assert self._paid() == before
        finally:
            softstaking.CONTEXT.traps[decimal.Inexact] = False

    def test_the_exported_context_has_the_librarys_settings(self) -> None:
        """It is a faithful copy: 100 digits, half-even."""
        assert softstaking.CONTEXT.prec == 100
        assert softstaking.CONTEXT.rounding == decimal.ROUND_HALF_EVEN
        assert softstaking.CONTEXT.copy().prec == 100
