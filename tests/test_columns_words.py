"""The engine's integer words: decimal columns written from ints, never from Decimals."""

from __future__ import annotations

import decimal
from datetime import date, timedelta
from decimal import Decimal

import numpy as np
import pyarrow as pa
import pytest
from hypothesis import given
from hypothesis import strategies as st

from softstaking import Holding, InvalidInputError, Program
from softstaking.columns import engine
from softstaking.columns.output import (
    DecimalColumn,
    add_small,
    add_words,
    limb_words,
    parts_words,
    words_of,
)
from tests.test_table import (
    assert_same,
    expected_rows,
    programs_and_ledgers,
    table_or_too_wide,
)

WIDE = st.integers(-(2**255), 2**255 - 1)


def _ints(words: np.ndarray) -> list[int]:
    return [int.from_bytes(row.tobytes(), "little", signed=True) for row in words]


@given(st.lists(WIDE, max_size=20))
def test_words_of_are_twos_complement(values: list[int]) -> None:
    """Negative values and values past 2**127 survive the bytes path."""
    assert _ints(words_of(values)) == values


@given(st.lists(st.tuples(WIDE, WIDE), max_size=20))
def test_add_words_adds_modulo_2_256(pairs: list[tuple[int, int]]) -> None:
    a, b = words_of([p[0] for p in pairs]), words_of([p[1] for p in pairs])
    wrap = 2**256
    want = [((x + y + wrap // 2) % wrap) - wrap // 2 for x, y in pairs]
    assert _ints(add_words(a, b)) == want


EDGY = st.one_of(
    WIDE,
    st.sampled_from([2**64 - 1, 2**128 - 1, 2**192 - 1, -1, 2**255 - 1]),
    st.integers(0, 2**64 - 1).map(lambda x: x + 2**64 - 2**62),
)


@given(
    st.lists(st.tuples(EDGY, st.booleans()), max_size=20),
    st.one_of(st.integers(0, 2**64 - 1), st.integers(2**64, 2**200)),
)
def test_add_small_adds_to_the_chosen_rows_carrying(
    rows: list[tuple[int, bool]], amount: int
) -> None:
    """Chosen rows gain the amount modulo 2**256, carries included; the others keep theirs."""
    words = np.array(words_of([v for v, _ in rows])).reshape(-1, 4)
    chosen = np.array([i for i, (_, c) in enumerate(rows) if c], dtype="int64")
    add_small(words, chosen, amount)
    wrap = 2**256
    want = [((v + amount + wrap // 2) % wrap) - wrap // 2 if c else v for v, c in rows]
    assert _ints(words) == want


@given(
    st.lists(st.tuples(st.integers(0, 10**10 - 1), st.integers(0, 10**10 - 1)), max_size=20),
    st.integers(0, 50),
)
def test_limb_words(limbs: list[tuple[int, int]], shift: int) -> None:
    """Two 10-digit limbs, scaled by a power of ten: the fast (shift 0) and general paths."""
    hi = np.array([h for h, _ in limbs], dtype="int64")
    lo = np.array([x for _, x in limbs], dtype="int64")
    want = [(h * 10**10 + x) * 10**shift for h, x in limbs]
    assert _ints(limb_words(hi, lo, 10, shift)) == want


@given(
    st.lists(
        st.tuples(st.integers(0, 2**63 - 1), st.integers(0, 10**10 - 1), st.integers(0, 2**40)),
        max_size=20,
    ),
    st.integers(0, 20),
)
def test_parts_words(parts: list[tuple[int, int, int]], shift: int) -> None:
    """Three int64 parts of base 10**10, scaled by a power of ten, as Horner's rule says."""
    columns = [np.array([p[i] for p in parts], dtype="int64") for i in range(3)]
    want = [((a * 10**10 + b) * 10**10 + c) * 10**shift for a, b, c in parts]
    assert _ints(parts_words(columns, 10, shift)) == want


@given(
    st.lists(
        st.tuples(st.integers(0, 10**8), st.integers(0, 10**10 - 1), st.integers(0, 10**10 - 1)),
        min_size=1,
        max_size=20,
    ),
    st.integers(0, 18),
    st.sampled_from([1, 2, 3]),
)
def test_parts_words_below_2_128(parts: list[tuple[int, int, int]], shift: int, used: int) -> None:
    """Values whose bound is below 2**63 or 2**128 take the int64 or two-word way, exactly."""
    columns = [np.array([p[i] for p in parts], dtype="int64") for i in range(3 - used, 3)]
    want = []
    for p in parts:
        value = 0
        for x in p[3 - used :]:
            value = value * 10**10 + x
        want.append(value * 10**shift)
    assert _ints(parts_words(columns, 10, shift)) == want


@pytest.mark.parametrize(
    "value",
    [0, 1, 2**63 - 1, 2**63, 2**64 - 1, 2**64, 2**127, 2**128 - 1, 2**128, 2**180],
)
def test_parts_words_at_each_way_s_edges(value: int) -> None:
    """The largest value each way holds, and the next, keep every bit (with a 0 beside)."""
    hi, lo = divmod(value, 10**18)
    top, hi = divmod(hi, 10**18)
    columns = [np.array([x, 0], dtype="int64") for x in (top, hi, lo)]
    assert _ints(parts_words(columns, 18, 0)) == [value, 0]
    whole, rest = divmod(value, 10**5)
    if whole < 2**63:  # the same value as whole × 10**5 + rest
        columns = [np.array([whole, 0], dtype="int64"), np.array([rest, 0], dtype="int64")]
        assert _ints(parts_words(columns, 5, 0)) == [value, 0]


def test_parts_words_at_the_top_of_decimal256() -> None:
    """The largest whole and a shift that takes the value near 2**255 keep every bit."""
    whole = np.array([2**63 - 1, 0, 1], dtype="int64")
    rest = np.array([10**10 - 1, 0, 0], dtype="int64")
    got = _ints(parts_words([whole, rest, rest], 10, 37))
    assert got == [((2**63 - 1) * 10**20 + (10**10 - 1) * 10**10 + 10**10 - 1) * 10**37, 0, 10**57]
    assert max(got) < 2**255


def test_a_column_widens_to_decimal256_when_a_value_needs_it() -> None:
    column = DecimalColumn("gross", 20)
    column.add(words_of([-5, 7]), 1)
    big = -(10**60)
    column.add(words_of([big]), len(str(-big)))
    zeros: dict[int, object] = {}
    column.add_zeros(2, zeros)
    out = column.finish()
    assert out.type == pa.decimal256(76, 20)
    assert out.to_pylist() == [
        Decimal("-5E-20"),
        Decimal("7E-20"),
        Decimal(big).scaleb(-20),
        Decimal(0).scaleb(-20),
        Decimal(0).scaleb(-20),
    ]
    same = DecimalColumn("eligible", 20)
    same.add(words_of([1]), 1)
    same.add_same(column)  # the wide chunk: the narrow one is cast
    assert same.finish().type == pa.decimal256(76, 20)


def test_a_column_refuses_more_than_76_digits() -> None:
    with pytest.raises(InvalidInputError, match="77 digits"):
        DecimalColumn("gross", 20).add(words_of([1]), 77)


@given(programs_and_ledgers(engine=True))
def test_the_engine_equals_run_in_small_chunks(
    case: tuple[Program, pa.Table, pa.Table, list[Holding], date],
) -> None:
    """Chunks of one or two series, mixing tokens, give Program.run's records.

    Or the documented refusal of a value too wide for Arrow (a large balance of a coarse
    token beside a fine one), true of some value.
    """
    program, ledger, openings, holdings, start = case
    end = start + timedelta(days=7)
    expected = expected_rows(program, holdings, start, end)
    old = engine._CHUNK_CELLS
    engine._CHUNK_CELLS = 10
    try:
        table = table_or_too_wide(program, ledger, start, end, openings=openings, rows=expected)
    finally:
        engine._CHUNK_CELLS = old
    if table is not None:
        assert_same(table, expected)


def test_words_of_a_value_past_2_255_is_refused_by_its_digits() -> None:
    """A value no 256-bit word holds is a named refusal, not an OverflowError."""
    with pytest.raises(InvalidInputError, match=r"needs 77 digits, more than an Arrow decimal"):
        words_of([1, 2**255])


@given(
    st.lists(st.tuples(st.integers(0, 2**63 - 1), st.integers(0, 10**10 - 1)), max_size=20),
    st.integers(0, 30),
)
def test_narrow_parts_words_are_two_words_when_every_value_fits(
    parts: list[tuple[int, int]], shift: int
) -> None:
    """Two words below 2**127 (the same values), four from there."""
    columns = [np.array([p[i] for p in parts], dtype="int64") for i in range(2)]
    want = [(a * 10**10 + b) * 10**shift for a, b in parts]
    got = parts_words(columns, 10, shift, narrow=True)
    bound = max((p[0] for p in parts), default=0) * 10**10 + max((p[1] for p in parts), default=0)
    assert got.shape[1] == (2 if bound * 10**shift < 2**127 else 4)
    assert _ints(got) == want


@given(
    st.lists(st.tuples(st.integers(-(2**127), 2**127 - 1), st.booleans()), max_size=20),
    st.integers(0, 2**64 - 1),
)
def test_add_small_on_two_words_adds_modulo_2_128(
    rows: list[tuple[int, bool]], amount: int
) -> None:
    words = np.array(words_of([v for v, _ in rows])).reshape(-1, 4)[:, :2].copy()
    chosen = np.array([i for i, (_, c) in enumerate(rows) if c], dtype="int64")
    add_small(words, chosen, amount)
    wrap = 2**128
    want = [((v + amount + wrap // 2) % wrap) - wrap // 2 if c else v for v, c in rows]
    assert _ints(words) == want


def test_two_words_go_into_a_wide_column_sign_extended() -> None:
    """A decimal256 column takes 2-word values, negative ones included, as they are."""
    column = DecimalColumn("gross", 40)
    two = np.array(words_of([-5, 7, 2**126])).reshape(-1, 4)[:, :2].copy()
    column.add(two, 39)
    column.add_parts(2, [(np.array([1]), two[:1]), (np.array([0]), two[1:2])], 39)
    out = column.finish()
    assert out.type == pa.decimal256(76, 40)
    exact = decimal.Context(prec=100)
    assert [int(v.scaleb(40, exact)) for v in out.to_pylist()] == [-5, 7, 2**126, 7, -5]


def test_two_words_go_into_a_narrow_column_as_they_are() -> None:
    column = DecimalColumn("paid", 18)
    two = np.array(words_of([-5, 10**30])).reshape(-1, 4)[:, :2].copy()
    column.add(two, 31)
    out = column.finish()
    assert out.type == pa.decimal128(38, 18)
    exact = decimal.Context(prec=100)
    assert [int(v.scaleb(18, exact)) for v in out.to_pylist()] == [-5, 10**30]


def test_parts_words_past_2_256_wrap_and_keep_the_other_rows() -> None:
    """A value past 2**256 wraps without an error; the other rows keep theirs.

    Its column refuses it later, by its digits (``DecimalColumn``).
    """
    parts = [np.array([2**62, 5], dtype="int64"), np.array([0, 7], dtype="int64")]
    got = _ints(parts_words(parts, 18, 41))
    wrap = 2**256
    big = (2**62 * 10**18) * 10**41
    assert big > wrap
    assert got == [(big + wrap // 2) % wrap - wrap // 2, (5 * 10**18 + 7) * 10**41]
