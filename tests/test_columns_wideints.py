"""Amounts past int64 read as limbs (``Wide``): the same ints, and the same tables."""

from __future__ import annotations

import decimal
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import numpy as np
import pyarrow as pa
import pytest
from hypothesis import given
from hypothesis import strategies as st

from softstaking import (
    AccrualPolicy,
    AprSchedule,
    BalanceEvent,
    DailySnapshot,
    Holding,
    InvalidInputError,
    MinimumBalance,
    NegativeBalanceError,
    Program,
    RewardCalculator,
    TimeWeighted,
    Token,
)
from softstaking.columns import wideints
from softstaking.columns.ledger import read_ledger
from softstaking.columns.wideints import Wide
from tests.strategies import of_units
from tests.test_table import _check_engine as check_engine
from tests.test_table import assert_same, expected_rows, programs_and_ledgers

EXACT = decimal.Context(prec=200)

# Small values take the two-word way (below 2**96), the others the pieces' way.
SIGNED = st.one_of(
    st.integers(-(2**62), 2**62),
    st.integers(-(2**95), 2**95),
    st.integers(-(10**38) + 1, 10**38 - 1),
)
WIDE_SIGNED = st.one_of(SIGNED, st.integers(-(10**76) + 1, 10**76 - 1))


def _words(values: list[int], kind: pa.DataType) -> np.ndarray:
    array = pa.array([Decimal(v) for v in values], kind)
    return np.frombuffer(array.buffers()[1], dtype="<u8").reshape(len(values), kind.byte_width // 8)


class TestWideInts:
    """A ``Wide`` holds exactly the ints it was made from, whatever the way."""

    @given(st.lists(SIGNED, max_size=30))
    def test_decimal128_words_read_as_their_ints(self, values: list[int]) -> None:
        assert wideints.from_words(_words(values, pa.decimal128(38, 0))).tolist() == values

    @given(st.lists(WIDE_SIGNED, max_size=30))
    def test_decimal256_words_read_as_their_ints(self, values: list[int]) -> None:
        assert wideints.from_words(_words(values, pa.decimal256(76, 0))).tolist() == values

    @given(st.lists(WIDE_SIGNED, max_size=30))
    def test_of_python_ints_and_back(self, values: list[int]) -> None:
        wide = wideints.of(np.array(values, dtype=object))
        assert wide.tolist() == values
        assert [wide[i] for i in range(len(values))] == values
        assert np.asarray(wide).tolist() == values
        assert wide.negative().tolist() == [v < 0 for v in values]
        below = [10**10 - 1 >= limb >= 0 for row in wide.limbs[:-1] for limb in row.tolist()]
        assert all(below), "every limb below the top is in [0, 10**10)"

    @given(st.lists(st.integers(-(2**63), 2**63 - 1), max_size=30))
    def test_of_int64_splits_into_limbs(self, values: list[int]) -> None:
        """int64 values past 10**10 are split: every limb below 10**10 in magnitude."""
        wide = wideints.of(np.array(values, dtype="int64"))
        assert wide.tolist() == values
        assert (np.abs(wide.limbs) < 10**10).all()

    @given(
        st.lists(st.integers(-(2**62), 2**62), min_size=1, max_size=20),
        st.sampled_from([0, 10**30, 2**62]),
        st.integers(0, 9),
    )
    def test_int64_deltas_sum_and_scale_in_limbs(
        self, deltas: list[int], opening: int, shift: int
    ) -> None:
        """Deltas given as int64 beside a wide opening: sums and scaling stay exact."""
        first = np.zeros(len(deltas), dtype=bool)
        first[0] = True
        got = wideints.running_sums(
            wideints.of(np.array(deltas, dtype="int64")),
            first,
            wideints.of(np.array([opening], dtype=object)),
            np.zeros(len(deltas), dtype="int64"),
        )
        balance, want = opening, []
        for d in deltas:
            balance += d
            want.append(balance)
        assert got.tolist() == want
        scaled = wideints.scaled(wideints.of(np.array(deltas, dtype="int64")), shift)
        assert scaled.tolist() == [d * 10**shift for d in deltas]

    @given(st.lists(st.lists(WIDE_SIGNED, max_size=8), min_size=1, max_size=4))
    def test_concat_keeps_every_value_in_order(self, parts: list[list[int]]) -> None:
        wides = [wideints.of(np.array(p, dtype=object)) for p in parts]
        assert wideints.concat(wides).tolist() == [v for p in parts for v in p]

    @given(st.lists(SIGNED, max_size=20), st.integers(0, 38))
    def test_scaled_multiplies_by_a_power_of_ten(self, values: list[int], shift: int) -> None:
        wide = wideints.of(np.array(values, dtype=object))
        assert wideints.scaled(wide, shift).tolist() == [v * 10**shift for v in values]

    @given(st.lists(st.tuples(SIGNED, st.booleans()), max_size=20), st.integers(0, 40))
    def test_finer_and_divided(self, drawn: list[tuple[int, bool]], digits: int) -> None:
        """A value is finer than 10**digits unless a multiple; a multiple divides exactly."""
        values = [v * 10**digits if whole else v for v, whole in drawn]
        wide = wideints.of(np.array(values, dtype=object))
        assert wideints.finer(wide, digits).tolist() == [v % 10**digits != 0 for v in values]
        multiples = [v for v in values if v % 10**digits == 0]
        divided = wideints.divided(wideints.of(np.array(multiples, dtype=object)), digits)
        assert divided.tolist() == [v // 10**digits for v in multiples]

    @given(
        st.lists(st.lists(SIGNED, max_size=6), min_size=1, max_size=5),
        st.data(),
    )
    def test_running_sums_are_each_series_opening_plus_its_deltas(
        self, series_deltas: list[list[int]], data: st.DataObject
    ) -> None:
        openings = [data.draw(SIGNED) for _ in series_deltas]
        deltas = [d for ds in series_deltas for d in ds]
        series = np.array([i for i, ds in enumerate(series_deltas) for _ in ds], dtype="int64")
        first = np.ones(len(series), dtype=bool)
        first[1:] = series[1:] != series[:-1]
        want = []
        for opening, ds in zip(openings, series_deltas, strict=True):
            balance = opening
            for d in ds:
                balance += d
                want.append(balance)
        got = wideints.running_sums(
            wideints.of(np.array(deltas, dtype=object)),
            first,
            wideints.of(np.array(openings, dtype=object)),
            series,
        )
        assert got.tolist() == want

    @given(st.lists(WIDE_SIGNED, max_size=20))
    def test_int64s_gives_the_values_or_none_for_a_large_one(self, values: list[int]) -> None:
        got = wideints.of(np.array(values, dtype=object)).int64s()
        if got is None:
            assert any(abs(v) >= 9 * 10**18 for v in values)
        else:
            assert got.dtype == np.int64
            assert got.tolist() == values

    def test_indexing_by_array_and_slice_gives_a_wide(self) -> None:
        wide = wideints.of(np.array([-(10**30), 5, 10**40], dtype=object))
        assert isinstance(wide[np.array([2, 0])], Wide)
        assert wide[np.array([2, 0])].tolist() == [10**40, -(10**30)]
        assert wide[1:].tolist() == [5, 10**40]
        assert list(wide) == [-(10**30), 5, 10**40]


NEGATIVE_FULL_TOP = st.sampled_from(
    [-(10**20 - 1), -(10**20 - 10**10 + 1), -(10**30 - 1), -(2**64 - 1), -(10**38 - 1)]
)
"""Values whose magnitude's top limb is ``10**10 - 1`` with a limb below it non-zero:
negated and carried, the top takes ``-10**10`` unless there is a limb above it."""


class TestTheTopLimb:
    """Every way to a ``Wide`` keeps its top limb below ``10**10`` in magnitude."""

    @given(st.lists(NEGATIVE_FULL_TOP | WIDE_SIGNED, min_size=1, max_size=10))
    def test_of_and_from_words_keep_the_top_limb_small(self, values: list[int]) -> None:
        """Negative values of a full top limb too: the limbs are floor base-10**10 digits."""
        kind = pa.decimal256(76, 0)
        for wide in (
            wideints.of(np.array(values, dtype=object)),
            wideints.from_words(_words(values, kind)),
        ):
            assert wide.tolist() == values
            top = wide.limbs[-1].tolist()
            assert all(-(10**10) < limb < 10**10 for limb in top), top

    @pytest.mark.parametrize("value", [-(10**20 - 1), -(10**20 - 10**10 + 1)])
    def test_a_negative_of_twenty_digits_has_three_limbs(self, value: int) -> None:
        """Floor digits of base 10**10: ``-(10**20 - 1)`` is ``1 + 0 × 10**10 - 10**20``."""
        words = _words([value], pa.decimal128(38, 0))
        for wide in (wideints.of(np.array([value], dtype=object)), wideints.from_words(words)):
            want = [value % 10**10, value // 10**10 % 10**10, value // 10**20]
            assert wide.limbs[:, 0].tolist() == want


def _decimal_columns(ledger: pa.Table, openings: pa.Table, scale: int) -> tuple[pa.Table, pa.Table]:
    """The ledger's deltas and the openings as decimal columns of ``scale`` places."""
    values = [Decimal(v) for v in ledger.column("delta").to_pylist()]
    values += [Decimal(v) for v in openings.column("opening").to_pylist()]
    digits = max((max(v.adjusted() + 1, 1) + scale for v in values), default=1)
    kind = pa.decimal128(38, scale) if digits <= 38 else pa.decimal256(76, scale)

    def column(texts: list[str]) -> pa.Array:
        return pa.array(
            [Decimal(t).quantize(Decimal(1).scaleb(-scale), context=EXACT) for t in texts], kind
        )

    ledger = ledger.set_column(
        ledger.schema.get_field_index("delta"), "delta", column(ledger.column("delta").to_pylist())
    )
    openings = openings.set_column(
        openings.schema.get_field_index("opening"),
        "opening",
        column(openings.column("opening").to_pylist()),
    )
    return ledger, openings


@given(programs_and_ledgers(engine=True))
def test_decimal_columns_past_int64_give_runs_records(
    case: tuple[Program, pa.Table, pa.Table, list[Holding], date],
) -> None:
    """Deltas and openings read as limbs from decimal columns: the table equals Program.run.

    The columns' scale is the finest token's, so a coarser token's values are divided
    down to its base units, and the finest token's read as they are.
    """
    program, ledger, openings, holdings, start = case
    scale = max(c.token.decimals for c in program.calculators.values())
    if scale + 25 > 76:
        return  # the largest opening at this scale passes decimal256
    ledger, openings = _decimal_columns(ledger, openings, scale)
    check_engine(program, ledger, openings, holdings, start)


ETH = Token("ETH", 18)
NOON = datetime(2025, 1, 1, 12, tzinfo=UTC)


def _program(*tokens: Token) -> Program:
    return Program(
        [RewardCalculator(t, AprSchedule.constant("0.0712"), TimeWeighted()) for t in tokens]
    )


def _ledger(deltas: list[str], kind: pa.DataType, tokens: list[str] | None = None) -> pa.Table:
    n = len(deltas)
    return pa.table(
        {
            "account": pa.array(["alice"] * n, pa.string()),
            "token": pa.array(tokens or ["ETH"] * n, pa.string()),
            "at": pa.array(
                [NOON + timedelta(hours=i) for i in range(n)], pa.timestamp("us", "UTC")
            ),
            "delta": pa.array([Decimal(d) for d in deltas], kind),
        }
    )


def _rewards(
    calculator: RewardCalculator,
    events: list[BalanceEvent],
    opening: Decimal,
    columns: tuple[pa.DataType, pa.DataType],
) -> None:
    """``Program.table`` of one holding equals ``Program.run``.

    Its deltas and opening are decimal columns of the given types.
    """
    program = Program([calculator])
    ledger = pa.table(
        {
            "account": pa.array(["alice"] * len(events), pa.string()),
            "token": pa.array(["ETH"] * len(events), pa.string()),
            "at": pa.array([e.at for e in events], pa.timestamp("us", "UTC")),
            "delta": pa.array([e.delta for e in events], columns[0]),
        }
    )
    openings = pa.table(
        {"account": ["alice"], "token": ["ETH"], "opening": pa.array([opening], columns[1])}
    )
    start, end = date(2025, 3, 1), date(2025, 3, 4)
    holding = Holding("alice", "ETH", events, opening=opening)
    assert_same(
        program.table(ledger, start, end, openings=openings),
        expected_rows(program, [holding], start, end),
    )


class TestInt64BesideLimbs:
    """Found in review: int64 amounts beside a column read as limbs are split into limbs."""

    def test_int64_deltas_beside_a_wide_opening(self) -> None:
        """Deltas of 4 ETH fit int64, an opening of 10 ETH does not: balances of 22 ETH."""
        at = datetime(2025, 3, 1, 12, tzinfo=UTC)
        events = [BalanceEvent(at + timedelta(hours=i), Decimal(4)) for i in range(3)]
        calc = RewardCalculator(ETH, AprSchedule.constant("0.0712"), TimeWeighted())
        _rewards(calc, events, Decimal(10), (pa.decimal128(38, 18), pa.decimal128(38, 18)))

    def test_an_int64_opening_beside_deltas_of_a_finer_column(self) -> None:
        """A finer delta column is read as limbs; the int64 opening of 4E15 units is split."""
        at = datetime(2025, 3, 2, 12, tzinfo=UTC)
        events = [BalanceEvent(at, Decimal("-0.004"))]
        calc = RewardCalculator(
            ETH, AprSchedule.constant("0.071234567"), DailySnapshot(), min_payout=Decimal(5)
        )
        _rewards(calc, events, Decimal("0.004"), (pa.decimal128(38, 30), pa.decimal128(38, 18)))


class TestReadingIntoLimbs:
    """Which columns the engine reads as limbs, and that their errors are the ints' errors."""

    @pytest.mark.parametrize(
        "kind", [pa.decimal128(38, 18), pa.decimal128(38, 6), pa.decimal256(76, 30)]
    )
    def test_an_18_decimal_ledger_is_read_as_limbs(self, kind: pa.DataType) -> None:
        program = _program(ETH)
        read = program._read(_ledger(["1000", "-0.5", "2.25"], kind), None)
        assert isinstance(read.delta_amounts, Wide)
        assert read.delta.tolist() == [10**21, -(5 * 10**17), 225 * 10**16]

    def test_tokens_of_different_decimals_share_a_column(self) -> None:
        usdt = Token("USDT", 6)
        program = _program(ETH, usdt)
        ledger = _ledger(
            ["1000", "7.25", "0.000001"], pa.decimal128(38, 18), ["ETH", "USDT", "USDT"]
        )
        read = program._read(ledger, None)
        assert isinstance(read.delta_amounts, Wide)
        # Sorted by token: ETH's event, then USDT's two.
        assert read.delta.tolist() == [10**21, 7_250_000, 1]

    def test_small_amounts_stay_int64(self) -> None:
        read = _program(ETH)._read(_ledger(["1", "-0.5"], pa.decimal128(38, 18)), None)
        assert not isinstance(read.delta_amounts, Wide)
        assert read.delta_amounts.dtype == np.int64

    @pytest.mark.parametrize(
        ("deltas", "opening", "kind", "message"),
        [
            (
                ["1000", "1E-19"],
                "0",
                pa.decimal128(38, 20),
                "ledger row 1: delta 0.00000000000000000010 is finer than ETH's base unit "
                "0.000000000000000001",
            ),
            (["1000"], "-1000", pa.decimal128(38, 18), "openings row 1: opening -1000"),
        ],
    )
    def test_bad_values_are_refused_as_the_ints_path_refuses_them(
        self, deltas: list[str], opening: str, kind: pa.DataType, message: str
    ) -> None:
        """The same message, naming the same row, read as limbs or as ints."""
        openings = pa.table(
            {
                "account": ["alice", "bob"],
                "token": ["ETH", "ETH"],
                "opening": pa.array([Decimal(1000), Decimal(opening)], kind),
            }
        )
        errors = []
        for wide in (True, False):
            with pytest.raises(InvalidInputError) as caught:
                read_ledger(_ledger(deltas, kind), openings, token_of=lambda _: ETH, wide=wide)
            errors.append(str(caught.value))
        assert errors[0] == errors[1]
        assert errors[0].startswith(message)

    def test_an_overdraft_names_its_row_and_balance(self) -> None:
        ledger = _ledger(["1000", "-1000.000000000000000001"], pa.decimal128(38, 18))
        with pytest.raises(
            NegativeBalanceError, match=r"ledger row 1 .* balance to -0\.000000000000000001"
        ):
            _program(ETH).table(ledger, date(2025, 1, 1), date(2025, 1, 2))


LARGE = st.integers(10**19, 10**25)  # past int64 in base units: read as limbs


@given(
    st.sampled_from([DailySnapshot(), TimeWeighted(), MinimumBalance()]),
    LARGE,
    st.lists(
        st.tuples(st.integers(0, 4 * 24 * 60 - 1), LARGE, st.booleans()), min_size=1, max_size=10
    ),
    st.sampled_from([pa.decimal128(38, 18), pa.decimal256(76, 18), pa.decimal128(38, 12)]),
)
def test_an_18_decimal_holding_read_as_limbs_equals_run(
    policy: AccrualPolicy,
    opening: int,
    moves: list[tuple[int, int, bool]],
    kind: pa.DataType,
) -> None:
    """Large balances of an 18-decimal token, under each policy: Program.run's records."""
    start = date(2025, 3, 1)
    first = datetime(2025, 3, 1, tzinfo=UTC)
    step = 10 ** (18 - kind.scale)  # a coarser column holds whole multiples of its unit
    balance, events = opening * step, []
    for minute, units, out in sorted(moves):
        delta = max(-units * step, -balance) if out else units * step  # never overdrawn
        balance += delta
        events.append(BalanceEvent(first + timedelta(minutes=minute), of_units(delta, ETH)))
    program = Program([RewardCalculator(ETH, AprSchedule.constant("0.0712"), policy)])
    ledger = pa.table(
        {
            "account": pa.array(["alice"] * len(events), pa.string()),
            "token": pa.array(["ETH"] * len(events), pa.string()),
            "at": pa.array([e.at for e in events], pa.timestamp("us", "UTC")),
            "delta": pa.array([e.delta for e in events], kind),
        }
    )
    openings = pa.table(
        {
            "account": ["alice"],
            "token": ["ETH"],
            "opening": pa.array([of_units(opening * step, ETH)], kind),
        }
    )
    holding = Holding("alice", "ETH", events, opening=of_units(opening * step, ETH))
    end = start + timedelta(days=4)
    assert_same(
        program.table(ledger, start, end, openings=openings),
        expected_rows(program, [holding], start, end),
    )


@pytest.mark.parametrize("wide", [True, False])
@pytest.mark.parametrize("places", [18, 19, 30])
def test_a_column_far_finer_than_its_token_reads_whole_units(wide: bool, places: int) -> None:
    """Zero, and whole units, of a 0-decimal token in a column of many more places."""
    token = Token("AAA", 0)
    kind = pa.decimal128(38, places) if places < 30 else pa.decimal256(76, places)
    ledger = pa.table(
        {
            "account": ["a", "a", "a"],
            "token": ["AAA"] * 3,
            "at": pa.array(
                [NOON + timedelta(hours=i) for i in range(3)], pa.timestamp("us", "UTC")
            ),
            "delta": pa.array([Decimal(0), Decimal(7), Decimal(-3)], kind),
        }
    )
    read = read_ledger(ledger, None, token_of=lambda _: token, wide=wide)
    assert read.delta.tolist() == [0, 7, -3]
    zeros = ledger.set_column(3, "delta", pa.array([Decimal(0)] * 3, kind))  # int64's path
    assert read_ledger(zeros, None, token_of=lambda _: token, wide=wide).delta.tolist() == [0] * 3
    ledger = ledger.set_column(3, "delta", pa.array([Decimal(0), Decimal("0.5"), Decimal(0)], kind))
    with pytest.raises(InvalidInputError, match=r"ledger row 1: delta 0\.50* is finer than"):
        read_ledger(ledger, None, token_of=lambda _: token, wide=wide)
