"""The ``softstaking`` command line. It sits on top of the library and imports it."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from softstaking import demo

__all__ = ["main"]

_EPILOG = """\
examples:
  softstaking demo          print the seed's IOTX scenario, one line per day
  python -m softstaking demo
"""


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="softstaking",
        description="Exact soft-staking rewards, day by day.",
        epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    commands.add_parser(
        "demo",
        help="the seed's IOTX scenario from the sample data shipped in the package",
        description=(
            "Compute a sample IOTX holder's daily rewards under KuCoin's 2019 soft-staking "
            "rules (snapshot at 23:59:59 UTC+8, paid the next day, no payment under "
            "0.000001) and print one line per day."
        ),
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command; returns the exit code."""
    args = _parser().parse_args(argv)
    if args.command == "demo":
        print(
            "The seed's scenario: an IOTX holder under KuCoin's 2019 soft-staking rules\n"
            "(snapshot 23:59:59 UTC+8, paid the next day, nothing paid under 0.000001 IOTX).\n"
        )
        demo.write_table(demo.seed_rewards(), sys.stdout)
    return 0
