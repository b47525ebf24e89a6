"""The integer helpers of ``softstaking.core.fixed`` against their definitions.

Mutation testing (tools/mutation.py) runs this file with the module's tests. Each helper
is checked on generated values against what its docstring defines, computed here with
exact fractions: a count of ``10**exponent``, a ceiling, a half-even quotient.
"""

from __future__ import annotations

import math
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from softstaking import InvalidInputError
from softstaking.core.fixed import (
    coefficient,
    flat_gross_units,
    from_units,
    settle_units,
    to_units,
    units_at_least,
    weighted_gross_units,
)

EXPONENTS = st.integers(min_value=-40, max_value=10)
AMOUNTS = st.builds(
    lambda n, e: Decimal(f"{n}E{e}"),  # exact, and no flag raised in the caller's context
    st.integers(min_value=-(10**30), max_value=10**30),
    st.integers(min_value=-40, max_value=10),
)


def exact(amount: Decimal) -> Fraction:
    """An amount as an exact fraction."""
    return Fraction(amount)


def half_even(value: Fraction) -> int:
    """``value`` rounded to an integer, ties to the even one."""
    floor = math.floor(value)
    rest = value - floor
    if rest > Fraction(1, 2) or (rest == Fraction(1, 2) and floor % 2):
        return floor + 1
    return floor


class TestCoefficient:
    @given(AMOUNTS)
    def test_the_coefficient_times_the_exponent_is_the_amount(self, amount: Decimal) -> None:
        """The coefficient pair (n, e) with n × 10**e == amount, e the amount's own exponent."""
        n, e = coefficient(amount)
        assert Fraction(n) * Fraction(10) ** e == exact(amount)
        assert e == amount.as_tuple().exponent


class TestToUnits:
    @given(AMOUNTS, EXPONENTS)
    def test_a_whole_count_is_given_and_a_finer_amount_refused(
        self, amount: Decimal, exponent: int
    ) -> None:
        """to_units is amount / 10**exponent when that is whole, else an error naming both."""
        count = exact(amount) / Fraction(10) ** exponent
        if count.denominator == 1:
            assert to_units(amount, exponent) == count.numerator
        else:
            with pytest.raises(InvalidInputError) as caught:
                to_units(amount, exponent)
            assert str(caught.value) == f"{amount:f} is finer than 1E{exponent}"


class TestUnitsAtLeast:
    @given(AMOUNTS, EXPONENTS)
    @example(Decimal("-1E-9"), -6)
    @example(Decimal("1E-9"), -6)
    @example(Decimal("0E-9"), -6)
    def test_it_is_the_ceiling_of_the_count(self, amount: Decimal, exponent: int) -> None:
        """units_at_least is ceil(amount / 10**exponent), for any sign and size."""
        assert units_at_least(amount, exponent) == math.ceil(
            exact(amount) / Fraction(10) ** exponent
        )


class TestFromUnits:
    @given(st.integers(min_value=-(10**120), max_value=10**120), EXPONENTS)
    def test_it_is_exact_with_the_exponent_asked_for(self, units: int, exponent: int) -> None:
        """from_units is units × 10**exponent, every digit kept, with exactly that exponent."""
        got = from_units(units, exponent)
        assert exact(got) == Fraction(units) * Fraction(10) ** exponent
        assert got.as_tuple().exponent == exponent
        assert got.is_signed() == (units < 0)


class TestSettleUnits:
    @given(
        st.integers(min_value=0, max_value=10**30),
        st.integers(min_value=1, max_value=10**6),
        st.integers(min_value=0, max_value=10**7),
        st.booleans(),
    )
    def test_it_pays_whole_steps_at_or_above_the_minimum(
        self, owed: int, step: int, min_payout: int, forfeit: bool
    ) -> None:
        """Whole steps at or above min_payout are paid; the rest carries or is forfeited."""
        payable = owed // step * step
        paid = payable if payable >= min_payout else 0
        expected = (paid, payable - paid, owed - payable) if forfeit else (paid, owed - paid, 0)
        assert settle_units(owed, step, min_payout, forfeit=forfeit) == expected


class TestFlatGrossUnits:
    @given(
        st.integers(min_value=0, max_value=10**40),
        st.integers(min_value=-20, max_value=5),
        st.integers(min_value=0, max_value=10**6),
        st.integers(min_value=-8, max_value=0),
        st.integers(min_value=1, max_value=999),
        st.integers(min_value=-60, max_value=-10),
    )
    @example(1, 0, 1, 0, 2, 0)  # 0.5: a tie rounds to the even 0
    @example(3, 0, 1, 0, 2, 0)  # 1.5: a tie rounds to the even 2
    @example(5, 0, 1, 0, 2, 0)  # 2.5: to 2
    @example(7, 0, 1, 0, 4, 0)  # 1.75: up to 2
    def test_it_is_the_half_even_quotient_where_it_answers(  # noqa: PLR0917 - drawn
        self, e_n: int, e_exp: int, r_n: int, r_exp: int, year: int, qexp: int
    ) -> None:
        """Within its bounds it gives eligible × rate / year in quanta, half-even."""
        got = flat_gross_units((e_n, e_exp), (r_n, r_exp), year, qexp)
        value = Fraction(e_n * r_n) * Fraction(10) ** (e_exp + r_exp - qexp) / year
        expected = half_even(value)
        if expected < 10**96 and 0 <= e_exp + r_exp - qexp < 200:
            assert got == expected
        else:
            assert got is None

    def test_a_gross_of_96_digits_is_left_to_day_gross(self) -> None:
        """The largest answer has 96 digits; one quantum more is declined (None)."""
        below = 365 * (10**96 - 1)
        assert flat_gross_units((below, 0), (1, 0), 365, 0) == 10**96 - 1
        assert flat_gross_units((365 * 10**96, 0), (1, 0), 365, 0) is None

    @pytest.mark.parametrize("year", [1, 999])
    def test_a_year_of_1_to_999_days_is_computed(self, year: int) -> None:
        """The year bounds are open at 0 and 1,000 only: 10 × 1 / year in units of 1E-3."""
        assert flat_gross_units((10, 0), (1, 0), year, -3) == half_even(Fraction(10_000, year))

    def test_the_largest_shift_is_computed(self) -> None:
        """A shift of 199 is computed (only a zero stays below 96 digits there), 200 not."""
        assert flat_gross_units((0, 0), (1, 0), 365, -199) == 0
        assert flat_gross_units((0, 0), (1, 0), 365, -200) is None


class TestWeightedGrossUnits:
    """``weighted_gross_units``: the measured balance and gross, each rounded once, in bounds."""

    @staticmethod
    def definition(total: int, span: int, rate: tuple[int, int], year: int) -> tuple[int, int]:
        """``total / span`` base units and its gross at ``rate``, in quanta of 1E-20, half-even."""
        r, e = rate
        return (
            half_even(Fraction(total * 10**20, span)),
            half_even(Fraction(total * r * 10 ** (20 + e), span * year)),
        )

    def test_the_measured_bound(self) -> None:
        """``total × 10**20`` below ``10**99`` is answered; at ``10**99`` it is declined."""
        below = 10**79 - 1
        rate = (1, -20)
        assert weighted_gross_units(below, 86_400, rate, 365) == self.definition(
            below, 86_400, rate, 365
        )
        assert weighted_gross_units(10**79, 86_400, rate, 365) is None

    @pytest.mark.parametrize("total", [0, 1, 5, 10**40 + 1])
    def test_a_span_of_one_microsecond(self, total: int) -> None:
        """A day of 1 µs is a day like another: the average is the total."""
        got = weighted_gross_units(total, 1, (365, 0), 365)
        assert got == self.definition(total, 1, (365, 0), 365) == (total * 10**20,) * 2
