"""Reading a ledger's decimal-string amounts: row by row (before) against columnar.

Run by hand, never as a test (Linux: it reads ``/proc/self/status``)::

    .venv/bin/python benchmarks/bench_strings.py                  # 2,000,000 deltas
    .venv/bin/python benchmarks/bench_strings.py --rows 200000 --rounds 1

For an 18-decimal and an 8-decimal token it makes ``--rows`` deltas of up to a million
tokens either way, to the base unit, written as ``softstaking.io.read_ledger`` writes a
CSV ledger's (``f"{delta:f}"``) in chunks of 65,536 rows, untimed. Then it reads them
into base units (``softstaking.columns.amounts.amounts``, as ``Program.table`` does)
four ways, interleaved in this process, ``--rounds`` times, keeping the best CPU time
(``time.process_time``) of each:

- ``row by row``: ``to_amount`` then ``to_units`` for each string (the reader before);
- ``columnar``: plain strings cast by Arrow (``softstaking.columns.texts``), read as a
  decimal column (Python ints where an amount passes int64);
- ``columnar, wide``: the same with ``wide=True`` (limbs past int64, as
  ``Program.table`` reads its deltas);
- ``decimals``: the same amounts given as an Arrow decimal column, for scale.

It prints the rows per CPU second and, for each, the peak resident memory the read
adds: in a forked child, the peak (``VmHWM``, reset first) less the resident memory
before the read.
"""

from __future__ import annotations

import argparse
import gc
import os
import time
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import numpy as np
import pyarrow as pa

from softstaking.columns.amounts import _read_texts, amounts
from softstaking.io.ledger import CHUNK_ROWS

MILLION = 10**6


def make_column(rows: int, decimals: int, seed: int) -> pa.ChunkedArray:
    """``rows`` deltas of -1,000,000 to 1,000,000 tokens to the base unit, as strings."""
    rng = np.random.default_rng(seed)
    tokens = rng.integers(-MILLION, MILLION, rows)
    fractions = rng.integers(0, 10**decimals, rows, dtype="uint64")
    texts = [
        f"{Decimal(int(t) * 10**decimals + int(f)).scaleb(-decimals):f}"
        for t, f in zip(tokens.tolist(), fractions.tolist(), strict=True)
    ]
    chunks = [pa.array(texts[i : i + CHUNK_ROWS], pa.string()) for i in range(0, rows, CHUNK_ROWS)]
    return pa.chunked_array(chunks, pa.string())


def readers(column: pa.ChunkedArray, decimals: int) -> dict[str, Callable[[], Any]]:
    """The four ways of reading ``column`` into base units."""
    n = len(column)
    exponents = np.broadcast_to(np.int64(-decimals), (n,))
    rows = np.arange(n, dtype="int64")
    numbers = column.cast(pa.decimal128(38, decimals))

    def unit(_: int) -> str:
        return f"a {decimals}-decimal token's base unit"

    def read(values: Any, *, wide: bool) -> Any:
        return amounts(
            values,
            exponents,
            name="delta",
            where="ledger",
            rows=rows,
            unit=unit,
            allow_negative=True,
            wide=wide,
        )

    return {
        "row by row": lambda: _read_texts(column, exponents, "delta", "ledger", rows, unit, True),
        "columnar": lambda: read(column, wide=False),
        "columnar, wide": lambda: read(column, wide=True),
        "decimals": lambda: read(numbers, wide=True),
    }


def cpu(run: Callable[[], Any]) -> tuple[float, Any]:
    gc.collect()
    began = time.process_time()
    out = run()
    return time.process_time() - began, out


def _status(field: str) -> int:
    """A ``/proc/self/status`` memory figure, in bytes."""
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1]) * 1024
    raise LookupError(field)


def added_peak(run: Callable[[], Any]) -> float:
    """The peak resident memory ``run`` adds, in MiB, measured in a forked child."""
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: reset the peak, read, report
        os.close(read)
        gc.collect()
        with open("/proc/self/clear_refs", "w", encoding="ascii") as clear:
            clear.write("5")
        before = _status("VmRSS")
        run()
        os.write(write, str(_status("VmHWM") - before).encode())
        os._exit(0)
    os.close(write)
    with os.fdopen(read) as pipe:
        added = int(pipe.read())
    os.waitpid(pid, 0)
    return added / 2**20


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=2_000_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args(argv)
    print(f"{args.rows:,} string deltas a token; best CPU time of {args.rounds} rounds")
    for decimals in (18, 8):
        column = make_column(args.rows, decimals, args.seed)
        ways = readers(column, decimals)
        peaks = {name: added_peak(run) for name, run in ways.items()}  # before any timing
        best = dict.fromkeys(ways, float("inf"))
        results: dict[str, list[int]] = {}
        for _ in range(args.rounds):
            for name, run in ways.items():
                seconds, out = cpu(run)
                best[name] = min(best[name], seconds)
                results[name] = out
        first = results["row by row"]
        same = all(np.array_equal(np.asarray(out, dtype=object), first) for out in results.values())
        print(f"{decimals} decimals (the same amounts every way: {same}):")
        for name, seconds in best.items():
            print(
                f"  {name:15} {args.rows / seconds:12,.0f} rows/s  ({seconds:6.2f} s CPU)  "
                f"peak +{peaks[name]:6,.0f} MiB"
            )
        print(f"  columnar / row by row: {best['row by row'] / best['columnar']:.1f}x")
        del column, ways, results


if __name__ == "__main__":
    main()
