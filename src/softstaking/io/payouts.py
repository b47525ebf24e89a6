"""A platform's payout history: one row per payment, to reconcile against.

Columns: ``date`` (``YYYY-MM-DD``), ``amount`` (a decimal string), and optionally
``token`` and ``account``. Given ``token=`` or ``account=``, rows naming another token or
account belong to someone else's history and are left out; rows without one are kept.
Tokens and accounts are matched ignoring case (``iotx`` is ``IOTX``). Pass ``skipped=``
to learn which rows were left out.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from functools import partial

from softstaking.io.errors import DEFAULT_MAX_ERRORS
from softstaking.io.fields import parse_amount, parse_day, parse_text
from softstaking.io.reading import Cells, read
from softstaking.io.sources import Format, Source
from softstaking.programs.reconcile import ReportedPayout

__all__ = ["read_payouts"]


def read_payouts(
    source: Source,
    *,
    token: str | None = None,
    account: str | None = None,
    format: Format | None = None,
    max_errors: int = DEFAULT_MAX_ERRORS,
    skipped: Callable[[int], None] | None = None,
    tokens: Callable[[str], object] | None = None,
) -> Iterator[ReportedPayout]:
    """The payments in a payout history export, one at a time.

    Args:
        source: A path or an open text stream.
        token: Keep only rows for this token (and rows naming none).
        account: Keep only rows for this account (and rows naming none).
        format: ``"csv"`` or ``"jsonl"``; by default, from the file's suffix.
        max_errors: How many problems the error lists before it only counts the rest.
        skipped: Called with the line of each row left out for another token or account.
        tokens: Called with the token each kept row names, if it names one, so that a
            caller can check that the export is of one token.

    Raises:
        BadRowsError: After the last row, if any row was bad.
    """
    wanted = {c: v.casefold() for c, v in (("token", token), ("account", account)) if v}

    def payout(cells: Cells) -> ReportedPayout | None:
        day = cells.get("date", parse_day)
        amount = cells.get("amount", partial(parse_amount, name="amount", summed=True))
        for column, value in wanted.items():
            if cells.present(column) and (cells.get(column, parse_text) or "").casefold() != value:
                if skipped is not None and not cells.failed:
                    skipped(cells.row.line)
                return None
        if day is None or amount is None:
            return None
        if tokens is not None and cells.present("token"):
            named = cells.get("token", parse_text)
            if named:
                tokens(named)
        return ReportedPayout(day, amount)

    return read(
        source,
        format=format,
        max_errors=max_errors,
        required=("date", "amount"),
        optional=("token", "account"),
        convert=payout,
    )
