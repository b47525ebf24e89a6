"""The daily payout job: chained days equal one long run; re-runs, refusals, crashes (issue 10)."""

from __future__ import annotations

import errno
import os
import signal
import subprocess
import sys
import time
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any

import attrs
import numpy as np
import pyarrow as pa
import pyarrow.csv
import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from softstaking import NegativeBalanceError, Program, WeeklyPayouts
from softstaking.cli import main
from softstaking.io import read_ledger, read_program
from softstaking.job import (
    JobError,
    State,
    UnchainableProgramError,
    read_state,
    run_day,
    run_days,
    run_files,
    write_state,
)
from softstaking.job.run import _arrow_texts, _text
from softstaking.samples import kucoin_2019_path, sample_path
from tests.strategies import job_scenarios

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


@given(job_scenarios())
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_chained_days_give_the_records_of_one_long_run(
    scenario: tuple[Program, list[tuple[str, str, datetime, Decimal, str]], date, int],
) -> None:
    """Day-by-day runs, each given only its day's rows and chaining the state, equal one run."""
    program, rows, first, days = scenario
    end = first + timedelta(days=days)
    whole = _keyed(program.table(_ledger(rows), first, end))
    state = State()
    chained: dict[tuple[str, str, date], dict[str, Any]] = {}
    for i in range(days):
        day = first + timedelta(days=i)
        todays = [r for r in rows if program.calculator(r[1]).calendar.day_of(r[2]) == day]
        table, state = run_day(program, _ledger(todays), state, day)
        assert state.day == day
        chained.update(_keyed(table))
    assert set(chained) <= set(whole)
    for key, record in whole.items():
        if key in chained:
            assert chained[key] == record, key
        else:  # before the holding's first event: nothing held, nothing owed
            assert record["balance"] == record["paid"] == record["carry"] == 0, key


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


class TestUnchainable:
    def test_compounding_is_refused(self) -> None:
        """A compounding token cannot be chained, and the error says so."""
        program = read_program(PROGRAM)
        calc = attrs.evolve(program.calculator("IOTX"), compound=True)
        with pytest.raises(UnchainableProgramError, match="'IOTX' compounds"):
            run_days(Program([calc]), [], State(), DAY1, DAY1 + timedelta(1))

    def test_a_payout_schedule_is_refused(self) -> None:
        """A payout schedule cannot be chained, and the error says so."""
        program = read_program(PROGRAM)
        calc = program.calculator("IOTX")
        weekly = attrs.evolve(
            calc, payout_delay=timedelta(0), payout_schedule=WeeklyPayouts([0], tz=calc.tz)
        )
        with pytest.raises(UnchainableProgramError, match="payout schedule"):
            run_days(Program([weekly]), [], State(), DAY1, DAY1 + timedelta(1))


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


@given(
    st.lists(st.tuples(st.integers(0, 2**63 - 1), st.sampled_from([0, 2, 8, 18, 30])), max_size=20)
)
def test_closing_amounts_are_written_as_python_writes_them(
    pairs: list[tuple[int, int]],
) -> None:
    """The Arrow formatting of closing amounts gives the same strings as the Python one."""
    values = np.array([v for v, _ in pairs], dtype=object)
    decimals = np.array([d for _, d in pairs], dtype="int64")
    assert _arrow_texts(values, decimals).to_pylist() == [_text(v, d) for v, d in pairs]


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
