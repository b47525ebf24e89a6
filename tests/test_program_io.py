"""Program.run's items through the writers and to_pandas, and holdings refusing non-events."""

from __future__ import annotations

import io
import json
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from softstaking import (
    AprSchedule,
    BalanceEvent,
    Holding,
    InvalidTypeError,
    Program,
    RewardCalculator,
    SubAccount,
    Token,
)
from softstaking.io import ACCOUNT_COLUMNS, COLUMNS, read_records, to_pandas, write_records
from softstaking.io.atomic import atomic_bytes
from softstaking.programs.program import AccountReward
from tests.strategies import account_ids

USDT = RewardCalculator(Token("USDT", 6), AprSchedule.constant("0.0365"))
BTC = RewardCalculator(Token("BTC", 8), AprSchedule.constant("0.02"))
PROGRAM = Program([USDT, BTC])
START, END = date(2025, 1, 1), date(2025, 1, 3)


def _run() -> list[AccountReward]:
    holdings = [
        Holding("alice", "BTC", opening=2),
        Holding("alice", "USDT", opening=1000),
        Holding("bob", "USDT", opening=10),
    ]
    return list(PROGRAM.run(holdings, START, END))


class TestWriters:
    def test_csv_of_a_run_has_account_and_token_columns(self) -> None:
        """A run written as CSV starts each row with account and token, then the record."""
        out = io.StringIO()
        assert write_records(_run(), out, format="csv") == 6
        lines = out.getvalue().splitlines()
        assert lines[0] == ",".join(ACCOUNT_COLUMNS)
        assert lines[1].startswith("alice,BTC,2025-01-01,")

    def test_each_row_is_the_record_after_account_and_token(self) -> None:
        """Each row, after account and token, is the record's row as written alone."""
        run, alone = io.StringIO(), io.StringIO()
        write_records(_run(), run, format="csv")
        write_records([r.reward for r in _run()], alone, format="csv")
        _ = alone.seek(0)
        assert list(read_records(alone, format="csv")) == [r.reward for r in _run()]
        rows = [line.split(",", 2) for line in run.getvalue().splitlines()]
        assert [row[2] for row in rows] == alone.getvalue().splitlines()
        assert [(row[0], row[1]) for row in rows[1:]] == [(r.account, r.token) for r in _run()]

    def test_jsonl_file_of_a_run(self, tmp_path: Path) -> None:
        """A run written as JSON Lines names the account and token in every row."""
        target = tmp_path / "run.jsonl"
        write_records(_run(), target)
        rows = [json.loads(line) for line in target.read_text().splitlines()]
        assert [(r["account"], r["token"], r["day"]) for r in rows][:2] == [
            ("alice", "BTC", "2025-01-01"),
            ("alice", "BTC", "2025-01-02"),
        ]
        assert rows[-1]["paid"] == "0.001000"

    def test_records_alone_keep_the_old_columns(self) -> None:
        """DailyReward records still write the record columns only."""
        out = io.StringIO()
        write_records([r.reward for r in _run()], out, format="csv")
        assert out.getvalue().splitlines()[0] == ",".join(COLUMNS)

    def test_a_mixed_stream_is_refused(self) -> None:
        """Records after run items are refused by position, not written half."""
        items: list[object] = [*_run(), _run()[0].reward]
        with pytest.raises(InvalidTypeError, match=r"records\[6\] is a DailyReward"):
            write_records(items, io.StringIO(), format="csv")  # type: ignore[arg-type]

    def test_atomic_bytes_keeps_the_old_file_on_failure(self, tmp_path: Path) -> None:
        """A failing binary write leaves the previous file as it was and no temporary file."""
        target = tmp_path / "shares.parquet"
        target.write_bytes(b"old")

        def fail() -> None:
            with atomic_bytes(target) as stream:
                stream.write(b"new")
                raise RuntimeError

        with pytest.raises(RuntimeError):
            fail()
        assert target.read_bytes() == b"old"
        assert [p.name for p in tmp_path.iterdir()] == ["shares.parquet"]


class TestToPandas:
    def test_a_run_as_a_frame(self) -> None:
        """to_pandas of a run has account and token columns first, amounts exact."""
        frame = to_pandas(_run())
        assert list(frame.columns) == list(ACCOUNT_COLUMNS)
        assert frame["account"].tolist() == ["alice"] * 4 + ["bob"] * 2
        assert frame["token"].tolist() == ["BTC", "BTC", "USDT", "USDT", "USDT", "USDT"]
        assert frame.loc[frame["account"] == "bob", "paid"].tolist() == [Decimal("0.001000")] * 2

    def test_records_alone_unchanged(self) -> None:
        """to_pandas of records alone has the record columns only."""
        assert list(to_pandas([r.reward for r in _run()]).columns) == list(COLUMNS)

    def test_an_empty_run(self) -> None:
        """An empty input gives an empty frame with the record columns."""
        frame = to_pandas([])
        assert isinstance(frame, pd.DataFrame)
        assert len(frame) == 0

    @settings(max_examples=20, deadline=None)
    @given(st.lists(account_ids(), min_size=1, max_size=5, unique=True))
    def test_one_row_per_item_in_order(self, accounts: list[str]) -> None:
        """For any accounts, the frame's account and paid columns follow the run's items."""
        run = list(PROGRAM.run([Holding(a, "USDT", opening=5) for a in accounts], START, END))
        frame = to_pandas(run)
        assert frame["account"].tolist() == [r.account for r in run]
        assert frame["paid"].tolist() == [r.reward.paid for r in run]


class TestHoldingRefusesNonEvents:
    def test_a_dataframe_as_events_names_the_account(self) -> None:
        """A DataFrame passed as events is an InvalidTypeError naming the account and frames."""
        ledger = pd.DataFrame({"at": [datetime(2025, 1, 1, tzinfo=UTC)], "delta": ["1"]})
        with pytest.raises(InvalidTypeError) as caught:
            Holding("alice", "USDT", ledger)  # type: ignore[arg-type]
        message = str(caught.value)
        assert "account 'alice'" in message
        assert "DataFrame" in message
        assert "softstaking.frames.rewards" in message

    def test_a_dict_among_events_names_the_account_and_index(self) -> None:
        """A dict among the events is refused with its index and the account."""
        good = BalanceEvent(datetime(2025, 1, 1, tzinfo=UTC), 1)
        with pytest.raises(InvalidTypeError, match=r"account 'bob'.*events\[1\] is a dict"):
            Holding("bob", "USDT", [good, {"delta": 1}])  # type: ignore[list-item]

    def test_a_subaccount_refuses_strings(self) -> None:
        """A sub-account given strings as events names itself."""
        with pytest.raises(InvalidTypeError, match=r"sub-account 'margin'.*events\[0\] is a str"):
            SubAccount("margin", ["at,delta"])  # type: ignore[list-item]

    def test_events_still_accepted(self) -> None:
        """BalanceEvent values, in a list or generator, are kept as before."""
        event = BalanceEvent(datetime(2025, 1, 1, tzinfo=UTC), 1)
        assert Holding("alice", "USDT", (e for e in [event])).events == (event,)
