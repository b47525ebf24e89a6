"""Reading one field: timestamps, days, exact amounts and labels, each checked.

Each parser takes the raw value of a cell (a string from CSV; a string, number or
``null`` from JSON) and returns the typed value, or raises ``FieldError`` with the
reason in words. The row readers turn that into a ``Problem``
naming the file, line and column.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal
from typing import Final

from dateutil.parser import isoparse

from softstaking.core.amounts import PRECISION, to_amount
from softstaking.core.errors import SoftStakingError

__all__ = [
    "MAX_EXPONENT",
    "MIN_EXPONENT",
    "MIN_SUMMED_EXPONENT",
    "FieldError",
    "parse_amount",
    "parse_day",
    "parse_instant",
    "parse_text",
]


MAX_EXPONENT: Final = 50
"""Amounts read from files lie below ``1E+50`` in size.

Real balances and rates are far inside this range; a value such as ``1e999`` is a
mistake, and refusing it here, with its line, beats a decimal error deep in a sum.
"""
MIN_EXPONENT: Final = -1000
"""Amounts read from files have no digit below ``1E-1000`` (records keep up to 100
significant digits, so a written file never comes near it)."""

MIN_SUMMED_EXPONENT: Final = MAX_EXPONENT - PRECISION
"""Amounts the library adds exactly (event deltas, payments, the command's balances) have
no digit below ``1E-50``: with the ``1E+50`` bound, a sum of two fits the library's
100 significant digits, so ``5 + 0E-500`` can never fail deep in a timeline."""

_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_NANOSECONDS = re.compile(r"[.,]\d{7,}")


class FieldError(Exception):
    """A field's value cannot be read; the message is the reason."""


def _text_of(value: object, what: str) -> str:
    if not isinstance(value, str):
        kind = "null" if value is None else type(value).__name__
        msg = f"must be {what} written as a string, not {kind} {value!r}"
        raise FieldError(msg)
    text = value.strip()
    if not text:
        msg = "is empty"
        raise FieldError(msg)
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as err:
        code = ord(text[err.start])
        msg = f"{text!r} holds a lone surrogate, U+{code:04X}, which is not text"
        raise FieldError(msg) from None
    return text


def _fromisoformat(text: str) -> datetime | None:
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        return None


def parse_instant(value: object) -> datetime:
    """An ISO 8601 timestamp with a UTC offset, such as ``2019-07-15T14:23:05+08:00``.

    Examples:
        >>> parse_instant("2019-07-15T06:23:05Z").isoformat()
        '2019-07-15T06:23:05+00:00'
    """
    text = _text_of(value, "an ISO 8601 timestamp")
    if _NANOSECONDS.search(text):
        msg = f"{text!r} has more than 6 fractional digits: times are kept to the microsecond"
        raise FieldError(msg)
    try:
        # fromisoformat keeps offsets with seconds (+05:30:15); isoparse reads the rest
        instant = _fromisoformat(text) or isoparse(text)
    except (ValueError, OverflowError):
        msg = f"{text!r} is not an ISO 8601 timestamp such as 2019-07-15T14:23:05+08:00"
        raise FieldError(msg) from None
    if instant.tzinfo is None or instant.utcoffset() is None:
        msg = (
            f"{text!r} has no UTC offset (a naive timestamp names no instant); "
            f"write it with one, such as {text}+08:00 or {text}Z"
        )
        raise FieldError(msg)
    return instant


def parse_day(value: object) -> date:
    """A calendar day written ``YYYY-MM-DD``.

    Examples:
        >>> parse_day("2019-07-15")
        datetime.date(2019, 7, 15)
    """
    text = _text_of(value, "a date")
    try:
        if not _DAY.fullmatch(text):  # fromisoformat also takes 2019-W29-1 and 20190715
            raise ValueError(text)
        return date.fromisoformat(text)
    except ValueError:
        msg = f"{text!r} is not a date written YYYY-MM-DD"
        raise FieldError(msg) from None


def parse_amount(
    value: object, *, name: str, allow_negative: bool = False, summed: bool = False
) -> Decimal:
    """An exact amount: a decimal string, or a JSON number read as a Decimal.

    JSON numbers arrive here already exact: the readers parse them with
    ``parse_float=Decimal``, never through a float. An amount lies below ``1E+50`` and
    has no digit below ``1E-1000`` or, if the library adds it exactly (``summed``),
    below ``1E-50``; a zero's exponent counts too (``0E-500`` is refused where summed).

    Examples:
        >>> parse_amount("12345.678", name="delta")
        Decimal('12345.678')
    """
    if isinstance(value, str):
        value = _text_of(value, "an amount")
    elif value is None or isinstance(value, bool | float) or not isinstance(value, int | Decimal):
        kind = "null" if value is None else type(value).__name__
        msg = f'must be an amount such as "0.05", not {kind} {value!r}'
        raise FieldError(msg)
    if isinstance(value, str) and "_" in value:
        msg = f"{value!r} is not a plain decimal number: write it without underscores"
        raise FieldError(msg)
    try:
        amount = to_amount(value, name=name, allow_negative=allow_negative)
    except SoftStakingError as err:
        raise FieldError(str(err)) from None
    exponent = int(amount.as_tuple().exponent)  # finite, so an int
    lowest = MIN_SUMMED_EXPONENT if summed else MIN_EXPONENT
    if not (exponent >= lowest and amount.adjusted() < MAX_EXPONENT):
        msg = (
            f"{value!s} is out of range: {name} must be below 1E+{MAX_EXPONENT} and "
            f"have no digit below 1E{lowest}"
        )
        raise FieldError(msg)
    return amount


def parse_text(value: object) -> str:
    """A non-empty label, such as an event's kind or a token symbol."""
    return _text_of(value, "a label")
