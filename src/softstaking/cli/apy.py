"""The ``apy`` command: an APR to an APY, or back."""

from __future__ import annotations

import argparse
from decimal import Decimal
from typing import Final, TextIO

from softstaking import apy
from softstaking.cli.options import EXIT_OK, add_subparser, parse_amount
from softstaking.core.amounts import CONTEXT

MAX_PLACES: Final = 50
"""The most decimal places ``apy --places`` shows."""

__all__ = ["MAX_PLACES", "add_parser", "run"]


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the command and its options."""
    apy_cmd = add_subparser(
        commands,
        "apy",
        summary="convert an APR to an APY or back",
        description="APY = (1 + APR/n)^n − 1, where n is the number of compounding periods "
        "in a year; and the inverse, APR = n((1 + APY)^(1/n) − 1). Rates are fractions: "
        "0.05 is 5 %.",
        examples="  softstaking apy --apr 0.05\n  softstaking apy --apy 0.0513 --periods 12\n",
    )
    rate = apy_cmd.add_mutually_exclusive_group(required=True)
    rate.add_argument("--apr", type=parse_amount, help="the APR to convert to an APY")
    rate.add_argument("--apy", type=parse_amount, help="the APY to convert to an APR")
    apy_cmd.add_argument(
        "--periods", type=int, default=365, help="compounding periods a year (default: 365)"
    )
    apy_cmd.add_argument(
        "--places",
        type=int,
        default=12,
        help=f"decimal places shown, half-even, 0 to {MAX_PLACES} (default: 12)",
    )


def run(args: argparse.Namespace, out: TextIO) -> int:
    """Run the command; returns the exit code."""
    if args.periods < 1:
        msg = f"--periods must be at least 1: got {args.periods}"
        raise argparse.ArgumentTypeError(msg)
    if not 0 <= args.places <= MAX_PLACES:
        msg = f"--places must be from 0 to {MAX_PLACES}: got {args.places}"
        raise argparse.ArgumentTypeError(msg)
    places = Decimal(1).scaleb(-args.places)
    given, wanted = ("--apr", "APY") if args.apr is not None else ("--apy", "APR")
    try:
        if args.apr is not None:
            value = apy.apy_from_apr(args.apr, periods_per_year=args.periods)
        else:
            value = apy.apr_from_apy(args.apy, periods_per_year=args.periods)
        shown = value.quantize(places, context=CONTEXT)
    except ArithmeticError:  # the decimal module's overflow and the like
        rate = args.apr if args.apr is not None else args.apy
        msg = (
            f"{given} {rate}: the {wanted} over {args.periods} period(s) is out of range "
            f"(too large to compute or to show to {args.places} places)"
        )
        raise argparse.ArgumentTypeError(msg) from None
    out.write(f"{wanted} {shown:f}\n")
    return EXIT_OK
