"""The ``softstaking`` command: the parser, and ``main``, which runs one command.

Exit codes: 0 when all went well; 1 when ``reconcile`` finds a disagreement; 2 for a
usage mistake or bad input (a bad option, a missing file, a bad row, a number or date out
of range), reported in one message on stderr without a traceback; 141 (128 + SIGPIPE, as
a shell reports a program killed by it) when the reader of stdout goes away, as in
``softstaking demo | head -1``: the output was cut short, quietly. A stdout closed from
the start (``softstaking demo >&-``) is a mistake, not a reader gone away: the command
exits with 2 and one message when it first has something to print.

Each command is a module of this package with ``add_parser`` and ``run``; this module
lists them, in the order ``--help`` shows them.
"""

from __future__ import annotations

import argparse
import io
import os
import re
import sys
from collections.abc import Sequence
from decimal import DecimalException
from typing import Final, Protocol, TextIO

from softstaking.cli import (
    apy,
    compute,
    demo,
    distribute,
    explain,
    reconcile,
    reconcile_program,
    run,
)
from softstaking.cli.options import EXIT_BAD_INPUT, EXIT_BROKEN_PIPE
from softstaking.core.errors import InvalidInputError, SoftStakingError

__all__ = ["main", "parser"]


class _Command(Protocol):
    """What each command module has."""

    def add_parser(self, commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
        """Add the command and its options."""

    def run(self, args: argparse.Namespace, out: TextIO) -> int:
        """Run the command; returns the exit code."""


_COMMANDS: Final[dict[str, _Command]] = {
    "demo": demo,
    "compute": compute,
    "explain": explain,
    "reconcile": reconcile,
    "reconcile-program": reconcile_program,
    "distribute": distribute,
    "run": run,
    "apy": apy,
}

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
  softstaking run program.toml ledger.csv --state state.parquet --day 2019-07-15 \\
      -o payouts.parquet
  softstaking apy --apr 0.05 --periods 365

negative values:
  write them as usual (--tz -05:00, --day-offset -02:00); the forms --tz=-05:00 and
  --tz UTC-05:00 work too. An option that refuses negatives (--payout-delay -1d,
  --opening -5) says so.

exit codes:
  0  success
  1  reconcile: at least one day is missing, extra or different
  2  usage mistake or bad input (the message says what and where)
  141  stdout was closed early (as in `softstaking demo | head -1`); nothing printed
     (a stdout closed from the start, as in `softstaking demo >&-`, is a 2)
"""


def parser() -> argparse.ArgumentParser:
    """The command's argument parser; the docs print its help."""
    top = argparse.ArgumentParser(
        prog="softstaking",
        description="Exact soft-staking rewards, day by day.",
        epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    commands = top.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for command in _COMMANDS.values():
        command.add_parser(commands)
    return top


_NEGATIVE: Final = re.compile(r"-\.?\d")


def _value_options(top: argparse.ArgumentParser) -> frozenset[str]:
    """The options of every command that take a value, such as ``--tz`` and ``--opening``."""
    found: set[str] = set()
    for action in top._actions:
        if isinstance(action, argparse._SubParsersAction):
            for command in action.choices.values():
                for option in command._actions:
                    if option.option_strings and option.nargs != 0:
                        found.update(option.option_strings)
    return frozenset(found)


def _joined_values(argv: Sequence[str], options: frozenset[str]) -> list[str]:
    """``--tz -05:00`` as ``--tz=-05:00``, which argparse would otherwise take for an option.

    So an option given a negative value (``--payout-delay -1d``) gets it, and says what is
    wrong with it, rather than "expected one argument".
    """
    joined: list[str] = []
    items = iter(argv)
    for item in items:
        if item in options:
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


class _ClosedStdout(io.StringIO):
    """Stands in for a stdout closed from the start (``>&-``), where Python has ``None``."""

    def write(self, text: str) -> int:
        """Refuse: there is nowhere to print."""
        del text
        msg = "stdout is closed, so there is nowhere to print; redirect it to a file"
        raise InvalidInputError(msg)


def _say(message: str) -> None:
    """Write a message to stderr, if there is one."""
    if sys.stderr is not None:
        sys.stderr.write(message)


def _quiet_broken_pipe() -> int:
    """Point stdout at devnull so that the exit's flush does not fail again (Python docs)."""
    if sys.stdout is not None:
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
        given = sys.argv[1:] if argv is None else argv
        args = top.parse_args(_joined_values(given, _value_options(top)))
    except SystemExit as exit_:  # --help (0) or a usage error (2), already printed
        return int(exit_.code or 0)
    out: TextIO = sys.stdout if sys.stdout is not None else _ClosedStdout()
    try:
        code = _COMMANDS[args.command].run(args, out)
        out.flush()
    except BrokenPipeError:
        return _quiet_broken_pipe()
    except (SoftStakingError, argparse.ArgumentTypeError) as err:
        _say(f"softstaking {args.command}: error: {err}\n")
    except ArithmeticError as err:  # OverflowError and the decimal module's errors
        detail = type(err).__name__ if isinstance(err, DecimalException) else str(err)
        _say(
            f"softstaking {args.command}: error: a number or date is out of range "
            f"({detail}); check the options and the files' values\n"
        )
    except UnicodeEncodeError as err:  # a stdout that cannot print a character
        _say(
            f"softstaking {args.command}: error: cannot print {err.object[err.start : err.end]!r} "
            f"to stdout in {err.encoding}; redirect it to a file\n"
        )
    except OSError as err:
        where = f": {err.filename}" if err.filename else ""
        _say(f"softstaking {args.command}: error: {err.strerror or err}{where}\n")
    else:
        return code
    return EXIT_BAD_INPUT
