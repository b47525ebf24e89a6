"""The integer day loop gives the Decimal loop's records, exponents included.

``tests/reference_model.py`` keeps the calculator's loop as it was in Decimal; every
property here runs ``RewardCalculator.daily_rewards`` and the reference on the same
generated calculator, timeline and range, and compares each record field by field with
``as_tuple()``, so that a value written with another exponent (``5`` for ``5.000``) or a
signed zero counts as a difference.
"""

from __future__ import annotations

import decimal
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
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
    RewardCalculator,
    TieredApr,
    TimeWeighted,
    Token,
)
from softstaking.core import engine
from softstaking.core.amounts import CONTEXT
from softstaking.core.fixed import (
    coefficient,
    day_gross,
    flat_gross_units,
    from_units,
    settle_units,
    to_units,
    units_at_least,
    weighted_gross_units,
)
from softstaking.core.tokens import GUARD_DIGITS
from tests.reference_model import reference_rewards
from tests.strategies import aprs, calculator_runs

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
            (1, 10**11, (1, 0), 365),
            (1, 86_400, (-1, 0), 365),
            (1, 86_400, (1, 0), 0),
            (1, 86_400, (1, 0), 1000),
            (1, 86_400, (1, -21), 365),
            (10**88, 86_400, (1, 0), 365),
        ],
        ids=[
            "negative",
            "no day",
            "too long",
            "negative rate",
            "no year",
            "long year",
            "fine rate",
            "too large",
        ],
    )
    def test_it_declines_what_it_cannot_promise(
        self, total: int, span: int, rate: tuple[int, int], year: int
    ) -> None:
        """Out of the range of the proof: None."""
        assert weighted_gross_units(total, span, rate, year) is None
