"""Reward records out and back in: CSV, JSON Lines, plain dicts and pandas.

The writers and ``to_pandas`` take either ``DailyReward`` records (one account) or the
``AccountReward`` items of ``Program.run``, whose rows start with ``account`` and
``token`` columns. Amounts are written in fixed-point notation, ``f"{amount:f}"``,
every digit kept (never ``1E-18``, never rounded), and instants as ISO 8601 with their
offset. Reading a written file back gives records equal to the ones written.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Iterator, Sequence
from datetime import date, datetime
from decimal import Decimal
from functools import partial
from typing import TYPE_CHECKING, Final, TypeVar

import attrs

from softstaking.core.amounts import ZERO
from softstaking.core.errors import InvalidTypeError
from softstaking.core.records import DailyReward
from softstaking.io import csv, jsonl
from softstaking.io.errors import DEFAULT_MAX_ERRORS
from softstaking.io.fields import parse_amount, parse_day, parse_instant
from softstaking.io.reading import Cells, read
from softstaking.io.sources import Format, Source, format_of
from softstaking.programs.program import AccountReward

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "ACCOUNT_COLUMNS",
    "COLUMNS",
    "read_records",
    "to_dicts",
    "to_pandas",
    "write_records",
]

COLUMNS: Final = tuple(a.name for a in attrs.fields(DailyReward))
"""The record columns, in order: the fields of ``DailyReward``."""

ACCOUNT_COLUMNS: Final = ("account", "token", *COLUMNS)
"""The columns of ``Program.run``'s ``AccountReward`` items: account, token, the record's."""

T = TypeVar("T")

_AMOUNTS: Final = ("balance", "eligible", "apr", "gross", "paid", "carry", "forfeited")


def _cells(record: DailyReward) -> dict[str, str]:
    return {
        "day": record.day.isoformat(),
        "balance": f"{record.balance:f}",
        "eligible": f"{record.eligible:f}",
        "apr": f"{record.apr:f}",
        "gross": f"{record.gross:f}",
        "paid": f"{record.paid:f}",
        "carry": f"{record.carry:f}",
        "payout_at": record.payout_at.isoformat(),
        "forfeited": f"{record.forfeited:f}",
    }


def _account_cells(item: AccountReward) -> dict[str, str]:
    return {"account": item.account, "token": item.token, **_cells(item.reward)}


def _kind_of(items: Iterable[object]) -> tuple[Iterator[object], bool]:
    """The items again, and whether they are ``AccountReward`` (from the first item)."""
    stream = iter(items)
    first = next(stream, None)
    if first is None:
        return iter(()), False
    return itertools.chain((first,), stream), isinstance(first, AccountReward)


def _checked(items: Iterator[object], kind: type[T]) -> Iterator[T]:
    """Each item, refusing one not of ``kind`` (the first item's type) with its position."""
    for index, item in enumerate(items):
        if not isinstance(item, kind):
            msg = (
                f"records[{index}] is a {type(item).__name__}, not a {kind.__name__} as the "
                "first was: pass DailyReward records or Program.run's AccountReward items, "
                "not both"
            )
            raise InvalidTypeError(msg)
        yield item


def _rows(items: Iterable[object]) -> tuple[Sequence[str], Iterator[dict[str, str]]]:
    """The columns and each item's cells, for records or a program run's items."""
    stream, accounts = _kind_of(items)
    if accounts:
        checked = _checked(stream, AccountReward)
        return ACCOUNT_COLUMNS, map(_account_cells, checked)
    return COLUMNS, map(_cells, _checked(stream, DailyReward))


def write_records(
    records: Iterable[DailyReward] | Iterable[AccountReward],
    target: Source,
    *,
    format: Format | None = None,
) -> int:
    """Write records as CSV or JSON Lines, one per row; returns how many were written.

    Args:
        records: The records, consumed one at a time: ``DailyReward`` values, or the
            ``AccountReward`` items of ``Program.run``, which add the columns
            ``account`` and ``token`` first (``ACCOUNT_COLUMNS``).
        target: A path or an open text stream such as ``sys.stdout``.
        format: ``"csv"`` or ``"jsonl"``; by default, from the file's suffix.

    Raises:
        InvalidTypeError: If an item is not of the first item's type.
    """
    columns, rows = _rows(records)
    if format_of(target, format) == "csv":
        return csv.write_rows(target, columns, ([row[c] for c in columns] for row in rows))
    return jsonl.write_rows(target, rows)


def _record(cells: Cells) -> DailyReward | None:
    day = cells.get("day", parse_day)
    payout_at = cells.get("payout_at", parse_instant)
    amounts = {name: cells.get(name, partial(parse_amount, name=name)) for name in _AMOUNTS[:-1]}
    forfeited = (
        cells.get("forfeited", partial(parse_amount, name="forfeited"))
        if cells.present("forfeited")
        else ZERO
    )
    if day is None or payout_at is None or forfeited is None or cells.failed:
        return None
    values = {k: v for k, v in amounts.items() if v is not None}
    return DailyReward(day=day, payout_at=payout_at, forfeited=forfeited, **values)


def read_records(
    source: Source,
    *,
    format: Format | None = None,
    max_errors: int = DEFAULT_MAX_ERRORS,
) -> Iterator[DailyReward]:
    """Read records written by ``write_records``, one at a time.

    Raises:
        BadRowsError: After the last row, if any row was bad.
    """
    return read(
        source,
        format=format,
        max_errors=max_errors,
        required=COLUMNS[:-1],
        optional=("forfeited",),
        convert=_record,
    )


def to_dicts(records: Iterable[DailyReward]) -> list[dict[str, date | datetime | Decimal]]:
    """The records as plain dicts, field name to value, values unchanged.

    Examples:
        >>> from softstaking.samples import seed_rewards
        >>> first = to_dicts(seed_rewards())[0]
        >>> first.get("paid")
        Decimal('9.315068493150684931')
    """
    return [attrs.asdict(r, recurse=False) for r in records]


def to_pandas(records: Iterable[DailyReward] | Iterable[AccountReward]) -> pd.DataFrame:
    """The records as a pandas DataFrame, one row per record, amounts exact.

    Takes ``DailyReward`` records, or the ``AccountReward`` items of ``Program.run``,
    which add the string columns ``account`` and ``token`` first. Amount columns have
    ``object`` dtype and hold the ``Decimal`` values themselves, so nothing goes through
    a float (``softstaking.frames.rewards`` gives Arrow decimal columns instead);
    ``day`` holds ``datetime.date`` values and ``payout_at`` is a tz-aware
    ``datetime64`` column in UTC. Convert a column yourself
    (``df["paid"].astype(float)``) only for plotting.

    Needs pandas: ``pip install 'softstaking[pandas]'``.

    Raises:
        ImportError: If pandas is not installed, saying how to install it.
    """
    try:
        import pandas as pd  # noqa: PLC0415  (optional dependency)
    except ImportError as err:  # pragma: no cover  (pandas is in the dev extra)
        msg = "to_pandas needs pandas: pip install 'softstaking[pandas]'"
        raise ImportError(msg) from err
    stream, accounts = _kind_of(records)
    labels: dict[str, list[str]] = {"account": [], "token": []}
    if accounts:
        items = list(_checked(stream, AccountReward))
        labels = {
            "account": [i.account for i in items],
            "token": [i.token for i in items],
        }
        found = [i.reward for i in items]
    else:
        found = list(_checked(stream, DailyReward))
    rows = to_dicts(found)
    frame = pd.DataFrame(
        {c: pd.Series([r[c] for r in rows], dtype=object) for c in COLUMNS if c != "payout_at"}
    )
    frame.insert(
        COLUMNS.index("payout_at"),
        "payout_at",
        pd.to_datetime(pd.Series([r["payout_at"] for r in rows], dtype=object), utc=True),
    )
    if accounts:
        frame.insert(0, "token", pd.Series(labels["token"], dtype=object))
        frame.insert(0, "account", pd.Series(labels["account"], dtype=object))
    return frame
