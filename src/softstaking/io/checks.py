"""A reconciliation out to a file: one row per day, for a scheduler or a spreadsheet.

Columns: ``day``, ``status`` (``matched``, ``missing``, ``extra``, ``different``),
``computed``, ``platform`` and ``difference``; an absent side is an empty cell (CSV) or
``null`` (JSON Lines). Amounts are fixed-point strings with every digit.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Final

from softstaking.io import csv, jsonl
from softstaking.io.sources import Format, Source, format_of
from softstaking.programs.reconcile import DayCheck, Reconciliation

__all__ = ["CHECK_COLUMNS", "write_checks"]

CHECK_COLUMNS: Final = ("day", "status", "computed", "platform", "difference")
"""The columns of a written reconciliation, in order."""


def _amount(value: Decimal | None) -> str | None:
    return None if value is None else f"{value:f}"


def _row(check: DayCheck) -> Mapping[str, str | None]:
    return {
        "day": check.day.isoformat(),
        "status": check.status.value,
        "computed": _amount(check.expected),
        "platform": _amount(check.actual),
        "difference": _amount(check.difference),
    }


def write_checks(
    result: Reconciliation,
    target: Source,
    *,
    format: Format | None = None,
) -> int:
    """Write each day's check as CSV or JSON Lines; returns how many rows were written.

    Examples:
        >>> import io
        >>> from datetime import date
        >>> from softstaking.programs.reconcile import ReportedPayout, reconcile
        >>> out = io.StringIO()
        >>> write_checks(reconcile([], [ReportedPayout(date(2024, 1, 1), "2")]), out, format="csv")
        1
        >>> print(out.getvalue(), end="")
        day,status,computed,platform,difference
        2024-01-01,extra,,2,2
    """
    rows = map(_row, result.checks)
    if format_of(target, format) == "csv":
        return csv.write_rows(
            target, CHECK_COLUMNS, ([row[c] or "" for c in CHECK_COLUMNS] for row in rows)
        )
    return jsonl.write_rows(target, rows)
