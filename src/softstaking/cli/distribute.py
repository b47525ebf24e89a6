"""The ``distribute`` command: each day's pool per token, shared by measured holdings."""

from __future__ import annotations

import argparse
from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from functools import partial
from pathlib import Path
from typing import Final, TextIO

from softstaking.cli.options import (
    EXIT_OK,
    add_subparser,
    parse_amount,
    parse_output,
    progress,
    refuse_output_among_inputs,
)
from softstaking.core.amounts import ZERO
from softstaking.core.errors import InvalidInputError, SoftStakingError
from softstaking.core.rounding import Dust
from softstaking.core.tokens import MAX_DECIMALS, Token
from softstaking.io import csv, jsonl
from softstaking.io.atomic import atomic_bytes
from softstaking.io.errors import DEFAULT_MAX_ERRORS
from softstaking.io.fields import parse_amount as parse_cell_amount
from softstaking.io.fields import parse_day, parse_text
from softstaking.io.reading import Cells, read
from softstaking.programs.distribution import PoolDay, distribute_days

__all__ = ["SHARE_COLUMNS", "add_parser", "run"]

SHARE_COLUMNS: Final = ("day", "token", "account", "share")
"""The output's columns: one row per day, token and account with a share."""


def _token_decimals(text: str) -> tuple[str, int]:
    symbol, sep, digits = text.partition("=")
    if not sep or not symbol.strip() or not digits.isdigit() or int(digits) > MAX_DECIMALS:
        msg = f"{text!r} is not SYMBOL=DECIMALS, such as USDT=6 (decimals 0 to {MAX_DECIMALS})"
        raise argparse.ArgumentTypeError(msg)
    return symbol.strip(), int(digits)


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the command and its options."""
    share = add_subparser(
        commands,
        "distribute",
        summary="share each day's pool of each token among measured holdings",
        description="Share a pool per token per day (columns day, token, pool) among the "
        "accounts' measured holdings (columns day, token, account, holding) pro rata, "
        "exactly: each share is a whole number of the token's base units, the shares of "
        "a day add up to its pool's whole base units, and what is left (less than one "
        "base unit per day) rolls to the next day's pool (--dust carry) or is "
        "forfeited. Every token of the pools needs its --decimals; each token's days "
        "must be the same in both files. Writes day, token, account, share as CSV, "
        "JSON Lines or Parquet (by the output's suffix; Parquet needs the arrow extra), "
        "atomically.",
        examples="  softstaking distribute pools.csv holdings.csv --decimals USDT=6 "
        "--decimals BTC=8 -o shares.csv\n"
        "  softstaking distribute pools.csv holdings.csv --decimals USDT=6 "
        "--min-holding 10 -o shares.parquet\n",
    )
    share.add_argument("pools", help="each day's pool per token: CSV or JSON Lines")
    share.add_argument("holdings", help="each day's measured holdings: CSV or JSON Lines")
    share.add_argument(
        "--decimals",
        type=_token_decimals,
        action="append",
        required=True,
        metavar="SYMBOL=N",
        help="a token's decimals, such as USDT=6; repeat for each token",
    )
    share.add_argument(
        "--min-holding",
        type=parse_amount,
        default=ZERO,
        help="holdings below this get nothing and do not count (default: 0)",
    )
    share.add_argument(
        "--dust",
        choices=[d.value for d in Dust],
        default="carry",
        help="what is left below one base unit: carried to the next day (default) or forfeited",
    )
    share.add_argument(
        "-o",
        "--output",
        type=parse_output,
        default="-",
        help="file to write: .csv, .jsonl or .parquet (default: CSV on stdout)",
    )


def _pools(path: str) -> dict[str, dict[date, Decimal]]:
    def row(cells: Cells) -> tuple[str, date, Decimal] | None:
        day = cells.get("day", parse_day)
        token = cells.get("token", parse_text)
        pool = cells.get("pool", partial(parse_cell_amount, name="pool", summed=True))
        if day is None or token is None or pool is None:
            return None
        return token, day, pool

    out: dict[str, dict[date, Decimal]] = {}
    rows = read(
        path,
        format=None,
        max_errors=DEFAULT_MAX_ERRORS,
        required=("day", "token", "pool"),
        convert=row,
    )
    for token, day, pool in rows:
        days = out.setdefault(token, {})
        if day in days:
            msg = f"{path}: two pools of {token} on {day}"
            raise InvalidInputError(msg)
        days[day] = pool
    return out


def _holdings(path: str) -> dict[str, dict[date, dict[str, Decimal]]]:
    def row(cells: Cells) -> tuple[str, date, str, Decimal] | None:
        day = cells.get("day", parse_day)
        token = cells.get("token", parse_text)
        account = cells.get("account", parse_text)
        amount = cells.get("holding", partial(parse_cell_amount, name="holding"))
        if day is None or token is None or account is None or amount is None:
            return None
        return token, day, account, amount

    out: dict[str, dict[date, dict[str, Decimal]]] = {}
    rows = read(
        path,
        format=None,
        max_errors=DEFAULT_MAX_ERRORS,
        required=("day", "token", "account", "holding"),
        convert=row,
    )
    for token, day, account, amount in progress(rows, "holdings"):
        accounts = out.setdefault(token, {}).setdefault(day, {})
        if account in accounts:
            msg = f"{path}: account {account!r} holds {token} twice on {day}"
            raise InvalidInputError(msg)
        accounts[account] = amount
    return out


def _shares(results: dict[str, list[PoolDay]]) -> Iterator[tuple[date, str, str, Decimal]]:
    """Every share, ordered by day, token and account."""
    rows = [
        (pool_day.day, token, account, share)
        for token, days in results.items()
        for pool_day in days
        for account, share in pool_day.allocation.shares.items()
    ]
    rows.sort(key=lambda r: (r[0], r[1], r[2]))
    return iter(rows)


def _write_parquet(rows: list[tuple[date, str, str, Decimal]], target: str, decimals: int) -> None:
    try:
        import pyarrow as pa  # noqa: PLC0415  (the arrow extra, only for Parquet)
        import pyarrow.parquet as pq  # noqa: PLC0415
    except ImportError as err:  # pragma: no cover  (pyarrow is in the dev extra)
        msg = "Parquet output needs pyarrow: pip install 'softstaking[arrow]'"
        raise ImportError(msg) from err
    kind = pa.decimal128(38, decimals) if decimals <= 26 else pa.decimal256(76, decimals)
    table = pa.table(
        {
            "day": pa.array([r[0] for r in rows], pa.date32()),
            "token": pa.array([r[1] for r in rows], pa.string()),
            "account": pa.array([r[2] for r in rows], pa.string()),
            "share": pa.array([r[3] for r in rows], kind),
        }
    )
    with atomic_bytes(target) as stream:
        pq.write_table(table, stream)


def run(args: argparse.Namespace, out: TextIO) -> int:
    """Run the command; returns the exit code."""
    refuse_output_among_inputs(args, "pools", "holdings")
    decimals = dict(args.decimals)
    pools = _pools(args.pools)
    holdings = _holdings(args.holdings)
    unknown = sorted((pools.keys() | holdings.keys()) - decimals.keys())
    if unknown:
        msg = f"no --decimals for {', '.join(unknown)}: give --decimals SYMBOL=N for each token"
        raise InvalidInputError(msg)
    results: dict[str, list[PoolDay]] = {}
    for symbol in sorted(pools.keys() | holdings.keys()):
        try:
            results[symbol] = distribute_days(
                pools.get(symbol, {}),
                holdings.get(symbol, {}),
                token=Token(symbol, decimals[symbol]),
                min_holding=args.min_holding,
                dust=Dust(args.dust),
            )
        except SoftStakingError as error:
            error.add_note(f"in the pools of {symbol}")
            raise InvalidInputError(f"{symbol}: {error}") from None
    rows = list(_shares(results))
    target: str = args.output
    cells = (
        {"day": d.isoformat(), "token": t, "account": a, "share": f"{s:f}"} for d, t, a, s in rows
    )
    if target == "-":
        csv.write_rows(out, SHARE_COLUMNS, ([c[k] for k in SHARE_COLUMNS] for c in cells))
        return EXIT_OK
    suffix = Path(target).suffix.lower()
    if suffix == ".parquet":
        _write_parquet(rows, target, max(decimals[t] for t in results) if results else 0)
    elif suffix in (".jsonl", ".ndjson"):
        jsonl.write_rows(target, cells)
    else:
        csv.write_rows(target, SHARE_COLUMNS, ([c[k] for k in SHARE_COLUMNS] for c in cells))
    left = [
        f"{symbol} {days[-1].carry_out if args.dust == 'carry' else days[-1].forfeited:f}"
        for symbol, days in results.items()
        if days
    ]
    kept = "carried" if args.dust == "carry" else "forfeited on the last day"
    out.write(
        f"{len(rows)} shares of {', '.join(results) or 'no token'} over "
        f"{len({r[0] for r in rows})} days written to {target}; left undistributed "
        f"({kept}): {', '.join(left) or 'nothing'}\n"
    )
    return EXIT_OK
