"""What the commands share: exit codes, option values, the program's options, the run's set-up.

Each option value is parsed by a function that raises ``argparse.ArgumentTypeError``
with a message naming the value, so that argparse reports it against its option.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, time, timedelta, tzinfo
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final, Protocol, TypeVar

from softstaking.core.calculator import RewardCalculator
from softstaking.core.daycount import DayCount
from softstaking.core.errors import InvalidInputError, NegativeBalanceError, SoftStakingError
from softstaking.core.policies import (
    AccrualPolicy,
    DailySnapshot,
    MinimumBalance,
    SnapshotAverage,
    TimeWeighted,
)
from softstaking.core.rounding import Dust
from softstaking.core.timeline import BalanceTimeline
from softstaking.core.tokens import MAX_DECIMALS, Token
from softstaking.io import fields, read_numbered_events, read_schedule, values

if TYPE_CHECKING:
    import tqdm as tqdm_module

__all__ = [
    "EXIT_BAD_INPUT",
    "EXIT_BROKEN_PIPE",
    "EXIT_DISAGREE",
    "EXIT_OK",
    "MAX_DAYS",
    "ProgressBar",
    "add_program",
    "add_subparser",
    "day_range",
    "make_calculator",
    "parse_amount",
    "parse_day",
    "parse_day_offset",
    "parse_decimals",
    "parse_duration",
    "parse_label",
    "parse_output",
    "parse_workers",
    "parse_zone",
    "progress",
    "progress_bar",
    "read_timeline",
    "refuse_output_among_inputs",
]

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

T = TypeVar("T")
V = TypeVar("V")

POLICIES: Final = ("snapshot", "average", "minimum", "snapshots")
DAY_COUNTS: Final = {
    "ACT/365F": DayCount.ACT_365_FIXED,
    "ACT/360": DayCount.ACT_360,
    "ACT/ACT": DayCount.ACT_ACT,
}


def parse_amount(text: str) -> Decimal:
    """An exact amount, such as ``0.000001``, read as written, below ``1E+50``.

    As in the files, an amount has no digit below ``1E-50`` (``0E-500`` is refused), so
    that the library can add it to a balance exactly.
    """
    try:
        return fields.parse_amount(text, name="the amount", summed=True)
    except fields.FieldError as err:
        raise argparse.ArgumentTypeError(str(err)) from None


def parse_day(text: str) -> date:
    """A day written ``YYYY-MM-DD``, and only so (not the week date ``2019-W29-1``)."""
    try:
        return fields.parse_day(text)
    except fields.FieldError as err:
        raise argparse.ArgumentTypeError(str(err)) from None


def _strict(parse: Callable[[str], V], text: str) -> V:
    """``parse(text)``, with its error as argparse's, which names the option."""
    try:
        return parse(text)
    except SoftStakingError as err:
        raise argparse.ArgumentTypeError(str(err)) from None


def parse_wall_time(text: str) -> time:
    """A time of day, ``HH:MM`` or ``HH:MM:SS``, as ``softstaking.io.values`` reads it."""
    return _strict(values.parse_wall_time, text)


def parse_day_offset(text: str) -> timedelta:
    """Where each accrual day starts: ``-02:00``, strictly within ±24:00, or ``0``."""
    return _strict(values.parse_offset, text)


def parse_decimals(text: str) -> int:
    """A token's decimals: a whole number from 0 to 36."""
    if not re.fullmatch(r"[0-9]{1,2}", text) or int(text) > MAX_DECIMALS:
        msg = f"decimals must be from 0 to {MAX_DECIMALS}: got {text!r}"
        raise argparse.ArgumentTypeError(msg)
    return int(text)


def parse_zone(text: str) -> tzinfo:
    """``UTC``, an offset such as ``+08:00`` or ``UTC-05:00``, or a name like ``Asia/Shanghai``."""
    return _strict(values.parse_zone, text)


def parse_duration(text: str) -> timedelta:
    """``0``, ``HH:MM``, or a number with a unit: ``2d``, ``36h``, ``90m``.

    A duration is never negative, and at most ``MAX_DAYS`` days long.
    """
    value = _strict(values.parse_duration, text)
    if value > timedelta(days=MAX_DAYS):
        msg = f"{text!r} is longer than {MAX_DAYS} days"
        raise argparse.ArgumentTypeError(msg)
    return value


def parse_label(text: str) -> str:
    """A label such as a token symbol: text, so never bytes that are not UTF-8."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:  # Python keeps such bytes of argv as lone surrogates
        msg = f"{text!r} is not text: it holds bytes that are not UTF-8"
        raise argparse.ArgumentTypeError(msg) from None
    return text


def parse_output(text: str) -> str:
    """A file to write, or ``-`` for stdout; never an empty name."""
    if not text.strip():
        msg = f"{text!r} is not a file name: give a path, or - for stdout"
        raise argparse.ArgumentTypeError(msg)
    return text


def parse_workers(text: str) -> int:
    """A number of worker processes: a whole number of 1 or more."""
    if not re.fullmatch(r"[0-9]{1,6}", text) or int(text) < 1:
        msg = f"the number of worker processes must be a whole number of 1 or more: got {text!r}"
        raise argparse.ArgumentTypeError(msg)
    return int(text)


def add_program(parser: argparse.ArgumentParser, *, ends: bool = True) -> None:
    """The options of a program's rules, shared by compute, explain and reconcile.

    ``ends`` adds ``--end`` and ``--days``; ``explain`` has one ``--day`` instead.
    """
    parser.add_argument("events", help="balance events: CSV or JSON Lines (by suffix)")
    parser.add_argument("rates", help="rate schedule: CSV or JSON Lines (by suffix)")
    group = parser.add_argument_group("the program's rules")
    group.add_argument(
        "--token",
        type=parse_label,
        help="token symbol (default: TOKEN); reconcile then uses only the export's rows "
        "for this token (any case) and rows naming none",
    )
    group.add_argument(
        "--decimals",
        type=parse_decimals,
        default=18,
        help="the token's decimals, 0 to 36 (default: 18)",
    )
    group.add_argument(
        "--policy",
        choices=POLICIES,
        default="snapshot",
        help="how a day's balance is measured: snapshot at --at (default), the day's "
        "time-weighted average, its minimum, or the mean of snapshots at each --at",
    )
    group.add_argument(
        "--at",
        type=parse_wall_time,
        action="append",
        metavar="HH:MM[:SS]",
        help="snapshot time(s) on the --tz clock; repeat for 'snapshots' (default: 00:00)",
    )
    group.add_argument(
        "--tz",
        type=parse_zone,
        default=UTC,
        help="the zone of the accrual days: UTC (default), an offset such as +08:00 or "
        "-05:00 (strictly within ±24:00), or a name like Asia/Shanghai",
    )
    group.add_argument(
        "--day-offset",
        type=parse_day_offset,
        default=timedelta(0),
        metavar="±HH:MM",
        help="where a day starts relative to midnight, e.g. -02:00 (default: 0)",
    )
    group.add_argument(
        "--day-count",
        choices=list(DAY_COUNTS),
        default="ACT/365F",
        help="the year a daily rate is taken over (default: ACT/365F)",
    )
    group.add_argument(
        "--min-holding", type=parse_amount, default=Decimal(0), help="balances below earn nothing"
    )
    group.add_argument(
        "--cap", type=parse_amount, help="balances above earn as if they were the cap"
    )
    group.add_argument(
        "--min-payout", type=parse_amount, default=Decimal(0), help="smaller payments carry instead"
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
        type=parse_duration,
        default=timedelta(0),
        metavar="DURATION",
        help="credit this long after the day ends: 0 (default), 1d, 36h, 90m, 01:30",
    )
    group.add_argument(
        "--opening",
        type=parse_amount,
        default=Decimal(0),
        help="the balance before the first event",
    )
    group.add_argument(
        "--carry",
        type=parse_amount,
        default=Decimal(0),
        help="owed but unpaid before the first day",
    )
    group.add_argument("--start", type=parse_day, help="first day (default: the first event's day)")
    if ends:
        last = group.add_mutually_exclusive_group()
        last.add_argument(
            "--end", type=parse_day, help="the day after the last (default: see the command)"
        )
        last.add_argument("--days", type=int, help=f"how many days to compute, 0 to {MAX_DAYS}")


def add_subparser(
    commands: argparse._SubParsersAction[argparse.ArgumentParser],
    name: str,
    *,
    summary: str,
    description: str,
    examples: str,
) -> argparse.ArgumentParser:
    """A command's parser, with its summary, description and examples."""
    return commands.add_parser(
        name,
        help=summary,
        description=description,
        epilog=f"examples:\n{examples}",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )


class ProgressBar(Protocol):
    """What a command calls on a progress bar: ``update(n)`` after ``n`` more items."""

    def update(self, n: int = 1) -> object:
        """Count ``n`` more items done."""
        ...


class _NoBar:
    """A progress bar that shows nothing."""

    def update(self, n: int = 1) -> None:
        """Count nothing."""


def _tqdm() -> type[tqdm_module.tqdm[Any]] | None:
    """``tqdm.tqdm`` if stderr is a terminal and tqdm (the ``progress`` extra) is installed.

    Otherwise None: the command then shows no bar and runs the same.
    """
    if not (sys.stderr is not None and hasattr(sys.stderr, "isatty") and sys.stderr.isatty()):
        return None
    try:
        from tqdm import tqdm  # noqa: PLC0415 (an extra, loaded only for a terminal)
    except ImportError:
        return None
    return tqdm


def progress(items: Iterable[T], what: str) -> Iterator[T]:
    """Items with a progress bar on stderr, shown only when stderr is a terminal.

    Without tqdm (the ``progress`` extra) the items come the same, with no bar.
    """
    tqdm = _tqdm()
    if tqdm is None:
        yield from items
        return
    yield from tqdm(items, desc=what, unit=" rows", file=sys.stderr, leave=False)


@contextmanager
def progress_bar(what: str, unit: str) -> Iterator[ProgressBar]:
    """A progress bar on stderr to ``update`` as items are done, as ``progress`` shows one.

    Without a terminal or without tqdm (the ``progress`` extra), a bar that shows
    nothing.
    """
    tqdm = _tqdm()
    if tqdm is None:
        yield _NoBar()
        return
    with tqdm(desc=what, unit=unit, file=sys.stderr, leave=False) as bar:
        yield bar


def refuse_output_among_inputs(args: argparse.Namespace, *inputs: str) -> None:
    """Refuse ``-o`` naming one of the inputs, before anything is read or written.

    ``inputs`` are the names of the ``args`` attributes that hold input paths. Paths are
    compared as the files they name, through links, so ``./events.csv`` and a symbolic
    link to it count as the same file.
    """
    output = getattr(args, "output", None)
    if output in (None, "-"):
        return
    out = Path(output)
    for name in inputs:
        path = Path(getattr(args, name))
        same = out.resolve() == path.resolve()
        if not same and out.exists() and path.exists():
            same = os.path.samefile(out, path)
        if same:
            msg = f"-o {output}: that is the {name} input; write the output to another file"
            raise argparse.ArgumentTypeError(msg)


def make_policy(args: argparse.Namespace) -> AccrualPolicy:
    """The accrual policy of ``--policy`` and ``--at``."""
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


def make_calculator(args: argparse.Namespace) -> RewardCalculator:
    """The calculator of the program's options, with the rates read from their file."""
    return RewardCalculator(
        Token(args.token or "TOKEN", args.decimals),
        read_schedule(args.rates),
        make_policy(args),
        tz=args.tz,
        day_offset=args.day_offset,
        day_count=DAY_COUNTS[args.day_count],
        min_holding=args.min_holding,
        cap=args.cap,
        compound=args.compound,
        payout_delay=args.payout_delay,
        min_payout=args.min_payout,
        dust=Dust(args.dust),
    )


def read_timeline(args: argparse.Namespace) -> BalanceTimeline:
    """The events file as a timeline; an overdraft names the file and line."""
    numbered = list(progress(read_numbered_events(args.events), "events"))
    try:
        return BalanceTimeline.from_events([e for _, e in numbered], opening=args.opening)
    except NegativeBalanceError as err:
        line = numbered[err.index][0]
        msg = f"{args.events}:{line}: {err}"
        raise InvalidInputError(msg) from None


def day_range(
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
