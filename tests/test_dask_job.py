"""The daily job on a Dask cluster: ``softstaking run --workers/--scheduler``, ``sd.run_days``.

The results must be those of the single-process job, to the byte: the output and state
files of chained days, a re-run, a bad input (the same message, nothing written). The
cluster is the session's (tests/conftest.py), two worker processes, reached through its
scheduler's address as a user would reach a running cluster.
"""

from __future__ import annotations

import contextlib
import csv
import io
import multiprocessing
import random
import sys
import time
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

distributed = pytest.importorskip("distributed")

import dask  # noqa: E402
import pyarrow as pa  # noqa: E402
import pyarrow.parquet  # noqa: E402

from softstaking import InvalidInputError, Program  # noqa: E402
from softstaking import dask as sd  # noqa: E402
from softstaking.cli import main  # noqa: E402
from softstaking.dask import job as dask_job  # noqa: E402
from softstaking.io import read_program  # noqa: E402
from softstaking.job import State, run_day  # noqa: E402
from softstaking.samples import kucoin_2019_path, sample_path  # noqa: E402
from tests.strategies import job_scenarios  # noqa: E402

PROGRAM = str(kucoin_2019_path())
DAY1 = date(2019, 7, 15)
UTC8 = timezone(timedelta(hours=8))
DAYS = [DAY1 + timedelta(days=i) for i in range(3)]


def _sample_days(folder: Path) -> list[Path]:
    """The sample ledger cut into one CSV per day, as a platform exports it."""
    rows = list(csv.DictReader(sample_path("seed_ledger.csv").read_text().splitlines()))
    return [
        _write(folder / f"ledger-{d}.csv", [r for r in rows if r["at"][:10] == str(d)])
        for d in DAYS
    ]


def _write(path: Path, rows: list[dict[str, str]]) -> Path:
    with path.open("w", newline="") as stream:
        writer = csv.DictWriter(stream, fieldnames=["account", "token", "at", "delta", "kind"])
        writer.writeheader()
        writer.writerows(rows)
    return path


def _generated_days(folder: Path, seed: int, accounts: int = 120) -> list[Path]:
    """Three days of a random ledger for the sample program, every pocket kind used.

    Each holding's available, frozen and waiting amounts (in base units, 8 decimals)
    are tracked so that no event takes one below zero; what is frozen or waiting at
    the end of a day is released, cancelled or settled on a later one, through the
    state.
    """
    rng = random.Random(seed)
    days: list[list[dict[str, str]]] = [[] for _ in DAYS]
    for n in range(accounts):
        account = f"user{rng.randrange(10**6):06d}-{n}"
        for token in rng.sample(["IOTX", "ELA", "ATOM"], rng.randint(1, 3)):
            available = frozen = waiting = 0
            for i, day in enumerate(DAYS):
                seconds = sorted(rng.sample(range(86_400), rng.randint(0, 4)))
                for second in seconds:
                    kinds = ["deposit"]
                    kinds += ["withdrawal", "order_freeze", "redemption_request"] * bool(available)
                    kinds += ["order_release"] * bool(frozen)
                    kinds += ["redemption_cancel", "redemption_settle"] * bool(waiting)
                    kind = rng.choice(kinds)
                    if kind == "deposit":
                        units = rng.randint(1, 10**13)
                        available += units
                    elif kind in ("withdrawal", "order_freeze", "redemption_request"):
                        units = -rng.randint(1, available)
                        available += units
                        frozen -= units if kind == "order_freeze" else 0
                        waiting -= units if kind == "redemption_request" else 0
                    elif kind == "order_release":
                        units = rng.randint(1, frozen)
                        frozen -= units
                        available += units
                    elif kind == "redemption_cancel":
                        units = rng.randint(1, waiting)
                        waiting -= units
                        available += units
                    else:
                        units = -rng.randint(1, waiting)
                        waiting += units
                    at = datetime.combine(day, datetime.min.time(), UTC8) + timedelta(
                        seconds=second
                    )
                    days[i].append(
                        {
                            "account": account,
                            "token": token,
                            "at": at.isoformat(),
                            "delta": f"{Decimal(units).scaleb(-8):f}",
                            "kind": kind,
                        }
                    )
    paths = []
    for i, rows in enumerate(days):
        rng.shuffle(rows)  # a platform's export is in no particular order
        rows.sort(key=lambda r: r["at"])
        paths.append(_write(folder / f"ledger-{DAYS[i]}.csv", rows))
    return paths


def _run(folder: Path, ledger: Path, day: date, output: str, *extra: str) -> int:
    return main(
        [
            "run", PROGRAM, str(ledger), "--state", str(folder / "state.parquet"),
            "--day", day.isoformat(), "-o", str(folder / output), *extra,
        ]
    )  # fmt: skip


def _files(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if "ledger" not in p.name}


def _chain(folder: Path, ledgers: list[Path], output: str, *extra: str) -> None:
    """The three days, one run each, then a re-run of the last."""
    for day, ledger in zip(DAYS, ledgers, strict=True):
        assert _run(folder, ledger, day, f"{day}.{output}", *extra) == 0
    assert _run(folder, ledgers[-1], DAYS[-1], f"again.{output}", "--rerun", *extra) == 0


@pytest.mark.parametrize("output", ["parquet", "csv", "jsonl"])
def test_the_sample_ledger_on_the_cluster_gives_the_same_files(
    dask_client: Any, tmp_path: Path, output: str
) -> None:
    """Three chained days and a re-run: every output and state file is the same bytes."""
    here, there = tmp_path / "here", tmp_path / "there"
    here.mkdir()
    there.mkdir()
    _chain(here, _sample_days(here), output)
    _chain(there, _sample_days(there), output, "--scheduler", dask_client.scheduler.address)
    files = _files(here)
    assert set(files) == {
        *(f"{d}.{output}" for d in DAYS),
        f"again.{output}",
        "state.parquet",
        "state.parquet.prev",
    }
    assert _files(there) == files


@pytest.mark.parametrize("seed", [1, 2])
def test_a_generated_ledger_on_the_cluster_gives_the_same_files(
    dask_client: Any, tmp_path: Path, seed: int
) -> None:
    """Many accounts with open orders and redemptions across days: the same bytes."""
    here, there = tmp_path / "here", tmp_path / "there"
    here.mkdir()
    there.mkdir()
    _chain(here, _generated_days(here, seed), "parquet")
    _chain(there, _generated_days(there, seed), "parquet", "--scheduler",
           dask_client.scheduler.address)  # fmt: skip
    files = _files(here)
    assert _files(there) == files
    state = pa.parquet.read_table(here / "state.parquet")
    for pocket in ("frozen", "waiting"):  # the state carries both, and the test uses both
        assert any(v != "0" for v in state.column(pocket).to_pylist()), pocket


def test_workers_starts_a_local_cluster_and_closes_it(tmp_path: Path) -> None:
    """--workers 2 starts two worker processes for the run and leaves none behind."""
    here, there = tmp_path / "here", tmp_path / "there"
    here.mkdir()
    there.mkdir()
    before = {p.pid for p in multiprocessing.active_children()}
    started: list[int] = []
    real = dask_job.run_days

    def counting(*args: Any, client: Any, **kwargs: Any) -> Any:
        started.append(len(client.scheduler_info()["workers"]))
        started.append(len([p for p in multiprocessing.active_children() if p.pid not in before]))
        return real(*args, client=client, **kwargs)

    assert _run(here, _sample_days(here)[0], DAY1, "out.csv") == 0
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(dask_job, "run_days", counting)
        assert _run(there, _sample_days(there)[0], DAY1, "out.csv", "--workers", "2") == 0
    assert _files(there) == _files(here)
    assert started == [2, 2]  # two workers, in two new processes
    deadline = time.monotonic() + 10
    while (
        time.monotonic() < deadline and {p.pid for p in multiprocessing.active_children()} - before
    ):
        time.sleep(0.1)
    assert not {p.pid for p in multiprocessing.active_children()} - before


@pytest.mark.parametrize(
    ("bad", "account"),
    [
        ("bob,IOTX,2019-07-16T12:00:00+08:00,-9000,withdrawal", "bob"),
        ("carol,ATOM,2019-07-16T12:00:00+08:00,5,order_freeze", "carol"),
    ],
)
def test_bad_input_on_the_cluster_is_the_same_error_and_writes_nothing(
    dask_client: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str], bad: str, account: str
) -> None:
    """An overdraft, a freeze of the wrong sign: exit 2, one message naming the account."""
    errors = []
    for where, extra in (("here", ()), ("there", ("--scheduler", dask_client.scheduler.address))):
        folder = tmp_path / where
        folder.mkdir()
        ledgers = _sample_days(folder)
        assert _run(folder, ledgers[0], DAY1, "day1.csv", *extra) == 0
        lines = ledgers[1].read_text().splitlines()
        ledgers[1].write_text("\n".join([*lines[:2], bad, *lines[2:]]) + "\n")
        before = _files(folder)
        capsys.readouterr()
        assert _run(folder, ledgers[1], DAYS[1], "day2.csv", *extra) == 2
        err = capsys.readouterr().err
        assert err.count("\n") == 1
        assert f"account {account!r}" in err
        assert _files(folder) == before
        errors.append(err.replace(str(folder), "FOLDER"))
    assert errors[0] == errors[1]
    assert "ledger row 1 " in errors[0] or "events[" in errors[0]


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (["--workers", "0"], "argument --workers: the number of worker processes must be a "
         "whole number of 1 or more: got '0'"),
        (["--workers", "two"], "argument --workers: the number of worker processes must be a "
         "whole number of 1 or more: got 'two'"),
        (["--workers", "2", "--scheduler", "tcp://x:8786"],
         "argument --scheduler: not allowed with argument --workers"),
    ],
)  # fmt: skip
def test_wrong_cluster_options_exit_2_naming_the_option(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], options: list[str], message: str
) -> None:
    """A bad --workers, or both options, is a usage error naming the option; nothing runs."""
    assert _run(tmp_path, _sample_days(tmp_path)[0], DAY1, "out.csv", *options) == 2
    assert capsys.readouterr().err.endswith(f"softstaking run: error: {message}\n")
    assert sorted(p.name for p in tmp_path.iterdir()) == [f"ledger-{d}.csv" for d in DAYS]


@pytest.mark.parametrize("option", [["--workers", "2"], ["--scheduler", "tcp://127.0.0.1:1"]])
def test_without_dask_the_options_say_what_to_install(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    option: list[str],
) -> None:
    """Without Dask, --workers and --scheduler exit 2 saying to install softstaking[dask]."""
    monkeypatch.setitem(sys.modules, "distributed", None)  # import distributed fails
    assert _run(tmp_path, _sample_days(tmp_path)[0], DAY1, "out.csv", *option) == 2
    assert capsys.readouterr().err == (
        f"softstaking run: error: {option[0]} needs Dask, which is not installed: "
        "pip install 'softstaking[dask]'\n"
    )
    assert not (tmp_path / "state.parquet").exists()


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.mark.parametrize("terminal", [True, False])
def test_the_progress_display_is_dasks_on_a_terminal_only(
    dask_client: Any, tmp_path: Path, terminal: bool
) -> None:
    """On a terminal, Dask's progress bar is drawn on stderr; elsewhere, only the summary."""
    err = _Terminal() if terminal else io.StringIO()
    with contextlib.redirect_stderr(err):
        code = _run(tmp_path, _sample_days(tmp_path)[0], DAY1, "out.csv", "--scheduler",
                    dask_client.scheduler.address)  # fmt: skip
    assert code == 0
    text = err.getvalue()
    assert ("% Completed" in text) is terminal
    assert text.endswith("forfeited 0.0000000000000000000000000000\n")
    assert "accounts/s" not in text  # not tqdm's bar


@given(job_scenarios(), st.integers(1, 4))
@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_chained_days_on_the_cluster_equal_one_process(
    dask_client: Any,
    scenario: tuple[Program, list[tuple[str, str, datetime, Decimal, str]], date, int],
    partitions: int,
) -> None:
    """sd.run_days, day by day: the records and the state (frozen and waiting too) of run_day."""
    program, rows, first, days = scenario
    here = there = State()
    for i in range(days):
        day = first + timedelta(days=i)
        todays = [r for r in rows if program.calculator(r[1]).calendar.day_of(r[2]) == day]
        ledger = pa.table(
            {
                "account": pa.array([r[0] for r in todays], pa.string()),
                "token": pa.array([r[1] for r in todays], pa.string()),
                "at": pa.array([r[2] for r in todays], pa.timestamp("us", tz="UTC")),
                "delta": pa.array([f"{r[3]:f}" for r in todays], pa.string()),
                "kind": pa.array([r[4] for r in todays], pa.string()),
            }
        )
        records, here = run_day(program, ledger, here, day)
        got, there = sd.run_days(
            program, ledger, there, day, day + timedelta(days=1), client=dask_client,
            partitions=partitions,
        )  # fmt: skip
        assert got.equals(records)
        assert there.day == here.day
        assert there.table.equals(here.table)


def test_an_unreachable_scheduler_exits_2_naming_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """No scheduler at the address: exit 2, one message naming the address, nothing written."""
    with dask.config.set({"distributed.comm.timeouts.connect": "1s"}):
        code = _run(tmp_path, _sample_days(tmp_path)[0], DAY1, "out.csv", "--scheduler",
                    "tcp://127.0.0.1:1")  # fmt: skip
    assert code == 2
    err = capsys.readouterr().err
    assert err.startswith(
        "softstaking run: error: cannot reach the Dask scheduler at tcp://127.0.0.1:1: "
    )
    assert err.count("\n") == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == [f"ledger-{d}.csv" for d in DAYS]


def test_where_to_compute_is_checked_before_anything_is_read(tmp_path: Path) -> None:
    """Neither or both of workers and scheduler, or no worker: refused at once."""
    for where in ({}, {"workers": 2, "scheduler": "tcp://h:8786"}, {"workers": 0}):
        with pytest.raises(InvalidInputError, match="worker"), dask_job.cluster(**where):
            pass
        with pytest.raises(InvalidInputError, match="worker"):
            sd.run_files(
                read_program(PROGRAM),
                tmp_path / "no-ledger.csv", tmp_path / "s.parquet", tmp_path / "o.csv",
                start=DAY1, end=DAY1 + timedelta(days=1), **where,
            )  # fmt: skip
    assert not list(tmp_path.iterdir())
