"""The ``demo`` command: the seed's IOTX scenario, one aligned line per day."""

from __future__ import annotations

import argparse
from typing import TextIO

from softstaking.cli.options import EXIT_OK, add_subparser
from softstaking.core.records import DailyReward
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


def write_table(records: list[DailyReward], out: TextIO) -> None:
    """Print one aligned line per record, every amount exact in fixed-point notation."""
    header = ("day", "balance", "apr", "gross", "paid", "carry", "payout_at")
    rows = [header] + [
        (
            r.day.isoformat(),
            f"{r.balance:f}",
            f"{r.apr:f}",
            f"{r.gross:f}",
            f"{r.paid:f}",
            f"{r.carry:f}",
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
