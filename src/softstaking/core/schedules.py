"""Schedules of annual rates that change by day.

An ``AprSchedule`` says which rate applies on each day: an entry takes effect on its
date and holds until the next entry. A rate is a flat ``Decimal`` APR or a
rate model from ``softstaking.core.rates`` (re-exported here). Schedules whose layers change
on different days add up with ``AprSchedule.layered`` or ``base + bonus``; rates
that change within a day live in ``softstaking.core.intraday``.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Callable, Mapping
from datetime import date, datetime
from typing import Any, TypeVar

import attrs

from softstaking.core.errors import InvalidInputError, InvalidTypeError, MissingRateError
from softstaking.core.instants import check_day
from softstaking.core.rates import Rate, RateLike, StackedApr, TieredApr, to_rate

__all__ = ["AprSchedule", "Rate", "RateLike", "TieredApr", "to_rate"]


K = TypeVar("K", date, datetime)


def rate_entries(
    value: object,
    *,
    kind: str,
    key_name: str,
    check_key: Callable[[object], K],
    order: Callable[[K], Any],
) -> tuple[tuple[K, Rate], ...]:
    """Check ``{key: rate}`` entries and sort them by ``order`` of the key.

    Shared by the daily and the intraday schedule; ``kind`` names the schedule in errors.
    """
    if not isinstance(value, Mapping):
        msg = f"{kind} takes a mapping of {{{key_name}: rate}}"
        raise InvalidTypeError(msg)
    entries = []
    for raw_key, rate in value.items():
        key = check_key(raw_key)
        entries.append((key, to_rate(rate, name=f"rate effective {key.isoformat()}")))
    if not entries:
        msg = f"{kind} needs at least one entry"
        raise InvalidInputError(msg)
    entries.sort(key=lambda entry: order(entry[0]))
    return tuple(entries)


def _check_day_key(value: object) -> date:
    return check_day(value, name="AprSchedule key")


def _to_entries(value: Mapping[date, RateLike]) -> tuple[tuple[date, Rate], ...]:
    return rate_entries(
        value,
        kind="AprSchedule",
        key_name="effective_date",
        check_key=_check_day_key,
        order=lambda day: day,
    )


@attrs.frozen
class AprSchedule:
    """Which annual rate applies on each day.

    Args:
        entries: ``{effective_date: rate}``. Each rate applies from its date until the
            next entry's date.

    Examples:
        >>> s = AprSchedule({date(2024, 1, 1): "0.05", date(2024, 2, 1): "0.04"})
        >>> s.rate_on(date(2024, 1, 31)), s.rate_on(date(2024, 2, 1))
        (Decimal('0.05'), Decimal('0.04'))
    """

    entries: tuple[tuple[date, Rate], ...] = attrs.field(converter=_to_entries)

    @classmethod
    def constant(cls, rate: RateLike) -> AprSchedule:
        """One rate on every day.

        Examples:
            >>> AprSchedule.constant("0.05").rate_on(date(1999, 12, 31))
            Decimal('0.05')
        """
        return cls({date.min: to_rate(rate)})

    @classmethod
    def layered(cls, *layers: AprSchedule) -> AprSchedule:
        """Schedules that add up, each changing on its own days.

        On each day the rate is a ``StackedApr`` of every layer's
        rate that day, so the day earns the sum of what each layer earns. The result
        changes whenever any layer does, and starts on the latest of the layers' first
        days: before it, some layer has no rate, and a missing layer is an error rather
        than a silent zero (give a bonus ``"0"`` from the base's first day instead).
        ``base + bonus`` is the same as ``AprSchedule.layered(base, bonus)``.

        Examples:
            >>> base = AprSchedule({date(2024, 1, 1): "0.01", date(2024, 1, 3): "0.02"})
            >>> bonus = AprSchedule({date(2024, 1, 1): "0", date(2024, 1, 2): "0.05"})
            >>> both = base + bonus
            >>> both.rate_on(date(2024, 1, 2))
            StackedApr(layers=(Decimal('0.01'), Decimal('0.05')))
            >>> both.rate_on(date(2024, 1, 3))
            StackedApr(layers=(Decimal('0.02'), Decimal('0.05')))
        """
        if not layers:
            msg = "AprSchedule.layered needs at least one schedule"
            raise InvalidInputError(msg)
        for i, layer in enumerate(layers):
            if not isinstance(layer, AprSchedule):
                msg = (
                    f"AprSchedule.layered takes AprSchedules; layer {i} is a "
                    f"{type(layer).__name__} (add an IntradayAprSchedule with +)"
                )
                raise InvalidTypeError(msg)
        first = max(layer.entries[0][0] for layer in layers)
        days = sorted(
            {first} | {day for layer in layers for day, _ in layer.entries if day > first}
        )
        return cls({day: StackedApr([layer.rate_on(day) for layer in layers]) for day in days})

    def __add__(self, other: AprSchedule) -> AprSchedule:
        """``base + bonus``: the layers add up; see ``layered``.

        Adding an ``IntradayAprSchedule`` or a ``LayeredSchedule`` gives a
        ``LayeredSchedule``: those types implement ``__radd__``, so this module, which
        they import, need not know them.
        """
        if isinstance(other, AprSchedule):
            return AprSchedule.layered(self, other)
        return NotImplemented

    def rate_on(self, day: date) -> Rate:
        """The rate in force on ``day``.

        Raises:
            MissingRateError: If ``day`` is before the first entry.
        """
        day = check_day(day, name="day")
        i = bisect_right(self.entries, day, key=lambda entry: entry[0])
        if i == 0:
            msg = f"no rate for {day}: the schedule starts on {self.entries[0][0]}"
            raise MissingRateError(msg)
        return self.entries[i - 1][1]

    def rates(self, start: date, end: date) -> list[Rate]:
        """The rate of each day in ``[start, end)``, in one pass over the entries."""
        if start < end:
            self.rate_on(start)  # fails early with the first missing day's name
        out: list[Rate] = []
        entries = self.entries
        i = bisect_right(entries, start, key=lambda entry: entry[0])
        day = start
        one = date.resolution
        while day < end:
            while i < len(entries) and entries[i][0] <= day:
                i += 1
            out.append(entries[i - 1][1])
            day += one
        return out
