"""Throughput of the core calculator: accounts × days under each policy.

Run by hand, never as a test::

    .venv/bin/python benchmarks/bench_calculator.py              # 10,000 accounts × 365 days
    .venv/bin/python benchmarks/bench_calculator.py --accounts 1000

Each account gets about one event a week (deposits, withdrawals and trades at random
instants, never overdrawing). Every policy computes every account for the whole year;
records are counted and dropped, as a payout job writing them out would. It prints
records per second for each policy and the process's peak resident memory.
"""

from __future__ import annotations

import argparse
import random
import resource
import sys
import time
from datetime import UTC, date, datetime, timedelta
from datetime import time as wall_time
from decimal import Decimal

from softstaking import (
    AccrualPolicy,
    AprSchedule,
    BalanceEvent,
    BalanceTimeline,
    DailySnapshot,
    MinimumBalance,
    RewardCalculator,
    SnapshotAverage,
    TimeWeighted,
    Token,
)

START = date(2025, 1, 1)
DAYS = 365


def make_timelines(accounts: int, seed: int) -> list[BalanceTimeline]:
    """About one event per account per week, whole base units of an 18-decimal token."""
    rng = random.Random(seed)
    origin = datetime(2025, 1, 1, tzinfo=UTC)
    span_us = DAYS * 86_400_000_000
    timelines = []
    for _ in range(accounts):
        balance = Decimal(rng.randrange(0, 10**24)).scaleb(-18)
        opening = balance
        instants = sorted(rng.randrange(span_us) for _ in range(52))
        events = []
        for us in instants:
            at = origin + timedelta(microseconds=us)
            if rng.random() < 0.6 or balance == 0:
                delta = Decimal(rng.randrange(1, 10**23)).scaleb(-18)
                kind = "deposit"
            else:
                delta = -(balance * Decimal(rng.randrange(1, 100)) / 100).quantize(Decimal("1e-18"))
                kind = "withdrawal"
            balance += delta
            events.append(BalanceEvent(at, delta, kind=kind))
        timelines.append(BalanceTimeline.from_events(events, opening=opening))
    return timelines


def run(policy: AccrualPolicy, timelines: list[BalanceTimeline]) -> tuple[int, float]:
    """Records computed, and the seconds it took, for one policy over every account."""
    schedule = AprSchedule(
        {START + timedelta(days=i): Decimal(200 + i % 50).scaleb(-4) for i in range(DAYS)}
    )
    calc = RewardCalculator(Token("IOTX", 18), schedule, policy)
    end = START + timedelta(days=DAYS)
    records = 0
    began = time.perf_counter()
    for timeline in timelines:
        records += len(calc.daily_rewards(timeline, START, end))
    return records, time.perf_counter() - began


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--accounts", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=2019)
    args = parser.parse_args(argv)
    began = time.perf_counter()
    timelines = make_timelines(args.accounts, args.seed)
    print(
        f"{args.accounts:,} accounts x {DAYS} days, "
        f"{sum(len(t.events) for t in timelines):,} events "
        f"(built in {time.perf_counter() - began:.1f} s), Python {sys.version.split()[0]}"
    )
    policies: list[tuple[str, AccrualPolicy]] = [
        ("DailySnapshot(00:00)", DailySnapshot()),
        ("DailySnapshot(23:59:59)", DailySnapshot(wall_time(23, 59, 59))),
        ("TimeWeighted()", TimeWeighted()),
        ("MinimumBalance()", MinimumBalance()),
        ("SnapshotAverage(24 hourly)", SnapshotAverage([wall_time(h, 30) for h in range(24)])),
    ]
    for label, policy in policies:
        records, seconds = run(policy, timelines)
        print(
            f"{label:<28} {records:>11,} records in {seconds:6.2f} s: "
            f"{records / seconds:>9,.0f} records/s"
        )
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    # ru_maxrss is in KiB on Linux.
    print(f"peak resident memory (whole process): {peak_kib / 1024:,.0f} MiB")


if __name__ == "__main__":
    main()
