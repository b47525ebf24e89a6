"""The ``explain`` command: one account-day, step by step."""

from __future__ import annotations

import argparse
from typing import TextIO

from softstaking.cli.options import (
    EXIT_OK,
    add_program,
    add_subparser,
    make_calculator,
    parse_day,
    read_timeline,
)
from softstaking.core.errors import InvalidInputError, MissingRateError
from softstaking.core.explain import explain_day

__all__ = ["add_parser", "run"]


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the command and its options."""
    explain = add_subparser(
        commands,
        "explain",
        summary="explain one account-day: balance, events, rate, formula, rounding, carry",
        description="Explain one day's reward: the balance at the start of the day and the "
        "events during it, the measured and eligible balance, the rate, the formula with "
        "the numbers filled in, the rounding and the carry. The run starts at --start "
        "(default: the first event's day) so that the carry into the day is right.",
        examples="  softstaking explain events.csv rates.csv --day 2019-07-17 --token IOTX "
        "--at 23:59:59 --tz +08:00\n",
    )
    add_program(explain, ends=False)
    explain.add_argument("--day", type=parse_day, required=True, help="the day to explain")


def run(args: argparse.Namespace, out: TextIO) -> int:
    """Run the command; returns the exit code."""
    calc = make_calculator(args)
    timeline = read_timeline(args)
    start = args.start
    if start is None:
        first = calc.calendar.day_of(timeline.events[0].at) if timeline.events else args.day
        start = min(first, args.day)
    try:
        explanation = explain_day(calc, timeline, args.day, start=start, carry=args.carry)
    except MissingRateError as err:
        if args.start is not None:
            raise
        msg = (
            f"{err}; the run starts at the first event's day, {start}, so that the carry "
            "into the day is right: give --start (a day the schedule covers)"
        )
        raise InvalidInputError(msg) from None
    out.write(f"{explanation}\n")
    return EXIT_OK
