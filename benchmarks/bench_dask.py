"""softstaking.dask on a LocalCluster against Program.table in one process.

Run by hand, never as a test::

    .venv/bin/python benchmarks/bench_dask.py                        # full size
    .venv/bin/python benchmarks/bench_dask.py --accounts 30000 --year-accounts 1000

Two workloads of KuCoin's 2019 soft staking (``kucoin_soft_staking_2019``, 8 decimals,
a snapshot at 23:59:59 UTC+8):

* ``day``: ``--accounts`` accounts (300,000 by default) × 12 tokens × 1 day, every
  account opening with a balance of each token and 30 % of them moving it 1 to 3
  times in the day (the daily batch job);
* ``year``: ``--year-accounts`` accounts (10,000 by default) × ``--year-tokens`` tokens
  (1 by default) × 365 days, about one event per account and token per week (a
  backfill).

The data is generated inside each partition (``dd.from_map``), account ``n`` in
partition ``n % partitions``: laid out by account, as a hive-partitioned Parquet dataset
would be, so the runs use ``partitioned=True`` and no shuffle. The same partitions,
concatenated, are the single-process input. Each run's input is persisted on the
workers first, so that the timings are of the computation only; the cluster computes
the records and hands back their count (the records stay on the workers, as they would
before being written).

It prints, for one process and for a LocalCluster of 1 and of 2 worker processes (one
thread each): wall time, records per second and the speed-up over one process; and the
scheduling overhead per partition: the wall time of a task that does nothing, over
the same partitions, divided by their number.
"""

from __future__ import annotations

import argparse
import os
import time
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any, NamedTuple

import numpy as np
import pandas as pd
import pyarrow as pa

from softstaking import Program
from softstaking.presets import UTC8, kucoin_soft_staking_2019

SYMBOLS = (
    "IOTX", "ELA", "ATOM", "TRX", "XTZ", "ALGO", "VET", "ONT", "LOOM", "EOS", "NULS", "TOMO",
)  # fmt: skip
DAY = date(2019, 7, 15)
DAY_US = 86_400_000_000


def program() -> Program:
    rates = {s: Decimal(200 + 25 * i).scaleb(-4) for i, s in enumerate(SYMBOLS)}
    return kucoin_soft_staking_2019(rates)


class Shape(NamedTuple):
    """A workload's size."""

    accounts: int
    tokens: int
    days: int


def part(
    number: int, partitions: int, shape: Shape, seed: int
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Partition ``number``'s ledger and openings: the accounts ``n % partitions == number``."""
    accounts, tokens, days = shape
    rng = np.random.default_rng(seed * 1_000 + number)
    ids = np.arange(number, accounts, partitions)
    names = np.array([f"user{n:07d}" for n in ids], dtype=object)
    symbols = np.array(SYMBOLS[:tokens], dtype=object)
    series_account = np.repeat(names, tokens)
    series_token = np.tile(symbols, len(names))
    n_series = len(series_account)
    start_us = int(datetime(DAY.year, DAY.month, DAY.day, tzinfo=UTC8).timestamp()) * 10**6
    if days == 1:
        moves = np.where(rng.random(n_series) < 0.3, rng.integers(1, 4, n_series), 0)
    else:
        moves = rng.poisson(days / 7, n_series)
    which = np.repeat(np.arange(n_series), moves)
    at = start_us + rng.integers(0, days * DAY_US, len(which))
    order = np.lexsort((at, which))
    which, at = which[order], at[order]
    delta = rng.integers(1, 10**11, len(which))  # deposits of up to 1,000 tokens
    opening = rng.integers(0, 10**12, n_series)
    text = pd.ArrowDtype(pa.string())

    def amounts(units: Any) -> pd.Series[Any]:
        values = [Decimal(int(u)).scaleb(-8) for u in units.tolist()]
        return pd.Series(
            pa.array(values, pa.decimal128(38, 8)), dtype=pd.ArrowDtype(pa.decimal128(38, 8))
        )

    ledger = pd.DataFrame(
        {
            "account": pd.Series(series_account[which], dtype=text),
            "token": pd.Series(series_token[which], dtype=text),
            "at": pd.Series(
                pa.array(at, pa.int64()).cast(pa.timestamp("us", tz="UTC")),
                dtype=pd.ArrowDtype(pa.timestamp("us", tz="UTC")),
            ),
            "delta": amounts(delta),
        }
    )
    openings = pd.DataFrame(
        {
            "account": pd.Series(series_account, dtype=text),
            "token": pd.Series(series_token, dtype=text),
            "opening": amounts(opening),
        }
    )
    return ledger, openings


def run_single(
    prog: Program, parts: list[tuple[pd.DataFrame, pd.DataFrame]], days: int
) -> tuple[float, int]:
    ledger = pa.Table.from_pandas(pd.concat([p[0] for p in parts]), preserve_index=False)
    openings = pa.Table.from_pandas(pd.concat([p[1] for p in parts]), preserve_index=False)
    began = time.perf_counter()
    table = prog.table(ledger, DAY, DAY + timedelta(days=days), openings=openings)
    return time.perf_counter() - began, table.num_rows


def run_cluster(
    prog: Program, workers: int, args: argparse.Namespace, shape: Shape
) -> tuple[float, int, float]:
    import dask
    import dask.dataframe as dd
    import distributed

    from softstaking import dask as sd

    n = args.partitions
    make = (n, shape, args.seed)
    days = shape.days
    with (
        distributed.LocalCluster(
            n_workers=workers, processes=True, threads_per_worker=1, dashboard_address=None
        ) as cluster,
        distributed.Client(cluster),
    ):
        ledger = dd.from_map(lambda i: part(i, *make)[0], range(n)).persist()
        openings = dd.from_map(lambda i: part(i, *make)[1], range(n)).persist()
        distributed.wait([ledger, openings])
        began = time.perf_counter()
        dask.compute(ledger.map_partitions(lambda f: f.head(0)).map_partitions(len))
        overhead = (time.perf_counter() - began) / n
        records = sd.rewards(
            ledger, prog, DAY, DAY + timedelta(days=days), openings=openings, partitioned=True
        )
        began = time.perf_counter()
        (counts,) = dask.compute(records.map_partitions(len))
        return time.perf_counter() - began, int(sum(counts)), overhead


def workload(name: str, args: argparse.Namespace, accounts: int, tokens: int, days: int) -> None:
    prog = program()
    parts = [
        part(i, args.partitions, Shape(accounts, tokens, days), args.seed)
        for i in range(args.partitions)
    ]
    events = sum(len(p[0]) for p in parts)
    print(
        f"\n{name}: {accounts:,} accounts x {tokens} tokens x {days} days, {events:,} events, "
        f"{args.partitions} partitions"
    )
    single, rows = run_single(prog, parts, days)
    del parts
    print("| run | wall | records/s | speed-up | overhead/partition |")
    print("| --- | --- | --- | --- | --- |")
    print(f"| one process, Program.table | {single:.1f} s | {rows / single:,.0f} | 1.00x | - |")
    for workers in (1, 2):
        wall, count, overhead = run_cluster(prog, workers, args, Shape(accounts, tokens, days))
        assert count == rows, (count, rows)
        print(
            f"| LocalCluster, {workers} worker{'s' if workers > 1 else ''} | {wall:.1f} s | "
            f"{count / wall:,.0f} | {single / wall:.2f}x | {overhead * 1000:.0f} ms |"
        )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--accounts", type=int, default=300_000)
    parser.add_argument("--year-accounts", type=int, default=10_000)
    parser.add_argument("--year-tokens", type=int, default=1)
    parser.add_argument("--partitions", type=int, default=8)
    parser.add_argument("--seed", type=int, default=2025)
    parser.add_argument("--only", choices=["day", "year"], default=None)
    args = parser.parse_args(argv)
    print(f"cores: {os.cpu_count()}, load average: {os.getloadavg()[0]:.1f}")
    if args.only in (None, "day"):
        workload("day", args, args.accounts, len(SYMBOLS), 1)
    if args.only in (None, "year"):
        workload("year", args, args.year_accounts, args.year_tokens, 365)


if __name__ == "__main__":
    main()
