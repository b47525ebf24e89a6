"""The command, run as users run it: `python -m softstaking ...` in a subprocess."""

from __future__ import annotations

import io
import subprocess
import sys
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

import pytest

from softstaking.cli import EXIT_BAD_INPUT, EXIT_DISAGREE, EXIT_OK
from softstaking.io import read_records
from softstaking.samples import sample_path, seed_rewards

EVENTS = str(sample_path("iotx_seed_events.csv"))
RATES = str(sample_path("iotx_seed_rates.csv"))
PAYOUTS = str(sample_path("iotx_seed_payouts.csv"))
KUCOIN = ["--token", "IOTX", "--at", "23:59:59", "--tz", "+08:00", "--min-payout", "0.000001"]
SEED_RANGE = ["--start", "2019-07-15", "--end", "2019-07-23"]


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "softstaking", *args],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )


def _ok(*args: str) -> str:
    done = _run(*args)
    assert done.returncode == EXIT_OK, done.stderr
    assert done.stderr == ""  # no progress bar when stderr is not a terminal
    return done.stdout


class TestCompute:
    def test_csv_to_stdout_equals_the_library(self) -> None:
        """`compute` writes the calculator's records as CSV, read back equal."""
        out = _ok("compute", EVENTS, RATES, *KUCOIN, *SEED_RANGE)
        assert list(read_records(io.StringIO(out), format="csv")) == seed_rewards()

    def test_jsonl_to_a_file(self, tmp_path: Path) -> None:
        """`-o rewards.jsonl` writes JSON Lines to the file and nothing to stdout."""
        target = tmp_path / "rewards.jsonl"
        assert _ok("compute", EVENTS, RATES, *KUCOIN, *SEED_RANGE, "-o", str(target)) == ""
        assert list(read_records(target)) == seed_rewards()

    def test_default_range_runs_from_the_first_to_the_last_event(self) -> None:
        """Without --start and --end, the days run from the first event's to the last's."""
        out = _ok("compute", EVENTS, RATES, *KUCOIN)
        days = [line.split(",")[0] for line in out.splitlines()[1:]]
        assert days == [f"2019-07-{d}" for d in range(15, 20)]

    def test_policy_options(self) -> None:
        """--policy minimum measures the day's lowest balance: 0 on the deposit day."""
        out = _ok("compute", EVENTS, RATES, "--policy", "minimum", "--tz", "+08:00", "--days", "2")
        balances = [line.split(",")[1] for line in out.splitlines()[1:]]
        assert balances == ["0", "50000"]


class TestExplain:
    def test_explains_the_day_with_numbers(self) -> None:
        """`explain` shows the events, the formula with the numbers, the rounding and carry."""
        out = _ok("explain", EVENTS, RATES, *KUCOIN, "--day", "2019-07-16")
        assert "  2019-07-16T09:12:44+08:00  trade +12345.678  -> 62345.678" in out
        assert "gross = eligible × apr / 365 = 62345.678 × 0.0712 / 365 ≈ 12.16167746" in out
        # 62,345.678 × 0.0712 / 365 = 12.161677461917808219178…, paid to 18 decimals
        paid = Fraction("62345.678") * Fraction("0.0712") / 365
        assert f"= {Decimal(int(paid * 10**18)).scaleb(-18)}\n" in out
        # the carry into the 16th came from the 15th: the run starts at the first event
        assert "owed  = carry_before + gross = 0.00000000000000000050684931506849315068 +" in out


class TestReconcile:
    def test_sample_disagrees_with_exit_code_one(self) -> None:
        """Against the sample export, reconcile prints each day's status and exits with 1."""
        done = _run("reconcile", EVENTS, RATES, PAYOUTS, *KUCOIN, "--tolerance", "0.00000001")
        assert done.returncode == EXIT_DISAGREE
        statuses = [line.split()[:2] for line in done.stdout.splitlines()[1:-1]]
        assert statuses == [
            ["2019-07-15", "matched"],
            ["2019-07-16", "matched"],
            ["2019-07-17", "different"],
            ["2019-07-18", "missing"],
            ["2019-07-19", "matched"],
            ["2019-07-20", "matched"],
            ["2019-07-21", "extra"],
            ["2019-07-22", "matched"],
        ]
        assert done.stdout.splitlines()[-1].startswith("8 days: 5 matched, 1 missing")

    def test_report_file(self, tmp_path: Path) -> None:
        """With -o, each day's check goes to the file and stdout keeps only the summary."""
        report = tmp_path / "report.csv"
        done = _run("reconcile", EVENTS, RATES, PAYOUTS, *KUCOIN, "-o", str(report))
        assert done.returncode == EXIT_DISAGREE
        assert done.stdout.startswith("8 days: ")
        rows = report.read_text(encoding="utf-8").splitlines()
        assert rows[0] == "day,status,computed,platform,difference"
        assert rows[4] == "2019-07-18,missing,8.324745281643835617,,-8.324745281643835617"

    def test_an_export_of_the_computed_payments_agrees(self, tmp_path: Path) -> None:
        """An export listing exactly the computed payments reconciles with exit code 0."""
        export = tmp_path / "paid.csv"
        rows = [f"{r.day},{r.paid:f}" for r in seed_rewards() if r.paid]
        export.write_text("date,amount\n" + "\n".join(rows) + "\n", encoding="utf-8")
        out = _ok("reconcile", EVENTS, RATES, str(export), *KUCOIN)
        assert out.splitlines()[-1].startswith("8 days: 8 matched")

    def test_export_by_payout_date(self, tmp_path: Path) -> None:
        """With --by payout, an export dated by the day of credit reconciles."""
        export = tmp_path / "paid.jsonl"
        rows = [
            f'{{"date": "{r.payout_at.date()}", "amount": "{r.paid:f}", "account": "me"}}'
            for r in seed_rewards()
            if r.paid
        ]
        export.write_text(
            "\n".join([*rows, '{"date": "2019-07-16", "amount": "5", "account": "you"}']),
            encoding="utf-8",
        )
        out = _ok(
            "reconcile", EVENTS, RATES, str(export), *KUCOIN, "--by", "payout", "--account", "me"
        )
        assert out.splitlines()[-1].startswith("8 days: 8 matched")


class TestApy:
    def test_apr_to_apy(self) -> None:
        """12 % compounded monthly is (1 + 0.01)^12 − 1 = 0.126825030131969720661201."""
        assert _ok("apy", "--apr", "0.12", "--periods", "12") == "APY 0.126825030132\n"
        assert (1 + Fraction(12, 100) / 12) ** 12 - 1 == Fraction("0.126825030131969720661201")

    def test_apy_to_apr(self) -> None:
        """The inverse gives the APR back."""
        out = _ok("apy", "--apy", "0.126825030131969720661201", "--periods", "12", "--places", "20")
        assert out == "APR 0.12000000000000000000\n"


class TestDemoAndHelp:
    def test_demo_still_prints_the_seed(self) -> None:
        """`demo` prints the eight days of the seed's scenario."""
        assert sum(line.startswith("2019-07-") for line in _ok("demo").splitlines()) == 8

    @pytest.mark.parametrize("command", ["demo", "compute", "explain", "reconcile", "run", "apy"])
    def test_help_has_examples(self, command: str) -> None:
        """Every subcommand's --help ends with examples."""
        assert "examples:\n  softstaking " + command in _ok(command, "--help")

    def test_top_help_documents_exit_codes(self) -> None:
        """The top-level --help lists the exit codes."""
        assert "exit codes:\n  0  success\n  1  reconcile" in _ok("--help")


class TestBadInput:
    @pytest.mark.parametrize(
        ("args", "message"),
        [
            (["compute", "missing.csv", RATES], "No such file or directory: missing.csv"),
            (["compute", EVENTS, RATES, "--tz", "Mars/Base"], "unknown timezone 'Mars/Base'"),
            (["compute", EVENTS, RATES, "--min-payout", "0.1.2"], "cannot read '0.1.2'"),
            (["compute", EVENTS, RATES, "--start", "15/07/2019"], "not a date written YYYY-MM-DD"),
            (["compute", EVENTS, RATES, "--at", "25:00"], "not a time of day"),
            (["compute", EVENTS, RATES, "--cap", "0"], "cap must be above zero"),
            (["compute", EVENTS, RATES, "--decimals", "40"], "decimals must be from 0 to 36"),
            (["compute", EVENTS, RATES, "--policy", "average", "--at", "12:00"], "--at applies"),
            (["compute", EVENTS, RATES, "--start", "2019-07-01"], "no rate for 2019-07-01"),
            (["apy", "--apr", "0.05", "--periods", "0"], "--periods must be at least 1"),
            (["reconcile", EVENTS, RATES], "the following arguments are required: payouts"),
            (["frobnicate"], "invalid choice: 'frobnicate'"),
        ],
    )
    def test_exit_code_two_and_a_message_without_traceback(
        self, args: list[str], message: str
    ) -> None:
        """A user's mistake exits with 2 and one clear message on stderr, no traceback."""
        done = _run(*args)
        assert done.returncode == EXIT_BAD_INPUT
        assert message in done.stderr
        assert "Traceback" not in done.stderr
        assert done.stdout == ""

    def test_bad_rows_are_listed_with_line_and_column(self, tmp_path: Path) -> None:
        """A bad events file exits with 2, listing each bad row's line and column."""
        events = tmp_path / "events.csv"
        events.write_text(
            "at,delta\n2019-07-15T14:23:05,50000\n2019-07-16T09:12:44+08:00,lots\n",
            encoding="utf-8",
        )
        done = _run("compute", str(events), RATES)
        assert done.returncode == EXIT_BAD_INPUT
        assert f"{events}:2: column 'at': '2019-07-15T14:23:05' has no UTC offset" in done.stderr
        assert f"{events}:3: column 'delta': delta must be a decimal number" in done.stderr
        assert "Traceback" not in done.stderr


class TestProgress:
    @pytest.mark.skipif(sys.platform == "win32", reason="needs a pseudo-terminal")
    def test_progress_bar_on_a_terminal(self) -> None:
        """With stderr on a terminal, a progress bar of events read appears there."""
        import fcntl  # noqa: PLC0415  (POSIX only)
        import os  # noqa: PLC0415
        import pty  # noqa: PLC0415
        import struct  # noqa: PLC0415
        import termios  # noqa: PLC0415

        leader, follower = pty.openpty()
        fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 100, 0, 0))
        done = subprocess.run(
            [sys.executable, "-m", "softstaking", "compute", EVENTS, RATES, *KUCOIN],
            stderr=follower,
            stdout=subprocess.PIPE,
            check=False,
            timeout=60,
        )
        os.close(follower)
        shown = b""
        try:
            while chunk := os.read(leader, 65536):
                shown += chunk
        except OSError:  # the terminal closes once everything is read
            pass
        os.close(leader)
        assert done.returncode == EXIT_OK
        assert b"events: " in shown
