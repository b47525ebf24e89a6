"""Annual rates: flat or tiered, and schedules of them that change by day.

A rate is either a :class:`~decimal.Decimal` APR as a fraction (``Decimal("0.05")`` is
5 %) or a :class:`TieredApr`. An :class:`AprSchedule` says which rate applies on each day:
an entry takes effect on its date and holds until the next entry.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable, Mapping
from datetime import date
from decimal import Decimal
from typing import TypeAlias

import attrs

from softstaking.amounts import CONTEXT, ZERO, AmountLike, to_amount
from softstaking.errors import InvalidInputError, InvalidTypeError, MissingRateError
from softstaking.instants import check_day

__all__ = ["AprSchedule", "Rate", "RateLike", "TieredApr", "to_rate"]


def _to_bands(
    value: Iterable[tuple[AmountLike | None, AmountLike]],
) -> tuple[tuple[Decimal | None, Decimal], ...]:
    if isinstance(value, (str, bytes, Mapping)) or not isinstance(value, Iterable):
        msg = "TieredApr takes a list of (up_to, apr) pairs, the last with up_to=None"
        raise InvalidTypeError(msg)
    bands: list[tuple[Decimal | None, Decimal]] = []
    for i, pair in enumerate(value):
        if not isinstance(pair, tuple | list) or len(pair) != 2:
            msg = f"TieredApr band {i} must be an (up_to, apr) pair, not {pair!r}"
            raise InvalidTypeError(msg)
        raw_up_to, raw_apr = pair
        apr = to_amount(raw_apr, name=f"TieredApr band {i} apr")
        if raw_up_to is None:
            bands.append((None, apr))
            continue
        up_to = to_amount(raw_up_to, name=f"TieredApr band {i} up_to")
        previous = bands[-1][0] if bands else ZERO
        if previous is None or up_to <= previous:
            msg = (
                f"TieredApr band {i}: up_to must be above the previous band's bound "
                f"({previous}), got {up_to}"
            )
            raise InvalidInputError(msg)
        bands.append((up_to, apr))
    if not bands:
        msg = "TieredApr needs at least one band"
        raise InvalidInputError(msg)
    if bands[-1][0] is not None:
        msg = (
            f"TieredApr's last band must have up_to=None, so every balance has a rate; "
            f"got up_to={bands[-1][0]}. Use the calculator's cap to stop earning above a bound."
        )
        raise InvalidInputError(msg)
    return tuple(bands)


@attrs.frozen
class TieredApr:
    """Marginal tiers: each band's rate applies to the part of the balance inside it.

    Args:
        bands: ``(up_to, apr)`` pairs with rising bounds; the last has ``up_to=None``
            and covers everything above the one before.

    HTX's published example: 9,000 USDT at 10 % up to 2,000, 8 % up to 5,000 and 5 %
    above earns 2,000 × 10 % + 3,000 × 8 % + 4,000 × 5 % = 640 a year.

    Examples:
        >>> htx = TieredApr([(2000, "0.10"), (5000, "0.08"), (None, "0.05")])
        >>> htx.annual_reward(Decimal(9000))
        Decimal('640.00')
        >>> htx.blended_rate(Decimal(9000))
        Decimal('0.07111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111')
    """

    bands: tuple[tuple[Decimal | None, Decimal], ...] = attrs.field(converter=_to_bands)

    def annual_reward(self, balance: Decimal) -> Decimal:
        """A year's reward on ``balance``: the sum over bands of the part inside × its rate.

        Exact for balances given to the base unit; an average balance carrying the
        library's full precision rounds half-even at that precision.
        """
        total = ZERO
        lower = ZERO
        for up_to, apr in self.bands:
            if up_to is None or balance <= up_to:
                part = CONTEXT.subtract(balance, lower)
                return CONTEXT.add(total, CONTEXT.multiply(part, apr))
            total = CONTEXT.add(total, CONTEXT.multiply(CONTEXT.subtract(up_to, lower), apr))
            lower = up_to
        raise AssertionError("unreachable: the last band is open")  # pragma: no cover

    def blended_rate(self, balance: Decimal) -> Decimal:
        """The single rate that earns the same on ``balance``; the first band's at zero."""
        if balance == ZERO:
            return self.bands[0][1]
        return CONTEXT.divide(self.annual_reward(balance), balance)


Rate: TypeAlias = Decimal | TieredApr
"""An annual rate: a flat APR as a fraction, or marginal tiers."""

RateLike: TypeAlias = AmountLike | TieredApr
"""What the library accepts as a rate."""


def to_rate(value: object, *, name: str = "rate") -> Rate:
    """Check a rate: a :class:`TieredApr` as it is, else a non-negative exact amount."""
    if isinstance(value, TieredApr):
        return value
    return to_amount(value, name=name)


def _to_entries(value: Mapping[date, RateLike]) -> tuple[tuple[date, Rate], ...]:
    if not isinstance(value, Mapping):
        msg = "AprSchedule takes a mapping of {effective_date: rate}"
        raise InvalidTypeError(msg)
    entries = []
    for key, rate in value.items():
        day = check_day(key, name="AprSchedule key")
        entries.append((day, to_rate(rate, name=f"rate effective {day}")))
    if not entries:
        msg = "AprSchedule needs at least one entry"
        raise InvalidInputError(msg)
    entries.sort(key=lambda entry: entry[0])
    return tuple(entries)


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
