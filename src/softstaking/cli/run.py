"""The ``run`` command: the daily payout job, from a program file, a ledger and a state."""

from __future__ import annotations

import argparse
import sys
from datetime import date, timedelta
from pathlib import Path
from typing import TextIO

from softstaking.cli.options import (
    EXIT_OK,
    add_subparser,
    parse_day,
    parse_label,
    parse_output,
    parse_workers,
    progress_bar,
)
from softstaking.core.errors import InvalidInputError
from softstaking.io import read_program
from softstaking.job import Summary, run_files
from softstaking.programs.program import Program

__all__ = ["add_parser", "run"]


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the command and its options."""
    job = add_subparser(
        commands,
        "run",
        summary="run the daily payout job: a ledger and a state in, records and state out",
        description="Compute one day (--day) or a range of days (--start, --end: the day "
        "after the last) of every account in the ledger, starting from the state the "
        "previous run left, and write the records (Parquet, CSV or JSON Lines, by "
        "suffix) and the new state (Parquet or JSON Lines, by suffix; the old one is "
        "kept as STATE.prev). A gap or a repeated day is refused; --rerun recomputes "
        "the last run from STATE.prev, to the same bytes. Both files are written "
        "atomically, the state last: a run stopped at any point leaves the previous "
        "ones whole. A summary goes to stderr. With --workers or --scheduler, the "
        "accounts are computed on a Dask cluster, to the same bytes.",
        examples="  softstaking run program.toml ledger-2019-07-15.csv --state state.parquet "
        "--day 2019-07-15 -o payouts-2019-07-15.parquet\n"
        "  softstaking run program.toml ledger.parquet --state state.parquet "
        "--start 2019-07-15 --end 2019-07-18 -o payouts.csv\n"
        "  softstaking run program.toml ledger.parquet --state state.parquet "
        "--day 2019-07-15 -o payouts.parquet --workers 8\n",
    )
    job.add_argument("program", help="the program file (TOML)")
    job.add_argument("ledger", help="the days' balance events: CSV, JSON Lines or Parquet")
    job.add_argument(
        "--state",
        required=True,
        help="the state file (.parquet or .jsonl), read and replaced; none yet: a first run",
    )
    days = job.add_argument_group("the days (one of --day, or --start with --end)")
    days.add_argument("--day", type=parse_day, help="the one day to run")
    days.add_argument("--start", type=parse_day, help="the first day of a range")
    days.add_argument("--end", type=parse_day, help="the day after the last of a range")
    job.add_argument("--rerun", action="store_true", help="recompute the last run from STATE.prev")
    dask = job.add_argument_group(
        "on a Dask cluster, to the same results (one of them; needs softstaking[dask])"
    ).add_mutually_exclusive_group()
    dask.add_argument(
        "--workers",
        type=parse_workers,
        metavar="N",
        help="compute on a local cluster of N worker processes (one thread each), "
        "started for the run and closed after it",
    )
    dask.add_argument(
        "--scheduler",
        type=parse_label,
        metavar="ADDRESS",
        help="compute on the running cluster whose scheduler is at ADDRESS, such as "
        "tcp://10.0.0.1:8786",
    )
    job.add_argument(
        "-o",
        "--output",
        type=parse_output,
        required=True,
        help="the records: .parquet, .csv or .jsonl",
    )


def _days(args: argparse.Namespace) -> tuple[date, date]:
    if args.day is not None:
        if args.start is not None or args.end is not None:
            msg = "give --day, or --start and --end, not both"
            raise argparse.ArgumentTypeError(msg)
        return args.day, args.day + timedelta(days=1)
    if args.start is None or args.end is None:
        msg = "give --day, or both --start and --end"
        raise argparse.ArgumentTypeError(msg)
    return args.start, args.end


def _report(summary: Summary) -> str:
    last = summary.end - timedelta(days=1)
    days = f"{summary.start}" if last == summary.start else f"{summary.start} to {last}"
    lines = [f"softstaking run: {days}: {summary.accounts} accounts, {summary.records} records"]
    for token, totals in summary.tokens.items():
        lines.append(
            f"  {token}: paid {totals.paid:f}, carry {totals.carry:f}, "
            f"forfeited {totals.forfeited:f}"
        )
    return "\n".join(lines) + "\n"


def _on_dask(
    args: argparse.Namespace, program: Program, start: date, end: date, *, display: bool
) -> Summary:
    """The run on a Dask cluster: ``softstaking.dask.run_files``, Dask's progress bar."""
    from softstaking.dask.job import EXTRA_MESSAGE  # noqa: PLC0415 (only when asked)
    from softstaking.dask.job import run_files as run_on_dask  # noqa: PLC0415

    option = "--workers" if args.workers is not None else "--scheduler"
    try:
        return run_on_dask(
            program,
            args.ledger,
            args.state,
            args.output,
            start=start,
            end=end,
            rerun=args.rerun,
            workers=args.workers,
            scheduler=args.scheduler,
            display=display,
        )
    except ImportError as err:
        if "softstaking[dask]" not in str(err):
            raise
        msg = f"{option} {EXTRA_MESSAGE}"
        raise argparse.ArgumentTypeError(msg) from None


class _NoPandas:
    """An import finder that finds no pandas, for ``_arrow_without_pandas``."""

    @staticmethod
    def find_spec(name: str, *_: object) -> None:
        if name == "pandas":
            msg = "pandas is not looked for here"
            raise ModuleNotFoundError(msg, name=name)


def _arrow_without_pandas() -> None:
    """Let pyarrow take pandas as absent, unless it is loaded: the job hands it none.

    At its first conversion pyarrow imports pandas, to tell a pandas object from a list,
    which costs about half a second of a run. With an import finder that finds no pandas
    for that first look, it takes pandas as absent and does not look again; the finder
    is then removed, so a later ``import pandas``, or a pyarrow call that needs pandas,
    still loads it.
    """
    if "pandas" in sys.modules:
        return
    import pyarrow as pa  # noqa: PLC0415 (the arrow extra, when run)

    finder = _NoPandas()
    sys.meta_path.insert(0, finder)
    try:
        pa.scalar(0)
    finally:
        sys.meta_path.remove(finder)


def run(args: argparse.Namespace, out: TextIO) -> int:
    """Run the command; returns the exit code."""
    del out
    start, end = _days(args)
    if args.output == "-":
        msg = "-o -: the run writes a file (.parquet, .csv or .jsonl), not stdout"
        raise argparse.ArgumentTypeError(msg)
    program = read_program(Path(args.program))
    from pyarrow import ArrowException  # noqa: PLC0415 (the arrow extra, when run)

    terminal = hasattr(sys.stderr, "isatty") and sys.stderr.isatty()
    try:
        if args.workers is not None or args.scheduler is not None:
            summary = _on_dask(args, program, start, end, display=terminal)
        else:
            _arrow_without_pandas()
            with progress_bar("accounts", " accounts") as bar:
                summary = run_files(
                    program,
                    args.ledger,
                    args.state,
                    args.output,
                    start=start,
                    end=end,
                    rerun=args.rerun,
                    progress=bar.update,
                )
    except ArrowException as err:  # a file pyarrow cannot read, named by it
        msg = f"{args.ledger}: {err}"
        raise InvalidInputError(msg) from None
    if sys.stderr is not None:
        sys.stderr.write(_report(summary))
    return EXIT_OK
