"""The integer day loop gives the Decimal loop's records, exponents included.

``tests/reference_model.py`` keeps the calculator's loop as it was in Decimal; every
property here runs ``RewardCalculator.daily_rewards`` and the reference on the same
generated calculator, timeline and range, and compares each record field by field with
``as_tuple()``, so that a value written with another exponent (``5`` for ``5.000``) or a
signed zero counts as a difference.
"""

from __future__ import annotations

import decimal
import math
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from fractions import Fraction
from zoneinfo import ZoneInfo

import attrs
import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from softstaking import (
    AprSchedule,
    BalanceEvent,
    BalanceTimeline,
    DailyReward,
    DailySnapshot,
    DayCount,
    Dust,
    InvalidInputError,
    MinimumBalance,
    RewardCalculator,
    TieredApr,
    TimeWeighted,
    Token,
)
from softstaking.core import engine
from softstaking.core.amounts import CONTEXT
from softstaking.core.fixed import (
    average_gross_units,
    coefficient,
    day_gross,
    flat_gross_units,
    from_units,
    settle_units,
    to_units,
    units_at_least,
    weighted_gross_units,
)
from softstaking.core.policies import AccrualPolicy
from softstaking.core.tokens import GUARD_DIGITS
from tests.reference_model import reference_rewards
from tests.strategies import WIDE, aprs, calculator_runs, of_units, wall_times

Run = tuple[RewardCalculator, BalanceTimeline, date, date, Decimal]


def assert_same_records(got: list[DailyReward], want: list[DailyReward]) -> None:
    """Equal records, and every Decimal field with the same sign, digits and exponent."""
    assert len(got) == len(want)
    for g, w in zip(got, want, strict=True):
        for field in attrs.fields(DailyReward):
            a, b = getattr(g, field.name), getattr(w, field.name)
            if isinstance(b, Decimal):
                assert type(a) is Decimal, (w.day, field.name)
                assert a.as_tuple() == b.as_tuple(), (w.day, field.name, a, b)
            else:
                assert a == b, (w.day, field.name, a, b)
                if isinstance(b, datetime):
                    assert a.utcoffset() == b.utcoffset(), (w.day, field.name)
        assert g == w


def check_run(run: Run) -> None:
    """``daily_rewards`` and the reference agree, or both refuse the run."""
    calc, timeline, start, end, carry = run
    try:
        want = reference_rewards(calc, timeline, start, end, carry=carry)
    except (InvalidInputError, decimal.InvalidOperation, decimal.Inexact, decimal.Rounded):
        with pytest.raises(InvalidInputError):
            calc.daily_rewards(timeline, start, end, carry=carry)
        return
    assert_same_records(calc.daily_rewards(timeline, start, end, carry=carry), want)
    if calc.compound and len(want) > 1:
        # Chained: the second half with the first half's records credited.
        mid = len(want) // 2
        middle = want[mid].day
        again = calc.daily_rewards(
            timeline, middle, end, carry=want[mid - 1].carry, credited=want[:mid]
        )
        expected = reference_rewards(
            calc, timeline, middle, end, carry=want[mid - 1].carry, credited=want[:mid]
        )
        assert_same_records(again, expected)


@given(calculator_runs())
def test_daily_rates_give_the_reference_records(run: Run) -> None:
    """Every policy, rate kind and setting with a daily schedule: the reference's records."""
    check_run(run)


@given(calculator_runs(intraday=True))
def test_intraday_rates_give_the_reference_records(run: Run) -> None:
    """Rates that change within days, alone or layered: the reference's records."""
    check_run(run)


USDT = Token("USDT", 6)
NEW_YORK_DAYS = (date(2024, 3, 8), date(2024, 3, 13), date(2024, 11, 1), date(2024, 11, 6))


@given(
    carry=st.sampled_from(["0", "0E-50", "1E-40", "-0", "0E+5", "3.5E-30", "1E-999"]).map(Decimal),
    dust=st.sampled_from(list(Dust)),
    min_payout=st.sampled_from(["0", "0.0000015", "1E-30", "1E+200"]).map(Decimal),
    compound=st.booleans(),
)
@example(carry=Decimal("1E-40"), dust=Dust.FORFEIT, min_payout=Decimal(0), compound=False)
def test_unusual_starting_carries_keep_their_exponents(
    carry: Decimal, dust: Dust, min_payout: Decimal, compound: bool
) -> None:
    """A carry finer than the gross quantum, a signed zero, a huge minimum: as before."""
    calc = RewardCalculator(
        USDT,
        AprSchedule.constant(TieredApr([(1000, "0.05"), (None, "0.10")])),
        TimeWeighted(),
        tz=ZoneInfo("America/New_York"),
        compound=compound,
        dust=dust,
        min_payout=min_payout,
    )
    at = datetime(2024, 3, 10, 7, tzinfo=UTC)
    timeline = BalanceTimeline.from_events([BalanceEvent(at, "12.5")], opening="2500.000001")
    for start, end in zip(NEW_YORK_DAYS[::2], NEW_YORK_DAYS[1::2], strict=True):
        check_run((calc, timeline, start, end, carry))


def test_the_property_sees_a_changed_rounding(monkeypatch: pytest.MonkeyPatch) -> None:
    """Rounding the day's gross down instead of half-even: the comparison fails."""
    calc = RewardCalculator(USDT, AprSchedule.constant("0.05"), DailySnapshot())
    timeline = BalanceTimeline.from_events([], opening="1234.567891")
    start, end = date(2024, 1, 1), date(2024, 1, 4)
    check_run((calc, timeline, start, end, Decimal(0)))

    def round_down(*args: object, **kwargs: object) -> int | None:
        units = flat_gross_units(*args, **kwargs)  # type: ignore[arg-type]
        return None if units is None else max(units - 1, 0)

    monkeypatch.setattr(engine, "flat_gross_units", round_down)
    with pytest.raises(AssertionError):
        check_run((calc, timeline, start, end, Decimal(0)))


def test_a_zero_paid_and_a_forfeited_rest_keep_the_decimal_exponents() -> None:
    """Worked values: ``paid`` is ``Decimal('0')`` under the minimum, carry follows owed."""
    calc = RewardCalculator(USDT, AprSchedule.constant("0.0365"), min_payout="1")
    timeline = BalanceTimeline.from_events([], opening=1000)
    first = calc.daily_rewards(timeline, date(2024, 1, 1), date(2024, 1, 2))[0]
    assert str(first.paid) == "0"
    assert str(first.carry) == "0.10000000000000000000000000"
    assert str(first.gross) == "0.10000000000000000000000000"
    forfeit = attrs.evolve(calc, min_payout=0, dust=Dust.FORFEIT)
    record = forfeit.daily_rewards(timeline, date(2024, 1, 1), date(2024, 1, 2))[0]
    assert (str(record.paid), str(record.carry), str(record.forfeited)) == (
        "0.100000",
        "0.000000",
        "0E-26",
    )
    assert timedelta(0) == record.payout_at - datetime(2024, 1, 2, tzinfo=UTC)


def test_a_gross_half_way_between_quanta_rounds_to_even() -> None:
    """2.5 quanta becomes 2 (half-even), where rounding half up would give 3."""
    token = Token("TENTHS", 1)  # quantum 1E-21
    schedule = AprSchedule.constant("5E-21")
    calc = RewardCalculator(token, schedule, day_count=DayCount.ACT_360)
    timeline = BalanceTimeline.from_events([], opening=180)  # × 5E-21 / 360 = 2.5E-21
    start, end = date(2023, 1, 1), date(2023, 1, 3)
    records = calc.daily_rewards(timeline, start, end)
    assert [str(r.gross) for r in records] == ["2E-21", "2E-21"]
    check_run((calc, timeline, start, end, Decimal(0)))


class TestFixedPoint:
    """The integer helpers of ``softstaking.core.fixed``, at their edges."""

    @pytest.mark.parametrize(
        ("amount", "exponent", "units"),
        [("1.5", -6, 1_500_000), ("1E+2", 0, 100), ("1.500", -1, 15), ("-0.25", -2, -25)],
    )
    def test_to_units_counts_whole_units_exactly(
        self, amount: str, exponent: int, units: int
    ) -> None:
        """An amount in a coarser or equal unit, or finer with trailing zeros, converts exactly."""
        assert to_units(Decimal(amount), exponent) == units

    def test_to_units_refuses_a_finer_amount(self) -> None:
        """An amount with a digit below the unit is refused, naming it and the unit."""
        with pytest.raises(InvalidInputError, match=r"^1\.55 is finer than 1E-1$"):
            to_units(Decimal("1.55"), -1)

    @pytest.mark.parametrize(
        ("amount", "units"),
        [
            ("0.0000015", 2),
            ("0.0000010", 1),
            ("0.00000101", 2),
            ("0.000001", 1),
            ("0.0000001", 1),
            ("0E-9", 0),
            ("-0.0000001", 0),
            ("-0.0000015", -1),
            ("5", 5_000_000),
        ],
    )
    def test_units_at_least_is_a_ceiling(self, amount: str, units: int) -> None:
        """units_at_least gives the fewest whole units of 1E-6 that reach the amount."""
        assert units_at_least(Decimal(amount), -6) == units

    @pytest.mark.parametrize(
        "units",
        [10**30 + 1, 10**101 + 1, -(10**101 + 1), 7, 0],
        ids=["31 digits", "102 digits", "-102 digits", "7", "0"],
    )
    def test_from_units_keeps_every_digit_and_the_exponent(self, units: int) -> None:
        """from_units is exact however many digits, with exactly the exponent asked for."""
        got = from_units(units, -2)
        assert got.as_tuple().exponent == -2
        digits = tuple(int(c) for c in str(abs(units)))
        assert got.as_tuple() == (int(units < 0), digits, -2)

    def test_settle_units_pays_at_the_minimum_and_holds_back_below_it(self) -> None:
        """Whole units equal to min_payout are paid; fewer are held back, carried or forfeited."""
        assert settle_units(125, 10, 120, forfeit=False) == (120, 5, 0)
        assert settle_units(125, 10, 120, forfeit=True) == (120, 0, 5)
        assert settle_units(115, 10, 120, forfeit=False) == (0, 115, 0)
        assert settle_units(115, 10, 120, forfeit=True) == (0, 110, 5)
        assert settle_units(5, 10, 0, forfeit=False) == (0, 5, 0)

    @pytest.mark.parametrize(
        ("eligible", "rate", "year_days", "quantum"),
        [
            ((10**99, 0), (10, 0), 365, -38),  # an annual reward of 101 digits
            ((1, 0), (1, 0), 0, -38),
            ((1, 0), (1, 0), 1000, -38),
            ((1, 0), (1, -2), 365, -1),  # a shift below zero
            ((1, 0), (1, -2), 365, 198),  # a shift of -200
            ((1, 0), (1, 0), 365, -200),  # a shift of 200
        ],
    )
    def test_flat_gross_units_declines_what_it_cannot_promise(
        self, eligible: tuple[int, int], rate: tuple[int, int], year_days: int, quantum: int
    ) -> None:
        """Too many digits, a year of 0 or 1,000+ days, or a shift out of range: None."""
        assert flat_gross_units(eligible, rate, year_days, quantum) is None

    def test_flat_gross_units_at_a_shift_of_zero(self) -> None:
        """A quantum equal to the product's own exponent is computed: 36,500 × 0.05 / 365."""
        assert flat_gross_units((36500, 0), (5, -2), 365, -2) == 500


def _weighted_by_decimal(
    total: int, span: int, decimals: int, rate: Decimal, year: int
) -> tuple[int, int]:
    """A time-weighted day as the calculator defines it, in gross quanta.

    The average at the library's precision (``TimeWeighted``), then ``day_gross``.
    """
    quantum = Decimal(1).scaleb(-(decimals + GUARD_DIGITS))
    average = CONTEXT.divide(from_units(total, -decimals), span)
    measured = average.quantize(quantum, decimal.ROUND_HALF_EVEN, CONTEXT)
    gross = day_gross(average, rate, year, quantum).gross
    scale = decimals + GUARD_DIGITS
    return int(measured.scaleb(scale, CONTEXT)), int(gross.scaleb(scale, CONTEXT))


_SPANS = st.sampled_from([23, 24, 25]).map(lambda h: h * 3_600_000_000) | st.integers(1, 10**11 - 1)


class TestWeightedGrossUnits:
    """``weighted_gross_units`` gives the Decimal path's time-weighted day, or declines."""

    @given(
        total=st.integers(0, 10**60) | st.integers(0, 10**30),
        span=_SPANS,
        decimals=st.integers(0, 36),
        rate=aprs() | st.decimals(0, 1000, places=3),
        year=st.sampled_from([360, 365, 366]) | st.integers(1, 999),
    )
    @example(total=3 * 86_400, span=86_400, decimals=0, rate=Decimal(365), year=365)
    def test_an_answer_is_the_decimal_answer(
        self, total: int, span: int, decimals: int, rate: Decimal, year: int
    ) -> None:
        """Where it answers, the measured balance and gross equal the Decimal ones."""
        got = weighted_gross_units(total, span, coefficient(rate), year)
        if got is not None:
            assert got == _weighted_by_decimal(total, span, decimals, rate, year)

    @given(
        units=st.integers(0, 10**24),
        rest=st.integers(0, 86_400_000_000 - 1),
        rate=aprs(),
        year=st.sampled_from([360, 365, 366]),
    )
    def test_it_answers_for_real_balances(
        self, units: int, rest: int, rate: Decimal, year: int
    ) -> None:
        """A day of a balance up to 10**24 base units at an APR in basis points: answered."""
        total = units * 86_400_000_000 + rest
        got = weighted_gross_units(total, 86_400_000_000, coefficient(rate), year)
        assert got == _weighted_by_decimal(total, 86_400_000_000, 18, rate, year)

    def test_a_tie_is_left_to_the_decimal_path(self) -> None:
        """An exact half quantum of gross: None, since the roundings decide its side."""
        # 1 base unit for a whole 1-µs day at 1E-20 a year of 2 days: half a quantum.
        assert weighted_gross_units(1, 1, (1, -20), 2) is None
        assert weighted_gross_units(3, 1, (1, -20), 2) is None

    def test_the_measured_balance_rounds_half_even(self) -> None:
        """An average of exactly half a quantum rounds to the even quantum."""
        # 1 and 3 base units over 2**21 µs: 5**20 / 2 and 3 × 5**20 / 2 quanta.
        assert weighted_gross_units(1, 2**21, (0, 0), 365) == ((5**20 - 1) // 2, 0)
        assert weighted_gross_units(3, 2**21, (0, 0), 365) == ((3 * 5**20 + 1) // 2, 0)

    @pytest.mark.parametrize(
        ("total", "span", "rate", "year"),
        [
            (-1, 86_400, (1, 0), 365),
            (1, 0, (1, 0), 365),
            (1, 86_400, (-1, 0), 365),
            (1, 86_400, (1, 0), 0),
            (10**88, 86_400, (1, 0), 365),
        ],
        ids=["negative", "no day", "negative rate", "no year", "too large"],
    )
    def test_it_declines_what_it_cannot_promise(
        self, total: int, span: int, rate: tuple[int, int], year: int
    ) -> None:
        """Out of the range of the proof: None."""
        assert weighted_gross_units(total, span, rate, year) is None


BUILT_IN = st.one_of(
    st.builds(DailySnapshot, wall_times()), st.just(TimeWeighted()), st.just(MinimumBalance())
)
"""The policies ``engine.run`` reads as runs of days, without asking them day by day."""


def _by_runs(run: Run, policy: AccrualPolicy) -> Run:
    """The same run with a built-in policy and no compounding: the runs-of-days path."""
    calc, timeline, start, end, carry = run
    return attrs.evolve(calc, compound=False, policy=policy), timeline, start, end, carry


def _rewritten(amount: Decimal, exponent: int) -> Decimal:
    """``amount`` with the same value written to ``exponent`` where it can be (else as is)."""
    try:
        return amount.quantize(Decimal(1).scaleb(exponent), context=WIDE)
    except (decimal.InvalidOperation, decimal.Inexact):  # too many digits, or too coarse
        return amount


class TestRunsOfDays:
    """Runs of many days, busy days and odd exponents through the runs path: the reference's."""

    @given(calculator_runs(max_days=60), BUILT_IN)
    def test_long_runs_give_the_reference_records(self, run: Run, policy: AccrualPolicy) -> None:
        """Up to 60 days and 6 changes: long runs, settled all at once or a day at a time."""
        check_run(_by_runs(run, policy))

    @given(calculator_runs(max_days=4, max_events=30), BUILT_IN)
    def test_busy_days_give_the_reference_records(self, run: Run, policy: AccrualPolicy) -> None:
        """Many changes in few days: averages and minimums over several changes a day."""
        check_run(_by_runs(run, policy))

    @given(
        st.sampled_from([0, 2, 6, 18]),
        st.lists(st.tuples(st.integers(0, 10**24), st.integers(-30, 3)), max_size=8),
        st.integers(0, 10**24),
        st.integers(-30, 3),
        BUILT_IN,
        st.sampled_from(["0.0712", "0.05", "1E-30", "7"]),
    )
    def test_amounts_written_to_any_exponent(  # noqa: PLR0917 - one per input
        self,
        decimals: int,
        deposits: list[tuple[int, int]],
        opening: int,
        opening_exponent: int,
        policy: AccrualPolicy,
        rate: str,
    ) -> None:
        """Whole base units written coarser or finer than the base unit: the same records."""
        token = Token("TKN", decimals)
        first = date(2024, 3, 8)
        day_us = 86_400_000_000
        events = [
            BalanceEvent(
                datetime(2024, 3, 8, tzinfo=UTC)
                + timedelta(microseconds=(7 * i + 3) * day_us // 5),
                _rewritten(of_units(units, token), exponent),
            )
            for i, (units, exponent) in enumerate(deposits)
        ]
        timeline = BalanceTimeline.from_events(
            events, opening=_rewritten(of_units(opening, token), opening_exponent)
        )
        calc = RewardCalculator(token, AprSchedule.constant(rate), policy)
        check_run((calc, timeline, first, first + timedelta(days=12), Decimal(0)))


class TestAverageGross:
    """``average_gross_units``: a day's gross on its average, rounded once for four times."""

    @given(
        st.integers(0, 10**40) | st.integers(0, 1000),
        st.integers(-20, 2),
        st.sampled_from([86_400_000_000, 82_800_000_000, 90_000_000_000]) | st.integers(1, 50),
        st.integers(0, 10**6),
        st.integers(-8, 1),
        st.sampled_from([360, 365, 366]) | st.integers(1, 12),
        st.integers(-40, 2),
    )
    @example(3, 0, 2, 1, 0, 1, 0)  # 3/2 of a quantum: half-way
    @example(10**97, 0, 1, 10, 0, 1, 0)  # a numerator of 98 digits
    def test_the_gross_of_the_rounded_average(  # noqa: PLR0917 - one per input
        self,
        integral: int,
        exponent: int,
        length: int,
        rate: int,
        rate_exponent: int,
        year: int,
        quantum: int,
    ) -> None:
        """Where it answers, the context's chain on the average, and the exact gross rounded once.

        The chain is ``BalanceView.average_us``'s division, then ``day_gross``'s product,
        quotient and quantize, written out here; it declines only a half-way gross or a
        numerator past ``10**98``.
        """
        summed = Decimal(integral).scaleb(exponent, WIDE)
        apr = Decimal(rate).scaleb(rate_exponent, WIDE)
        got = average_gross_units(
            (integral, exponent), length, (rate, rate_exponent), year, quantum
        )
        exact = Fraction(integral) * rate * Fraction(10) ** (exponent + rate_exponent - quantum)
        exact /= length * year
        whole = math.floor(exact)
        half_way = exact - whole == Fraction(1, 2)
        numerator = exact * length * year * 10 ** max(0, quantum - exponent - rate_exponent)
        if half_way or numerator >= 10**98:
            assert got is None
            return
        assert got is not None
        rounded = whole + 1 if exact - whole > Fraction(1, 2) else whole
        assert got == rounded
        average = CONTEXT.divide(summed, length)
        gross = CONTEXT.divide(CONTEXT.multiply(average, apr), year).quantize(
            Decimal(1).scaleb(quantum), decimal.ROUND_HALF_EVEN, CONTEXT
        )
        assert gross == Decimal(got).scaleb(quantum, WIDE)

    def test_a_shift_out_of_range_is_declined(self) -> None:
        """A quantum 200 places from the product's exponent, either way: None."""
        assert average_gross_units((1, 0), 1, (1, 0), 1, -200) is None
        assert average_gross_units((1, 0), 1, (1, 0), 1, 200) is None
