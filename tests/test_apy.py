"""APR and APY: the published worked examples 4, 5 and 6, definitions and round trips.

Expectations come from the sources (../shared/reference/worked-examples.md) and from the
definitions, checked with exact rational arithmetic: a fractional power y = x^(p/q) is
checked as y^q = x^p, both sides computed exactly with ``fractions.Fraction``.
"""

from __future__ import annotations

import decimal
from collections.abc import Callable
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from softstaking import InvalidInputError, InvalidTypeError
from softstaking.apy import (
    apr_from_apy,
    apr_from_daily_rates,
    apr_from_daily_reward,
    apy_from_apr,
    as_percent,
    reg_dd_apy_earned_percent,
    reg_dd_apy_percent,
    round_percent,
)
from tests.strategies import aprs

LOOSE = decimal.Context(prec=500)
"""For the tests' own deliberate rounding, never the global context."""

TIGHT = Fraction(1, 10**95)
"""Relative tolerance for one value computed at 100 significant digits."""


ROUNDED_ONCE = Fraction(1, 10**99)
"""Relative tolerance for a value computed wider and rounded once to 100 digits."""

REFERENCE = decimal.Context(prec=400, rounding=decimal.ROUND_HALF_EVEN, Emin=-9999)
"""The tests' reference for powers too large for fractions: four times the digits."""

MANY_PERIODS = [2, 12, 365, 366, 8760, 525_600]
"""Compounding yearly to every minute."""


def _wide_rates() -> st.SearchStrategy[Decimal]:
    """Rates from 10^-30 (where 1 + rate cancels most digits) to 500 %."""
    tiny = st.builds(
        lambda digits, shift: Decimal(digits).scaleb(-shift, LOOSE),
        st.integers(1, 10**12),
        st.integers(7, 42),
    )
    return st.one_of(aprs().filter(bool), tiny)


def close(value: Decimal, expected: Fraction, *, within: Fraction = TIGHT) -> bool:
    """Whether ``value`` is within a relative ``within`` of ``expected``."""
    return abs(Fraction(value) - expected) <= within * abs(expected)


def exact_reg_dd_check(percent: Decimal, *, interest: str, base: str, days: int) -> bool:
    """(1 + percent/100)^days vs (1 + interest/base)^365, exactly with fractions."""
    lhs = (1 + Fraction(percent) / 100) ** days
    rhs = (1 + Fraction(interest) / Fraction(base)) ** 365
    # A relative error e in the APY's growth factor becomes about days × e in lhs.
    return abs(lhs - rhs) <= Fraction(days * 10, 10**97) * rhs


class TestRegulationDdApy:
    def test_61_68_on_1000_over_365_days_is_6_168_percent(self) -> None:
        """A year's term needs no power: 100 × 61.68 / 1,000 = 6.168 % exactly, shown 6.17 %."""
        apy = reg_dd_apy_percent("61.68", principal=1000, days=365)
        assert Fraction(apy) == Fraction(6168, 1000)
        assert round_percent(apy) == Decimal("6.17")

    def test_30_37_on_1000_over_182_days_is_6_18369_percent(self) -> None:
        """30.37 on 1,000 for 182 days annualises to 6.18369 %, shown 6.18 %."""
        apy = reg_dd_apy_percent("30.37", principal=1000, days=182)
        assert exact_reg_dd_check(apy, interest="30.37", base="1000", days=182)
        assert round_percent(apy, places=5) == Decimal("6.18369")
        assert round_percent(apy) == Decimal("6.18")

    def test_the_principal_must_be_above_zero(self) -> None:
        """A zero principal has no yield and is refused."""
        with pytest.raises(InvalidInputError, match="principal must be above zero"):
            reg_dd_apy_percent("1", principal=0, days=30)

    def test_days_must_be_a_positive_int(self) -> None:
        """Days are counted in whole days, at least one."""
        with pytest.raises(InvalidInputError, match="days must be at least 1"):
            reg_dd_apy_percent("1", principal=100, days=0)
        with pytest.raises(InvalidTypeError, match="days must be an int"):
            reg_dd_apy_percent("1", principal=100, days=30.5)  # type: ignore[arg-type]


class TestRegulationDdApyEarned:
    def test_5_25_on_1000_over_30_days_is_6_58_percent(self) -> None:
        """5.25 earned on an average 1,000 over 30 days is an APY earned of 6.58 %."""
        apy = reg_dd_apy_earned_percent("5.25", average_daily_balance=1000, days=30)
        assert exact_reg_dd_check(apy, interest="5.25", base="1000", days=30)
        assert round_percent(apy) == Decimal("6.58")

    def test_3_36_on_1436_61_over_31_days_is_2_78875_percent(self) -> None:
        """3.36 on an average 1,436.61 over 31 days: 2.78875… %, shown as 2.79 %."""
        apy = reg_dd_apy_earned_percent("3.36", average_daily_balance="1436.61", days=31)
        assert exact_reg_dd_check(apy, interest="3.36", base="1436.61", days=31)
        # The source prints the first five decimals (2.788757… truncated).
        assert round_percent(apy, places=5, rounding=decimal.ROUND_DOWN) == Decimal("2.78875")
        assert round_percent(apy) == Decimal("2.79")


class TestCompounding:
    @pytest.mark.parametrize(
        ("apr", "n", "earned_on_1000", "shown"),
        [("0.06", 365, "61.83", "6.18"), ("0.06", 12, "61.68", "6.17")],
    )
    def test_1000_at_6_percent_earns_the_published_interest(
        self, apr: str, n: int, earned_on_1000: str, shown: str
    ) -> None:
        """1,000 at 6 % earns 61.83 compounded daily and 61.68 monthly (6.18 %, 6.17 %)."""
        apy = apy_from_apr(apr, periods_per_year=n)
        assert close(apy, (1 + Fraction(apr) / n) ** n - 1)
        earned = LOOSE.multiply(apy, 1000).quantize(Decimal("0.01"), decimal.ROUND_HALF_UP, LOOSE)
        assert earned == Decimal(earned_on_1000)
        assert round_percent(as_percent(apy)) == Decimal(shown)

    @pytest.mark.parametrize(("n", "shown"), [(365, "4.081"), (12, "4.074")])
    def test_4_percent_gives_the_published_apy(self, n: int, shown: str) -> None:
        """4 % is an APY of 4.081 % compounded daily and 4.074 % monthly."""
        apy = apy_from_apr("0.04", periods_per_year=n)
        assert close(apy, (1 + Fraction(4, 100) / n) ** n - 1)
        assert round_percent(as_percent(apy), places=3) == Decimal(shown)

    @given(_wide_rates(), st.sampled_from([2, 4, 12, 52, 360, 365]))
    def test_apy_from_apr_is_the_definition_to_a_relative_1e_99(self, apr: Decimal, n: int) -> None:
        """apy_from_apr is (1 + r/n)^n − 1, computed exactly, to a relative 10^-99."""
        exact = (1 + Fraction(apr) / n) ** n - 1
        assert close(apy_from_apr(apr, periods_per_year=n), exact, within=ROUNDED_ONCE)

    @given(_wide_rates(), st.sampled_from(MANY_PERIODS))
    def test_apy_from_apr_holds_for_minutely_compounding(self, apr: Decimal, n: int) -> None:
        """Up to 525,600 periods a year, apy_from_apr is the definition to a relative 10^-99."""
        exact = REFERENCE.subtract(
            REFERENCE.power(REFERENCE.add(1, REFERENCE.divide(apr, n)), n), 1
        )
        assert close(apy_from_apr(apr, periods_per_year=n), Fraction(exact), within=ROUNDED_ONCE)

    @given(_wide_rates(), st.sampled_from(MANY_PERIODS))
    def test_apr_from_apy_is_the_definition_to_a_relative_1e_99(self, apy: Decimal, n: int) -> None:
        """apr_from_apy is n × ((1 + y)^(1/n) − 1), to a relative 10^-99."""
        root = REFERENCE.power(REFERENCE.add(1, apy), REFERENCE.divide(1, n))
        exact = REFERENCE.multiply(REFERENCE.subtract(root, 1), n)
        assert close(apr_from_apy(apy, periods_per_year=n), Fraction(exact), within=ROUNDED_ONCE)

    @given(_wide_rates(), st.sampled_from(MANY_PERIODS))
    def test_apr_from_apy_undoes_apy_from_apr(self, apr: Decimal, n: int) -> None:
        """apr_from_apy(apy_from_apr(r, n), n) is r to a relative 2 × 10^-99."""
        back = apr_from_apy(apy_from_apr(apr, periods_per_year=n), periods_per_year=n)
        assert close(back, Fraction(apr), within=2 * ROUNDED_ONCE)

    def test_a_tiny_rate_compounded_every_minute_keeps_its_digits(self) -> None:
        """10^-7 compounded 525,600 times a year round-trips to a relative 2 × 10^-99."""
        apr = Decimal("0.0000001")
        back = apr_from_apy(apy_from_apr(apr, periods_per_year=525_600), periods_per_year=525_600)
        assert close(back, Fraction(apr), within=2 * ROUNDED_ONCE)

    @given(aprs())
    def test_compounding_once_a_year_changes_nothing(self, apr: Decimal) -> None:
        """With one period a year the APY is the APR, both ways."""
        assert apy_from_apr(apr, periods_per_year=1) == apr
        assert apr_from_apy(apr, periods_per_year=1) == apr

    @given(aprs(), st.sampled_from([2, 12, 365]))
    def test_compounding_never_yields_less(self, apr: Decimal, n: int) -> None:
        """Compounding more than once a year yields at least the APR."""
        assert apy_from_apr(apr, periods_per_year=n) >= apr


class TestDisplayedRates:
    def test_one_days_reward_annualised(self) -> None:
        """0.1 earned on 1,000 in a day is shown as 0.1 / 1,000 × 365 = 3.65 %."""
        assert Fraction(apr_from_daily_reward("0.1", balance=1000)) == Fraction(365, 10_000)

    def test_binance_seven_day_average_times_365(self) -> None:
        """The mean of the past seven daily rates × 365, exactly to 100 digits."""
        rates = ["0.0001", "0.00012", "0.00011", "0.0001", "0.00009", "0.0001", "0.00013"]
        expected = sum((Fraction(r) for r in rates), Fraction(0)) / 7 * 365
        assert close(apr_from_daily_rates(rates), expected)

    def test_no_daily_rates_is_refused(self) -> None:
        """An average of nothing is an error, not zero."""
        with pytest.raises(InvalidInputError, match="at least one daily rate"):
            apr_from_daily_rates([])

    def test_rounding_for_display_keeps_the_exact_value_apart(self) -> None:
        """round_percent returns a new, rounded value; the exact one is unchanged."""
        exact = Decimal("6.168")
        assert round_percent(exact) == Decimal("6.17")
        assert exact == Decimal("6.168")

    def test_round_percent_rounds_half_up_by_default(self) -> None:
        """A tie rounds away from zero unless another rounding is asked for."""
        assert round_percent("2.785") == Decimal("2.79")
        assert round_percent("2.785", rounding=decimal.ROUND_HALF_EVEN) == Decimal("2.78")

    def test_floats_are_refused(self) -> None:
        """A float rate is refused with a TypeError, as everywhere in the library."""
        with pytest.raises(InvalidTypeError, match="float"):
            apy_from_apr(0.05, periods_per_year=12)  # type: ignore[arg-type]


class TestCallerContext:
    def test_results_ignore_the_callers_decimal_context(self) -> None:
        """A 5-digit, ceiling-rounding caller context changes no result."""
        calls: list[Callable[[], Decimal]] = [
            lambda: reg_dd_apy_percent("30.37", principal=1000, days=182),
            lambda: apr_from_apy("0.0618", periods_per_year=365),
            lambda: apy_from_apr("0.06", periods_per_year=365),
            lambda: round_percent("6.16800"),
        ]
        expected = [call() for call in calls]
        with decimal.localcontext() as ctx:
            ctx.prec = 5
            ctx.rounding = decimal.ROUND_CEILING
            ctx.traps[decimal.Inexact] = True
            assert [call() for call in calls] == expected
