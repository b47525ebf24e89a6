"""Program.table against a float pandas notebook doing the same balances and gross.

Run by hand, never as a test::

    .venv/bin/python benchmarks/bench_vs_pandas.py                      # 10,000 x 365
    .venv/bin/python benchmarks/bench_vs_pandas.py --accounts 1000 --days 90 --rounds 1

N accounts of an 18-decimal token (``--decimals`` for another) at a constant APR of
7.12 %, over D days, with about
one event per account per week (deposits and withdrawals at random instants). Both sides
get the ledger in memory: pandas as a DataFrame of floats, ``Program.table`` as an Arrow
table of decimals (the same values). The pandas side is what a pandas user would write:
``groupby`` the events per account and day, ``unstack`` to a days grid, ``reindex`` the
missing days, ``cumsum``, and for the time-weighted average add each event's delta
weighted by the rest of its day; then the gross, ``balance × apr / 365``, in long form
(one row per account and day). ``Program.table`` computes the whole record (balance,
eligible, apr, gross, paid, carry, forfeited, payout time), exactly.

Both run in this process, interleaved, ``--rounds`` times; the best CPU time
(``time.process_time``) of each is kept. It prints records per CPU second, the ratio,
and the peak memory of one run of each under tracemalloc (Python and numpy allocations)
plus pyarrow's own pool, then checks once that both computed the same balances (to a
float's precision).
"""

from __future__ import annotations

import argparse
import gc
import time
import tracemalloc
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

from softstaking import AprSchedule, DailySnapshot, Program, RewardCalculator, TimeWeighted, Token

APR = Decimal("0.0712")
START = date(2025, 1, 1)
DAY_US = 86_400_000_000


def make_ledger(
    accounts: int, days: int, seed: int, token_decimals: int = 18
) -> tuple[pa.Table, pa.Table]:
    """Events (about one per account per week) and openings, as Arrow tables of decimals."""
    rng = np.random.default_rng(seed)
    n = accounts * max(1, days // 7)
    account = rng.integers(0, accounts, n)
    start_us = int((datetime.combine(START, datetime.min.time(), UTC)).timestamp()) * 10**6
    at = start_us + rng.integers(0, days * DAY_US, n)
    # Deltas of -100 to +150 tokens with 6 decimals; openings of 10,000 to 1,000,000 tokens,
    # so that no balance goes below zero.
    micro = rng.integers(-100_000_000, 150_000_000, n)
    opening_micro = rng.integers(10_000_000_000, 1_000_000_000_000, accounts)
    names = np.array([f"user{i:07d}" for i in range(accounts)], dtype=object)

    def decimals(values: Any) -> pa.Array:
        text = pa.array([f"{v / 10**6:.6f}" for v in values.tolist()], pa.string())
        return text.cast(pa.decimal128(38, token_decimals))

    ledger = pa.table(
        {
            "account": pa.array(names[account], pa.string()),
            "token": pa.array(np.full(n, "ETH", dtype=object), pa.string()),
            "at": pa.array(at, pa.int64()).cast(pa.timestamp("us", tz="UTC")),
            "delta": decimals(micro),
        }
    )
    openings = pa.table(
        {
            "account": pa.array(names, pa.string()),
            "token": pa.array(np.full(accounts, "ETH", dtype=object), pa.string()),
            "opening": decimals(opening_micro),
        }
    )
    return ledger, openings


def pandas_notebook(
    events: pd.DataFrame, opening: pd.Series, days: int, *, time_weighted: bool
) -> pd.DataFrame:
    """Daily balances and gross as a pandas user computes them, in floats."""
    day_index = pd.date_range(pd.Timestamp(START, tz="UTC"), periods=days, freq="D")
    ev = events.copy()
    # An event counts in the day's start balance from the first midnight at or after it.
    ev["counts_from"] = ev["at"].dt.ceil("D")
    start_steps = (
        ev.groupby(["account", "counts_from"])["delta"]
        .sum()
        .unstack(fill_value=0)
        .reindex(index=opening.index, columns=day_index, fill_value=0.0)
    )
    balance = start_steps.cumsum(axis=1).add(opening, axis=0)
    if time_weighted:
        ev["day"] = ev["at"].dt.floor("D")
        inside = ev[ev["at"] != ev["day"]]
        rest = (inside["day"] + pd.Timedelta(days=1) - inside["at"]).dt.total_seconds() / 86_400
        weighted = (
            (inside["delta"] * rest)
            .groupby([inside["account"], inside["day"]])
            .sum()
            .unstack(fill_value=0)
            .reindex(index=opening.index, columns=day_index, fill_value=0.0)
        )
        # The start-of-day balance does not count the day's own events yet.
        balance = balance + weighted
    long = balance.stack().reset_index()
    long.columns = pd.Index(["account", "day", "balance"])
    long["gross"] = long["balance"] * float(APR) / 365
    return long


def cpu(run: Callable[[], Any]) -> tuple[float, Any]:
    gc.collect()
    began = time.process_time()
    out = run()
    return time.process_time() - began, out


def traced_peak(run: Callable[[], Any]) -> float:
    gc.collect()
    tracemalloc.start()
    run()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak / 2**20


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--accounts", type=int, default=10_000)
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seed", type=int, default=2025)
    parser.add_argument(
        "--decimals",
        type=int,
        default=18,
        choices=range(6, 19),
        metavar="6..18",
        help="the token's decimals (the amounts have 6 either way)",
    )
    args = parser.parse_args(argv)
    ledger, openings = make_ledger(args.accounts, args.days, args.seed, args.decimals)
    events = pd.DataFrame(
        {
            "account": ledger.column("account").to_numpy(),
            "at": ledger.column("at").to_pandas(),
            "delta": ledger.column("delta").cast(pa.float64()).to_numpy(),
        }
    )
    opening = pd.Series(
        openings.column("opening").cast(pa.float64()).to_numpy(),
        index=openings.column("account").to_numpy(),
    )
    records = args.accounts * args.days
    end = START + timedelta(days=args.days)
    print(
        f"{args.accounts:,} accounts x {args.days} days = {records:,} records; "
        f"{ledger.num_rows:,} events; {args.decimals} decimals; APR {APR}; "
        f"best of {args.rounds} rounds"
    )
    for name, policy in (
        ("DailySnapshot(00:00)", DailySnapshot()),
        ("TimeWeighted", TimeWeighted()),
    ):
        weighted = isinstance(policy, TimeWeighted)
        token = Token("ETH", args.decimals)
        program = Program([RewardCalculator(token, AprSchedule.constant(APR), policy)])

        def ours(program: Program = program) -> Any:
            return program.table(ledger, START, end, openings=openings)

        def theirs(weighted: bool = weighted) -> Any:
            return pandas_notebook(events, opening, args.days, time_weighted=weighted)

        best_ours = best_theirs = float("inf")
        table = frame = None
        for _ in range(args.rounds):
            seconds, frame = cpu(theirs)
            best_theirs = min(best_theirs, seconds)
            seconds, table = cpu(ours)
            best_ours = min(best_ours, seconds)
        assert table is not None
        assert frame is not None
        ours_rate, theirs_rate = records / best_ours, records / best_theirs
        print(f"{name}:")
        print(f"  pandas (float64)   {theirs_rate:12,.0f} records/s  ({best_theirs:.2f} s CPU)")
        print(f"  Program.table      {ours_rate:12,.0f} records/s  ({best_ours:.2f} s CPU)")
        print(f"  ratio Program.table / pandas: {ours_rate / theirs_rate:.2f}x")
        pool = pa.default_memory_pool()
        print(
            f"  peak traced memory: pandas {traced_peak(theirs):,.0f} MiB, "
            f"Program.table {traced_peak(ours):,.0f} MiB (+ pyarrow pool peak "
            f"{pool.max_memory() / 2**20:,.0f} MiB for the process)"
        )
        ours_balance = table.column("balance").cast(pa.float64()).to_numpy()
        same = np.allclose(ours_balance, frame["balance"].to_numpy(), rtol=1e-12, atol=1e-6)
        ours_gross = table.column("gross").cast(pa.float64()).to_numpy()
        same_gross = np.allclose(ours_gross, frame["gross"].to_numpy(), rtol=1e-9, atol=1e-9)
        print(f"  same balances: {same}; same gross (to a float's precision): {same_gross}")


if __name__ == "__main__":
    main()
