"""Accrual policies: how one number, the day's balance, is measured.

A policy is anything with a ``measure(window, balances)`` method that returns a
non-negative Decimal; ``AccrualPolicy`` is the protocol. The library ships four:

* ``DailySnapshot``: the balance at one wall-clock time of the day;
* ``TimeWeighted``: the time-weighted average over the day;
* ``MinimumBalance``: the lowest balance at any instant of the day;
* ``SnapshotAverage``: the mean of the balances at several times of the day.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import time
from decimal import Decimal
from typing import Any, Protocol, runtime_checkable

import attrs

from softstaking.core.amounts import CONTEXT, EXACT, ZERO
from softstaking.core.days import DayWindow
from softstaking.core.errors import InvalidInputError, InvalidTypeError
from softstaking.core.sweep import BalanceView

__all__ = [
    "AccrualPolicy",
    "DailySnapshot",
    "MinimumBalance",
    "SnapshotAverage",
    "TimeWeighted",
    "check_measured",
]


@runtime_checkable
class AccrualPolicy(Protocol):
    """Measures a day's balance.

    ``measure`` gets the day's window (its date and its ``[start, end)`` instants) and a
    ``BalanceView`` to ask about the balance. It returns the
    balance the day's reward is computed on: a finite, non-negative Decimal.

    Examples:
        >>> from datetime import UTC, timedelta
        >>> class Closing:
        ...     '''The balance at the last instant of the day.'''
        ...     def measure(self, window, balances):
        ...         # Subtract in UTC: arithmetic on an aware datetime in a zone is wall-clock
        ...         # arithmetic, which goes wrong next to a DST gap.
        ...         last = window.end.astimezone(UTC) - timedelta(microseconds=1)
        ...         return balances.balance_at(last)
        >>> isinstance(Closing(), AccrualPolicy)
        True
    """

    def measure(self, window: DayWindow, balances: BalanceView) -> Decimal:
        """The balance for the day in ``window``."""
        ...


def check_measured(measured: object, *, where: str) -> Decimal:
    """Return what a policy measured if it is a finite, non-negative Decimal; else raise.

    Args:
        measured: The policy's return value.
        where: Which policy, day (and account) it was, for the message.

    Raises:
        InvalidTypeError: If it is not a Decimal.
        InvalidInputError: If it is negative, NaN or infinite.
    """
    if not isinstance(measured, Decimal):
        msg = f"{where} measured a {type(measured).__name__}; a policy must return a Decimal"
        raise InvalidTypeError(msg)
    if not measured.is_finite() or measured < ZERO:
        msg = f"{where} measured {measured}; a balance must be finite and not negative"
        raise InvalidInputError(msg)
    return measured


def _check_wall_time(value: object, *, name: str) -> time:
    if not isinstance(value, time):
        msg = f"{name} must be a datetime.time, not {type(value).__name__}"
        raise InvalidTypeError(msg)
    if value.tzinfo is not None:
        msg = (
            f"{name} must be a wall-clock time without tzinfo ({value.isoformat()} has one); "
            "the calculator's tz says which zone's clock it is"
        )
        raise InvalidInputError(msg)
    return value


def _check_at(_: object, __: attrs.Attribute[Any], value: object) -> None:
    _check_wall_time(value, name="DailySnapshot.at")


@attrs.frozen
class DailySnapshot:
    """The balance at one wall-clock time of the day, events at that instant included.

    Attributes:
        at: The time of day on the calculator's clock; midnight by default, which is
            the instant the day starts unless the calculator has a ``day_offset`` (then
            give the cut-off time, such as ``time(22)``, to read the day's start).
            KuCoin's 2019 program used ``time(23, 59, 59)`` in UTC+8.
    """

    at: time = attrs.field(default=time(0), validator=_check_at)

    def measure(self, window: DayWindow, balances: BalanceView) -> Decimal:
        """The balance at ``window.at(self.at)``."""
        return balances.at_us(window.at_us(self.at))


@attrs.frozen
class TimeWeighted:
    """The time-weighted average balance over the whole day, ``[start, end)``.

    Each balance counts for as long as it lasts, to the microsecond; on a 25-hour day
    an hour is 1/25 of the day.
    """

    def measure(self, window: DayWindow, balances: BalanceView) -> Decimal:
        """The average over the window."""
        return balances.average_us(window.start_us, window.end_us)


@attrs.frozen
class MinimumBalance:
    """The lowest balance at any instant of the day, as in "lowest amount held"."""

    def measure(self, window: DayWindow, balances: BalanceView) -> Decimal:
        """The minimum over the window."""
        return balances.min_us(window.start_us, window.end_us)


def _to_times(value: Iterable[time]) -> tuple[time, ...]:
    if isinstance(value, time) or not isinstance(value, Iterable):
        msg = "SnapshotAverage takes an iterable of datetime.time values"
        raise InvalidTypeError(msg)
    times = tuple(_check_wall_time(t, name="SnapshotAverage time") for t in value)
    if not times:
        msg = "SnapshotAverage needs at least one time"
        raise InvalidInputError(msg)
    if len(set(times)) != len(times):
        msg = f"SnapshotAverage times must be distinct: got {[t.isoformat() for t in times]}"
        raise InvalidInputError(msg)
    return times


@attrs.frozen
class SnapshotAverage:
    """The mean of the balances at several wall-clock times of the day.

    Pool-X took one snapshot in every hour and used the sum of 24 snapshots / 24:
    ``SnapshotAverage([time(h, 30) for h in range(24)])``. A time skipped by a DST change
    is read at the end of the gap, and a repeated time at its first occurrence, so the
    count stays the same every day.

    Attributes:
        times: The distinct times of day to read the balance at.
    """

    times: tuple[time, ...] = attrs.field(converter=_to_times)

    def measure(self, window: DayWindow, balances: BalanceView) -> Decimal:
        """The sum of the snapshots divided by their count."""
        total = ZERO
        for t in self.times:
            total = EXACT.add(total, balances.at_us(window.at_us(t)))
        return CONTEXT.divide(total, len(self.times))
