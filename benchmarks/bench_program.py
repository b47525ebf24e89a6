"""One day of the seed's program at exchange scale: accounts × its tokens, streamed.

Run by hand, never as a test::

    .venv/bin/python benchmarks/bench_program.py                    # 300,000 accounts
    .venv/bin/python benchmarks/bench_program.py --accounts 30000
    .venv/bin/python benchmarks/bench_program.py --accounts 30000 --tracemalloc
    .venv/bin/python benchmarks/bench_program.py --accounts 30000 --unsorted
    .venv/bin/python benchmarks/bench_program.py --columnar         # Program.table, Parquet
    .venv/bin/python benchmarks/bench_program.py --columnar --accounts 30000
    .venv/bin/python benchmarks/bench_program.py --columnar --stream  # Program.batches

KuCoin's 2019 soft staking ran for 12 proof-of-stake tokens and more than 300,000 users
(the seed article). This builds its preset (:func:`softstaking.presets.kucoin_soft_staking_2019`:
a 23:59:59 UTC+8 snapshot) for 12 tokens and computes one day for every account and
token. ``--program hold-to-earn`` runs KuCoin Hold to Earn instead, for 6 of its
tokens (USDT, USDC, ETH, SOL, DOT, ADA), so accounts × 6 holdings. Holdings are
generated lazily, one at a time, so the input does not dominate memory: about a third
of them have one to three events that day (deposits, withdrawals, open orders).
Records are counted and dropped, as a payout job writing them out would.

The generator yields holdings sorted by account id, and by default the run is told so
(``sorted_accounts=True``): its memory is then bounded, whatever the number of
accounts. ``--unsorted`` runs without that promise, as with input in any order: the
duplicate check then keeps an entry per account, and memory grows with the accounts.
The printed header says which.

It prints the time, records per second, and peak memory: the process's peak resident
memory (``ru_maxrss``) always, and with ``--tracemalloc`` the peak of the Python
allocations made during the run (tracing slows the run several times over). Without
``--tracemalloc`` it also times generating the holdings alone and gives the rate
without it; under tracing that split is not printed, since generation was timed
untraced and the difference would mislead.

``--columnar`` runs the same day as a batch job on files instead: it first writes a
Parquet ledger (about a third of the holdings with one to three deposits or withdrawals
that day, as decimals) and a Parquet openings file (every holding), untimed; then it
times reading both (``pyarrow.parquet``), ``Program.table`` and writing the records to
Parquet (a temporary file, fsync, rename) separately, and prints the peak resident
memory, and the CPU time of the timed steps (the steadier figure on a shared machine).
With ``--stream`` it computes with ``Program.batches`` instead and writes each batch as
it comes (``pyarrow.parquet.ParquetWriter``, still a temporary file, fsync, rename), so
the records are never all in memory; computing and writing are then timed together.
The files are generated in a child process, so the peak memory printed is the run's
alone; it also prints the peak once both tables are read (the caller's tables, which
``Program.table`` and ``Program.batches`` read from).
Its ledger uses the plain kinds ``deposit`` and ``withdrawal``: open orders
(``order_freeze``) would take ``Program.table``'s general path.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import multiprocessing
import os
import random
import resource
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from softstaking import BalanceEvent, EarningStart, Holding, Program
from softstaking.presets import UTC8, kucoin_hold_to_earn, kucoin_soft_staking_2019

DAY = date(2019, 7, 15)
SYMBOLS = (
    "IOTX", "ELA", "ATOM", "TRX", "XTZ", "ALGO", "VET", "ONT", "LOOM", "EOS", "NULS", "TOMO",
)  # fmt: skip


def holdings(accounts: int, symbols: tuple[str, ...], seed: int) -> Iterator[Holding]:
    """Each account's holding of each token, generated one at a time."""
    rng = random.Random(seed)
    start = datetime(DAY.year, DAY.month, DAY.day, tzinfo=UTC8)
    for n in range(accounts):
        account = f"user{n:07d}"
        for symbol in symbols:
            opening = Decimal(rng.randrange(0, 10**12)).scaleb(-8)
            events: list[BalanceEvent] = []
            if rng.random() < 0.3:
                balance = opening
                for second in sorted(rng.randrange(86_400) for _ in range(rng.randrange(1, 4))):
                    at = start + timedelta(seconds=second)
                    if balance and rng.random() < 0.4:
                        delta = -(balance / 2).quantize(Decimal("1e-8"))
                        kind = "order_freeze" if rng.random() < 0.5 else "withdrawal"
                    else:
                        delta = Decimal(rng.randrange(1, 10**11)).scaleb(-8)
                        kind = "deposit"
                    balance += delta
                    events.append(BalanceEvent(at, delta, kind=kind))
            yield Holding(account, symbol, events, opening=opening)


def program_for(name: str) -> Program:
    rates = {s: Decimal(200 + 25 * i).scaleb(-4) for i, s in enumerate(SYMBOLS)}
    if name == "kucoin-2019":
        return kucoin_soft_staking_2019(rates)
    if name == "kucoin-2019-t1":
        base = kucoin_soft_staking_2019(rates)
        return Program(base.calculators, deposits=EarningStart.NEXT_DAY)
    return kucoin_hold_to_earn(dict.fromkeys(("USDT", "USDC", "ETH", "SOL", "DOT", "ADA"), "0.01"))


def write_parquet(table: Any, path: Path) -> None:
    """Write ``table`` to ``path`` atomically: a temporary file, fsync, then rename."""
    import pyarrow.parquet as pq

    fd, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as out:
            pq.write_table(table, out)
            out.flush()
            os.fsync(out.fileno())
        Path(name).replace(path)
    except BaseException:
        Path(name).unlink(missing_ok=True)
        raise


def columnar_files(accounts: int, symbols: tuple[str, ...], seed: int, folder: Path) -> int:
    """Write the day's ledger and openings as Parquet; return the number of events."""
    import numpy as np
    import pyarrow as pa

    rng = np.random.default_rng(seed)
    holdings = accounts * len(symbols)
    names = np.array([f"user{n:07d}" for n in range(accounts)], dtype=object)
    account = np.repeat(names, len(symbols))
    token = np.tile(np.array(symbols, dtype=object), accounts)
    opening = rng.integers(0, 10**12, holdings)  # in 1E-8
    counts = np.where(rng.random(holdings) < 0.3, rng.integers(1, 4, holdings), 0)
    holder = np.repeat(np.arange(holdings), counts)
    start_us = int(datetime(DAY.year, DAY.month, DAY.day, tzinfo=UTC8).timestamp()) * 10**6
    at = start_us + rng.integers(0, 86_400, holder.size) * 10**6
    # Withdrawals of at most a third of the opening each, so no balance goes below zero.
    withdraw = rng.random(holder.size) < 0.4
    delta = np.where(withdraw, -(opening[holder] // 3), rng.integers(1, 10**11, holder.size))

    def scaled(units: Any) -> Any:
        # int64 1E-8 units as decimal128(38, 8): the unscaled value is the int.
        return pa.Array.from_buffers(
            pa.decimal128(38, 8),
            len(units),
            [None, pa.py_buffer(np.stack([units, units >> 63], axis=1).astype("int64"))],
        )

    ledger = pa.table(
        {
            "account": pa.array(account[holder], pa.string()),
            "token": pa.array(token[holder], pa.string()),
            "at": pa.array(at, pa.int64()).cast(pa.timestamp("us", tz="UTC")),
            "delta": scaled(delta.astype("int64")),
            "kind": pa.array(np.where(withdraw, "withdrawal", "deposit"), pa.string()),
        }
    )
    openings = pa.table(
        {
            "account": pa.array(account, pa.string()),
            "token": pa.array(token, pa.string()),
            "opening": scaled(opening.astype("int64")),
        }
    )
    write_parquet(ledger, folder / "ledger.parquet")
    write_parquet(openings, folder / "openings.parquet")
    return int(holder.size)


def write_stream(stream: Any, path: Path) -> int:
    """Write a record batch stream to ``path`` as it comes, atomically; return its rows."""
    import pyarrow.parquet as pq

    rows = 0
    fd, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as out:
            with pq.ParquetWriter(out, stream.schema) as writer:
                for batch in stream:
                    writer.write_batch(batch)
                    rows += batch.num_rows
            out.flush()
            os.fsync(out.fileno())
        Path(name).replace(path)
    except BaseException:
        Path(name).unlink(missing_ok=True)
        raise
    return rows


def columnar(args: argparse.Namespace, program: Program) -> None:
    """Parquet in, Program.table, Parquet out: each step timed."""
    import pyarrow.parquet as pq

    symbols = tuple(program.calculators)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        # The files are made in a child process, so that the peak memory printed is the
        # job's (reading, computing, writing), not that of generating its input.
        spawn = multiprocessing.get_context("spawn")
        with concurrent.futures.ProcessPoolExecutor(1, mp_context=spawn) as pool:
            future = pool.submit(columnar_files, args.accounts, symbols, args.seed, folder)
            events = future.result()
        print(
            f"{args.program} columnar: {args.accounts:,} accounts x {len(symbols)} tokens x "
            f"1 day, {events:,} events; Python {sys.version.split()[0]}"
        )
        began, cpu = time.perf_counter(), time.process_time()
        ledger = pq.ParquetFile(folder / "ledger.parquet").read()
        openings = pq.ParquetFile(folder / "openings.parquet").read()
        read = time.perf_counter()
        read_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        end = DAY + timedelta(days=1)
        if args.stream:
            stream = program.batches(ledger, DAY, end, openings=openings)
            rows = write_stream(stream, folder / "records.parquet")
            computed = written = time.perf_counter()
        else:
            table = program.table(ledger, DAY, end, openings=openings)
            rows = table.num_rows
            computed = time.perf_counter()
            computed_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
            write_parquet(table, folder / "records.parquet")
            written = time.perf_counter()
        cpu = time.process_time() - cpu
    total = written - began
    print(f"read    {read - began:6.1f} s  (ledger and openings, Parquet)")
    if args.stream:
        print(f"compute and write {written - read:6.1f} s  ({rows:,} records, streamed)")
    else:
        print(
            f"compute {computed - read:6.1f} s  ({rows:,} records; peak memory so far "
            f"{computed_kib / 1024:,.0f} MiB)"
        )
        print(f"write   {written - computed:6.1f} s  (records, Parquet, fsync + rename)")
    print(f"total   {total:6.1f} s  {rows / total:,.0f} records/s end to end; CPU {cpu:.1f} s")
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(
        f"peak resident memory (whole process): {peak_kib / 1024:,.0f} MiB "
        f"({read_kib / 1024:,.0f} MiB once the two tables were read)"
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--accounts", type=int, default=300_000)
    parser.add_argument("--seed", type=int, default=2019)
    parser.add_argument(
        "--program",
        choices=["kucoin-2019", "kucoin-2019-t1", "hold-to-earn"],
        default="kucoin-2019",
    )
    parser.add_argument(
        "--unsorted",
        action="store_true",
        help="do not tell the run the holdings come sorted by account (memory then grows)",
    )
    parser.add_argument("--tracemalloc", action="store_true", help="trace the run's allocations")
    parser.add_argument(
        "--stream",
        action="store_true",
        help="with --columnar: Program.batches written as they come (ParquetWriter)",
    )
    parser.add_argument(
        "--columnar",
        action="store_true",
        help="Parquet ledger and openings in, Program.table, Parquet records out",
    )
    args = parser.parse_args(argv)
    program = program_for(args.program)
    if args.columnar:
        columnar(args, program)
        return
    symbols = tuple(program.calculators)
    sorted_accounts = not args.unsorted
    memory = (
        "sorted_accounts=True: memory bounded (only the current account is remembered)"
        if sorted_accounts
        else "unsorted: memory NOT bounded (the duplicate check keeps an entry per account)"
    )
    print(
        f"{args.program}: {args.accounts:,} accounts x {len(symbols)} tokens x 1 day, "
        f"Python {sys.version.split()[0]}; {memory}"
    )
    generation = None
    if not args.tracemalloc:
        began = time.perf_counter()
        made = sum(1 for _ in holdings(args.accounts, symbols, args.seed))
        generation = time.perf_counter() - began
        print(f"generating the {made:,} holdings alone takes {generation:.1f} s")
    else:
        tracemalloc.start()
    records = paid = 0
    began = time.perf_counter()
    stream = program.run(
        holdings(args.accounts, symbols, args.seed),
        DAY,
        DAY + timedelta(days=1),
        sorted_accounts=sorted_accounts,
    )
    for record in stream:
        records += 1
        paid += record.reward.paid > 0
    seconds = time.perf_counter() - began
    line = (
        f"{records:,} records ({paid:,} paid) in {seconds:.1f} s: "
        f"{records / seconds:,.0f} records/s with input generation"
    )
    if generation is not None and seconds > generation:
        line += f", {records / (seconds - generation):,.0f} records/s without"
    print(line)
    if args.tracemalloc:
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        print(f"tracemalloc peak during the run: {peak / 2**20:,.1f} MiB")
    # ru_maxrss is in KiB on Linux.
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(f"peak resident memory (whole process): {peak_kib / 1024:,.0f} MiB")


if __name__ == "__main__":
    main()
