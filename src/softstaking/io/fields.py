"""Reading one field: timestamps, days, exact amounts and labels, each checked.

Each parser takes the raw value of a cell (a string from CSV; a string, number or
``null`` from JSON) and returns the typed value, or raises :class:`FieldError` with the
reason in words. The row readers turn that into a :class:`~softstaking.io.errors.Problem`
naming the file, line and column.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from dateutil.parser import isoparse

from softstaking.amounts import to_amount
from softstaking.errors import SoftStakingError

__all__ = ["FieldError", "parse_amount", "parse_day", "parse_instant", "parse_text"]


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
    return text


def parse_instant(value: object) -> datetime:
    """An ISO 8601 timestamp with a UTC offset, such as ``2019-07-15T14:23:05+08:00``.

    >>> parse_instant("2019-07-15T06:23:05Z").isoformat()
    '2019-07-15T06:23:05+00:00'
    """
    text = _text_of(value, "an ISO 8601 timestamp")
    try:
        instant = isoparse(text)
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

    >>> parse_day("2019-07-15")
    datetime.date(2019, 7, 15)
    """
    text = _text_of(value, "a date")
    try:
        if len(text) != 10:
            raise ValueError(text)
        return date.fromisoformat(text)
    except ValueError:
        msg = f"{text!r} is not a date written YYYY-MM-DD"
        raise FieldError(msg) from None


def parse_amount(value: object, *, name: str, allow_negative: bool = False) -> Decimal:
    """An exact amount: a decimal string, or a JSON number read as a Decimal.

    JSON numbers arrive here already exact: the readers parse them with
    ``parse_float=Decimal``, never through a float.

    >>> parse_amount("12345.678", name="delta")
    Decimal('12345.678')
    """
    if isinstance(value, str):
        value = _text_of(value, "an amount")
    elif value is None or isinstance(value, bool | float) or not isinstance(value, int | Decimal):
        kind = "null" if value is None else type(value).__name__
        msg = f'must be an amount such as "0.05", not {kind} {value!r}'
        raise FieldError(msg)
    try:
        return to_amount(value, name=name, allow_negative=allow_negative)
    except SoftStakingError as err:
        raise FieldError(str(err)) from None


def parse_text(value: object) -> str:
    """A non-empty label, such as an event's kind or a token symbol."""
    return _text_of(value, "a label")
