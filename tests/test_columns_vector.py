"""The engine's int64 path (``columns.vector``) against the scalar definitions in ``core.fixed``."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import numpy as np
import pyarrow as pa
from hypothesis import given
from hypothesis import strategies as st

from softstaking import AprSchedule, DailySnapshot, Holding, Program, RewardCalculator, Token
from softstaking.columns import vector
from softstaking.core.fixed import flat_gross_units, settle_units
from softstaking.core.timeline import BalanceEvent
from softstaking.core.tokens import GUARD_DIGITS
from tests.test_table import assert_same, expected_rows

STEP = 10**GUARD_DIGITS


def _ints(split: vector.Split) -> list[int]:
    return [
        (w * 10**10 + h) * 10**10 + x
        for w, h, x in zip(split.whole.tolist(), split.hi.tolist(), split.lo.tolist(), strict=True)
    ]


def _split(values: list[int]) -> vector.Split:
    split = vector.split_ints(np.array(values, dtype=object))
    assert split is not None
    return split


@given(
    st.lists(st.integers(0, 10**15), max_size=30),
    st.integers(0, 10**6) | st.just(9227),
    st.integers(-GUARD_DIGITS, 0),
    st.sampled_from([1, 2, 360, 365, 366, 999]),
)
def test_flat_gross_is_flat_gross_units(
    balances: list[int], r: int, exponent: int, year: int
) -> None:
    """Each balance's gross is the scalar definition's, to the gross quantum (18 decimals).

    Where a balance times the rate's coefficient passes int64, it declines (None).
    """
    got = vector.flat_gross(np.array(balances, dtype="int64"), (r, exponent), year)
    if max(balances, default=0) * r >= 2**63:
        assert got is None
        return
    assert got is not None
    want = [flat_gross_units((b, -18), (r, exponent), year, -18 - GUARD_DIGITS) for b in balances]
    assert _ints(got) == want


def test_flat_gross_rounds_a_half_to_even() -> None:
    """Exactly half a quantum rounds to the even neighbour: 1 x 1 / 2 and 3 x 1 / 2, s = 0."""
    got = vector.flat_gross(np.array([1, 3, 5], dtype="int64"), (1, -GUARD_DIGITS), 2)
    assert got is not None
    assert _ints(got) == [0, 2, 2]


def test_flat_gross_declines_what_int64_cannot_hold() -> None:
    """A product past int64, a rate finer than the quantum, a year of 1000 days: None."""
    big = np.array([2**62], dtype="int64")
    assert vector.flat_gross(big, (3, -2), 365) is None
    assert vector.flat_gross(np.array([1], dtype="int64"), (1, -GUARD_DIGITS - 1), 365) is None
    assert vector.flat_gross(np.array([1], dtype="int64"), (1, -2), 1000) is None


def test_split_ints_keeps_whole_units_and_refuses_past_the_limit() -> None:
    values = [0, STEP - 1, STEP, 7 * STEP + 12345678901234567, (vector.LIMIT - 1) * STEP]
    assert _ints(_split(values)) == values
    assert vector.split_ints(np.array([vector.LIMIT * STEP], dtype=object)) is None


@st.composite
def settlements(draw: st.DrawFn) -> tuple[list[list[int]], list[int], int, bool]:
    """Series of daily gross (gross quanta), their carries in, a minimum payout, forfeit."""
    days = draw(st.integers(1, 6))
    gross = st.integers(0, 5 * STEP) | st.integers(0, 10**30)
    series = draw(st.lists(st.lists(gross, min_size=days, max_size=days), min_size=1, max_size=6))
    carries = draw(st.lists(st.integers(0, 3 * STEP), min_size=len(series), max_size=len(series)))
    min_payout = draw(st.sampled_from([0, 1, STEP, 3 * STEP + 1, 100 * STEP]))
    return series, carries, min_payout, draw(st.booleans())


def _settled(
    series: list[list[int]], carries: list[int], min_payout: int, *, forfeit: bool
) -> tuple[list[int], list[int], list[int]]:
    """The scalar definition, day after day: ``settle_units``."""
    paid, carry, lost = [], [], []
    for days, carry_in in zip(series, carries, strict=True):
        owing = carry_in
        for g in days:
            p, owing, f = settle_units(owing + g, STEP, min_payout, forfeit=forfeit)
            paid.append(p // STEP)
            carry.append(owing)
            lost.append(f)
    return paid, carry, lost


@given(settlements())
def test_pay_days_settles_as_settle_units(case: Any) -> None:
    """Paid, carry and forfeited of every day equal settle_units applied day after day."""
    series, carries, min_payout, forfeit = case
    m, days = len(series), len(series[0])
    gross = _split([g for s in series for g in s])
    lengths = np.ones(m * days, dtype="int64")
    min_units = -(-min_payout // STEP)
    got = vector.pay_days(gross, lengths, _split(carries), m, days, min_units, forfeit=forfeit)
    assert got is not None
    paid, carry, lost = got
    want_paid, want_carry, want_lost = _settled(series, carries, min_payout, forfeit=forfeit)
    assert paid.tolist() == want_paid
    assert _ints(carry) == want_carry
    assert (_ints(lost) if lost is not None else [0] * len(want_lost)) == want_lost


@given(settlements())
def test_pay_fast_settles_as_settle_units(case: Any) -> None:
    """Where every payable amount is paid and carries are below a unit: the same, by sums."""
    series, carries, _, _ = case
    carries = [c % STEP for c in carries]
    m, days = len(series), len(series[0])
    gross = _split([g for s in series for g in s])
    paid, carry = vector.pay_fast(gross, np.ones(m * days, "int64"), _split(carries), m, days)
    want_paid, want_carry, _ = _settled(series, carries, 0, forfeit=False)
    assert paid.tolist() == want_paid
    assert _ints(carry) == want_carry


def _spy(monkeypatch: Any) -> list[bool]:
    """Record, for each token part, whether the int64 path answered."""
    taken: list[bool] = []
    part = vector.part

    def spy(*args: Any, **kwargs: Any) -> Any:
        out = part(*args, **kwargs)
        taken.append(out is not None)
        return out

    monkeypatch.setattr(vector, "part", spy)
    return taken


def _one_holding(opening: Decimal, decimals: int) -> tuple[Program, Holding, pa.Table, pa.Table]:
    token = Token("ETH", decimals)
    calc = RewardCalculator(token, AprSchedule.constant(Decimal("0.0712")), DailySnapshot())
    at = datetime(2025, 1, 2, 12, tzinfo=UTC)
    holding = Holding("a", "ETH", [BalanceEvent(at, Decimal(1))], opening=opening)
    ledger = pa.table(
        {
            "account": ["a"],
            "token": ["ETH"],
            "at": pa.array([at], pa.timestamp("us", tz="UTC")),
            "delta": ["1"],
        }
    )
    openings = pa.table({"account": ["a"], "token": ["ETH"], "opening": [str(opening)]})
    return Program([calc]), holding, ledger, openings


def test_a_plain_program_takes_the_int64_path(monkeypatch: Any) -> None:
    taken = _spy(monkeypatch)
    program, holding, ledger, openings = _one_holding(Decimal(1000), 8)
    start, end = date(2025, 1, 1), date(2025, 1, 5)
    table = program.table(ledger, start, end, openings=openings)
    assert taken == [True]
    assert_same(table, expected_rows(program, [holding], start, end))


def test_balances_past_int64_leave_the_int64_path_with_the_same_records(monkeypatch: Any) -> None:
    """A balance of 10**12 tokens of 18 decimals (10**30 base units) does not fit int64."""
    taken = _spy(monkeypatch)
    program, holding, ledger, openings = _one_holding(Decimal(10**12), 18)
    start, end = date(2025, 1, 1), date(2025, 1, 5)
    table = program.table(ledger, start, end, openings=openings)
    assert taken == [False]
    assert_same(table, expected_rows(program, [holding], start, end))
