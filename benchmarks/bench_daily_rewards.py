"""Per-account ``RewardCalculator.daily_rewards`` against another checkout of the library.

Run by hand, never as a test::

    git worktree add /tmp/baseline d948eee^        # the code before the integer engine
    .venv/bin/python benchmarks/bench_daily_rewards.py --against /tmp/baseline/src
    .venv/bin/python benchmarks/bench_daily_rewards.py --accounts 1000 --rounds 1

The workload of issue 9: N accounts of an 18-decimal token over 365 days at a constant
APR of 7.12 %, 52 events per account (about one a week: deposits and withdrawals at
random instants, never overdrawing), under ``DailySnapshot()`` (00:00) and
``TimeWeighted()``. Every account is computed for the whole year and its records
counted and dropped, as a payout job writing them out would.

Each measurement is a fresh process with ``PYTHONPATH`` set to the code measured (this
checkout's ``src``, and with ``--against`` the other one), which builds the timelines
(not timed) and then times ``daily_rewards`` over every account in CPU time
(``time.process_time``). Rounds interleave the two; the best CPU time of each is kept.
It prints records per CPU second, the ratio, and whether both gave the same records
for the first ``--check`` accounts (a digest of every field's ``str``, which shows a
Decimal's exponent; computed after the timing).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import subprocess
import sys
import time
from datetime import date, timedelta
from pathlib import Path

START = date(2025, 1, 1)
DAYS = 365
APR = "0.0712"
POLICIES = ("snapshot", "time-weighted")
HERE = Path(__file__).resolve()
SRC = HERE.parent.parent / "src"


def worker(policy_name: str, accounts: int, seed: int, check: int) -> dict[str, object]:
    """Build the timelines, time ``daily_rewards`` over every account (CPU seconds).

    The records are counted and dropped; then, untimed, the first ``check`` accounts' are
    digested.
    """
    # Imported here: the worker's PYTHONPATH decides which library they load.
    from bench_calculator import make_timelines  # the same workload, built the same way

    from softstaking import AprSchedule, DailySnapshot, RewardCalculator, TimeWeighted, Token

    timelines = make_timelines(accounts, seed)
    policy = DailySnapshot() if policy_name == "snapshot" else TimeWeighted()
    calc = RewardCalculator(Token("ETH", 18), AprSchedule.constant(APR), policy)
    end = START + timedelta(days=DAYS)
    calc.daily_rewards(timelines[0], START, end)  # the plan of the days, cached
    count = 0
    began = time.process_time()
    for timeline in timelines:
        count += len(calc.daily_rewards(timeline, START, end))
    cpu = time.process_time() - began
    digest = hashlib.sha256()
    for timeline in timelines[:check]:
        for r in calc.daily_rewards(timeline, START, end):
            fields = (r.day, r.balance, r.eligible, r.apr, r.gross, r.paid, r.carry)
            digest.update(repr(tuple(map(str, fields))).encode())
            digest.update(f"{r.payout_at.isoformat()} {r.forfeited}".encode())
    return {
        "records": count,
        "cpu": cpu,
        "digest": digest.hexdigest(),
    }


def measure(src: Path, policy: str, accounts: int, seed: int, check: int) -> dict[str, object]:
    """One fresh process running ``worker`` on the library at ``src``."""
    env = dict(os.environ, PYTHONPATH=str(src))
    command = [sys.executable, str(HERE), "--worker", policy]
    command += ["--accounts", str(accounts), "--seed", str(seed), "--check", str(check)]
    done = subprocess.run(command, env=env, check=True, capture_output=True, text=True)
    result: dict[str, object] = json.loads(done.stdout)
    return result


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--accounts", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=2019)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument(
        "--check", type=int, default=1000, help="accounts whose records are compared"
    )
    parser.add_argument("--against", type=Path, help="another checkout's src directory")
    parser.add_argument("--worker", choices=POLICIES, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        print(json.dumps(worker(args.worker, args.accounts, args.seed, args.check)))
        return
    sources = {"this": SRC}
    if args.against is not None:
        sources = {"against": args.against.resolve(), "this": SRC}
    print(
        f"{args.accounts:,} accounts x {DAYS} days, 52 events each, 18 decimals, APR {APR}; "
        f"best CPU time of {args.rounds} round(s), Python {sys.version.split()[0]}"
    )
    best: dict[tuple[str, str], float] = {}
    records: dict[str, int] = {}
    digests: dict[tuple[str, str], str] = {}
    for _ in range(args.rounds):
        for policy in POLICIES:
            for name, src in sources.items():
                result = measure(src, policy, args.accounts, args.seed, args.check)
                cpu = float(str(result["cpu"]))
                key = (name, policy)
                best[key] = min(cpu, best.get(key, cpu))
                records[policy] = int(str(result["records"]))
                digests[key] = str(result["digest"])
    for policy in POLICIES:
        n = records[policy]
        line = [f"{policy:<14}"]
        for name, src in sources.items():
            cpu = best[name, policy]
            line.append(f"{name} ({src}): {cpu:6.2f} s, {n / cpu:>9,.0f} records/s")
        if "against" in sources:
            ratio = best["against", policy] / best["this", policy]
            same = digests["against", policy] == digests["this", policy]
            line.append(f"ratio {ratio:.2f}x, same records: {'yes' if same else 'NO'}")
        print("\n  ".join(line))


if __name__ == "__main__":
    main()
