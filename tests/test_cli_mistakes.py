"""The command's answers to user mistakes and edge cases, run as users run it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from softstaking.cli import EXIT_BAD_INPUT, EXIT_BROKEN_PIPE, EXIT_DISAGREE, EXIT_OK
from softstaking.cli.app import main
from softstaking.samples import seed_rewards
from tests.test_cli import EVENTS, PAYOUTS, RATES, _run

KUCOIN = ["--at", "23:59:59", "--tz", "+08:00", "--min-payout", "0.000001"]
TOLERANCE = ["--tolerance", "0.00000001"]


def _refused(*args: str, one_line: bool = True) -> str:
    """Run a command expected to fail on input; return its message (one line, by default)."""
    done = _run(*args)
    assert done.returncode == EXIT_BAD_INPUT, done
    assert "Traceback" not in done.stderr
    assert not one_line or done.stderr.count("\n") == 1, done.stderr
    return done.stderr


def _summary(stdout: str) -> str:
    return stdout.splitlines()[-1]


class TestReconcileComparesSomething:
    def test_without_token_an_export_of_several_tokens_is_refused(self) -> None:
        """With no --token, an export naming two tokens is refused, naming them.

        A row of another token must not pass for a matched day.
        """
        message = _refused("reconcile", EVENTS, RATES, PAYOUTS, "--tolerance", "0.00000001")
        assert "names 2 tokens (ELA, IOTX)" in message
        assert "--token" in message

    def test_without_token_an_export_of_one_token_is_compared_and_named(
        self, tmp_path: Path
    ) -> None:
        """With no --token, an export of one token is used, and the summary names it."""
        export = tmp_path / "payouts.csv"
        lines = Path(PAYOUTS).read_text().splitlines(keepends=True)
        export.write_text("".join(line for line in lines if ",ELA" not in line))
        done = _run("reconcile", EVENTS, RATES, str(export), *KUCOIN, *TOLERANCE)
        assert done.returncode == EXIT_DISAGREE, done.stderr
        assert "compared 2019-07-15 to 2019-07-22, token IOTX" in _summary(done.stdout)

    def test_days_missing_at_the_end_of_the_export_count_as_missing(self, tmp_path: Path) -> None:
        """An export that ends before the last event's day still compares the days after it."""
        export = tmp_path / "payouts.csv"
        lines = Path(PAYOUTS).read_text().splitlines(keepends=True)
        kept = [line for line in lines if not line.startswith(("2019-07-2", "2019-07-19"))]
        export.write_text("".join(kept))
        done = _run("reconcile", EVENTS, RATES, str(export), "--token", "IOTX", *KUCOIN, *TOLERANCE)
        assert done.returncode == EXIT_DISAGREE, done.stderr
        summary = _summary(done.stdout)
        # the last payment is for 17 July, the last event on 19 July
        assert "compared 2019-07-15 to 2019-07-19" in summary
        assert "2019-07-18  missing" in done.stdout

    def test_token_matches_ignoring_case(self) -> None:
        """--token iotx keeps the IOTX rows and leaves out the ELA row, counted."""
        lower = _run("reconcile", EVENTS, RATES, PAYOUTS, *KUCOIN, *TOLERANCE, "--token", "iotx")
        upper = _run("reconcile", EVENTS, RATES, PAYOUTS, *KUCOIN, *TOLERANCE, "--token", "IOTX")
        assert lower.returncode == upper.returncode == EXIT_DISAGREE
        assert lower.stdout.splitlines()[:-1] == upper.stdout.splitlines()[:-1]
        assert "5 matched" in _summary(lower.stdout)
        assert _summary(lower.stdout).endswith("1 export row(s) left out, not for --token iotx")

    def test_a_header_only_export_makes_every_due_day_missing(self, tmp_path: Path) -> None:
        """With no payments, the computed days are still checked, each paid day missing."""
        export = tmp_path / "none.csv"
        export.write_text("date,amount\n", encoding="utf-8")
        done = _run("reconcile", EVENTS, RATES, str(export), *KUCOIN)
        assert done.returncode == EXIT_DISAGREE, done.stderr
        paid_days = sum(1 for r in seed_rewards() if r.paid and r.day.day <= 19)
        assert f"{paid_days} missing" in _summary(done.stdout)

    def test_zero_days_compared_is_an_error(self, tmp_path: Path) -> None:
        """A run that compares no day exits with 2, never a quiet agreement."""
        export = tmp_path / "none.csv"
        export.write_text("date,amount\n", encoding="utf-8")
        message = _refused(
            "reconcile", EVENTS, RATES, str(export), "--start", "2019-07-15", "--days", "0"
        )
        assert "0 days checked" in message


class TestNoTracebacks:
    def test_too_many_days(self) -> None:
        """--days beyond the bound is refused with the bound."""
        assert "--days must be from 0 to" in _refused("compute", EVENTS, RATES, "--days", "100001")

    def test_huge_days(self) -> None:
        """--days 100000000 is refused, not an OverflowError."""
        assert "--days" in _refused("compute", EVENTS, RATES, "--days", "100000000")

    def test_range_past_year_9999(self) -> None:
        """A range running past 9999-12-31 is refused."""
        message = _refused("compute", EVENTS, RATES, "--start", "9999-12-31", "--days", "1")
        assert "9999" in message

    def test_explain_the_last_representable_day(self) -> None:
        """The explain command's --day 9999-12-31 is an out-of-range error, not a traceback."""
        assert "out of range" in _refused("explain", EVENTS, RATES, "--day", "9999-12-31")

    def test_absurd_amount_in_events(self, tmp_path: Path) -> None:
        """A delta of 1e999 is a row error naming the file, line and column."""
        events = tmp_path / "e.csv"
        events.write_text("at,delta\n2019-07-15T00:00:00Z,1e999\n", encoding="utf-8")
        message = _refused("compute", str(events), RATES, one_line=False)
        assert f"{events}:2: column 'delta': 1e999 is out of range" in message

    def test_places_bound(self) -> None:
        """The apy command's --places above 50 is refused."""
        assert "--places must be from 0 to 50" in _refused(
            "apy", "--apr", "0.05", "--places", "1000000"
        )

    def test_huge_apr(self) -> None:
        """The apy command's --apr 1e9 is a one-line out-of-range error."""
        assert "out of range" in _refused("apy", "--apr", "1e9")


class TestOffsets:
    def test_negative_offsets_take_the_natural_spelling(self) -> None:
        """--tz -05:00 --day-offset -02:00: the 15th ends at 22:00 on the 15th, UTC−5."""
        done = _run(
            "compute", EVENTS, RATES, "--tz", "-05:00", "--day-offset", "-02:00", "--days", "1"
        )
        assert done.returncode == EXIT_OK, done.stderr
        # the day 2019-07-15 runs to midnight of the 16th shifted by −2 h
        assert done.stdout.splitlines()[1].split(",")[7] == "2019-07-15T22:00:00-05:00"

    def test_utc_prefixed_offset(self) -> None:
        """--tz UTC-05:00 is the same zone as -05:00."""
        a = _run("compute", EVENTS, RATES, "--tz", "UTC-05:00", "--days", "1")
        b = _run("compute", EVENTS, RATES, "--tz=-05:00", "--days", "1")
        assert a.returncode == b.returncode == EXIT_OK
        assert a.stdout == b.stdout

    def test_offset_out_of_range(self) -> None:
        """--tz +25:00 names the rule: strictly within ±24:00."""
        done = _run("compute", EVENTS, RATES, "--tz", "+25:00")
        assert done.returncode == EXIT_BAD_INPUT
        assert "--tz" in done.stderr
        assert "strictly within ±24:00" in done.stderr

    def test_help_documents_negative_offsets(self) -> None:
        """The top help shows the negative offsets example."""
        assert "--tz -05:00" in _run("--help").stdout


class TestWhereTheMistakeIs:
    def test_negative_balance_names_file_and_line(self, tmp_path: Path) -> None:
        """An overdraft names the events file and the offending row's line."""
        events = tmp_path / "e.csv"
        events.write_text(
            "at,delta\n2019-07-15T00:00:00Z,5\n\n2019-07-16T00:00:00Z,-10\n", encoding="utf-8"
        )
        assert f"{events}:4:" in _refused("compute", str(events), RATES)

    def test_repeated_rate_date(self, tmp_path: Path) -> None:
        """A day given two flat rates is refused at the second row."""
        rates = tmp_path / "r.csv"
        rates.write_text("effective_date,apr\n2019-07-15,0.05\n2019-07-15,0.06\n", encoding="utf-8")
        done = _run("compute", EVENTS, str(rates))
        assert done.returncode == EXIT_BAD_INPUT
        assert "r.csv:3: column 'effective_date': 2019-07-15 given twice" in done.stderr


class TestExplainOptions:
    def test_explain_has_no_end_or_days(self) -> None:
        """The explain command refuses --days: it explains one --day."""
        done = _run("explain", EVENTS, RATES, "--day", "2019-07-16", "--days", "3")
        assert done.returncode == EXIT_BAD_INPUT

    def test_events_before_the_schedule_hint_start(self, tmp_path: Path) -> None:
        """Events before the schedule's first day get the hint to give --start."""
        events = tmp_path / "e.csv"
        events.write_text("at,delta\n2019-07-01T00:00:00Z,5\n", encoding="utf-8")
        assert "give --start" in _refused("explain", str(events), RATES, "--day", "2019-07-16")


class TestBrokenPipe:
    def test_closed_stdout_is_quiet(self) -> None:
        """When stdout's reader goes away, the command stops quietly with 141."""
        with subprocess.Popen(
            [sys.executable, "-m", "softstaking", "demo"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        ) as proc:
            assert proc.stdout is not None
            assert proc.stderr is not None
            proc.stdout.close()  # long before the child has imported anything
            stderr = proc.stderr.read()
            assert proc.wait(timeout=60) == EXIT_BROKEN_PIPE
        assert stderr == b""


class TestExplainText:
    def test_policy_and_quanta_read_plainly(self) -> None:
        """The policy is named in words and quanta are written in fixed-point."""
        done = _run("explain", EVENTS, RATES, *KUCOIN, "--day", "2019-07-17")
        assert done.returncode == EXIT_OK, done.stderr
        assert "measured balance by snapshot at 23:59:59 = 42345.678" in done.stdout
        assert "rounded down to 0.000000000000000001 =" in done.stdout
        assert "E-" not in done.stdout

    def test_compound_says_what_the_balance_includes(self) -> None:
        """With --compound, the text says credited rewards are in the measured balance."""
        done = _run("explain", EVENTS, RATES, *KUCOIN, "--compound", "--day", "2019-07-17")
        assert done.returncode == EXIT_OK, done.stderr
        assert "includes the rewards credited before it" in done.stdout


_DEEP = "[" * 100_000 + "]" * 100_000
_BAD_FILES = {
    "latin1.csv": b"at,delta,kind\n2019-07-15T00:00:00Z,5,d\xe9p\xf4t\n",
    "utf16.csv": "at,delta\n2019-07-15T00:00:00Z,5\n".encode("utf-16"),
    "deep.jsonl": f"{_DEEP}\n".encode(),
    "twice.jsonl": b'{"at": "2019-07-15T00:00:00Z", "delta": "100", "delta": "1000"}\n',
    "tiny.csv": b"at,delta\n2019-07-15T00:00:00Z,5\n2019-07-16T00:00:00Z,0E-500\n",
    "huge.csv": b"at,delta\n2019-07-15T00:00:00Z,1E+999999\n",
    "surrogate.jsonl": b'{"at": "2019-07-15T00:00:00Z", "delta": "5", "kind": "\\ud800"}\n',
    "weekdate.csv": b"effective_date,apr\n2019-W29-1,0.05\n",
    "events.txt": b"at,delta\n",
    "nul.csv": b"at,delta\n2019-07-15T00:00:00Z,5\x00\n",
}

# (arguments, what the message must name); {tmp} is a folder holding _BAD_FILES.
MISTAKES: list[tuple[tuple[str, ...], str]] = [
    # files
    (("compute", "{tmp}/missing.csv", RATES), "{tmp}/missing.csv"),
    (("compute", "{tmp}", RATES), "{tmp}"),
    (("compute", "{tmp}/latin1.csv", RATES), "{tmp}/latin1.csv:2: not UTF-8"),
    (("compute", "{tmp}/utf16.csv", RATES), "{tmp}/utf16.csv:1: not UTF-8"),
    (("compute", "{tmp}/deep.jsonl", RATES), "{tmp}/deep.jsonl:1: not valid JSON"),
    (("compute", "{tmp}/twice.jsonl", RATES), "{tmp}/twice.jsonl:1: column 'delta'"),
    (("compute", "{tmp}/tiny.csv", RATES), "{tmp}/tiny.csv:3: column 'delta'"),
    (("compute", "{tmp}/huge.csv", RATES), "{tmp}/huge.csv:2: column 'delta'"),
    (("explain", "{tmp}/surrogate.jsonl", RATES, "--day", "2019-07-15"), "column 'kind'"),
    (("compute", EVENTS, "{tmp}/weekdate.csv"), "{tmp}/weekdate.csv:2: column 'effective_date'"),
    (("compute", "{tmp}/events.txt", RATES), "{tmp}/events.txt"),
    (("compute", "{tmp}/nul.csv", RATES), "{tmp}/nul.csv:2"),
    (("reconcile", EVENTS, RATES, "{tmp}/latin1.csv"), "{tmp}/latin1.csv"),
    (("compute", EVENTS, RATES, "-o", "{tmp}/no/such/folder/out.csv"), "{tmp}/no/such/folder"),
    (("compute", EVENTS, RATES, "-o", "{tmp}"), "{tmp}"),
    # zones and offsets
    (("compute", EVENTS, RATES, "--tz", "America"), "--tz"),
    (("compute", EVENTS, RATES, "--tz", "Mars/Olympus"), "--tz"),
    (("compute", EVENTS, RATES, "--tz", "+08:60"), "--tz"),
    (("compute", EVENTS, RATES, "--tz", "+-05:00"), "--tz"),
    (("compute", EVENTS, RATES, "--tz", "UTC+-05:00"), "--tz"),
    (("compute", EVENTS, RATES, "--tz", ""), "--tz"),
    (("compute", EVENTS, RATES, "--tz", "+25:00"), "--tz"),
    (("compute", EVENTS, RATES, "--day-offset", "+01:60"), "--day-offset"),
    (("compute", EVENTS, RATES, "--day-offset", "1:2:3"), "--day-offset"),
    (("compute", EVENTS, RATES, "--day-offset", "+99:00"), "argument --day-offset"),
    (("compute", EVENTS, RATES, "--decimals", "99"), "argument --decimals"),
    (("compute", EVENTS, RATES, "--decimals", "-1"), "argument --decimals"),
    # days
    (("compute", EVENTS, RATES, "--start", "2019-W29-1"), "--start"),
    (("compute", EVENTS, RATES, "--start", "20190715"), "--start"),
    (("compute", EVENTS, RATES, "--end", "2019-13-01"), "--end"),
    (("explain", EVENTS, RATES, "--day", "2019-07-15T00:00"), "--day"),
    (("explain", EVENTS, RATES), "--day"),
    (("compute", EVENTS, RATES, "--days", "-1"), "--days"),
    (("compute", EVENTS, RATES, "--days", "100000000"), "--days"),
    (("compute", EVENTS, RATES, "--start", "9999-12-31", "--days", "1"), "--start"),
    # durations
    (("compute", EVENTS, RATES, "--payout-delay", "99999999d"), "--payout-delay"),
    (("compute", EVENTS, RATES, "--payout-delay", "9" * 5000 + "d"), "--payout-delay"),
    (
        ("compute", EVENTS, RATES, "--payout-delay", "-1d"),
        "--payout-delay: duration '-1d' is negative",
    ),
    (("compute", EVENTS, RATES, "--payout-delay", "-01:30"), "--payout-delay"),
    (("compute", EVENTS, RATES, "--payout-delay", "1y"), "--payout-delay"),
    (("compute", EVENTS, RATES, "--payout-delay", "+1d"), "--payout-delay"),
    # amounts
    (("compute", EVENTS, RATES, "--opening", "-5"), "--opening: the amount must not be negative"),
    (("compute", EVENTS, RATES, "--carry", "1e999"), "--carry"),
    (("compute", EVENTS, RATES, "--min-payout", "0E-500"), "--min-payout"),
    (("compute", EVENTS, RATES, "--min-holding", "NaN"), "--min-holding"),
    (("compute", EVENTS, RATES, "--cap", "1,5"), "--cap"),
    (("reconcile", EVENTS, RATES, PAYOUTS, "--tolerance", "-1"), "--tolerance"),
    (("apy", "--apr", "1e999"), "--apr"),
    (("apy", "--apr", "1e9"), "--apr"),
    (("apy", "--apy", "-1e999"), "--apy"),
    (("apy", "--apr", "0.05", "--periods", "0"), "--periods"),
    (("apy", "--apr", "0.05", "--places", "-1"), "--places"),
    # other options
    (("compute", EVENTS, RATES, "-o", ""), "--output"),
    (("reconcile", EVENTS, RATES, PAYOUTS, "-o", ""), "--output"),
    (("compute", EVENTS, RATES, "--decimals", "x"), "--decimals"),
    (("compute", EVENTS, RATES, "--at", "25:00"), "--at"),
    (("compute", EVENTS, RATES, "--policy", "bogus"), "--policy"),
    (("compute", EVENTS, RATES, "--policy", "average", "--at", "12:00"), "--at"),
    (("compute", EVENTS, RATES, "--format", "xml"), "--format"),
    (("compute", EVENTS, RATES, "--dust", "keep"), "--dust"),
]


@pytest.fixture(scope="module")
def bad_files(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("bad")
    for name, data in _BAD_FILES.items():
        (folder / name).write_bytes(data)
    return folder


def test_the_table_is_long_enough() -> None:
    """The table lists at least 40 mistakes."""
    assert len(MISTAKES) >= 40


def _short(args: tuple[str, ...]) -> str:
    names = {EVENTS: "EVENTS", RATES: "RATES", PAYOUTS: "PAYOUTS"}
    return " ".join(names.get(a, a) for a in args)[:60]


@pytest.mark.parametrize(("args", "named"), MISTAKES, ids=[_short(args) for args, _ in MISTAKES])
def test_a_mistake_is_one_message_naming_what(
    args: tuple[str, ...], named: str, bad_files: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Each mistake exits with 2, names the option or the path, and shows no traceback."""
    given = [a.replace("{tmp}", str(bad_files)) for a in args]
    code = main(given)
    captured = capsys.readouterr()
    assert code == EXIT_BAD_INPUT, captured
    assert "Traceback" not in captured.err
    assert named.replace("{tmp}", str(bad_files)) in captured.err, captured.err
    assert captured.err.count("error:") == 1, captured.err


class TestClosedStdout:
    def test_a_stdout_closed_from_the_start_is_one_message(self) -> None:
        """`softstaking demo >&-` exits with 2 and says stdout is closed; no TypeError."""
        done = subprocess.run(
            ["sh", "-c", 'exec "$0" -m softstaking demo >&-', sys.executable],
            stderr=subprocess.PIPE,
            text=True,
            check=False,
            timeout=60,
        )
        assert done.returncode == EXIT_BAD_INPUT, done.stderr
        assert done.stderr == (
            "softstaking demo: error: stdout is closed, so there is nowhere to print; "
            "redirect it to a file\n"
        )

    def test_compute_to_a_file_needs_no_stdout(self, tmp_path: Path) -> None:
        """With -o FILE, a closed stdout is no mistake: nothing goes to it."""
        out = tmp_path / "r.csv"
        done = subprocess.run(
            [
                "sh",
                "-c",
                'exec "$0" -m softstaking compute "$1" "$2" -o "$3" >&-',
                *(sys.executable, EVENTS, RATES, str(out)),
            ],
            stderr=subprocess.PIPE,
            text=True,
            check=False,
            timeout=60,
        )
        assert done.returncode == EXIT_OK, done.stderr
        assert out.read_text(encoding="utf-8").startswith("day,")


class TestBytesThatAreNotText:
    def test_a_token_of_bytes_that_are_not_utf8_is_refused(self) -> None:
        """--token with a byte that is not UTF-8 is refused, not a UnicodeEncodeError later."""
        done = subprocess.run(
            [
                *(sys.executable.encode(), b"-m", b"softstaking", b"reconcile"),
                *(EVENTS.encode(), RATES.encode(), PAYOUTS.encode(), b"--token", b"\xff"),
            ],
            capture_output=True,
            check=False,
            timeout=60,
            env={**os.environ, "PYTHONIOENCODING": "utf-8", "LC_ALL": "C.UTF-8"},
        )
        assert done.returncode == EXIT_BAD_INPUT, done.stderr
        assert b"Traceback" not in done.stderr
        assert b"argument --token" in done.stderr

    def test_a_character_stdout_cannot_print_is_one_message(self, tmp_path: Path) -> None:
        """A stdout in ASCII that cannot print an event's kind is exit 2 with one message."""
        events = tmp_path / "e.jsonl"
        events.write_text(
            '{"at": "2019-07-16T00:00:00Z", "delta": "5", "kind": "d\u00e9p\u00f4t"}\n',
            encoding="utf-8",
        )
        done = subprocess.run(
            [
                sys.executable,
                "-m",
                "softstaking",
                "explain",
                str(events),
                RATES,
                "--day",
                "2019-07-16",
            ],
            capture_output=True,
            text=True,
            check=False,
            timeout=60,
            env={**os.environ, "PYTHONIOENCODING": "ascii"},
        )
        assert done.returncode == EXIT_BAD_INPUT, done.stderr
        assert "Traceback" not in done.stderr
        assert "to stdout in ascii; redirect it to a file" in done.stderr
