"""Throughput of the calculator with rate models and rates that change every hour.

Run by hand, never as a test::

    .venv/bin/python benchmarks/bench_rates.py --accounts 500

Uses the accounts of ``bench_calculator.py`` (about one event a week) and prints records
per second for a daily stacked rate and for an hourly real-time rate, alone and plus a
daily bonus tier, under the policies that accept rates changing within a day.
"""

from __future__ import annotations

import argparse
import time
from datetime import UTC, datetime, timedelta
from datetime import time as wall_time
from decimal import Decimal

from bench_calculator import DAYS, START, make_timelines

from softstaking import (
    AccrualPolicy,
    AprSchedule,
    DailySnapshot,
    IntradayAprSchedule,
    RewardCalculator,
    Schedule,
    SnapshotAverage,
    StackedApr,
    TieredApr,
    TimeWeighted,
    Token,
)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--accounts", type=int, default=500)
    parser.add_argument("--seed", type=int, default=2019)
    args = parser.parse_args(argv)
    timelines = make_timelines(args.accounts, args.seed)
    origin = datetime.combine(START, wall_time(0), tzinfo=UTC)
    hourly = IntradayAprSchedule(
        {origin + timedelta(hours=h): Decimal(200 + h % 50).scaleb(-4) for h in range(DAYS * 24)}
    )
    bonus = TieredApr([(100_000, "0.05"), (None, "0")])
    cases: list[tuple[str, Schedule, AccrualPolicy]] = [
        (
            "daily StackedApr, TimeWeighted",
            AprSchedule.constant(StackedApr(["0.02", bonus])),
            TimeWeighted(),
        ),
        ("hourly, DailySnapshot", hourly, DailySnapshot()),
        ("hourly, TimeWeighted", hourly, TimeWeighted()),
        (
            "hourly, SnapshotAverage(24)",
            hourly,
            SnapshotAverage([wall_time(h, 30) for h in range(24)]),
        ),
        (
            "hourly + daily bonus, TimeWeighted",
            hourly + AprSchedule.constant(bonus),
            TimeWeighted(),
        ),
    ]
    end = START + timedelta(days=DAYS)
    print(f"{args.accounts:,} accounts x {DAYS} days")
    for label, schedule, policy in cases:
        calc = RewardCalculator(Token("IOTX", 18), schedule, policy)
        began = time.perf_counter()
        records = sum(len(calc.daily_rewards(t, START, end)) for t in timelines)
        seconds = time.perf_counter() - began
        print(
            f"{label:<36} {records:>9,} records in {seconds:6.2f} s: {records / seconds:>9,.0f}/s"
        )


if __name__ == "__main__":
    main()
