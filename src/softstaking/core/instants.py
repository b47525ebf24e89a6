"""Instants: tz-aware datetimes checked at the edge and held as integer microseconds.

Internally an instant is the number of microseconds since 1970-01-01 UTC. Comparing and
subtracting integers is exact and fast, and it sidesteps the wall-clock arithmetic that
Python applies to two datetimes sharing a tzinfo.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Final

from softstaking.core.errors import InvalidTypeError, NaiveDatetimeError

__all__ = ["EPOCH", "check_aware", "check_day", "from_us", "to_us"]

EPOCH: Final = datetime(1970, 1, 1, tzinfo=UTC)
_ONE_US: Final = timedelta(microseconds=1)


def check_aware(value: object, *, name: str) -> datetime:
    """Return ``value`` if it is a tz-aware datetime, else raise a clear error."""
    if not isinstance(value, datetime):
        msg = f"{name} must be a timezone-aware datetime, not {type(value).__name__}"
        raise InvalidTypeError(msg)
    if value.tzinfo is None or value.utcoffset() is None:
        msg = (
            f"{name} must be timezone-aware: got the naive datetime {value.isoformat()}; "
            "attach a zone, e.g. value.replace(tzinfo=ZoneInfo('Asia/Shanghai'))"
        )
        raise NaiveDatetimeError(msg)
    return value


def check_day(value: object, *, name: str) -> date:
    """Return ``value`` if it is a calendar date (and not a datetime), else raise."""
    if isinstance(value, datetime) or not isinstance(value, date):
        msg = f"{name} must be a datetime.date naming a calendar day, not {type(value).__name__}"
        raise InvalidTypeError(msg)
    return value


def to_us(value: datetime) -> int:
    """Microseconds from the epoch to an aware datetime."""
    return (value - EPOCH) // _ONE_US


def from_us(us: int) -> datetime:
    """The UTC datetime ``us`` microseconds after the epoch."""
    return EPOCH + timedelta(microseconds=us)
