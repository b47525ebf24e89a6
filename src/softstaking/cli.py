"""The ``softstaking`` command line. It sits on top of the library and imports it.

Exit codes: 0 when all went well; 1 when ``reconcile`` finds a disagreement; 2 for a
usage mistake or bad input (a bad option, a missing file, a bad row, a number or date out
of range), reported in one message on stderr without a traceback; 141 (128 + SIGPIPE, as
a shell reports a program killed by it) when the reader of stdout goes away, as in
``softstaking demo | head -1``: the output was cut short, quietly.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
from collections.abc import Iterable, Iterator, Sequence
from datetime import UTC, date, time, timedelta, timezone, tzinfo
from decimal import Decimal, DecimalException
from typing import Final, TextIO, TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from tqdm import tqdm

from softstaking import apy, demo
from softstaking.amounts import CONTEXT, to_amount
from softstaking.calculator import RewardCalculator
from softstaking.daycount import DayCount
from softstaking.errors import (
    InvalidInputError,
    MissingRateError,
    NegativeBalanceError,
    SoftStakingError,
)
from softstaking.explain import explain_day
from softstaking.io import (
    read_numbered_events,
    read_payouts,
    read_schedule,
    write_checks,
    write_records,
)
from softstaking.io.sources import Format
from softstaking.policies import (
    AccrualPolicy,
    DailySnapshot,
    MinimumBalance,
    SnapshotAverage,
    TimeWeighted,
)
from softstaking.reconcile import reconcile
from softstaking.rounding import Dust
from softstaking.timeline import BalanceTimeline
from softstaking.tokens import Token

__all__ = ["EXIT_BAD_INPUT", "EXIT_BROKEN_PIPE", "EXIT_DISAGREE", "EXIT_OK", "main"]

EXIT_OK: Final = 0
"""Everything went well (and ``reconcile`` found every day matched)."""
EXIT_DISAGREE: Final = 1
"""``reconcile`` found a day missing, extra or different."""
EXIT_BAD_INPUT: Final = 2
"""A usage mistake or bad input: the message on stderr says what and where."""
EXIT_BROKEN_PIPE: Final = 141
"""The reader of stdout went away (``| head``): 128 + SIGPIPE, as a shell would report."""

MAX_DAYS: Final = 100_000
"""The most days ``--days`` may ask for (about 274 years)."""
MAX_PLACES: Final = 50
"""The most decimal places ``apy --places`` shows."""

T = TypeVar("T")

_EPILOG = """\
examples:
  softstaking demo          print the seed's IOTX scenario, one line per day
  python -m softstaking demo
  softstaking compute events.csv rates.csv --token IOTX --policy snapshot --at 23:59:59 \\
      --tz +08:00 --min-payout 0.000001 -o rewards.csv
  softstaking explain events.csv rates.csv --day 2019-07-17 --token IOTX --at 23:59:59 \\
      --tz +08:00 --min-payout 0.000001
  softstaking reconcile events.csv rates.csv payouts.csv --token IOTX --at 23:59:59 \\
      --tz +08:00 --min-payout 0.000001 --tolerance 0.00000001
  softstaking compute events.csv rates.csv --tz -05:00 --day-offset -02:00 --days 7
  softstaking apy --apr 0.05 --periods 365

negative offsets:
  write them as usual (--tz -05:00, --day-offset -02:00); the forms --tz=-05:00 and
  --tz UTC-05:00 work too.

exit codes:
  0  success
  1  reconcile: at least one day is missing, extra or different
  2  usage mistake or bad input (the message says what and where)
  141  stdout was closed early (as in `softstaking demo | head -1`); nothing printed
"""

_POLICIES: Final = ("snapshot", "average", "minimum", "snapshots")
_DAY_COUNTS: Final = {
    "ACT/365F": DayCount.ACT_365_FIXED,
    "ACT/360": DayCount.ACT_360,
    "ACT/ACT": DayCount.ACT_ACT,
}


# -- option values ----------------------------------------------------------------------


def _amount(text: str) -> Decimal:
    try:
        return to_amount(text, name="the amount")
    except SoftStakingError as err:
        raise argparse.ArgumentTypeError(str(err)) from None


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        msg = f"{text!r} is not a date written YYYY-MM-DD"
        raise argparse.ArgumentTypeError(msg) from None


def _wall_time(text: str) -> time:
    try:
        value = time.fromisoformat(text)
    except ValueError:
        value = None
    if value is None or value.tzinfo is not None:
        msg = f"{text!r} is not a time of day written HH:MM or HH:MM:SS"
        raise argparse.ArgumentTypeError(msg)
    return value


def _offset(text: str) -> timedelta:
    """``+08:00``, ``-02:00`` or ``0``."""
    sign = -1 if text.startswith("-") else 1
    body = text.lstrip("+-")
    try:
        hours, _, minutes = body.partition(":")
        return sign * timedelta(hours=int(hours), minutes=int(minutes or 0))
    except ValueError:
        msg = f"{text!r} is not an offset written ±HH:MM"
        raise argparse.ArgumentTypeError(msg) from None


def _zone(text: str) -> tzinfo:
    """``UTC``, an offset such as ``+08:00`` or ``UTC-05:00``, or a name like ``Asia/Shanghai``."""
    if text.upper() in ("UTC", "Z"):
        return UTC
    if text[:4].upper() in ("UTC+", "UTC-"):
        text = text[3:]
    if text[:1] in "+-":
        offset = _offset(text)
        if abs(offset) >= timedelta(hours=24):
            msg = f"{text!r}: the offset must be strictly within ±24:00"
            raise argparse.ArgumentTypeError(msg)
        return timezone(offset)
    try:
        return ZoneInfo(text)
    except (ZoneInfoNotFoundError, ValueError):
        msg = f"unknown timezone {text!r}: give UTC, an offset such as +08:00, or an IANA name"
        raise argparse.ArgumentTypeError(msg) from None


def _duration(text: str) -> timedelta:
    """``0``, ``HH:MM``, or a number with a unit: ``2d``, ``36h``, ``90m``."""
    units = {"d": "days", "h": "hours", "m": "minutes", "s": "seconds"}
    try:
        if ":" in text:
            return _offset(text)
        if text[-1:] in units:
            return timedelta(**{units[text[-1]]: int(text[:-1])})
        if int(text) == 0:
            return timedelta(0)
    except (ValueError, argparse.ArgumentTypeError):
        pass
    msg = f"{text!r} is not a duration such as 0, 1d, 36h, 90m or 01:30"
    raise argparse.ArgumentTypeError(msg)


# -- the parser -------------------------------------------------------------------------


def _add_program(parser: argparse.ArgumentParser, *, ends: bool = True) -> None:
    """The options of a program's rules, shared by compute, explain and reconcile.

    ``ends`` adds ``--end`` and ``--days``; ``explain`` has one ``--day`` instead.
    """
    parser.add_argument("events", help="balance events: CSV or JSON Lines (by suffix)")
    parser.add_argument("rates", help="rate schedule: CSV or JSON Lines (by suffix)")
    group = parser.add_argument_group("the program's rules")
    group.add_argument(
        "--token",
        help="token symbol (default: TOKEN); reconcile then uses only the export's rows "
        "for this token (any case) and rows naming none",
    )
    group.add_argument(
        "--decimals", type=int, default=18, help="the token's decimals, 0 to 36 (default: 18)"
    )
    group.add_argument(
        "--policy",
        choices=_POLICIES,
        default="snapshot",
        help="how a day's balance is measured: snapshot at --at (default), the day's "
        "time-weighted average, its minimum, or the mean of snapshots at each --at",
    )
    group.add_argument(
        "--at",
        type=_wall_time,
        action="append",
        metavar="HH:MM[:SS]",
        help="snapshot time(s) on the --tz clock; repeat for 'snapshots' (default: 00:00)",
    )
    group.add_argument(
        "--tz",
        type=_zone,
        default=UTC,
        help="the zone of the accrual days: UTC (default), an offset such as +08:00 or "
        "-05:00 (strictly within ±24:00), or a name like Asia/Shanghai",
    )
    group.add_argument(
        "--day-offset",
        type=_offset,
        default=timedelta(0),
        metavar="±HH:MM",
        help="where a day starts relative to midnight, e.g. -02:00 (default: 0)",
    )
    group.add_argument(
        "--day-count",
        choices=list(_DAY_COUNTS),
        default="ACT/365F",
        help="the year a daily rate is taken over (default: ACT/365F)",
    )
    group.add_argument(
        "--min-holding", type=_amount, default=Decimal(0), help="balances below earn nothing"
    )
    group.add_argument("--cap", type=_amount, help="balances above earn as if they were the cap")
    group.add_argument(
        "--min-payout", type=_amount, default=Decimal(0), help="smaller payments carry instead"
    )
    group.add_argument(
        "--dust",
        choices=[d.value for d in Dust],
        default="carry",
        help="the rest below one base unit: carried (default) or forfeited",
    )
    group.add_argument(
        "--compound", action="store_true", help="add each day's payment to the balance"
    )
    group.add_argument(
        "--payout-delay",
        type=_duration,
        default=timedelta(0),
        metavar="DURATION",
        help="credit this long after the day ends: 0 (default), 1d, 36h, 90m, 01:30",
    )
    group.add_argument(
        "--opening", type=_amount, default=Decimal(0), help="the balance before the first event"
    )
    group.add_argument(
        "--carry", type=_amount, default=Decimal(0), help="owed but unpaid before the first day"
    )
    group.add_argument("--start", type=_day, help="first day (default: the first event's day)")
    if ends:
        last = group.add_mutually_exclusive_group()
        last.add_argument(
            "--end", type=_day, help="the day after the last (default: see the command)"
        )
        last.add_argument("--days", type=int, help=f"how many days to compute, 0 to {MAX_DAYS}")


def _subparser(
    commands: argparse._SubParsersAction[argparse.ArgumentParser],
    name: str,
    *,
    summary: str,
    description: str,
    examples: str,
) -> argparse.ArgumentParser:
    return commands.add_parser(
        name,
        help=summary,
        description=description,
        epilog=f"examples:\n{examples}",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )


def parser() -> argparse.ArgumentParser:
    """The command's argument parser; the docs print its help."""
    top = argparse.ArgumentParser(
        prog="softstaking",
        description="Exact soft-staking rewards, day by day.",
        epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    commands = top.add_subparsers(dest="command", required=True, metavar="COMMAND")
    _subparser(
        commands,
        "demo",
        summary="the seed's IOTX scenario from the sample data shipped in the package",
        description=(
            "Compute a sample IOTX holder's daily rewards under KuCoin's 2019 soft-staking "
            "rules (snapshot at 23:59:59 UTC+8, paid the next day, no payment under "
            "0.000001) and print one line per day."
        ),
        examples="  softstaking demo\n",
    )
    compute = _subparser(
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
    _add_program(compute)
    compute.add_argument("-o", "--output", default="-", help="file to write (default: stdout)")
    compute.add_argument(
        "--format",
        choices=["csv", "jsonl"],
        help="output format (default: from the output's suffix, else csv)",
    )
    explain = _subparser(
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
    _add_program(explain, ends=False)
    explain.add_argument("--day", type=_day, required=True, help="the day to explain")
    recon = _subparser(
        commands,
        "reconcile",
        summary="compare computed rewards with a platform's payout history",
        description="Compute the rewards and compare each day with a payout history export "
        "(columns date, amount, and optionally token and account). Each day is matched, "
        "missing, extra or different. Exits with 1 if any day is not matched. Days run "
        "from --start (default: the first event's or payment's day) to --end (default: "
        "the day after the last payment or, with none, after the last event's day). Given "
        "--token, rows of the export naming another token (compared ignoring case) are left "
        "out and counted; with no --token, every row is used. 0 days compared is an error.",
        examples="  softstaking reconcile events.csv rates.csv payouts.csv --token IOTX "
        "--at 23:59:59 --tz +08:00 --tolerance 0.00000001\n"
        "  softstaking reconcile events.csv rates.csv payouts.csv --tolerance 0.00000001 "
        "-o report.csv\n",
    )
    _add_program(recon)
    recon.add_argument("payouts", help="the platform's payout history: CSV or JSON Lines")
    recon.add_argument(
        "--tolerance",
        type=_amount,
        default=Decimal(0),
        help="largest difference still counted as a match (default: 0)",
    )
    recon.add_argument(
        "--by",
        choices=["day", "payout"],
        default="day",
        help="whether the export's date is the accrual day (default) or the payment's date",
    )
    recon.add_argument("--account", help="use only the export's rows for this account")
    recon.add_argument(
        "-o",
        "--output",
        help="also write each day's check to this file (.csv or .jsonl); "
        "stdout then shows only the summary",
    )
    apy_cmd = _subparser(
        commands,
        "apy",
        summary="convert an APR to an APY or back",
        description="APY = (1 + APR/n)^n − 1, where n is the number of compounding periods "
        "in a year; and the inverse, APR = n((1 + APY)^(1/n) − 1). Rates are fractions: "
        "0.05 is 5 %.",
        examples="  softstaking apy --apr 0.05\n  softstaking apy --apy 0.0513 --periods 12\n",
    )
    rate = apy_cmd.add_mutually_exclusive_group(required=True)
    rate.add_argument("--apr", type=_amount, help="the APR to convert to an APY")
    rate.add_argument("--apy", type=_amount, help="the APY to convert to an APR")
    apy_cmd.add_argument(
        "--periods", type=int, default=365, help="compounding periods a year (default: 365)"
    )
    apy_cmd.add_argument(
        "--places",
        type=int,
        default=12,
        help=f"decimal places shown, half-even, 0 to {MAX_PLACES} (default: 12)",
    )
    return top


# -- running ----------------------------------------------------------------------------


def _progress(items: Iterable[T], what: str) -> Iterator[T]:
    """Items with a progress bar on stderr, shown only when stderr is a terminal."""
    quiet = not (hasattr(sys.stderr, "isatty") and sys.stderr.isatty())
    yield from tqdm(items, desc=what, unit=" rows", file=sys.stderr, disable=quiet, leave=False)


def _policy(args: argparse.Namespace) -> AccrualPolicy:
    times: list[time] = args.at or [time(0)]
    if args.policy == "snapshot":
        if len(times) > 1:
            msg = "--policy snapshot takes one --at; use --policy snapshots for several"
            raise argparse.ArgumentTypeError(msg)
        return DailySnapshot(times[0])
    if args.policy == "snapshots":
        return SnapshotAverage(times)
    if args.at:
        msg = f"--at applies to the snapshot policies, not --policy {args.policy}"
        raise argparse.ArgumentTypeError(msg)
    return TimeWeighted() if args.policy == "average" else MinimumBalance()


def _calculator(args: argparse.Namespace) -> RewardCalculator:
    return RewardCalculator(
        Token(args.token or "TOKEN", args.decimals),
        read_schedule(args.rates),
        _policy(args),
        tz=args.tz,
        day_offset=args.day_offset,
        day_count=_DAY_COUNTS[args.day_count],
        min_holding=args.min_holding,
        cap=args.cap,
        compound=args.compound,
        payout_delay=args.payout_delay,
        min_payout=args.min_payout,
        dust=Dust(args.dust),
    )


def _timeline(args: argparse.Namespace) -> BalanceTimeline:
    numbered = list(_progress(read_numbered_events(args.events), "events"))
    try:
        return BalanceTimeline.from_events([e for _, e in numbered], opening=args.opening)
    except NegativeBalanceError as err:
        line = numbered[err.index][0]
        msg = f"{args.events}:{line}: {err}"
        raise InvalidInputError(msg) from None


def _range(
    args: argparse.Namespace, calc: RewardCalculator, timeline: BalanceTimeline, *, last: date
) -> tuple[date, date]:
    """``--start`` and ``--end`` (or ``--days``), with the command's defaults."""
    if args.start is not None:
        start = args.start
    elif timeline.events:
        start = calc.calendar.day_of(timeline.events[0].at)
    else:
        msg = "no events, so no first day: give --start"
        raise argparse.ArgumentTypeError(msg)
    if args.days is not None:
        if not 0 <= args.days <= MAX_DAYS:
            msg = f"--days must be from 0 to {MAX_DAYS}: got {args.days}"
            raise argparse.ArgumentTypeError(msg)
        try:
            return start, start + timedelta(days=args.days)
        except OverflowError:
            msg = f"--start {start} plus --days {args.days} runs past the year 9999"
            raise argparse.ArgumentTypeError(msg) from None
    return start, args.end if args.end is not None else max(last, start)


def _compute(args: argparse.Namespace, out: TextIO) -> int:
    calc = _calculator(args)
    timeline = _timeline(args)
    last = calc.calendar.day_of(timeline.events[-1].at) if timeline.events else date.min
    start, end = _range(args, calc, timeline, last=last + timedelta(days=1))
    records = calc.daily_rewards(timeline, start, end, carry=args.carry)
    fmt: Format | None = args.format
    target: str | TextIO = args.output
    if args.output == "-":
        target, fmt = out, fmt or "csv"
    elif fmt is None and not args.output.lower().endswith((".jsonl", ".ndjson")):
        fmt = "csv"
    write_records(_progress(records, "records"), target, format=fmt)
    return EXIT_OK


def _explain(args: argparse.Namespace, out: TextIO) -> int:
    calc = _calculator(args)
    timeline = _timeline(args)
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


def _reconcile(args: argparse.Namespace, out: TextIO) -> int:
    calc = _calculator(args)
    timeline = _timeline(args)
    left_out: list[int] = []
    rows = read_payouts(
        args.payouts, token=args.token, account=args.account, skipped=left_out.append
    )
    payouts = list(_progress(rows, "payouts"))
    if args.start is None and payouts:
        first = min(p.day for p in payouts)
        if timeline.events:
            first = min(first, calc.calendar.day_of(timeline.events[0].at))
        args.start = first
    if payouts:
        last = max(p.day for p in payouts)
        end = last + timedelta(days=1) if args.by == "day" else last
    else:  # nothing paid: every computed day is due, and missing
        end = calc.calendar.day_of(timeline.events[-1].at) if timeline.events else date.min
        end += timedelta(days=1)
    start, end = _range(args, calc, timeline, last=end)
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
    if skipped:
        lines[-1] += f"; {skipped}"
    if args.output is not None:
        write_checks(result, args.output)
        lines = lines[-1:]
    out.write("\n".join(lines) + "\n")
    return EXIT_OK if result.agrees else EXIT_DISAGREE


def _apy(args: argparse.Namespace, out: TextIO) -> int:
    if args.periods < 1:
        msg = f"--periods must be at least 1: got {args.periods}"
        raise argparse.ArgumentTypeError(msg)
    if not 0 <= args.places <= MAX_PLACES:
        msg = f"--places must be from 0 to {MAX_PLACES}: got {args.places}"
        raise argparse.ArgumentTypeError(msg)
    places = Decimal(1).scaleb(-args.places)
    if args.apr is not None:
        value = apy.apy_from_apr(args.apr, periods_per_year=args.periods)
        out.write(f"APY {value.quantize(places, context=CONTEXT):f}\n")
    else:
        value = apy.apr_from_apy(args.apy, periods_per_year=args.periods)
        out.write(f"APR {value.quantize(places, context=CONTEXT):f}\n")
    return EXIT_OK


def _demo(_: argparse.Namespace, out: TextIO) -> int:
    out.write(
        "The seed's scenario: an IOTX holder under KuCoin's 2019 soft-staking rules\n"
        "(snapshot 23:59:59 UTC+8, paid the next day, nothing paid under 0.000001 IOTX).\n\n"
    )
    demo.write_table(demo.seed_rewards(), out)
    return EXIT_OK


_RUN: Final = {
    "demo": _demo,
    "compute": _compute,
    "explain": _explain,
    "reconcile": _reconcile,
    "apy": _apy,
}


_OFFSET_OPTIONS: Final = ("--tz", "--day-offset")
_NEGATIVE: Final = re.compile(r"-\d")


def _joined_offsets(argv: Sequence[str]) -> list[str]:
    """``--tz -05:00`` as ``--tz=-05:00``, which argparse would otherwise take for an option."""
    joined: list[str] = []
    items = iter(argv)
    for item in items:
        if item in _OFFSET_OPTIONS:
            value = next(items, None)
            if value is not None and _NEGATIVE.match(value):
                joined.append(f"{item}={value}")
                continue
            joined.append(item)
            if value is not None:
                joined.append(value)
            continue
        joined.append(item)
    return joined


def _quiet_broken_pipe() -> int:
    """Point stdout at devnull so that the exit's flush does not fail again (Python docs)."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    return EXIT_BROKEN_PIPE


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command; returns the exit code (see ``EXIT_OK`` and the others).

    A user's mistake (a bad option, an unreadable file, a bad row, a number or a date out
    of range) is reported on stderr in one message, without a traceback, with exit code
    ``EXIT_BAD_INPUT``. If stdout is closed early, the command stops quietly with
    ``EXIT_BROKEN_PIPE``.
    """
    top = parser()
    try:
        args = top.parse_args(_joined_offsets(sys.argv[1:] if argv is None else argv))
    except SystemExit as exit_:  # --help (0) or a usage error (2), already printed
        return int(exit_.code or 0)
    try:
        code = _RUN[args.command](args, sys.stdout)
        sys.stdout.flush()
    except BrokenPipeError:
        return _quiet_broken_pipe()
    except (SoftStakingError, argparse.ArgumentTypeError) as err:
        sys.stderr.write(f"softstaking {args.command}: error: {err}\n")
    except ArithmeticError as err:  # OverflowError and the decimal module's errors
        detail = type(err).__name__ if isinstance(err, DecimalException) else str(err)
        sys.stderr.write(
            f"softstaking {args.command}: error: a number or date is out of range "
            f"({detail}); check the options and the files' values\n"
        )
    except OSError as err:
        where = f": {err.filename}" if err.filename else ""
        sys.stderr.write(f"softstaking {args.command}: error: {err.strerror or err}{where}\n")
    else:
        return code
    return EXIT_BAD_INPUT
