"""Multi-account reconciliation and pool-share distribution: the library and the commands."""

from __future__ import annotations

import csv
import json
import tempfile
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from softstaking import (
    AprSchedule,
    Holding,
    InvalidInputError,
    Program,
    RewardCalculator,
    Token,
)
from softstaking.cli import EXIT_BAD_INPUT, EXIT_DISAGREE, EXIT_OK, main
from softstaking.cli.app import _COMMANDS
from softstaking.io import read_ledger
from softstaking.programs.distribution import distribute_days
from softstaking.programs.reconcile import AccountPayout, DayStatus, reconcile_program
from tests.strategies import holdings, pools

USDT = RewardCalculator(Token("USDT", 6), AprSchedule.constant("0.0365"))
PROGRAM = Program([USDT])
DAYS = [date(2025, 1, 1) + timedelta(days=i) for i in range(3)]

PROGRAM_TOML = """\
[tokens.USDT]
decimals = 6
rate = "0.0365"

[tokens.BTC]
decimals = 8
rate = "0.0365"
"""
LEDGER = """\
account,token,at,delta
alice,USDT,2025-01-01T00:00:00+00:00,1000
bob,USDT,2025-01-01T00:00:00+00:00,2000
bob,BTC,2025-01-01T00:00:00+00:00,1
"""


def _run() -> list[object]:
    holdings_ = [Holding("alice", "USDT", opening=1000), Holding("bob", "USDT", opening=2000)]
    return list(PROGRAM.run(holdings_, DAYS[0], DAYS[-1] + timedelta(days=1)))


def _files(tmp_path: Path, payouts: str) -> list[str]:
    (tmp_path / "program.toml").write_text(PROGRAM_TOML)
    (tmp_path / "ledger.csv").write_text(LEDGER)
    (tmp_path / "payouts.csv").write_text(payouts)
    return [str(tmp_path / n) for n in ("program.toml", "ledger.csv", "payouts.csv")]


def _paid_in_full() -> str:
    rows = ["account,token,date,amount"]
    for account, token, paid in (("alice", "USDT", "0.1"), ("bob", "USDT", "0.2")):
        rows += [f"{account},{token},{d},{paid}" for d in DAYS]
    rows += [f"bob,BTC,{d},0.0001" for d in DAYS]
    return "\n".join(rows) + "\n"


class TestLibrary:
    def test_every_status_by_account_token_and_day(self) -> None:
        """Missing, extra and different are each found with their account, token and day."""
        paid = [
            AccountPayout("alice", "USDT", DAYS[0], "0.1"),
            AccountPayout("alice", "USDT", DAYS[1], "0.1"),
            AccountPayout("bob", "USDT", DAYS[0], "0.3"),
            AccountPayout("carol", "USDT", DAYS[0], "5"),
        ]
        result = reconcile_program(_run(), paid, days=DAYS)  # type: ignore[arg-type]
        found = {(c.account, c.day): c.status for c in result.disagreements()}
        assert found == {
            ("alice", DAYS[2]): DayStatus.MISSING,  # the trailing day: missing, not out of range
            ("bob", DAYS[0]): DayStatus.DIFFERENT,
            ("bob", DAYS[1]): DayStatus.MISSING,
            ("bob", DAYS[2]): DayStatus.MISSING,
            ("carol", DAYS[0]): DayStatus.EXTRA,
        }
        assert not result.agrees
        assert "compared 2025-01-01 to 2025-01-03 (3 days), tokens USDT" in result.summary()

    def test_a_payment_outside_the_days_is_refused(self) -> None:
        """A payment on a day not compared is an error, not a silent extra."""
        late = [AccountPayout("alice", "USDT", date(2025, 2, 1), "1")]
        with pytest.raises(InvalidInputError, match="outside the days compared"):
            reconcile_program(_run(), late, days=DAYS)  # type: ignore[arg-type]

    @settings(max_examples=25, deadline=None)
    @given(st.lists(st.sampled_from(range(6)), unique=True))
    def test_paying_what_was_computed_agrees_except_what_is_left_out(
        self, dropped: list[int]
    ) -> None:
        """Paying each computed record agrees; each left-out payment is exactly one missing."""
        run = _run()
        paid = [
            AccountPayout(r.account, r.token, r.reward.day, r.reward.paid)  # type: ignore[attr-defined]
            for i, r in enumerate(run)
            if i not in dropped
        ]
        result = reconcile_program(run, paid, days=DAYS)  # type: ignore[arg-type]
        assert result.count(DayStatus.MISSING) == len(dropped)
        assert result.count(DayStatus.MATCHED) == len(run) - len(dropped)


class TestReconcileProgramCommand:
    def test_agreeing_export_exits_zero(
        self, tmp_path: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """An export of every computed payment exits 0 and names the days and tokens."""
        files = _files(tmp_path, _paid_in_full())
        code = main(["reconcile-program", *files, "--start", "2025-01-01", "--end", "2025-01-04"])
        out = capsys.readouterr().out
        assert code == EXIT_OK, out
        assert "9 account-days: 9 matched" in out
        assert "compared 2025-01-01 to 2025-01-03 (3 days), tokens BTC, USDT" in out

    def test_disagreements_are_listed_and_exit_one(
        self, tmp_path: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """Missing, extra and different rows are listed with account, token and day; exit 1."""
        payouts = _paid_in_full().replace("bob,USDT,2025-01-02,0.2", "bob,usdt,2025-01-02,0.3")
        payouts = payouts.replace("alice,USDT,2025-01-03,0.1\n", "")
        payouts += "carol,BTC,2025-01-01,1\nalice,USDT,2025-01-09,1\n"
        files = _files(tmp_path, payouts)
        code = main(["reconcile-program", *files, "--start", "2025-01-01", "--end", "2025-01-04"])
        out = capsys.readouterr().out
        assert code == EXIT_DISAGREE
        lines = [line.split() for line in out.splitlines()[1:-1]]
        assert [line[:4] for line in lines] == [
            ["alice", "USDT", "2025-01-03", "missing"],
            ["bob", "USDT", "2025-01-02", "different"],
            ["carol", "BTC", "2025-01-01", "extra"],
        ]
        assert "1 export row(s) outside 2025-01-01 to 2025-01-03 left out" in out

    def test_report_file(self, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
        """-o writes every account-day's check; stdout keeps only the summary."""
        files = _files(tmp_path, _paid_in_full())
        report = tmp_path / "checks.csv"
        args = ["--start", "2025-01-01", "--end", "2025-01-04", "-o", str(report)]
        assert main(["reconcile-program", *files, *args]) == EXIT_OK
        assert len(capsys.readouterr().out.splitlines()) == 1
        rows = list(csv.DictReader(report.read_text().splitlines()))
        assert len(rows) == 9
        assert rows[0]["account"] == "alice"
        assert {r["status"] for r in rows} == {"matched"}

    def test_openings_file(self, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
        """--openings adds each account's balance before the ledger's first event."""
        files = _files(tmp_path, "account,token,date,amount\ncarol,USDT,2025-01-01,0.1\n")
        (tmp_path / "ledger.csv").write_text("account,token,at,delta\n")
        (tmp_path / "openings.csv").write_text("account,token,opening\ncarol,USDT,1000\n")
        args = ["--start", "2025-01-01", "--end", "2025-01-02"]
        openings = ["--openings", str(tmp_path / "openings.csv")]
        assert main(["reconcile-program", *files, *args, *openings]) == EXIT_OK
        assert "1 matched" in capsys.readouterr().out

    def test_a_bad_ledger_row_is_located_as_run_locates_it(
        self, tmp_path: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """The ledger is read by read_ledger: a bad row gives run's message, file, line, column."""
        files = _files(tmp_path, _paid_in_full())
        ledger = tmp_path / "ledger.csv"
        ledger.write_text(LEDGER + "carol,USDT,2025-01-02T00:00:00+00:00,1.5.0\n")
        args = ["--start", "2025-01-01", "--end", "2025-01-04"]
        assert main(["reconcile-program", *files, *args]) == EXIT_BAD_INPUT
        reconcile_err = capsys.readouterr().err
        assert f"{ledger}:5: column 'delta'" in reconcile_err
        state, out = str(tmp_path / "s.parquet"), str(tmp_path / "o.parquet")
        run = ["run", files[0], str(ledger), "--state", state, *args, "-o", out]
        assert main(run) == EXIT_BAD_INPUT
        run_err = capsys.readouterr().err
        problem = [line for line in run_err.splitlines() if str(ledger) in line]
        assert problem
        assert all(line.split(": error: ")[-1] in reconcile_err for line in problem)

    def test_a_parquet_ledger_reconciles_as_its_csv(
        self, tmp_path: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """The same events as Parquet (timestamps, decimals) give the CSV ledger's result."""
        files = _files(tmp_path, _paid_in_full())
        args = ["--start", "2025-01-01", "--end", "2025-01-04"]
        assert main(["reconcile-program", *files, *args]) == EXIT_OK
        from_csv = capsys.readouterr().out
        table = pa.concat_tables(read_ledger(files[1]))
        delta = pa.array(
            [Decimal(d) for d in table.column("delta").to_pylist()], pa.decimal128(20, 8)
        )
        parquet = tmp_path / "ledger.parquet"
        pq.write_table(table.set_column(3, "delta", delta).drop_columns(["sub_account"]), parquet)
        assert main(["reconcile-program", files[0], str(parquet), files[2], *args]) == EXIT_OK
        assert capsys.readouterr().out == from_csv

    def test_a_sub_account_is_refused_naming_the_row(
        self, tmp_path: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """A ledger row with a sub-account is refused (exit 2), naming the file and the row."""
        files = _files(tmp_path, _paid_in_full())
        lines = LEDGER.splitlines()
        (tmp_path / "ledger.csv").write_text(
            "\n".join([lines[0] + ",sub_account", *(x + "," for x in lines[1:3]), lines[3] + ",m"])
            + "\n"
        )
        args = ["--start", "2025-01-01", "--end", "2025-01-04"]
        assert main(["reconcile-program", *files, *args]) == EXIT_BAD_INPUT
        assert "ledger.csv: ledger row 2: sub_account 'm'" in capsys.readouterr().err

    def test_reconcile_with_a_program_file_points_to_reconcile_program(
        self, tmp_path: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """`reconcile PROGRAM.toml ...` says to use reconcile-program, exit 2."""
        files = _files(tmp_path, _paid_in_full())
        assert main(["reconcile", *files]) == EXIT_BAD_INPUT
        assert "softstaking reconcile-program" in capsys.readouterr().err


class TestDistribute:
    def test_shares_per_token_equal_distribute_days(
        self, tmp_path: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """The command's shares are distribute_days' per token, as CSV on stdout."""
        (tmp_path / "pools.csv").write_text(
            "day,token,pool\n2025-01-01,USDT,1\n2025-01-02,USDT,1\n2025-01-01,BTC,0.000000015\n"
        )
        (tmp_path / "holdings.csv").write_text(
            "day,token,account,holding\n2025-01-01,USDT,alice,1\n2025-01-01,USDT,bob,2\n"
            "2025-01-02,USDT,alice,1\n2025-01-01,BTC,alice,3\n2025-01-01,BTC,bob,1\n"
        )
        files = [str(tmp_path / "pools.csv"), str(tmp_path / "holdings.csv")]
        assert main(["distribute", *files, "--decimals", "USDT=6", "--decimals", "BTC=8"]) == 0
        rows = list(csv.DictReader(capsys.readouterr().out.splitlines()))
        usdt = distribute_days(
            {date(2025, 1, 1): "1", date(2025, 1, 2): "1"},
            {date(2025, 1, 1): {"alice": 1, "bob": 2}, date(2025, 1, 2): {"alice": 1}},
            token=Token("USDT", 6),
        )
        want = {
            (d.day.isoformat(), a): f"{s:f}" for d in usdt for a, s in d.allocation.shares.items()
        }
        got = {(r["day"], r["account"]): r["share"] for r in rows if r["token"] == "USDT"}
        assert got == want
        assert [r["share"] for r in rows if r["token"] == "BTC"] == ["0.00000001", "0.00000000"]

    @settings(max_examples=10, deadline=None)
    @given(data=st.data())
    def test_parquet_and_jsonl_keep_every_digit(self, data: st.DataObject) -> None:
        """For any holdings and pool, Parquet and JSON Lines hold the shares exactly."""
        with tempfile.TemporaryDirectory() as folder:
            self._check_exact(Path(folder), data)

    def _check_exact(self, tmp_path: Path, data: st.DataObject) -> None:
        token = Token("ETH", 18)
        measured = data.draw(holdings(decimals=18).filter(bool))  # a day needs holdings
        pool = data.draw(pools(token))
        day = date(2025, 1, 1)
        (tmp_path / "pools.csv").write_text(f"day,token,pool\n{day},ETH,{pool:f}\n")
        body = "".join(f"{day},ETH,{a},{h:f}\n" for a, h in measured.items())
        (tmp_path / "holdings.csv").write_text("day,token,account,holding\n" + body)
        files = [str(tmp_path / "pools.csv"), str(tmp_path / "holdings.csv")]
        want = distribute_days({day: pool}, {day: measured}, token=token)[0].allocation.shares
        for name in ("s.parquet", "s.jsonl"):
            target = tmp_path / name
            assert main(["distribute", *files, "--decimals", "ETH=18", "-o", str(target)]) == 0
            if name.endswith(".parquet"):
                got = {r["account"]: r["share"] for r in pq.read_table(target).to_pylist()}
            else:
                lines = target.read_text().splitlines()
                got = {r["account"]: Decimal(r["share"]) for r in map(json.loads, lines)}
            assert got == dict(want)

    def test_a_token_without_decimals_is_refused(
        self, tmp_path: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """Every token of the files needs --decimals; the message names the missing ones."""
        (tmp_path / "pools.csv").write_text("day,token,pool\n2025-01-01,BTC,1\n")
        (tmp_path / "holdings.csv").write_text("day,token,account,holding\n2025-01-01,BTC,a,1\n")
        files = [str(tmp_path / "pools.csv"), str(tmp_path / "holdings.csv")]
        assert main(["distribute", *files, "--decimals", "USDT=6"]) == EXIT_BAD_INPUT
        assert "no --decimals for BTC" in capsys.readouterr().err


class TestHelp:
    @pytest.mark.parametrize("command", ["reconcile-program", "distribute"])
    def test_help_has_examples(self, command: str, capsys: pytest.CaptureFixture[str]) -> None:
        """The new commands' --help ends with examples of the command."""
        assert main([command, "--help"]) == EXIT_OK
        assert "examples:\n  softstaking " + command in capsys.readouterr().out

    def test_the_docs_hook_prints_every_command(self) -> None:
        """docs/hooks/cli_help.py lists every command of the parser, so cli.md shows each."""
        hook = Path(__file__).parent.parent / "docs" / "hooks" / "cli_help.py"
        text = hook.read_text()
        start = text.index("COMMANDS = (")
        listed = text[start : text.index(")", start)]
        for command in _COMMANDS:
            assert f'"{command}"' in listed, command
