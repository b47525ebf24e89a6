"""The demo of the main job: the seed's IOTX scenario, day by day.

It reads the sample data shipped in ``softstaking.samples``, runs the calculator with
KuCoin's 2019 soft-staking rules and prints one line per day. This module sits on top of
the core: it reads files and writes text, the core does neither.
"""

from __future__ import annotations

from datetime import date, time, timedelta, timezone
from decimal import Decimal
from importlib import resources
from pathlib import Path
from typing import TextIO

from softstaking.calculator import RewardCalculator
from softstaking.io import read_events, read_schedule
from softstaking.policies import DailySnapshot
from softstaking.records import DailyReward
from softstaking.timeline import BalanceTimeline
from softstaking.tokens import Token

__all__ = [
    "IOTX",
    "sample_path",
    "seed_calculator",
    "seed_rewards",
    "seed_timeline",
    "write_table",
]

IOTX = Token("IOTX", 18)
UTC8 = timezone(timedelta(hours=8), "UTC+8")
FIRST_DAY = date(2019, 7, 15)
END_DAY = date(2019, 7, 23)


def sample_path(name: str) -> Path:
    """The path of a sample file shipped in ``softstaking.samples``.

    >>> sample_path("iotx_seed_payouts.csv").name
    'iotx_seed_payouts.csv'
    """
    return Path(str(resources.files("softstaking.samples").joinpath(name)))


def seed_timeline() -> BalanceTimeline:
    """The sample holder's balance, from ``iotx_seed_events.csv``."""
    return BalanceTimeline.from_events(read_events(sample_path("iotx_seed_events.csv")))


def seed_calculator() -> RewardCalculator:
    """KuCoin's 2019 rules: snapshot 23:59:59 UTC+8, paid the next day, 0.000001 floor."""
    return RewardCalculator(
        IOTX,
        read_schedule(sample_path("iotx_seed_rates.csv")),
        DailySnapshot(time(23, 59, 59)),
        tz=UTC8,
        min_payout=Decimal("0.000001"),
    )


def seed_rewards() -> list[DailyReward]:
    """The sample holder's records for 15 to 22 July 2019."""
    return seed_calculator().daily_rewards(seed_timeline(), FIRST_DAY, END_DAY)


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
