"""The ``compute`` command: daily reward records from events and rates, to a file."""

from __future__ import annotations

import argparse
from datetime import date, timedelta
from typing import TextIO

from softstaking.cli.options import (
    EXIT_OK,
    add_program,
    add_subparser,
    day_range,
    make_calculator,
    parse_output,
    progress,
    read_timeline,
    refuse_output_among_inputs,
)
from softstaking.io import write_records
from softstaking.io.sources import Format

__all__ = ["add_parser", "run"]


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the command and its options."""
    compute = add_subparser(
        commands,
        "compute",
        summary="compute daily reward records from events and rates",
        description="Compute one record per day and write them as CSV or JSON Lines, "
        "every amount exact. Days run from --start up to, not including, --end (default: "
        "the day after the last event).",
        examples="  softstaking compute events.csv rates.csv --token IOTX --at 23:59:59 "
        "--tz +08:00 -o rewards.csv\n"
        "  softstaking compute events.jsonl rates.csv --policy average --days 30 "
        "--format jsonl\n",
    )
    add_program(compute)
    compute.add_argument(
        "-o", "--output", type=parse_output, default="-", help="file to write (default: stdout)"
    )
    compute.add_argument(
        "--format",
        choices=["csv", "jsonl"],
        help="output format (default: from the output's suffix, else csv)",
    )


def run(args: argparse.Namespace, out: TextIO) -> int:
    """Run the command; returns the exit code."""
    refuse_output_among_inputs(args, "events", "rates")
    calc = make_calculator(args)
    timeline = read_timeline(args)
    last = calc.calendar.day_of(timeline.events[-1].at) if timeline.events else date.min
    start, end = day_range(args, calc, timeline, last=last + timedelta(days=1))
    records = calc.daily_rewards(timeline, start, end, carry=args.carry)
    fmt: Format | None = args.format
    target: str | TextIO = args.output
    if args.output == "-":
        target, fmt = out, fmt or "csv"
    elif fmt is None and not args.output.lower().endswith((".jsonl", ".ndjson")):
        fmt = "csv"
    write_records(progress(records, "records"), target, format=fmt)
    return EXIT_OK
