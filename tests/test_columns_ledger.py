"""Reading a ledger into integer arrays: series and events in their defined order."""

from __future__ import annotations

import itertools
from decimal import Decimal
from typing import Any

import numpy as np
import pyarrow as pa
import pytest
from hypothesis import given
from hypothesis import strategies as st

from softstaking import DuplicateHoldingError, InvalidInputError, Token, UnknownTokenError
from softstaking.columns.ledger import _event_order, _repeated, read_ledger

TOKENS = {"AAA": Token("AAA", 2), "BBB": Token("BBB", 6), "ÄÄ": Token("ÄÄ", 2)}
# Accounts whose string order differs from their lengths and cases; non-ASCII too.
NAMES = ["a", "B", "b", "ab", "é", "Z", "z9", "ü"]
ACCOUNTS = st.sampled_from(NAMES)
SYMBOLS = st.sampled_from(sorted(TOKENS))
T0 = 1_735_689_600_000_000  # 2025-01-01T00:00:00Z in microseconds


def token_of(symbol: str) -> Token:
    try:
        return TOKENS[symbol]
    except KeyError:
        raise UnknownTokenError(f"no rules for {symbol!r}") from None


def chunked(values: list[Any], kind: Any, cuts: list[int]) -> pa.ChunkedArray:
    """``values`` as a chunked array, cut at ``cuts`` (some chunks may be empty)."""
    bounds = [0, *sorted(c % (len(values) + 1) for c in cuts), len(values)]
    return pa.chunked_array(
        [pa.array(values[a:b], kind) for a, b in itertools.pairwise(bounds)], kind
    )


@st.composite
def ledgers(draw: st.DrawFn) -> dict[str, Any]:
    """Events in any order, openings of some keys in any order, each table chunked."""
    n = draw(st.integers(0, 25))
    rows = [
        (
            draw(ACCOUNTS),
            draw(SYMBOLS),
            T0 + draw(st.integers(0, 5)) * 60_000_000,  # few instants: ties are common
            draw(st.integers(0, 10**6)),
        )
        for _ in range(n)
    ]
    keys = [(a, s) for a in NAMES for s in TOKENS]
    opened = draw(st.lists(st.sampled_from(keys), unique=True, max_size=8))
    opened = draw(st.permutations(opened))
    cuts = draw(st.lists(st.integers(0, 100), max_size=3))
    ledger = pa.table(
        {
            "account": chunked([r[0] for r in rows], pa.string(), cuts),
            "token": chunked([r[1] for r in rows], pa.string(), cuts),
            "at": chunked([r[2] for r in rows], pa.int64(), cuts).cast(
                pa.timestamp("us", tz="UTC")
            ),
            "delta": chunked([Decimal(r[3]).scaleb(-2) for r in rows], pa.decimal128(20, 2), cuts),
        }
    )
    openings = pa.table(
        {
            "account": chunked([k[0] for k in opened], pa.string(), cuts),
            "token": chunked([k[1] for k in opened], pa.string(), cuts),
            "opening": chunked(
                [Decimal(i + 1) for i in range(len(opened))], pa.decimal128(20, 2), cuts
            ),
        }
    )
    return {"rows": rows, "opened": opened, "ledger": ledger, "openings": openings}


class TestOrder:
    """Series come in (account, token) order and events in (series, instant, row) order."""

    @given(case=ledgers())
    def test_series_and_events_follow_their_definition(self, case: dict[str, Any]) -> None:
        rows, opened = case["rows"], case["opened"]
        read = read_ledger(case["ledger"], case["openings"], token_of=token_of)
        # Python orders str by code point, as UTF-8 bytes order them.
        series = sorted({(r[0], r[1]) for r in rows} | set(opened))
        assert list(zip(read.account.to_pylist(), read.token.to_pylist(), strict=True)) == series
        assert [read.tokens[c].symbol for c in read.code.tolist()] == [s[1] for s in series]
        events = sorted(range(len(rows)), key=lambda i: (rows[i][0], rows[i][1], rows[i][2], i))
        assert read.row.tolist() == events
        assert read.at.tolist() == [rows[i][2] for i in events]
        units = [rows[i][3] * 10 ** (TOKENS[rows[i][1]].decimals - 2) for i in events]
        assert [int(d) for d in read.delta.tolist()] == units
        assert read.series.tolist() == [series.index(rows[i][:2]) for i in events]
        opening = dict.fromkeys(series, 0)
        for i, key in enumerate(opened):
            opening[key] = (i + 1) * 10 ** TOKENS[key[1]].decimals
        assert [int(v) for v in read.opening.tolist()] == [opening[k] for k in series]

    @given(case=ledgers())
    def test_keys_spell_out_a_range_of_series(self, case: dict[str, Any]) -> None:
        read = read_ledger(case["ledger"], case["openings"], token_of=token_of)
        n = len(read.code)
        accounts, tokens = read.keys(n // 3, n, repeat=2)
        assert accounts.to_pylist() == [a for a in read.account.to_pylist()[n // 3 :] for _ in "xx"]
        assert tokens.to_pylist() == [t for t in read.token.to_pylist()[n // 3 :] for _ in "xx"]


class TestEventOrder:
    """Events sort by key, then instant, then row, however many share a key and instant."""

    @given(
        pairs=st.lists(st.tuples(st.integers(0, 3), st.integers(0, 5)), min_size=2, max_size=400)
    )
    def test_the_order_is_by_key_then_instant_then_row(self, pairs: list[tuple[int, int]]) -> None:
        # Hundreds of events over a few keys and instants: numpy's default sort (an
        # introsort past 16 values) is not stable there, so ties must be ordered by row.
        key = np.array([k for k, _ in pairs], dtype="int64")
        at = np.array([a for _, a in pairs], dtype="int64") * 10**6 - 7
        expected = sorted(range(len(pairs)), key=lambda i: (pairs[i][0], pairs[i][1], i))
        order = _event_order(key, at)
        assert (list(range(len(pairs))) if order is None else order.tolist()) == expected


class TestRefusals:
    """Bad rows are named by their position in the table as given."""

    def test_the_later_of_two_openings_of_a_key_is_named(self) -> None:
        openings = pa.table(
            {
                "account": ["b", "a", "c", "b", "a"],
                "token": ["AAA"] * 5,
                "opening": ["1"] * 5,
            }
        )
        empty = pa.table(
            {
                "account": pa.array([], pa.string()),
                "token": pa.array([], pa.string()),
                "at": pa.array([], pa.timestamp("us", tz="UTC")),
                "delta": pa.array([], pa.string()),
            }
        )
        # "a" comes first in key order: its second row (4) is the repeat.
        with pytest.raises(DuplicateHoldingError, match="openings row 4: account 'a'"):
            read_ledger(empty, openings, token_of=token_of, duplicate_error=DuplicateHoldingError)

    def test_an_unknown_token_in_the_openings_names_its_first_row(self) -> None:
        openings = pa.table(
            {"account": ["a", "b", "c"], "token": ["AAA", "XYZ", "XYZ"], "opening": ["1"] * 3}
        )
        ledger = pa.table(
            {
                "account": ["z"],
                "token": ["AAA"],
                "at": pa.array([T0], pa.timestamp("us", tz="UTC")),
                "delta": ["1"],
            }
        )
        with pytest.raises(UnknownTokenError, match="XYZ") as info:
            read_ledger(ledger, openings, token_of=token_of)
        assert "at openings row 1" in info.value.__notes__

    def test_the_first_unknown_token_in_key_order_is_named(self) -> None:
        ledger = pa.table(
            {
                "account": ["b", "a", "a"],
                "token": ["PPP", "AAA", "ZZZ"],
                "at": pa.array([T0] * 3, pa.timestamp("us", tz="UTC")),
                "delta": ["1"] * 3,
            }
        )
        # Sorted by key: ("a", "AAA"), ("a", "ZZZ") at row 2, then ("b", "PPP").
        with pytest.raises(UnknownTokenError, match="ZZZ") as info:
            read_ledger(ledger, None, token_of=token_of)
        assert "at ledger row 2" in info.value.__notes__


class TestSubAccounts:
    """A ledger's ``sub_account`` column is read only where it is empty."""

    def _ledger(self, sub: list[str | None]) -> pa.Table:
        return pa.table(
            {
                "account": ["a"] * len(sub),
                "token": ["AAA"] * len(sub),
                "at": pa.array([T0] * len(sub), pa.timestamp("us", tz="UTC")),
                "delta": ["1"] * len(sub),
                "sub_account": pa.array(sub, pa.string()),
            }
        )

    def test_a_set_sub_account_is_refused_naming_its_row(self) -> None:
        """The first row with a sub-account is named, with what to do instead."""
        with pytest.raises(InvalidInputError, match=r"ledger row 2: sub_account 'margin'"):
            read_ledger(self._ledger(["", None, "margin"]), None, token_of=token_of)

    def test_empty_sub_accounts_are_the_account_itself(self) -> None:
        """Empty or missing sub-accounts read as the account's own rows."""
        read = read_ledger(self._ledger(["", None]), None, token_of=token_of)
        assert [int(v) for v in read.delta] == [100, 100]


class TestAmounts:
    """Amounts are counted exactly in each token's base unit, whatever the column's scale."""

    @pytest.mark.parametrize("value", ["0", "7"])
    def test_a_whole_amount_of_a_token_of_many_decimals(self, value: str) -> None:
        """A decimal(38, 0) amount of a 30-decimal token: ``value × 10**30`` base units."""
        token = Token("FINE", 30)
        ledger = pa.table(
            {
                "account": ["a"],
                "token": ["FINE"],
                "at": pa.array([T0], pa.timestamp("us", tz="UTC")),
                "delta": pa.array([Decimal(value)], pa.decimal128(38, 0)),
            }
        )
        read = read_ledger(ledger, None, token_of=lambda _: token)
        assert [int(v) for v in read.delta] == [int(value) * 10**30]


class TestRepeatedKeys:
    """The keys of a chunk, each repeated once a day, are built from bytes as a take would."""

    @given(
        st.lists(st.one_of(st.text(max_size=12), st.none()), max_size=12),
        st.integers(1, 5),
        st.integers(0, 3),
    )
    def test_each_string_repeated_in_a_row(
        self, strings: list[str | None], repeat: int, start: int
    ) -> None:
        array = pa.array(["pad"] * start + strings, pa.string()).slice(start)
        got = _repeated(array, repeat)
        got.validate(full=True)
        assert got.to_pylist() == [s for s in strings for _ in range(repeat)]

    @given(
        st.integers(1, 6).flatmap(
            lambda width: st.lists(st.text("ab\u00e9", min_size=width, max_size=width), max_size=12)
        ),
        st.integers(1, 5),
        st.integers(0, 3),
    )
    def test_strings_of_one_length_repeat_as_rows(
        self, strings: list[str], repeat: int, start: int
    ) -> None:
        array = pa.array(["pad"] * start + strings, pa.string()).slice(start)
        got = _repeated(array, repeat)
        got.validate(full=True)
        assert got.to_pylist() == [s for s in strings for _ in range(repeat)]
