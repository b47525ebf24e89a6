"""The ``reconcile-program`` command: a program run against a multi-account payout export.

The ledger is read by ``softstaking.io.read_ledger``, as ``softstaking run`` reads it
(CSV, JSON Lines or Parquet; every bad row located by file, line and column, or by row
group and row), which needs the ``arrow`` extra. The openings (``account``, ``token``,
``opening`` and optionally ``carry``) are read here, from CSV or JSON Lines.
"""

from __future__ import annotations

import argparse
from collections.abc import Iterator
from datetime import date, timedelta
from decimal import Decimal
from functools import partial
from pathlib import Path
from typing import TextIO

from softstaking.cli.options import (
    EXIT_DISAGREE,
    EXIT_OK,
    add_subparser,
    parse_amount,
    parse_day,
    parse_output,
    progress,
    refuse_output_among_inputs,
)
from softstaking.core.amounts import ZERO
from softstaking.core.errors import InvalidInputError
from softstaking.core.instants import from_us
from softstaking.core.timeline import BalanceEvent
from softstaking.io import csv, jsonl, read_ledger, read_program
from softstaking.io.errors import DEFAULT_MAX_ERRORS
from softstaking.io.fields import parse_amount as parse_cell_amount
from softstaking.io.fields import parse_day as parse_cell_day
from softstaking.io.fields import parse_text
from softstaking.io.reading import Cells, read
from softstaking.io.sources import format_of
from softstaking.programs.holdings import Holding
from softstaking.programs.program import Program
from softstaking.programs.reconcile import (
    AccountCheck,
    AccountPayout,
    ProgramReconciliation,
    reconcile_program,
)

__all__ = ["CHECK_COLUMNS", "add_parser", "run"]

CHECK_COLUMNS = ("account", "token", "day", "status", "computed", "platform", "difference")
"""The columns of ``-o``: one row per account, token and day compared."""

_Key = tuple[str, str]


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the command and its options."""
    recon = add_subparser(
        commands,
        "reconcile-program",
        summary="compare a program run with a platform's payouts of many accounts",
        description="Run a program file over a ledger of many accounts and tokens and "
        "compare every account, token and day from --start up to, not including, --end "
        "with a payout export (columns account, token, date, amount; CSV or JSON Lines). "
        "The ledger, read as softstaking run reads it (CSV, JSON Lines or Parquet), has "
        "the columns account, token, at (ISO 8601 with an offset), delta and optionally "
        "kind; --openings has account, token, opening and optionally "
        "carry. Missing, extra and different account-days are each listed (a day the "
        "export leaves out, the last one too, is missing); the summary names the days "
        "and tokens compared, and how many export rows fell outside them and were left "
        "out. An export token matches the program's ignoring case. Exits with 1 if any "
        "account-day is not matched.",
        examples="  softstaking reconcile-program program.toml ledger.csv payouts.csv "
        "--start 2025-01-01 --end 2025-02-01\n"
        "  softstaking reconcile-program program.toml ledger.jsonl payouts.csv "
        "--start 2025-01-01 --end 2025-01-08 --openings openings.csv --tolerance 0.000001 "
        "-o checks.csv\n",
    )
    recon.add_argument("program", help="the program file (TOML)")
    recon.add_argument("ledger", help="balance events of every account: CSV, JSON Lines or Parquet")
    recon.add_argument("payouts", help="the platform's payouts: CSV or JSON Lines")
    recon.add_argument("--start", type=parse_day, required=True, help="the first day")
    recon.add_argument("--end", type=parse_day, required=True, help="the day after the last")
    recon.add_argument(
        "--openings", help="balances before the first event: CSV or JSON Lines (default: 0)"
    )
    recon.add_argument(
        "--tolerance",
        type=parse_amount,
        default=ZERO,
        help="largest difference still counted as a match (default: 0)",
    )
    recon.add_argument(
        "-o",
        "--output",
        type=parse_output,
        help="also write every account-day's check to this file (.csv or .jsonl); stdout "
        "then shows only the summary",
    )


def _events(path: str) -> dict[_Key, list[BalanceEvent]]:
    """The ledger's events by account and token, in the file's order.

    Raises:
        BadRowsError: Every bad row, located (see ``softstaking.io.read_ledger``).
        InvalidInputError: A suffix naming no ledger format, a row with a sub-account
            (not read by this command), or no pyarrow.
    """
    try:
        import pyarrow as pa  # noqa: PLC0415 (the arrow extra, when run)
    except ImportError:
        msg = f"{path}: reading a ledger needs pyarrow: pip install 'softstaking[arrow]'"
        raise InvalidInputError(msg) from None

    def rows() -> Iterator[tuple[str, str, int, str, str | None, str | None]]:
        for chunk in read_ledger(path):
            yield from zip(
                chunk.column("account").to_pylist(),
                chunk.column("token").to_pylist(),
                chunk.column("at").cast(pa.int64()).to_pylist(),
                chunk.column("delta").to_pylist(),
                chunk.column("kind").to_pylist(),
                chunk.column("sub_account").to_pylist(),
                strict=True,
            )

    out: dict[_Key, list[BalanceEvent]] = {}
    for row, (account, token, at, delta, kind, sub) in enumerate(progress(rows(), "ledger")):
        if sub:
            msg = (
                f"{path}: ledger row {row}: sub_account {sub!r}: reconcile-program does "
                "not read sub-accounts; sum them into the account"
            )
            raise InvalidInputError(msg)
        event = BalanceEvent(from_us(at), Decimal(delta), kind=kind or "transfer")
        out.setdefault((account, token), []).append(event)
    return out


def _openings(path: str | None) -> dict[_Key, tuple[Decimal, Decimal]]:
    """Each account and token's opening and carry."""
    if path is None:
        return {}

    def opening(cells: Cells) -> tuple[_Key, tuple[Decimal, Decimal]] | None:
        account = cells.get("account", parse_text)
        token = cells.get("token", parse_text)
        amount = cells.get("opening", partial(parse_cell_amount, name="opening"))
        carry = (
            cells.get("carry", partial(parse_cell_amount, name="carry"))
            if cells.present("carry")
            else ZERO
        )
        if account is None or token is None or amount is None or carry is None:
            return None
        return (account, token), (amount, carry)

    out: dict[_Key, tuple[Decimal, Decimal]] = {}
    rows = read(
        path,
        format=None,
        max_errors=DEFAULT_MAX_ERRORS,
        required=("account", "token", "opening"),
        optional=("carry",),
        convert=opening,
    )
    for key, found in rows:
        if key in out:
            msg = f"{path}: account {key[0]!r} opens {key[1]!r} twice"
            raise InvalidInputError(msg)
        out[key] = found
    return out


def _holdings(
    events: dict[_Key, list[BalanceEvent]], openings: dict[_Key, tuple[Decimal, Decimal]]
) -> Iterator[Holding]:
    for account, token in sorted(events.keys() | openings.keys()):
        opening, carry = openings.get((account, token), (ZERO, ZERO))
        yield Holding(
            account,
            token,
            events.get((account, token), ()),
            opening=opening,
            carry=carry,
        )


def _payouts(
    path: str, program: Program, start: date, end: date, outside: list[int]
) -> Iterator[AccountPayout]:
    symbols = {symbol.casefold(): symbol for symbol in program.calculators}

    def payout(cells: Cells) -> AccountPayout | None:
        account = cells.get("account", parse_text)
        token = cells.get("token", parse_text)
        day = cells.get("date", parse_cell_day)
        amount = cells.get("amount", partial(parse_cell_amount, name="amount", summed=True))
        if account is None or token is None or day is None or amount is None:
            return None
        if not start <= day < end:
            outside.append(cells.row.line)
            return None
        return AccountPayout(account, symbols.get(token.casefold(), token), day, amount)

    return read(
        path,
        format=None,
        max_errors=DEFAULT_MAX_ERRORS,
        required=("account", "token", "date", "amount"),
        convert=payout,
    )


def _write(result: ProgramReconciliation, target: str) -> None:
    def cell(value: object) -> str | None:
        return None if value is None else f"{value:f}"

    def row(check: AccountCheck) -> dict[str, str | None]:
        return {
            "account": check.account,
            "token": check.token,
            "day": check.day.isoformat(),
            "status": check.status.value,
            "computed": cell(check.expected),
            "platform": cell(check.actual),
            "difference": cell(check.difference),
        }

    rows = map(row, result.checks)
    if format_of(target, None) == "csv":
        csv.write_rows(target, CHECK_COLUMNS, ([r[c] or "" for c in CHECK_COLUMNS] for r in rows))
    else:
        jsonl.write_rows(target, rows)


def run(args: argparse.Namespace, out: TextIO) -> int:
    """Run the command; returns the exit code."""
    inputs = ["program", "ledger", "payouts"] + (["openings"] if args.openings else [])
    refuse_output_among_inputs(args, *inputs)
    if Path(args.program).suffix.lower() != ".toml":
        msg = f"{args.program}: the program must be a TOML program file (.toml)"
        raise InvalidInputError(msg)
    start, end = args.start, args.end
    if end <= start:
        msg = f"--end {end} must be after --start {start}: it is the day after the last"
        raise InvalidInputError(msg)
    program = read_program(args.program)
    holdings = list(_holdings(_events(args.ledger), _openings(args.openings)))
    rewards = program.run(holdings, start, end, sorted_accounts=True)
    outside: list[int] = []
    payouts = list(_payouts(args.payouts, program, start, end, outside))
    days = [start + timedelta(days=i) for i in range((end - start).days)]
    result = reconcile_program(
        progress(rewards, "records"), payouts, days=days, tolerance=args.tolerance
    )
    lines = str(result).splitlines()
    if outside:
        lines[-1] += (
            f"; {len(outside)} export row(s) outside {start} to {end - timedelta(days=1)} left out"
        )
    if args.output is not None:
        _write(result, args.output)
        lines = lines[-1:]
    out.write("\n".join(lines) + "\n")
    return EXIT_OK if result.agrees else EXIT_DISAGREE
