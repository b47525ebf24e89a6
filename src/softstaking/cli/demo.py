"""The ``demo`` command: the seed's IOTX scenario, one aligned line per day."""

from __future__ import annotations

import argparse
from decimal import ROUND_HALF_EVEN, Decimal
from typing import TextIO

from softstaking.cli.options import EXIT_OK, add_subparser
from softstaking.core.amounts import CONTEXT
from softstaking.core.records import DailyReward
from softstaking.core.tokens import GUARD_DIGITS
from softstaking.samples import seed_rewards

__all__ = ["add_parser", "run", "write_table"]


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the command and its options."""
    add_subparser(
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


def run(_: argparse.Namespace, out: TextIO) -> int:
    """Print the seed's scenario."""
    out.write(
        "The seed's scenario: an IOTX holder under KuCoin's 2019 soft-staking rules\n"
        "(snapshot 23:59:59 UTC+8, paid the next day, nothing paid under 0.000001 IOTX).\n\n"
    )
    write_table(seed_rewards(), out)
    return EXIT_OK


def _shown(amount: Decimal, places: int) -> str:
    """``amount`` to ``places`` decimals, half-even, marked ``~`` if that dropped digits."""
    shown = amount.quantize(Decimal(1).scaleb(-places), ROUND_HALF_EVEN, CONTEXT)
    return f"{shown:f}" + ("" if shown == amount else "~")


def write_table(records: list[DailyReward], out: TextIO, *, places: int = 18) -> None:
    """Print one aligned line per record, readable in a terminal.

    ``gross`` and ``carry`` are kept to twenty digits below the base unit; the table
    shows them to ``places`` decimals (the seed token's base unit), marked ``~`` where
    that rounds, and says so below. ``softstaking compute`` writes every digit.
    """
    header = ("day", "balance", "apr", "gross", "paid", "carry", "payout_at")
    rows = [header] + [
        (
            r.day.isoformat(),
            f"{r.balance:f}",
            f"{r.apr:f}",
            _shown(r.gross, places),
            f"{r.paid:f}",
            _shown(r.carry, places),
            r.payout_at.isoformat(),
        )
        for r in records
    ]
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
    for row in rows:
        cells = [
            cell.rjust(w) if i else cell.ljust(w)
            for i, (cell, w) in enumerate(zip(row, widths, strict=True))
        ]
        out.write("  ".join(cells).rstrip() + "\n")
    if any("~" in cell for row in rows for cell in row):
        out.write(
            f"\n~ shown to {places} decimals; the library keeps gross and carry to 1E-"
            f"{places + GUARD_DIGITS}, and softstaking compute writes every digit.\n"
        )
