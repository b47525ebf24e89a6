"""The ``reconcile`` command: computed rewards against a platform's payout history."""

from __future__ import annotations

import argparse
from datetime import date, timedelta
from decimal import Decimal
from typing import TextIO

from softstaking.cli.options import (
    EXIT_DISAGREE,
    EXIT_OK,
    add_program,
    add_subparser,
    day_range,
    make_calculator,
    parse_amount,
    parse_label,
    parse_output,
    progress,
    read_timeline,
    refuse_output_among_inputs,
)
from softstaking.core.errors import InvalidInputError
from softstaking.io import read_payouts, write_checks
from softstaking.programs.reconcile import reconcile

__all__ = ["add_parser", "run"]


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the command and its options."""
    recon = add_subparser(
        commands,
        "reconcile",
        summary="compare computed rewards with a platform's payout history",
        description="Compute the rewards and compare each day with a payout history export "
        "(columns date, amount, and optionally token and account). Each day is matched, "
        "missing, extra or different. Exits with 1 if any day is not matched. Days run "
        "from --start (default: the first event's or payment's day) to --end (default: "
        "the day after the later of the last payment and the last event's day), and the "
        "summary names them. Given --token, rows of the export naming another token "
        "(compared ignoring case) are left out and counted; with no --token, an export "
        "naming more than one token is an error. 0 days compared is an error. For a "
        "program file over many accounts, see reconcile-program.",
        examples="  softstaking reconcile events.csv rates.csv payouts.csv --token IOTX "
        "--at 23:59:59 --tz +08:00 --tolerance 0.00000001\n"
        "  softstaking reconcile events.csv rates.csv payouts.csv --tolerance 0.00000001 "
        "-o report.csv\n",
    )
    add_program(recon)
    recon.add_argument("payouts", help="the platform's payout history: CSV or JSON Lines")
    recon.add_argument(
        "--tolerance",
        type=parse_amount,
        default=Decimal(0),
        help="largest difference still counted as a match (default: 0)",
    )
    recon.add_argument(
        "--by",
        choices=["day", "payout"],
        default="day",
        help="whether the export's date is the accrual day (default) or the payment's date",
    )
    recon.add_argument(
        "--account", type=parse_label, help="use only the export's rows for this account"
    )
    recon.add_argument(
        "-o",
        "--output",
        type=parse_output,
        help="also write each day's check to this file (.csv or .jsonl); "
        "stdout then shows only the summary",
    )


def run(args: argparse.Namespace, out: TextIO) -> int:
    """Run the command; returns the exit code."""
    refuse_output_among_inputs(args, "events", "rates", "payouts")
    if args.events.lower().endswith(".toml"):
        msg = (
            f"{args.events} is a program file: to check a program over many accounts, run "
            "softstaking reconcile-program PROGRAM.toml LEDGER PAYOUTS --start D --end D"
        )
        raise InvalidInputError(msg)
    calc = make_calculator(args)
    timeline = read_timeline(args)
    left_out: list[int] = []
    named: dict[str, str] = {}
    rows = read_payouts(
        args.payouts,
        token=args.token,
        account=args.account,
        skipped=left_out.append,
        tokens=lambda token: named.setdefault(token.casefold(), token),
    )
    payouts = list(progress(rows, "payouts"))
    if args.token is None and len(named) > 1:
        msg = (
            f"{args.payouts} names {len(named)} tokens ({', '.join(sorted(named.values()))}): "
            "give --token to compare one of them"
        )
        raise InvalidInputError(msg)
    token = args.token or next(iter(named.values()), None)
    if args.start is None and payouts:
        first = min(p.day for p in payouts)
        if timeline.events:
            first = min(first, calc.calendar.day_of(timeline.events[0].at))
        args.start = first
    # The run ends after the later of the last payment and the last event, so that days
    # the export leaves out at its end are compared too (as missing), not dropped.
    end = date.min
    if payouts:
        last = max(p.day for p in payouts)
        end = last + timedelta(days=1) if args.by == "day" else last
    if timeline.events:
        end = max(end, calc.calendar.day_of(timeline.events[-1].at) + timedelta(days=1))
    start, end = day_range(args, calc, timeline, last=end)
    records = calc.daily_rewards(timeline, start, end, carry=args.carry)
    result = reconcile(records, payouts, tolerance=args.tolerance, by=args.by)
    given = [f"--{o} {v}" for o, v in (("token", args.token), ("account", args.account)) if v]
    skipped = (
        f"{len(left_out)} export row(s) left out, not for {' and '.join(given)}" if left_out else ""
    )
    if not result.checks:
        msg = f"0 days checked from {start} to {end}: nothing was compared"
        raise InvalidInputError(f"{msg}; {skipped}" if skipped else msg)
    lines = str(result).splitlines()
    compared = f"; compared {start} to {end - timedelta(days=1)}"
    lines[-1] += compared + (f", token {token}" if token else "")
    if skipped:
        lines[-1] += f"; {skipped}"
    if args.output is not None:
        write_checks(result, args.output)
        lines = lines[-1:]
    out.write("\n".join(lines) + "\n")
    return EXIT_OK if result.agrees else EXIT_DISAGREE
