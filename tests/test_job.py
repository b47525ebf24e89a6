"""The daily payout job: chained days equal one long run; re-runs, refusals, crashes (issue 10)."""

from __future__ import annotations

import errno
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any

import attrs
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv
import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from softstaking import (
    AprSchedule,
    BalanceEvent,
    Holding,
    InvalidInputError,
    NegativeBalanceError,
    Program,
    RewardCalculator,
    SubAccount,
    Token,
)
from softstaking.cli import main
from softstaking.io import read_ledger, read_program
from softstaking.job import (
    JobError,
    State,
    UnchainableProgramError,
    read_pending,
    read_state,
    run_day,
    run_days,
    run_files,
    write_state,
)
from softstaking.job.batch import narrowed
from softstaking.job.decimals import decimal_array, units_at, unscaled
from softstaking.job.run import _count_accounts, summarize
from softstaking.samples import kucoin_2019_path, sample_path
from tests.strategies import (
    WIDE,
    chained_job_scenarios,
    job_scenarios,
    sub_account_job_scenarios,
)

DAY1 = date(2019, 7, 15)
UTC8_ZONE = timezone(timedelta(hours=8))
UTC_US = pa.timestamp("us", tz="UTC")
PROGRAM = str(kucoin_2019_path())


def _ledger(rows: list[tuple[str, str, datetime, Decimal, str]]) -> pa.Table:
    return pa.table(
        {
            "account": pa.array([r[0] for r in rows], pa.string()),
            "token": pa.array([r[1] for r in rows], pa.string()),
            "at": pa.array([r[2] for r in rows], UTC_US),
            "delta": pa.array([f"{r[3]:f}" for r in rows], pa.string()),
            "kind": pa.array([r[4] for r in rows], pa.string()),
        }
    )


def _keyed(table: pa.Table) -> dict[tuple[str, str, date], dict[str, Any]]:
    return {(r["account"], r["token"], r["day"]): r for r in table.to_pylist()}


@given(chained_job_scenarios(), st.sampled_from(["state.parquet", "state.jsonl"]))
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_chained_days_give_the_records_and_state_of_one_long_run(
    scenario: tuple[Program, list[tuple[str, str, datetime, Decimal, str]], date, int],
    name: str,
) -> None:
    """Chained daily runs give the records and the closing state of one long run.

    Each run is given only its day's rows and the state the day before wrote to a file;
    tokens may compound, and be paid after a delay or by a weekly, monthly, daily or
    window payout schedule.
    """
    program, rows, first, days = scenario
    end = first + timedelta(days=days)
    whole = _keyed(program.table(_ledger(rows), first, end))
    _, whole_state = run_days(program, _ledger(rows), State(), first, end)
    state = _assert_chained_days_equal(program, rows, first, days, name, _ledger, whole)
    assert state.table.equals(whole_state.table)
    _assert_payments_split_at_the_end(program, whole, state, end)


def _assert_chained_days_equal(  # noqa: PLR0917 (a scenario's parts)
    program: Program,
    rows: list[Any],
    first: date,
    days: int,
    name: str,
    ledger_of: Any,
    whole: dict[tuple[str, str, date], dict[str, Any]],
) -> State:
    """Run the days one at a time through a state file; their records are ``whole``'s.

    A record missing from the chained runs is one before the holding's first event:
    nothing held, nothing owed. Returns the last state read back.
    """
    state = State()
    chained: dict[tuple[str, str, date], dict[str, Any]] = {}
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / name
        for i in range(days):
            day = first + timedelta(days=i)
            todays = [r for r in rows if program.calculator(r[1]).calendar.day_of(r[2]) == day]
            table, closing = run_day(program, ledger_of(todays), state, day)
            write_state(closing, path)
            state = read_state(path)
            assert state.day == day
            chained.update(_keyed(table))
    assert set(chained) <= set(whole)
    for key, record in whole.items():
        if key in chained:
            assert chained[key] == record, key
        else:
            assert record["balance"] == record["paid"] == record["carry"] == 0, key
    return state


def _assert_payments_split_at_the_end(
    program: Program,
    records: dict[tuple[str, str, date], dict[str, Any]],
    state: State,
    end: date,
) -> None:
    """Compounding: ``credited`` is what was paid by the end, ``pending`` the rest.

    The rest is summed by payout instant; without compounding both are empty. Instants
    are compared in UTC (an aware datetime in a DST fold equals no other zone's).
    """
    for row in state.table.to_pylist():
        calc = program.calculator(row["token"])
        if not calc.compound:
            assert (row["credited"], row["pending"]) == (0, ""), row
            continue
        closing = calc.calendar.start_of(end).astimezone(UTC)
        paid = [
            (r["payout_at"].astimezone(UTC), r["paid"])
            for (account, token, _), r in records.items()
            if (account, token) == (row["account"], row["token"]) and r["paid"]
        ]
        credited, later = Decimal(0), dict[datetime, Decimal]()
        for at, amount in paid:  # in WIDE: a sum of 30 digits is exact
            if at <= closing:
                credited = WIDE.add(credited, amount)
            else:
                later[at] = WIDE.add(later.get(at, Decimal(0)), amount)
        assert Decimal(row["credited"]) == credited, row
        assert [(at.astimezone(UTC), a) for at, a in read_pending(row["pending"])] == sorted(
            later.items()
        ), row


def _days_of(folder: Path) -> list[Path]:
    """The seed ledger split into one CSV per day, as a daily export would come."""
    lines = sample_path("seed_ledger.csv").read_text().splitlines()
    paths = []
    for day in ("15", "16", "17"):
        path = folder / f"ledger-2019-07-{day}.csv"
        path.write_text(
            "\n".join([lines[0], *(x for x in lines[1:] if f"2019-07-{day}T" in x)]) + "\n"
        )
        paths.append(path)
    return paths


def _run(
    folder: Path, ledger: Path, day: date, output: str, *extra: str, state: str = "state.parquet"
) -> int:
    return main(
        [
            "run",
            PROGRAM,
            str(ledger),
            "--state",
            str(folder / state),
            "--day",
            day.isoformat(),
            "-o",
            str(folder / output),
            *extra,
        ]
    )


class TestRunFiles:
    @pytest.mark.parametrize(
        ("output", "state"),
        [("out.parquet", "state.parquet"), ("out.csv", "state.jsonl"), ("out.jsonl", "s.parquet")],
    )
    def test_a_rerun_writes_the_same_bytes(self, tmp_path: Path, output: str, state: str) -> None:
        """Re-running the last day from STATE.prev gives byte-identical output and state."""
        ledgers = _days_of(tmp_path)
        assert _run(tmp_path, ledgers[0], DAY1, "first." + output, state=state) == 0
        assert _run(tmp_path, ledgers[1], DAY1 + timedelta(1), output, state=state) == 0
        before = (tmp_path / output).read_bytes(), (tmp_path / state).read_bytes()
        again = _run(
            tmp_path, ledgers[1], DAY1 + timedelta(1), "again." + output, "--rerun", state=state
        )
        assert again == 0
        assert (tmp_path / ("again." + output)).read_bytes() == before[0]
        assert (tmp_path / state).read_bytes() == before[1]

    def test_three_chained_days_equal_one_range(self, tmp_path: Path) -> None:
        """Three daily runs through files give the records of one --start/--end run."""
        ledgers = _days_of(tmp_path)
        tables = []
        for i, ledger in enumerate(ledgers):
            assert _run(tmp_path, ledger, DAY1 + timedelta(i), f"day{i}.parquet") == 0
            tables.append(pq.read_table(tmp_path / f"day{i}.parquet"))
        code = main(
            [
                "run",
                PROGRAM,
                str(sample_path("seed_ledger.csv")),
                "--state",
                str(tmp_path / "range.parquet"),
                "--start",
                "2019-07-15",
                "--end",
                "2019-07-18",
                "-o",
                str(tmp_path / "range-out.parquet"),
            ]
        )
        assert code == 0
        whole = _keyed(pq.read_table(tmp_path / "range-out.parquet"))
        chained = _keyed(pa.concat_tables(tables))
        assert all(whole[key] == record for key, record in chained.items())
        end_state = read_state(tmp_path / "state.parquet").table
        assert end_state.equals(read_state(tmp_path / "range.parquet").table)

    def test_a_gap_and_a_repeat_are_refused_naming_the_days(
        self, tmp_path: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """Day N+2 after N, or N again without --rerun, exits 2 with the days in the message."""
        ledgers = _days_of(tmp_path)
        assert _run(tmp_path, ledgers[0], DAY1, "a.parquet") == 0
        capsys.readouterr()
        assert _run(tmp_path, ledgers[2], DAY1 + timedelta(2), "b.parquet") == 2
        err = capsys.readouterr().err
        assert "2019-07-15" in err
        assert "2019-07-16" in err
        assert "2019-07-17" in err
        assert _run(tmp_path, ledgers[0], DAY1, "c.parquet") == 2
        assert "2019-07-15 was already run" in capsys.readouterr().err
        assert not (tmp_path / "b.parquet").exists()
        assert not (tmp_path / "c.parquet").exists()

    def test_an_output_that_is_an_input_is_refused(self, tmp_path: Path) -> None:
        """-o naming the ledger or the state is refused before anything is read or written."""
        ledger = _days_of(tmp_path)[0]
        with pytest.raises(JobError, match="that is the ledger file"):
            run_files(
                read_program(PROGRAM),
                ledger,
                tmp_path / "s.parquet",
                ledger,
                start=DAY1,
                end=DAY1 + timedelta(1),
            )
        with pytest.raises(JobError, match="that is the state file"):
            run_files(
                read_program(PROGRAM),
                ledger,
                tmp_path / "s.parquet",
                tmp_path / "s.parquet",
                start=DAY1,
                end=DAY1 + timedelta(1),
            )

    def test_a_bad_row_exits_2_with_one_located_message_and_changes_nothing(
        self, tmp_path: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """A bad ledger row names file, line and column; no output is written, the state stays."""
        ledgers = _days_of(tmp_path)
        assert _run(tmp_path, ledgers[0], DAY1, "a.parquet") == 0
        state = (tmp_path / "state.parquet").read_bytes()
        bad = tmp_path / "bad.csv"
        bad.write_text("account,token,at,delta\nbob,IOTX,2019-07-16T10:00:00+08:00,1.5.0\n")
        capsys.readouterr()
        assert _run(tmp_path, bad, DAY1 + timedelta(1), "b.parquet") == 2
        err = capsys.readouterr().err
        assert f"{bad}:2: column 'delta'" in err
        assert err.count("\n") == 2
        assert not (tmp_path / "b.parquet").exists()
        assert (tmp_path / "state.parquet").read_bytes() == state

    def test_an_event_outside_the_day_is_refused(self) -> None:
        """A row of another day is refused, naming the row, its day and the run's days."""
        program = read_program(PROGRAM)
        ledger = pa.concat_tables(read_ledger(sample_path("seed_ledger.csv")))
        with pytest.raises(JobError, match=r"row 4: .* on 2019-07-16, outside the run's days"):
            run_day(program, ledger, State(), DAY1)

    def test_a_state_of_another_day_is_refused(self) -> None:
        """run_days refuses a state that is not at the day before the run."""
        program = read_program(PROGRAM)
        with pytest.raises(JobError, match="next day to run is 2019-07-15, not 2019-07-17"):
            run_day(program, pa.table({}), State(DAY1 - timedelta(1)), DAY1 + timedelta(2))


class _EveryThirdDayFromTheFirst:
    """A payout schedule of one's own: every third day counted from the run's first day."""

    def payout_times(self, day_ends: Sequence[datetime]) -> list[datetime]:
        if not day_ends:
            return []
        first = day_ends[0]
        return [first + timedelta(days=3 * ((end - first).days // 3)) for end in day_ends]


class TestChainable:
    def test_a_payout_schedule_of_ones_own_is_refused_saying_why(self) -> None:
        """A schedule that is not built in may depend on the run's days: refused, naming it."""
        calc = attrs.evolve(
            read_program(PROGRAM).calculator("IOTX"),
            payout_delay=timedelta(0),
            payout_schedule=_EveryThirdDayFromTheFirst(),
        )
        with pytest.raises(UnchainableProgramError, match="_EveryThirdDayFromTheFirst: the daily"):
            run_days(Program([calc]), [], State(), DAY1, DAY1 + timedelta(1))

    @pytest.mark.parametrize(
        "payout",
        [
            'payout_delay = "36h"',
            'payout = { schedule = "weekly", weekdays = ["WE"], at = "09:00" }',
            'payout = { schedule = "monthly", day = 31 }',
        ],
    )
    def test_compounding_program_files_chain_through_the_command(
        self, tmp_path: Path, payout: str
    ) -> None:
        """Compounding, paid late: three daily runs equal one range, records and state."""
        text = Path(PROGRAM).read_text().replace('payout_delay = "0"', f"compound = true\n{payout}")
        program = tmp_path / "program.toml"
        program.write_text(text)
        (tmp_path / "iotx_seed_rates.csv").write_bytes(
            sample_path("iotx_seed_rates.csv").read_bytes()
        )
        ledgers = _days_of(tmp_path)
        tables = []
        for i, ledger in enumerate(ledgers):
            day = DAY1 + timedelta(i)
            args = [str(ledger), "--state", str(tmp_path / "state.jsonl"), "--day", str(day)]
            out = tmp_path / f"day{i}.parquet"
            assert main(["run", str(program), *args, "-o", str(out)]) == 0
            tables.append(pq.read_table(out))
        whole = [str(sample_path("seed_ledger.csv")), "--state", str(tmp_path / "range.jsonl")]
        days = ["--start", "2019-07-15", "--end", "2019-07-18"]
        out = tmp_path / "range.parquet"
        assert main(["run", str(program), *whole, *days, "-o", str(out)]) == 0
        records = _keyed(pq.read_table(out))
        chained = _keyed(pa.concat_tables(tables))
        assert all(records[key] == record for key, record in chained.items())
        assert all(records[key]["balance"] == 0 for key in records.keys() - chained.keys())
        state = read_state(tmp_path / "state.jsonl")
        assert state.table.equals(read_state(tmp_path / "range.jsonl").table)
        _assert_payments_split_at_the_end(read_program(program), records, state, date(2019, 7, 18))


class TestPandasNotLoaded:
    def test_the_command_runs_without_loading_pandas_which_still_loads_after(
        self, tmp_path: Path
    ) -> None:
        """The run command never loads pandas; a later pandas conversion in its process works."""
        ledger = _days_of(tmp_path)[0]
        script = (
            "import sys\n"
            "from softstaking.cli import main\n"
            f"code = main(['run', {PROGRAM!r}, {str(ledger)!r}, '--state', "
            f"{str(tmp_path / 'state.parquet')!r}, '--day', '2019-07-15', '-o', "
            f"{str(tmp_path / 'out.parquet')!r}])\n"
            "print(code, 'pandas' in sys.modules)\n"
            "import pandas as pd\n"
            "import pyarrow as pa\n"
            "print(pa.Table.from_pandas(pd.DataFrame({'x': [1, 2]})).num_rows)\n"
            "print(pa.array(pd.Series([3, 4])).to_pylist())\n"
        )
        done = subprocess.run(
            [sys.executable, "-c", script], capture_output=True, text=True, check=True
        )
        assert done.stdout.split("\n")[:3] == ["0 False", "2", "[3, 4]"]


class TestLargeAmounts:
    def test_amounts_of_more_digits_than_a_decimal_context_chain_exactly(self) -> None:
        """Frozen, credited and pending amounts of 30+ digits go through the state exactly."""
        big = RewardCalculator(
            Token("BIG", 18),
            AprSchedule.constant("0.05"),
            compound=True,
            payout_delay=timedelta(hours=36),
        )
        program = Program([big])
        noon = datetime(2024, 1, 1, 12, tzinfo=UTC)
        rows = [
            ("a", "BIG", noon, Decimal("123456789012345.123456789012345678"), "deposit"),
            ("a", "BIG", noon, Decimal("-100000000000000.000000000000000001"), "order_freeze"),
        ]
        first, end = date(2024, 1, 1), date(2024, 1, 5)
        whole = _keyed(program.table(_ledger(rows), first, end))
        _, whole_state = run_days(program, _ledger(rows), State(), first, end)
        state = State()
        for i in range(4):
            day = first + timedelta(days=i)
            table, state = run_day(program, _ledger(rows if i == 0 else []), state, day)
            assert all(whole[key] == record for key, record in _keyed(table).items())
        assert state.table.equals(whole_state.table)
        (row,) = state.table.to_pylist()
        assert row["frozen"] == Decimal("100000000000000.000000000000000001")
        assert len(f"{row['credited']:f}".replace(".", "").lstrip("0")) > 28
        _assert_payments_split_at_the_end(program, whole, state, end)


class TestCrashes:
    def _day_one(self, folder: Path) -> tuple[list[Path], bytes, bytes]:
        ledgers = _days_of(folder)
        assert _run(folder, ledgers[0], DAY1, "out.parquet") == 0
        return (
            ledgers,
            (folder / "out.parquet").read_bytes(),
            (folder / "state.parquet").read_bytes(),
        )

    def test_a_run_killed_mid_write_keeps_the_old_output_and_state(self, tmp_path: Path) -> None:
        """SIGKILL while the output is being written leaves the previous output and state whole."""
        ledgers, output, state = self._day_one(tmp_path)
        command = [
            sys.executable,
            "-m",
            "softstaking",
            "run",
            PROGRAM,
            str(ledgers[1]),
            "--state",
            str(tmp_path / "state.parquet"),
            "--day",
            "2019-07-16",
            "-o",
            str(tmp_path / "out.parquet"),
        ]
        env = {**os.environ, "SOFTSTAKING_TEST_SLOW_WRITE": "60"}
        child = subprocess.Popen(command, env=env, stderr=subprocess.PIPE, text=True)
        assert child.stderr is not None
        deadline = time.monotonic() + 120
        line = ""
        while "writing slowly" not in line and time.monotonic() < deadline:
            line = child.stderr.readline()
        child.send_signal(signal.SIGKILL)
        child.wait()
        child.stderr.close()
        assert child.returncode == -signal.SIGKILL
        assert "writing slowly" in line
        assert (tmp_path / "out.parquet").read_bytes() == output
        assert (tmp_path / "state.parquet").read_bytes() == state
        assert _run(tmp_path, ledgers[1], DAY1 + timedelta(1), "out.parquet") == 0

    def test_a_full_disk_keeps_the_old_state(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """ENOSPC while writing exits 2 naming the file; the state and output stay as they were."""
        ledgers, output, state = self._day_one(tmp_path)

        def full(fd: int) -> None:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

        monkeypatch.setattr(os, "fsync", full)
        capsys.readouterr()
        assert _run(tmp_path, ledgers[1], DAY1 + timedelta(1), "out.parquet") == 2
        assert "No space left on device" in capsys.readouterr().err
        assert (tmp_path / "out.parquet").read_bytes() == output
        assert (tmp_path / "state.parquet").read_bytes() == state

    def test_a_read_only_folder_keeps_the_old_state(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """A read-only folder exits 2 naming the path; the state and output stay.

        Simulated by refusing the temporary file: tests may run as root.
        """
        ledgers, output, state = self._day_one(tmp_path)

        def refused(**_: object) -> tuple[int, str]:
            raise PermissionError(errno.EACCES, os.strerror(errno.EACCES))

        monkeypatch.setattr(tempfile, "mkstemp", refused)
        capsys.readouterr()
        assert _run(tmp_path, ledgers[1], DAY1 + timedelta(1), "out.parquet") == 2
        err = capsys.readouterr().err
        assert "Permission denied" in err
        assert str(tmp_path) in err
        assert (tmp_path / "out.parquet").read_bytes() == output
        assert (tmp_path / "state.parquet").read_bytes() == state

    def test_a_failing_rename_of_the_state_keeps_the_old_state(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """A rename over the state that fails keeps the old state; the day can be run again."""
        ledgers, _, state = self._day_one(tmp_path)
        rename = os.replace

        def failing(src: str, dst: str | os.PathLike[str]) -> None:
            if Path(dst).name == "state.parquet":
                raise OSError(errno.EIO, os.strerror(errno.EIO))
            rename(src, dst)

        monkeypatch.setattr(os, "replace", failing)
        assert _run(tmp_path, ledgers[1], DAY1 + timedelta(1), "b.parquet") == 2
        assert (tmp_path / "state.parquet").read_bytes() == state
        monkeypatch.setattr(os, "replace", rename)
        assert _run(tmp_path, ledgers[1], DAY1 + timedelta(1), "b.parquet") == 0


class TestState:
    @pytest.mark.parametrize("name", ["s.parquet", "s.jsonl"])
    def test_a_state_reads_back_equal(self, tmp_path: Path, name: str) -> None:
        """A written state reads back with the same day and rows, in both formats."""
        program = read_program(PROGRAM)
        ledger = pa.concat_tables(read_ledger(sample_path("seed_ledger.csv"))).slice(0, 4)
        _, state = run_day(program, ledger, State(), DAY1)
        write_state(state, tmp_path / name)
        back = read_state(tmp_path / name)
        assert back.day == DAY1
        assert back.table.equals(state.table)

    def test_a_version_1_state_reads_with_nothing_credited_or_pending(self, tmp_path: Path) -> None:
        """State files written before credited and pending existed read as if both were empty."""
        row = {
            "account": "alice",
            "token": "IOTX",
            "balance": "1.5",
            "carry": "0",
            "frozen": "2",
            "waiting": "0",
        }
        (tmp_path / "old.jsonl").write_text(
            '{"softstaking_state": 1, "day": "2019-07-14"}\n' + json.dumps(row) + "\n"
        )
        table = pa.table({name: [value] for name, value in row.items()})
        meta = {b"softstaking.state": b"1", b"softstaking.day": b"2019-07-14"}
        pq.write_table(table.replace_schema_metadata(meta), tmp_path / "old.parquet")
        for name in ("old.jsonl", "old.parquet"):
            state = read_state(tmp_path / name)
            assert state.day == date(2019, 7, 14)
            (back,) = state.table.to_pylist()
            assert back == {
                **row,
                **{n: Decimal(row[n]) for n in ("balance", "carry", "frozen", "waiting")},
                "sub_account": "",
                "credited": 0,
                "pending": "",
            }

    def test_a_version_2_row_without_credited_is_refused(self, tmp_path: Path) -> None:
        """Version 2 has the columns credited and pending: a row without them is refused."""
        row = dict.fromkeys(("balance", "carry", "frozen", "waiting"), "0")
        (tmp_path / "s.jsonl").write_text(
            '{"softstaking_state": 2, "day": "2019-07-14"}\n'
            + json.dumps({"account": "a", "token": "X", **row})
            + "\n"
        )
        with pytest.raises(InvalidInputError, match=r"s\.jsonl:2: a row needs .*credited, pending"):
            read_state(tmp_path / "s.jsonl")

    @pytest.mark.parametrize(
        "pending",
        ["2019-07-18T00:00:00=1.5", "2019-07-18T00:00:00+08:00=-1", "2019-07-18T00:00:00+08:00"],
    )
    def test_a_bad_pending_payout_is_refused_naming_the_row(
        self, tmp_path: Path, pending: str
    ) -> None:
        """A pending payout needs an instant with its offset and an amount of zero or more."""
        good = "2019-07-18T00:00:00+08:00=2"
        table = pa.table(
            {
                "account": ["a", "b"],
                "token": ["X", "X"],
                **{n: ["0", "0"] for n in ("balance", "carry", "frozen", "waiting", "credited")},
                "pending": [good, f"{good} {pending}"],
            }
        )
        write_state(State(DAY1, table), tmp_path / "s.parquet")
        with pytest.raises(InvalidInputError, match=r"s\.parquet: row 1: pending"):
            read_state(tmp_path / "s.parquet")

    def test_pending_payouts_read_back_as_instants_and_amounts(self) -> None:
        """A pending value is its payouts, each an aware instant and an exact amount."""
        utc8 = timezone(timedelta(hours=8))
        assert read_pending("2019-07-18T00:00:00+08:00=1.50 2019-07-24T09:00:00+08:00=.2") == [
            (datetime(2019, 7, 18, tzinfo=utc8), Decimal("1.50")),
            (datetime(2019, 7, 24, 9, tzinfo=utc8), Decimal("0.2")),
        ]

    def test_a_file_that_is_not_a_state_is_refused(self, tmp_path: Path) -> None:
        """A JSON Lines file without the state's first line is refused, naming the file."""
        path = tmp_path / "s.jsonl"
        path.write_text('{"account": "a"}\n')
        with pytest.raises(Exception, match=r"s\.jsonl:1"):
            read_state(path)


class TestReadLedger:
    def test_csv_comes_in_chunks_of_the_schema(self, tmp_path: Path) -> None:
        """A CSV ledger comes as tables of at most chunk_rows rows, deltas as exact strings."""
        chunks = list(read_ledger(sample_path("seed_ledger.csv"), chunk_rows=5))
        assert [c.num_rows for c in chunks] == [5, 5, 2]
        assert chunks[0].column("delta")[1].as_py() == "120.5"
        assert chunks[0].schema.field("at").type == UTC_US

    def test_a_bad_csv_row_is_located_by_line_and_column(self, tmp_path: Path) -> None:
        """A naive instant is reported with file, line and column after the good rows."""
        path = tmp_path / "l.csv"
        path.write_text("account,token,at,delta\na,X,2019-07-15T00:00:00,1\n")
        with pytest.raises(Exception, match=r"l.csv:2: column 'at'"):
            list(read_ledger(path))

    def test_jsonl_and_parquet_read_the_same_events(self, tmp_path: Path) -> None:
        """The same events as JSON Lines and as Parquet (decimals) read the same."""
        (tmp_path / "l.jsonl").write_text(
            '{"account": "a", "token": "X", "at": "2019-07-15T01:00:00+08:00", "delta": 1.25}\n'
        )
        pq.write_table(
            pa.table(
                {
                    "account": ["a"],
                    "token": ["X"],
                    "at": pa.array([datetime.fromisoformat("2019-07-15T01:00:00+08:00")], UTC_US),
                    "delta": pa.array([Decimal("1.25")], pa.decimal128(10, 2)),
                }
            ),
            tmp_path / "l.parquet",
        )
        text = pa.concat_tables(read_ledger(tmp_path / "l.jsonl"))
        parquet = pa.concat_tables(read_ledger(tmp_path / "l.parquet"))
        assert text.equals(parquet)

    def test_keep_decimals_yields_parquet_decimals_as_they_are(self, tmp_path: Path) -> None:
        """keep_decimals keeps a Parquet decimal delta as it is; CSV deltas stay strings."""
        at = pa.array([datetime.fromisoformat("2019-07-15T01:00:00+08:00")] * 2, UTC_US)
        delta = pa.array([Decimal("1.25"), Decimal("-0.50")], pa.decimal128(10, 2))
        table = pa.table({"account": ["a", "b"], "token": ["X", "X"], "at": at, "delta": delta})
        pq.write_table(table, tmp_path / "l.parquet")
        kept = pa.concat_tables(read_ledger(tmp_path / "l.parquet", keep_decimals=True))
        assert kept.schema.field("delta").type == pa.decimal128(10, 2)
        assert kept.column("delta").to_pylist() == [Decimal("1.25"), Decimal("-0.50")]
        text = pa.concat_tables(read_ledger(sample_path("seed_ledger.csv"), keep_decimals=True))
        assert text.schema.field("delta").type == pa.string()

    def test_a_bad_parquet_row_is_located_by_row_group_and_row(self, tmp_path: Path) -> None:
        """A delta string that is not a number names the row group and the row."""
        path = tmp_path / "l.parquet"
        at = pa.array([datetime.fromisoformat("2019-07-15T01:00:00+00:00")] * 2, UTC_US)
        table = pa.table(
            {"account": ["a", "b"], "token": ["X", "X"], "at": at, "delta": ["1", "x"]}
        )
        pq.write_table(table, path)
        with pytest.raises(Exception, match=r"l.parquet: row group 0, row 1: column 'delta'"):
            list(read_ledger(path))

    def test_parquet_floats_are_refused(self, tmp_path: Path) -> None:
        """A float delta column is refused: it cannot hold an amount exactly."""
        path = tmp_path / "l.parquet"
        at = pa.array([datetime.fromisoformat("2019-07-15T01:00:00+00:00")], UTC_US)
        pq.write_table(pa.table({"account": ["a"], "token": ["X"], "at": at, "delta": [1.5]}), path)
        with pytest.raises(Exception, match="holds floats"):
            list(read_ledger(path))


class TestSummaryTotals:
    def test_token_totals_past_38_digits_are_exact(self) -> None:
        """A token's paid total of more than 38 digits is the exact sum, not wrapped around."""
        paid = pa.array([Decimal(10) ** 29] * 20 + [Decimal("0.5")], pa.decimal128(38, 8))
        zero = pa.array([Decimal(0)] * 21, pa.decimal256(76, 28))
        tokens = ["X"] * 20 + ["Y"]
        table = pa.table(
            {"account": [f"a{i:02d}" for i in range(21)], "token": tokens, "paid": paid}
        ).append_column("forfeited", zero)
        state = pa.table(
            {"token": tokens, "carry": pa.array([Decimal("0.25")] * 21, pa.decimal128(38, 28))}
        )
        summary = summarize(table, State(DAY1, state), DAY1, DAY1 + timedelta(1))
        assert summary.tokens["X"].paid == 20 * Decimal(10) ** 29
        assert summary.tokens["X"].carry == Decimal("5")
        assert summary.tokens["Y"].paid == Decimal("0.5")
        assert (summary.accounts, summary.records) == (21, 21)


class TestCountAccounts:
    @given(
        st.lists(st.sampled_from(["a", "b", "bb", "c", ""]), max_size=12),
        st.integers(0, 12),
        st.booleans(),
    )
    @example(["b", "a", "b"], 1, False)
    def test_the_summary_counts_each_distinct_account_once(
        self, accounts: list[str], cut: int, ordered: bool
    ) -> None:
        """The summary's account count is the number of distinct accounts, sorted or not."""
        values = sorted(accounts) if ordered else accounts
        column = pa.chunked_array(
            [pa.array(values[:cut], pa.string()), pa.array(values[cut:], pa.string())]
        )
        assert _count_accounts(column) == len(set(values))


_EDGES = [10**38 - 1, 10**38, 2**127 - 1, 2**127, 2**128, 2**64 - 1, 2**64, 2**63]
"""Unscaled values about the edges of decimal128(38) and of the 64-bit words."""


class TestNarrowed:
    @given(
        st.lists(
            st.one_of(
                st.integers(-(10**76) + 1, 10**76 - 1),
                st.integers(-(10**39), 10**39),
                st.sampled_from([*_EDGES, *(-v for v in _EDGES)]),
            ),
            max_size=12,
        ),
        st.integers(0, 38),
        st.integers(0, 3),
    )
    @example([10**38 - 1, -(10**38) + 1], 5, 2)
    @example([10**38], 0, 0)
    @example([-(10**38)], 28, 1)
    @example([2**127, 1], 0, 0)
    def test_a_decimal256_column_narrows_exactly_when_every_value_has_38_digits(
        self, values: list[int], scale: int, offset: int
    ) -> None:
        """A decimal256 column becomes decimal128(38) iff every value is below 10**38."""
        column = decimal_array(np.array([0] * offset + values, dtype=object), scale)
        column = column.cast(pa.decimal256(76, scale)).slice(offset)
        out = narrowed(pa.chunked_array([column[:1], column[1:]], column.type))
        fits = all(abs(v) < 10**38 for v in values)
        assert out.type == (pa.decimal128(38, scale) if fits else pa.decimal256(76, scale))
        assert out.to_pylist() == [Decimal(v).scaleb(-scale, WIDE) for v in values]


@given(st.lists(st.integers(-(10**76) + 1, 10**76 - 1), max_size=20), st.integers(0, 56))
def test_decimal_columns_hold_the_integers_they_are_built_from(
    values: list[int], scale: int
) -> None:
    """A decimal column built from unscaled integers holds exactly those, and gives them back."""
    array = decimal_array(np.array(values, dtype=object), scale)
    assert array.to_pylist() == [Decimal(v).scaleb(-scale, WIDE) for v in values]
    assert unscaled(array).tolist() == values
    small = [v % 2**63 for v in values]
    assert unscaled(decimal_array(np.array(small, dtype="int64"), scale)).tolist() == small


class TestBatches:
    def _overdraft(self) -> pa.Table:
        at = datetime(2019, 7, 15, 10, tzinfo=UTC8_ZONE)
        return _ledger(
            [
                ("alice", "IOTX", at, Decimal(5), "deposit"),
                ("bob", "IOTX", at, Decimal(10), "deposit"),
                ("carol", "IOTX", at, Decimal(7), "deposit"),
                ("bob", "IOTX", at + timedelta(hours=1), Decimal(-20), "withdrawal"),
            ]
        )

    @pytest.mark.parametrize("batch_accounts", [1, 2, 100])
    def test_an_error_in_a_batch_names_the_row_of_the_whole_ledger(
        self, batch_accounts: int
    ) -> None:
        """However the accounts are batched, the overdraft is row 3, the one the ledger has."""
        program = read_program(PROGRAM)
        with pytest.raises(NegativeBalanceError, match=r"^ledger row 3 \(withdrawal") as raised:
            run_days(
                program,
                self._overdraft(),
                State(),
                DAY1,
                DAY1 + timedelta(1),
                batch_accounts=batch_accounts,
            )
        assert "account 'bob'" in "\n".join(raised.value.__notes__)

    @pytest.mark.parametrize("batches", [1, 2, 3, 5])
    def test_any_number_of_batches_gives_the_same_records_and_state(self, batches: int) -> None:
        """Cutting the accounts into batches changes nothing in the records or the state."""
        program = read_program(PROGRAM)
        ledger = pa.concat_tables(read_ledger(sample_path("seed_ledger.csv"))).slice(0, 4)
        whole = run_day(program, ledger, State(), DAY1)
        seen: list[int] = []
        cut = run_days(
            program,
            ledger,
            State(),
            DAY1,
            DAY1 + timedelta(1),
            batches=batches,
            progress=seen.append,
        )
        assert cut[0].equals(whole[0])
        assert cut[1].table.equals(whole[1].table)
        accounts = len(set(ledger.column("account").to_pylist()))
        assert sum(seen) == accounts
        assert len(seen) == min(batches, accounts)

    def test_run_files_names_the_file_the_row_and_the_holding_in_one_message(
        self, tmp_path: Path
    ) -> None:
        """The error keeps its class; its one message holds the file, the row and the holding."""
        path = tmp_path / "ledger.csv"
        pa.csv.write_csv(self._overdraft(), path)
        with pytest.raises(NegativeBalanceError) as raised:
            run_files(
                read_program(PROGRAM),
                path,
                tmp_path / "s.parquet",
                tmp_path / "o.csv",
                start=DAY1,
                end=DAY1 + timedelta(1),
            )
        assert str(raised.value) == (
            f"{path}: ledger row 3 (withdrawal of -20.00000000 at 2019-07-15T03:00:00+00:00) "
            "would take the balance to -10.00000000; in the holding of 'IOTX' by account 'bob'"
        )
        assert not getattr(raised.value, "__notes__", [])
        assert sorted(p.name for p in tmp_path.iterdir()) == ["ledger.csv"]


@given(job_scenarios(), st.integers(1, 3))
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_batches_of_accounts_give_the_records_and_state_of_one(
    scenario: tuple[Program, list[tuple[str, str, datetime, Decimal, str]], date, int],
    batch_accounts: int,
) -> None:
    """Accounts computed a few at a time (tokens in different zones too): the same tables."""
    program, rows, first, days = scenario
    end = first + timedelta(days=days)
    ledger = _ledger(rows)
    whole, state = run_days(program, ledger, State(), first, end)
    cut, cut_state = run_days(program, ledger, State(), first, end, batch_accounts=batch_accounts)
    assert cut.equals(whole)
    assert cut_state.table.equals(state.table)


SubRow = tuple[str, str, datetime, Decimal, str, str]


def _sub_ledger(rows: list[SubRow]) -> pa.Table:
    return _ledger([r[:5] for r in rows]).append_column(
        "sub_account", pa.array([r[5] for r in rows], pa.string())
    )


def _by_definition(
    program: Program, rows: list[SubRow], first: date, end: date
) -> dict[tuple[str, str, date], tuple[Any, ...]]:
    """``Program.run`` over each user's holding, its other sub-accounts in name order."""
    parts: dict[tuple[str, str], dict[str, list[BalanceEvent]]] = {}
    for account, token, at, delta, kind, sub in rows:
        event = BalanceEvent(at, delta, kind=kind)
        parts.setdefault((account, token), {}).setdefault(sub, []).append(event)
    holdings = [
        Holding(
            account,
            token,
            events.get("", []),
            subaccounts=[SubAccount(name, events[name]) for name in sorted(events) if name],
        )
        for (account, token), events in sorted(parts.items())
    ]
    return {
        (r.account, r.token, r.reward.day): _paid(attrs.asdict(r.reward, recurse=False))
        for r in program.run(holdings, first, end)
    }


def _paid(record: dict[str, Any]) -> tuple[Any, ...]:
    """What a record says is owed and paid: exact in both ``Program.run`` and the table."""
    at = record["payout_at"]
    return (
        record["gross"],
        record["paid"],
        record["carry"],
        record["forfeited"],
        at.astimezone(UTC) if at is not None else None,
    )


class TestSubAccounts:
    @given(sub_account_job_scenarios(), st.sampled_from(["state.parquet", "state.jsonl"]))
    @settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    def test_chained_days_give_the_records_and_state_of_one_long_run(
        self, scenario: tuple[Program, list[SubRow], date, int], name: str
    ) -> None:
        """With sub-accounts, chained runs equal one long run, which is Program.run's."""
        program, rows, first, days = scenario
        end = first + timedelta(days=days)
        table, whole_state = run_days(program, _sub_ledger(rows), State(), first, end)
        whole = _keyed(table)
        assert {k: _paid(r) for k, r in whole.items()} == _by_definition(program, rows, first, end)
        state = _assert_chained_days_equal(program, rows, first, days, name, _sub_ledger, whole)
        assert state.table.equals(whole_state.table)
        holdings = {(r[0], r[1]) for r in rows}
        main = state.table.filter(pc.equal(state.table.column("sub_account"), ""))
        assert {(r["account"], r["token"]) for r in main.to_pylist()} == holdings
        for row in state.table.to_pylist():
            if row["sub_account"]:
                assert (row["carry"], row["credited"], row["pending"]) == (0, 0, ""), row
        _assert_payments_split_at_the_end(program, whole, State(state.day, main), end)

    def test_an_overdrawn_sub_account_is_refused_naming_it(self) -> None:
        """A sub-account may not go below zero, even when the main account could cover it."""
        at = datetime(2019, 7, 15, 10, tzinfo=UTC8_ZONE)
        rows: list[SubRow] = [
            ("alice", "IOTX", at, Decimal(50), "deposit", ""),
            ("alice", "IOTX", at, Decimal(5), "deposit", "spot"),
            ("alice", "IOTX", at + timedelta(hours=1), Decimal(-7), "withdrawal", "spot"),
        ]
        with pytest.raises(NegativeBalanceError, match=r"^ledger row 2 \(withdrawal") as raised:
            run_day(read_program(PROGRAM), _sub_ledger(rows), State(), DAY1)
        assert raised.value.__notes__ == [
            "in the holding of 'IOTX' by account 'alice'",
            "in sub-account 'spot'",
        ]

    def test_a_state_with_a_carry_on_a_sub_account_row_is_refused(self, tmp_path: Path) -> None:
        """The carry is the holding's, on its main row: one on a sub-account's row is refused."""
        zero = pa.array([Decimal(0)] * 2, pa.decimal128(38, 8))
        table = pa.table(
            {
                "account": ["a", "a"],
                "token": ["IOTX", "IOTX"],
                "sub_account": ["", "spot"],
                "balance": zero,
                "carry": pa.array([Decimal(0), Decimal("0.5")], pa.decimal128(38, 8)),
                "frozen": zero,
                "waiting": zero,
                "credited": zero,
                "pending": ["", ""],
            }
        )
        write_state(State(DAY1, table), tmp_path / "s.parquet")
        with pytest.raises(InvalidInputError, match=r"row 1: carry 0.50000000 on the row of sub"):
            read_state(tmp_path / "s.parquet")

    def test_an_account_with_a_nul_character_cannot_have_sub_accounts(self) -> None:
        """The job keys a sub-account by account, NUL and name, so such an account is refused."""
        at = datetime(2019, 7, 15, 10, tzinfo=UTC8_ZONE)
        rows: list[SubRow] = [("a\x00b", "IOTX", at, Decimal(1), "deposit", "spot")]
        with pytest.raises(InvalidInputError, match=r"ledger row 0: an account with a NUL"):
            run_day(read_program(PROGRAM), _sub_ledger(rows), State(), DAY1)


class TestStateVersions:
    def test_a_version_2_state_reads_exactly_at_the_finest_scale_of_its_strings(
        self, tmp_path: Path
    ) -> None:
        """Version 2 strings (exponents too) read as decimals of the same values, every row main."""
        texts = {
            "account": ["a", "b"],
            "token": ["IOTX", "IOTX"],
            "balance": ["1.5", "120.50000000"],
            "carry": ["3.2876712328767123288E-9", "0"],
            "frozen": ["0", "2"],
            "waiting": ["0", ".25"],
            "credited": ["0", "1E+2"],
            "pending": ["", ""],
        }
        meta = {b"softstaking.state": b"2", b"softstaking.day": b"2019-07-14"}
        pq.write_table(pa.table(texts).replace_schema_metadata(meta), tmp_path / "s.parquet")
        state = read_state(tmp_path / "s.parquet")
        assert state.table.column("sub_account").to_pylist() == ["", ""]
        for name in ("balance", "carry", "frozen", "waiting", "credited"):
            assert state.table.column(name).to_pylist() == [Decimal(t) for t in texts[name]]
        assert state.table.schema.field("carry").type == pa.decimal256(76, 28)  # 28 places

    def test_a_negative_decimal_amount_is_refused_naming_the_row(self, tmp_path: Path) -> None:
        """A version 3 state's amounts are zero or more."""
        program = read_program(PROGRAM)
        ledger = pa.concat_tables(read_ledger(sample_path("seed_ledger.csv"))).slice(0, 4)
        _, state = run_day(program, ledger, State(), DAY1)
        balance = pc.negate(state.table.column("balance"))
        table = state.table.set_column(3, "balance", balance)
        write_state(State(DAY1, table), tmp_path / "s.parquet")
        with pytest.raises(InvalidInputError, match=r"s\.parquet: row 0: balance -120\.5"):
            read_state(tmp_path / "s.parquet")


class TestUnitsAt:
    """A state column is read in each token's base unit, however much finer it is."""

    @pytest.mark.parametrize("value", ["0", "3"])
    def test_a_whole_amount_of_a_token_of_30_decimals(self, value: str) -> None:
        """decimal(38, 0) values of a 30-decimal token: ``value × 10**30`` base units."""
        column = pa.array([Decimal(value), Decimal(0)], pa.decimal128(38, 0))
        got = units_at(column, np.array([-30, -30]), where="state", name="carry")
        assert [int(v) for v in got] == [int(value) * 10**30, 0]
