"""softstaking.frames: DataFrames in, the same kind of DataFrame out, amounts exact."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pandas as pd
import polars as pl
import pyarrow as pa
import pyarrow.compute as pc
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from softstaking import (
    AprSchedule,
    BalanceEvent,
    Holding,
    InvalidTypeError,
    NaiveDatetimeError,
    Program,
    RewardCalculator,
    TimeWeighted,
    Token,
)
from softstaking.core.amounts import EXACT
from softstaking.frames import base_units_recipe, rewards
from tests.strategies import account_ids, tokens

START, END = date(2025, 1, 1), date(2025, 1, 4)
USDT = RewardCalculator(Token("USDT", 6), AprSchedule.constant("0.0365"), TimeWeighted())
WEI = RewardCalculator(Token("ETH", 18), AprSchedule.constant("0.0371"), TimeWeighted())
PROGRAM = Program([USDT, WEI])


def _ledger() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "account": ["alice", "bob", "alice", "bob"],
            "token": ["USDT", "USDT", "ETH", "USDT"],
            "at": pd.to_datetime(
                ["2025-01-01 00:00", "2025-01-01 12:00", "2025-01-01 06:00", "2025-01-02 18:00"],
                utc=True,
            ),
            "delta": ["36500.123456", "1000", "1.000000000000000001", "-999.5"],
        }
    )


def _expected() -> pa.Table:
    return PROGRAM.table(pa.Table.from_pandas(_ledger(), preserve_index=False), START, END)


class TestPandas:
    def test_pandas_in_gives_pandas_with_arrow_decimal_columns(self) -> None:
        """A pandas ledger gives a pandas frame whose amounts are ArrowDtype decimals."""
        frame = rewards(_ledger(), PROGRAM, START, END)
        assert isinstance(frame, pd.DataFrame)
        for name in ("balance", "eligible", "apr", "gross", "paid", "carry", "forfeited"):
            dtype = frame[name].dtype
            assert isinstance(dtype, pd.ArrowDtype), name
            assert pa.types.is_decimal(dtype.pyarrow_dtype), name
        assert all(dtype != object for dtype in frame.dtypes)  # noqa: E721

    def test_same_rows_as_program_table(self) -> None:
        """The frame holds exactly the rows and values of Program.table."""
        frame = rewards(_ledger(), PROGRAM, START, END)
        assert pa.Table.from_pandas(frame, preserve_index=False).equals(_expected())

    def test_conservation_holds_with_pandas_sums(self) -> None:
        """Per account and token, pandas' sum of paid plus the final carry is the sum of gross."""
        frame = rewards(_ledger(), PROGRAM, START, END)
        for (_, _), rows in frame.groupby(["account", "token"]):
            paid, gross = rows["paid"].sum(), rows["gross"].sum()
            assert isinstance(paid, Decimal)
            assert isinstance(gross, Decimal)
            assert EXACT.add(paid, rows["carry"].iloc[-1]) == gross  # Python's + rounds to 28

    def test_openings_frame(self) -> None:
        """Openings given as a pandas frame are read exactly, with their carry."""
        openings = pd.DataFrame(
            {"account": ["carol"], "token": ["USDT"], "opening": ["36500"], "carry": ["0"]}
        )
        empty = _ledger().iloc[0:0]
        frame = rewards(empty, PROGRAM, START, date(2025, 1, 2), openings=openings)
        assert frame["paid"].tolist() == [Decimal("3.650000")]

    def test_object_column_of_decimals_is_exact(self) -> None:
        """An object column of Decimal values is read as decimals, digit for digit."""
        decimals = pd.Series([Decimal(v) for v in _ledger()["delta"]], dtype=object)
        ledger = _ledger().assign(delta=decimals)
        frame = rewards(ledger, PROGRAM, START, END)
        assert pa.Table.from_pandas(frame, preserve_index=False).equals(_expected())


class TestPolarsAndArrow:
    def test_polars_in_gives_polars_with_decimals(self) -> None:
        """A polars ledger gives a polars frame whose paid column sums exactly."""
        ledger = pl.from_pandas(_ledger())
        frame = rewards(ledger, PROGRAM, START, END)
        assert isinstance(frame, pl.DataFrame)
        assert frame["paid"].dtype == pl.Decimal(38, 18)
        assert frame["paid"].sum() == pc.sum(_expected().column("paid")).as_py()

    def test_decimal256_columns_become_decimal128_when_they_fit(self) -> None:
        """Sub-token ETH balances keep the 38-digit gross quantum columns as pl.Decimal."""
        small = _ledger().assign(token="ETH", delta=["0.5", "0.25", "0.000000000000000001", "-0.1"])
        frame = rewards(pl.from_pandas(small), PROGRAM, START, END)
        expected = PROGRAM.table(pa.Table.from_pandas(small, preserve_index=False), START, END)
        assert pa.types.is_decimal256(expected.schema.field("gross").type)
        for name in ("balance", "gross", "carry"):
            assert frame[name].dtype == pl.Decimal(38, 38), name
            assert frame[name].to_list() == expected.column(name).to_pylist(), name

    def test_decimal256_values_too_large_become_exact_strings(self) -> None:
        """A value too wide for decimal128 at its scale comes as a string of its exact digits."""
        frame = rewards(pl.from_pandas(_ledger()), PROGRAM, START, END)
        expected = _expected()
        for name in ("balance", "gross"):
            assert frame[name].dtype == pl.String, name
            assert [Decimal(v) for v in frame[name]] == expected.column(name).to_pylist(), name

    def test_arrow_in_gives_arrow(self) -> None:
        """A pyarrow Table gives the table of Program.table itself."""
        ledger = pa.Table.from_pandas(_ledger(), preserve_index=False)
        assert rewards(ledger, PROGRAM, START, END).equals(_expected())

    @settings(max_examples=25, deadline=None)
    @given(
        token=tokens(),
        accounts=st.lists(account_ids(), min_size=1, max_size=4, unique=True),
        units=st.lists(st.integers(1, 10**15), min_size=1, max_size=4),
    )
    def test_pandas_sums_equal_program_run(
        self, token: Token, accounts: list[str], units: list[int]
    ) -> None:
        """For any token and deposits, the frame's per-account paid sums equal Program.run's."""
        calc = RewardCalculator(token, AprSchedule.constant("0.05"), TimeWeighted())
        program = Program([calc])
        noon = datetime(2025, 1, 1, 12, tzinfo=UTC)
        deltas = {
            a: Decimal(u).scaleb(-token.decimals) for a, u in zip(accounts, units, strict=False)
        }
        ledger = pd.DataFrame(
            {
                "account": list(deltas),
                "token": [token.symbol] * len(deltas),
                "at": pd.Series([noon] * len(deltas)).dt.tz_convert("UTC"),
                "delta": [f"{d:f}" for d in deltas.values()],
            }
        )
        frame = rewards(ledger, program, START, END)
        got = frame.groupby("account")["paid"].sum()
        holdings = [
            Holding(a, token.symbol, [BalanceEvent(noon, d)]) for a, d in sorted(deltas.items())
        ]
        want: dict[str, Decimal] = {}
        for r in program.run(holdings, START, END):
            want[r.account] = want.get(r.account, Decimal(0)) + r.reward.paid
        assert {a: got[a] for a in want} == want


class TestConversions:
    def test_naive_datetime64_is_refused_saying_tz_localize(self) -> None:
        """Numpy datetime64 without a zone is refused, naming .dt.tz_localize."""
        ledger = _ledger().assign(at=_ledger()["at"].dt.tz_localize(None))
        assert ledger["at"].dtype.kind == "M"
        with pytest.raises(NaiveDatetimeError, match=r"\.dt\.tz_localize\('UTC'\)"):
            rewards(ledger, PROGRAM, START, END)

    def test_localized_datetime64_is_accepted(self) -> None:
        """The same column after .dt.tz_localize('UTC') gives the expected rows."""
        naive = _ledger()["at"].dt.tz_localize(None)
        ledger = _ledger().assign(at=naive.dt.tz_localize("UTC"))
        frame = rewards(ledger, PROGRAM, START, END)
        assert pa.Table.from_pandas(frame, preserve_index=False).equals(_expected())

    def test_float_delta_is_refused_saying_astype_str_is_not_exact(self) -> None:
        """A float delta column is refused; the message says .astype(str) is not exact."""
        ledger = _ledger().assign(delta=[36500.1, 1000.0, 1.0, -999.5])
        with pytest.raises(InvalidTypeError) as caught:
            rewards(ledger, PROGRAM, START, END)
        message = str(caught.value)
        assert "'delta' holds floats" in message
        assert ".astype(str) does NOT make them exact" in message
        assert "dtype={'delta': str}" in message

    def test_float_opening_is_refused(self) -> None:
        """A float opening column is refused by name."""
        openings = pd.DataFrame({"account": ["carol"], "token": ["USDT"], "opening": [1.5]})
        with pytest.raises(InvalidTypeError, match="openings column 'opening' holds floats"):
            rewards(_ledger(), PROGRAM, START, END, openings=openings)

    def test_integer_base_units_are_refused_with_the_recipe(self) -> None:
        """An int64 delta is refused with the recipe for base units, which the test then follows."""
        wei = pd.DataFrame(
            {
                "account": ["alice"],
                "token": ["ETH"],
                "at": pd.to_datetime(["2025-01-01 06:00"], utc=True),
                "delta": [1_000_000_000_000_000_001],
            }
        )
        with pytest.raises(InvalidTypeError) as caught:
            rewards(wei, PROGRAM, START, END)
        assert base_units_recipe("delta") in str(caught.value)
        decimals = 18
        scaled = pc.multiply(
            pc.cast(pa.array(wei["delta"]), pa.decimal128(19, 0)),
            pa.scalar(Decimal(1).scaleb(-decimals), pa.decimal128(max(decimals, 1), decimals)),
        )
        assert scaled.to_pylist() == [Decimal("1.000000000000000001")]
        fixed = wei.assign(delta=pd.Series(scaled, dtype=pd.ArrowDtype(scaled.type)))
        frame = rewards(fixed, PROGRAM, START, date(2025, 1, 2))
        assert frame["balance"].tolist() == [Decimal("0.75000000000000000075")]

    def test_the_recipe_is_exact_for_every_int64(self) -> None:
        """The recipe turns the extreme int64 values into decimals digit for digit."""
        values = [-(2**63), 2**63 - 1, 0, 1, -1]
        for decimals in (0, 6, 8, 18):
            scaled = pc.multiply(
                pc.cast(pa.array(values, pa.int64()), pa.decimal128(19, 0)),
                pa.scalar(Decimal(1).scaleb(-decimals), pa.decimal128(max(decimals, 1), decimals)),
            )
            assert scaled.to_pylist() == [Decimal(v).scaleb(-decimals) for v in values]

    def test_not_a_program_is_refused(self) -> None:
        """Passing something else than a Program is an InvalidTypeError."""
        with pytest.raises(InvalidTypeError, match="program must be a Program"):
            rewards(_ledger(), "program", START, END)  # type: ignore[arg-type]

    def test_a_day_later_end_adds_a_row_per_account(self) -> None:
        """One more day adds one row per account and token: the frame follows the range."""
        shorter = rewards(_ledger(), PROGRAM, START, END - timedelta(days=1))
        assert len(rewards(_ledger(), PROGRAM, START, END)) - len(shorter) == 3
