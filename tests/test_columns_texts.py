"""Decimal strings read as columns: the amounts and errors of reading them row by row."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import numpy as np
import pyarrow as pa
import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from softstaking import (
    AprSchedule,
    InvalidInputError,
    Program,
    RewardCalculator,
    SoftStakingError,
    Token,
)
from softstaking.columns import texts
from softstaking.columns.amounts import amounts
from softstaking.columns.wideints import Wide
from softstaking.core.amounts import to_amount
from softstaking.job import State, run_day
from tests.strategies import WIDE, decimal_texts

EXPONENTS = [-d for d in (0, 2, 8, 18, 36)] + [-(d + 20) for d in (8, 18)]
"""Base units of tokens of 0 to 36 decimals, and gross quanta (carries) of two."""

Outcome = list[int] | tuple[type[SoftStakingError], str, list[str]]


def by_definition(values: list[str | None], exponents: list[int], *, negative: bool) -> Outcome:
    """Each value read by ``to_amount`` and counted in ``10**exponent``, or the first error.

    The error is ``to_amount``'s with a note naming the row, or, for a value finer than
    its unit, one message naming the row, the value as written and the unit.
    """
    out = []
    for i, (text, exponent) in enumerate(zip(values, exponents, strict=True)):
        row = 100 + i
        try:
            value = to_amount(text, name="delta", allow_negative=negative)
        except SoftStakingError as error:
            return type(error), str(error), [f"in ledger row {row}"]
        sign, digits, power = value.as_tuple()
        whole = int("".join(map(str, digits))) * (-1 if sign else 1)
        assert isinstance(power, int)  # finite: to_amount refuses the rest
        if power >= exponent:
            out.append(whole * 10 ** (power - exponent))
            continue
        units, rest = divmod(whole, 10 ** (exponent - power))
        if rest:
            msg = f"ledger row {row}: delta {value:f} is finer than unit {i}"
            return InvalidInputError, msg, []
        out.append(units)
    return out


def read(column: Any, exponents: list[int], *, negative: bool, wide: bool) -> Outcome:
    """``amounts`` of ``column`` as ints, or its error (its class, message and notes)."""
    try:
        got = amounts(
            column,
            np.array(exponents, dtype="int64"),
            name="delta",
            where="ledger",
            rows=np.arange(100, 100 + len(exponents), dtype="int64"),
            unit=lambda i: f"unit {i}",
            allow_negative=negative,
            wide=wide,
        )
    except SoftStakingError as error:
        return type(error), str(error), getattr(error, "__notes__", [])
    if isinstance(got, Wide):
        assert wide
        return got.tolist()
    if got.dtype != object:  # int64 only where every amount is below 2**62: sums fit
        assert got.dtype == np.int64
        assert all(abs(int(v)) < 2**62 for v in got)
    return [int(v) for v in got]


def chunked(values: list[str | None], kind: Any, cuts: list[int]) -> pa.ChunkedArray:
    """``values`` as a chunked array, cut at ``cuts`` (some chunks may be empty)."""
    bounds = [0, *sorted(c % (len(values) + 1) for c in cuts), len(values)]
    return pa.chunked_array(
        [pa.array(values[a:b], kind) for a, b in itertools.pairwise(bounds)], kind
    )


@st.composite
def columns(draw: st.DrawFn) -> tuple[list[str | None], list[int]]:
    """Decimal strings with an exponent each: one for all, or each its own."""
    values = draw(st.lists(decimal_texts(), max_size=12))
    if draw(st.booleans()):
        exponents = [draw(st.sampled_from(EXPONENTS))] * len(values)
    else:
        exponents = [draw(st.sampled_from(EXPONENTS)) for _ in values]
    return list(values), exponents


class TestPlainStrings:
    """Arrow casts a plain decimal string to the value ``Decimal`` reads, or declines."""

    @given(decimal_texts(), st.sampled_from([-e for e in EXPONENTS]))
    @example("9" * 39, 0)  # past 128 bits: pyarrow's own cast wraps round
    @example("4" + "0" * 38, 0)
    @example("400000000000000000000.000000000000000000", 18)
    @example("1." + "0" * 60, 10)  # trailing zeros past the scale
    def test_a_cast_is_exact_or_none(self, text: str, scale: int) -> None:
        """A plain string is cast to ``Decimal(text)`` at the scale exactly, or not at all."""
        array = pa.array([text])
        if not texts.plain(array)[0]:
            return
        cast = texts.as_decimals(array, scale)
        if cast is not None:
            (value,) = cast.to_pylist()
            assert value == Decimal(text)
            assert value.as_tuple().exponent == -scale

    @given(st.lists(decimal_texts(), max_size=8))
    def test_plain_strings_are_those_of_sign_digits_and_one_point(self, values: list[str]) -> None:
        """``plain`` picks the strings of an optional sign, ASCII digits and one point."""
        got = texts.plain(pa.array(values, pa.string())).tolist()
        digits = set("0123456789")
        for text, plain in zip(values, got, strict=True):
            body = text[1:] if text[:1] in {"+", "-"} else text
            whole, _, fraction = body.partition(".")
            expected = (
                bool(whole or fraction)
                and set(whole) <= digits
                and set(fraction) <= digits
                and body.count(".") <= 1
            )
            assert plain == expected, text


class TestStringAmounts:
    """A column of decimal strings gives what reading each row with ``to_amount`` gives."""

    @given(
        columns(),
        st.booleans(),
        st.booleans(),
        st.lists(st.integers(0, 20), max_size=3),
        st.sampled_from([pa.string(), pa.large_string()]),
    )
    @example((["1", "finer"], [0, 0]), True, False, [], pa.string())
    @example((["7E999999", "1e3", "199473.83"], [-8, -8, -8]), False, False, [], pa.string())
    @example((["finer"], [0]), True, False, [], pa.string())
    @example(([" 1", "0.5", "-1"], [0, 0, 0]), False, False, [], pa.string())
    @example((["9" * 39, "4" + "0" * 38 + ".5"], [0, -1]), True, True, [1], pa.string())
    def test_amounts_or_the_error_of_the_rows(
        self,
        column: tuple[list[str | None], list[int]],
        negative: bool,
        wide: bool,
        cuts: list[int],
        kind: Any,
    ) -> None:
        """Same ints, or the same error class, message and row note, either way read."""
        values, exponents = column
        expected = by_definition(values, exponents, negative=negative)
        got = read(chunked(values, kind, cuts), exponents, negative=negative, wide=wide)
        assert got == expected

    @given(
        st.lists(st.integers(-(10**45), 10**45), min_size=1, max_size=12),
        st.sampled_from([0, 8, 18]),
        st.booleans(),
    )
    def test_as_decimals_as_strings(self, units: list[int], decimals: int, wide: bool) -> None:
        """A column of decimals and the same values written as strings read the same."""
        values = [Decimal(n).scaleb(-decimals, WIDE) for n in units]
        exponents = [-decimals] * len(values)
        strings = read(pa.array([f"{v:f}" for v in values]), exponents, negative=True, wide=wide)
        numbers = read(
            pa.array(values, pa.decimal256(76, decimals)), exponents, negative=True, wide=wide
        )
        assert strings == numbers == units

    def test_a_row_null_is_named(self) -> None:
        """A null among strings is refused as ``to_amount`` refuses None, naming its row."""
        got = read(pa.array(["1", None]), [0, 0], negative=True, wide=False)
        assert got == by_definition(["1", None], [0, 0], negative=True)
        assert isinstance(got, tuple)
        assert got[2] == ["in ledger row 101"]


TOKENS = (Token("EIGHT", 8), Token("ETH", 18))
PROGRAM = Program([RewardCalculator(t, AprSchedule.constant("0.05")) for t in TOKENS])
DAY = date(2024, 1, 1)
MIDNIGHT = datetime(2024, 1, 1, tzinfo=UTC)


@st.composite
def amount_texts(draw: st.DrawFn, token: Token) -> tuple[str, Decimal]:
    """A non-negative amount of ``token`` and a way to write it (some not plain)."""
    units = draw(st.one_of(st.integers(0, 10**12), st.integers(0, 10**45)))
    value = Decimal(units).scaleb(-token.decimals, WIDE)
    text = draw(
        st.sampled_from(
            [f"{value:f}", f"+{value:f}", f" {value:f}", f"{value:E}", f"{value:f}".rstrip("0")]
        )
    )
    if text.rstrip().endswith(".") and draw(st.booleans()):
        text = text.rstrip()[:-1]
    return text, value


@st.composite
def string_ledgers(draw: st.DrawFn) -> tuple[dict[str, list[Any]], dict[str, list[Any]]]:
    """Events and openings of two tokens (8 and 18 decimals), amounts written as strings."""
    accounts = ["a", "b", "c"]
    keys = [(a, t) for a in accounts for t in TOKENS]
    events: dict[str, list[Any]] = {k: [] for k in ("account", "token", "at", "delta", "value")}
    for _ in range(draw(st.integers(0, 10))):
        account, token = draw(st.sampled_from(keys))
        text, value = draw(amount_texts(token))
        events["account"].append(account)
        events["token"].append(token.symbol)
        events["at"].append(MIDNIGHT + timedelta(hours=draw(st.integers(0, 47))))
        events["delta"].append(text)
        events["value"].append(value)
    opened = draw(st.lists(st.sampled_from(keys), unique=True, max_size=4))
    openings: dict[str, list[Any]] = {k: [] for k in ("account", "token", "opening", "value")}
    for account, token in opened:
        text, value = draw(amount_texts(token))
        openings["account"].append(account)
        openings["token"].append(token.symbol)
        openings["opening"].append(text)
        openings["value"].append(value)
    return events, openings


def tables(columns: dict[str, list[Any]], name: str, *, decimals: bool) -> pa.Table:
    """The table of ``columns``, the amounts ``name`` as strings or as decimals."""
    data = {k: v for k, v in columns.items() if k != "value"}
    if "at" in data:
        data["at"] = pa.array(data["at"], pa.timestamp("us", tz="UTC"))
    if decimals:
        data[name] = pa.array(columns["value"], pa.decimal256(76, 18))
    else:
        data[name] = pa.array(data[name], pa.string())
    return pa.table(data)


def table_or_error(ledger: pa.Table, openings: pa.Table) -> Any:
    """``PROGRAM.table`` of two days, or its error's message."""
    try:
        return PROGRAM.table(ledger, DAY, DAY + timedelta(days=2), openings=openings)
    except SoftStakingError as error:
        return str(error)


class TestProgramTable:
    """``Program.table`` of a ledger of decimal strings is that of the ledger as decimals."""

    @given(string_ledgers())
    def test_strings_and_decimals_give_one_table(
        self, case: tuple[dict[str, list[Any]], dict[str, list[Any]]]
    ) -> None:
        """The records are equal, whichever way the events and openings give amounts."""
        events, openings = case
        strings = table_or_error(
            tables(events, "delta", decimals=False), tables(openings, "opening", decimals=False)
        )
        numbers = table_or_error(
            tables(events, "delta", decimals=True), tables(openings, "opening", decimals=True)
        )
        if isinstance(numbers, str):
            assert strings == numbers
        else:
            assert strings.equals(numbers)


class TestJobDeltas:
    """The daily job reads decimal-string deltas exactly, however many digits they have."""

    @pytest.mark.parametrize(
        "delta", ["400000000000000000000.000000000000000000", "4" + "0" * 20, "1.5"]
    )
    def test_the_closing_balance_is_the_delta(self, delta: str) -> None:
        """One deposit's closing balance is the deposit itself, digit for digit."""
        ledger = pa.table(
            {
                "account": ["a"],
                "token": ["ETH"],
                "at": pa.array([MIDNIGHT + timedelta(hours=12)], pa.timestamp("us", tz="UTC")),
                "delta": pa.array([delta], pa.string()),
                "kind": ["deposit"],
            }
        )
        _, state = run_day(PROGRAM, ledger, State(), DAY)
        (row,) = state.table.to_pylist()
        assert row["balance"] == Decimal(delta)
