"""The daily payout job end to end: ``softstaking run`` at exchange scale, one day.

Run by hand, never as a test::

    .venv/bin/python benchmarks/bench_job.py                    # 300,000 accounts x 12 tokens
    .venv/bin/python benchmarks/bench_job.py --accounts 30000
    .venv/bin/python benchmarks/bench_job.py --accounts 30000 --csv

It writes, untimed, the state of 2019-07-14 for every account and each of the seed
program's 12 tokens (``softstaking/samples/kucoin_2019.toml``), and a Parquet ledger of
2019-07-15 in which about a third of the holdings have one to three deposits or
withdrawals (decimals). Then it times the command as a user runs it, in a fresh
process: ``softstaking run PROGRAM ledger.parquet --state state.parquet --day 2019-07-15
-o payouts.parquet``: reading the program, the ledger and the state, computing, and
writing the records and the new state (each atomically). It prints the wall time and
the command's peak resident memory (``ru_maxrss`` of the child) and its CPU time (user
plus system): on a shared machine the CPU time is the steadier figure. With ``--csv``
the ledger is a CSV file (deltas as decimal strings) instead. The command runs the
``softstaking`` this process imports (its ``PYTHONPATH``): point it at another checkout's
``src`` to compare two versions.
"""

from __future__ import annotations

import argparse
import random
import resource
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq

from softstaking.io import read_program
from softstaking.job import State, write_state
from softstaking.samples import kucoin_2019_path


def _files(folder: Path, accounts: int, seed: int, *, csv: bool) -> tuple[Path, Path]:
    rng = random.Random(seed)
    program = read_program(kucoin_2019_path())
    tokens = sorted(program.calculators)
    names = [f"acct-{i:07d}" for i in range(accounts)]
    account = [name for name in names for _ in tokens]
    token = tokens * accounts
    balances = [rng.randrange(0, 10**12) for _ in account]
    zero = pa.array([0] * len(account), pa.int64()).cast(pa.decimal128(38, 8))
    state = pa.table(
        {
            "account": account,
            "token": token,
            "sub_account": [""] * len(account),
            "balance": pa.array([Decimal(b).scaleb(-8) for b in balances], pa.decimal128(38, 8)),
            "carry": zero.cast(pa.decimal256(76, 28)),
            "frozen": zero,
            "waiting": zero,
            "credited": zero,
            "pending": [""] * len(account),
        }
    )
    state_path = folder / "state.parquet"
    write_state(State(datetime(2019, 7, 14, tzinfo=UTC).date(), state), state_path)
    start = datetime(2019, 7, 14, 16, tzinfo=UTC)  # 2019-07-15 00:00 UTC+8
    e_account, e_token, e_at, e_delta = [], [], [], []
    for i, opening in enumerate(balances):
        if rng.random() >= 1 / 3:
            continue
        held = opening
        times = sorted(rng.randrange(86_400) for _ in range(rng.randint(1, 3)))
        for second in times:
            step = rng.randrange(1, 10**10)
            delta = -min(step, held) if rng.random() < 0.3 else step
            held += delta
            e_account.append(account[i])
            e_token.append(token[i])
            e_at.append(start + timedelta(seconds=second))
            e_delta.append(Decimal(delta).scaleb(-8))
    ledger = pa.table(
        {
            "account": e_account,
            "token": e_token,
            "at": pa.array(e_at, pa.timestamp("us", tz="UTC")),
            "delta": pa.array(e_delta, pa.decimal128(38, 8)),
        }
    )
    if csv:
        ledger_path = folder / "ledger.csv"
        text = ledger.set_column(3, "delta", pa.array([f"{d:f}" for d in e_delta]))
        pa_csv.write_csv(text, ledger_path)
    else:
        ledger_path = folder / "ledger.parquet"
        pq.write_table(ledger, ledger_path)
    return ledger_path, state_path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--accounts", type=int, default=300_000)
    parser.add_argument("--seed", type=int, default=2019)
    parser.add_argument("--csv", action="store_true", help="a CSV ledger, not Parquet")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        made = time.perf_counter()
        ledger, state = _files(folder, args.accounts, args.seed, csv=args.csv)
        events = (
            len(pa_csv.read_csv(ledger)) if args.csv else pq.ParquetFile(ledger).metadata.num_rows
        )
        print(
            f"inputs: {args.accounts:,} accounts x 12 tokens, {events:,} events "
            f"(written in {time.perf_counter() - made:.1f} s, untimed)"
        )
        command = [
            sys.executable,
            "-m",
            "softstaking",
            "run",
            str(kucoin_2019_path()),
            str(ledger),
            "--state",
            str(state),
            "--day",
            "2019-07-15",
            "-o",
            str(folder / "payouts.parquet"),
        ]
        began = time.perf_counter()
        done = subprocess.run(command, check=False, capture_output=True, text=True)
        took = time.perf_counter() - began
        child = resource.getrusage(resource.RUSAGE_CHILDREN)
        peak = child.ru_maxrss / 1024
        cpu = child.ru_utime + child.ru_stime
        print(done.stderr.strip())
        if done.returncode:
            sys.exit(done.returncode)
        records = pq.ParquetFile(folder / "payouts.parquet").metadata.num_rows
        print(f"softstaking run: {took:.1f} s end to end, {records:,} records")
        print(f"CPU time of the command (user + system): {cpu:.1f} s")
        print(f"peak resident memory of the command: {peak:,.0f} MiB")


if __name__ == "__main__":
    main()
