"""Balance events and the balance timeline they make.

A timeline is a step function of time: the opening balance, changed by each event at its
instant. ``balance_at(t)`` includes the events at exactly ``t``; a window ``[start, end)``
sees the events in it up to, not including, ``end``.
"""

from __future__ import annotations

import decimal
from collections.abc import Iterable
from datetime import datetime
from decimal import Decimal
from typing import Any

import attrs

from softstaking.core.amounts import EXACT, PRECISION, ZERO, AmountLike, to_amount
from softstaking.core.errors import InvalidInputError, InvalidTypeError, NegativeBalanceError
from softstaking.core.instants import check_aware, to_us
from softstaking.core.sweep import BalanceView

__all__ = ["BalanceEvent", "BalanceTimeline"]


def _to_delta(value: AmountLike) -> Decimal:
    return to_amount(value, name="BalanceEvent.delta", allow_negative=True)


def _exponent_of(amount: Decimal) -> int:
    """The exponent of the last digit written, an upper bound on the amount's finest unit."""
    exponent = amount.as_tuple().exponent
    assert isinstance(exponent, int)  # finite: checked when the amount came in
    return exponent


def _check_at(_: object, __: attrs.Attribute[Any], value: object) -> None:
    check_aware(value, name="BalanceEvent.at")


def _check_kind(_: object, __: attrs.Attribute[Any], value: object) -> None:
    if not isinstance(value, str):
        msg = f"BalanceEvent.kind must be a str, not {type(value).__name__}"
        raise InvalidTypeError(msg)


@attrs.frozen
class BalanceEvent:
    """A change to a balance at an instant.

    Attributes:
        at: When it happens: a tz-aware datetime.
        delta: The signed change: positive for a deposit, negative for a withdrawal.
        kind: A free label such as ``"deposit"``, ``"withdrawal"`` or ``"trade"``.

    Examples:
        >>> from datetime import datetime, timezone
        >>> event = BalanceEvent(datetime(2019, 7, 15, 6, tzinfo=timezone.utc), "1000")
        >>> event.delta, event.kind
        (Decimal('1000'), 'transfer')
    """

    at: datetime = attrs.field(validator=_check_at)
    delta: Decimal = attrs.field(converter=_to_delta)
    kind: str = attrs.field(default="transfer", kw_only=True, validator=_check_kind)


@attrs.frozen
class BalanceTimeline:
    """A balance through time, built from events with ``from_events``.

    Attributes:
        opening: The balance before the first event.
        events: The events in time order; events at the same instant keep their given order.
    """

    opening: Decimal
    events: tuple[BalanceEvent, ...]
    _times: tuple[int, ...] = attrs.field(repr=False, eq=False)
    _balances: tuple[Decimal, ...] = attrs.field(repr=False, eq=False)
    _exponent: int = attrs.field(repr=False, eq=False)

    @classmethod
    def from_events(
        cls, events: Iterable[BalanceEvent], *, opening: AmountLike = 0
    ) -> BalanceTimeline:
        """Build a timeline from events in any order.

        Args:
            events: The balance events. Their order matters only between events at the
                same instant, which apply in the order given.
            opening: The balance before the first event.

        Raises:
            NegativeBalanceError: If an event would take the balance below zero. The
                error names the event and its position in ``events``.
            InvalidTypeError: If an item is not a ``BalanceEvent``.

        Examples:
            >>> from datetime import datetime, timezone
            >>> t = datetime(2024, 1, 1, tzinfo=timezone.utc)
            >>> tl = BalanceTimeline.from_events([BalanceEvent(t, 5)], opening=10)
            >>> tl.balance_at(t)
            Decimal('15')
        """
        start = to_amount(opening, name="opening")
        given = list(events)
        instants = []
        for index, event in enumerate(given):
            if not isinstance(event, BalanceEvent):
                msg = f"events[{index}] must be a BalanceEvent, not {type(event).__name__}"
                raise InvalidTypeError(msg)
            instants.append(to_us(event.at))
        # A stable sort by instant alone: events at the same instant keep their order.
        order = sorted(range(len(given)), key=instants.__getitem__)
        times: list[int] = []
        balances: list[Decimal] = []
        balance, add = start, EXACT.add
        for index in order:
            event, us = given[index], instants[index]
            try:
                balance = add(balance, event.delta)
            except decimal.Inexact:
                msg = (
                    f"events[{index}] ({event.kind} of {event.delta:f} at "
                    f"{event.at.isoformat()}) makes a balance of more than {PRECISION} "
                    "significant digits, more than the library keeps exactly"
                )
                raise InvalidInputError(msg) from None
            if balance < ZERO:
                msg = (
                    f"events[{index}] ({event.kind} of {event.delta:f} at "
                    f"{event.at.isoformat()}) would take the balance to {balance:f}"
                )
                raise NegativeBalanceError(msg, event=event, index=index, balance=balance)
            if times and times[-1] == us:
                balances[-1] = balance
            else:
                times.append(us)
                balances.append(balance)
        # An exact sum has its terms' finest exponent: the last balance has every delta's.
        exponent = _exponent_of(balance) if given else min(0, _exponent_of(start))
        return cls(
            start,
            tuple(given[index] for index in order),
            tuple(times),
            tuple(balances),
            exponent,
        )

    def balance_at(self, t: datetime) -> Decimal:
        """The balance at ``t``, counting the events at exactly ``t``."""
        return self._view().balance_at(t)

    def min_balance(self, start: datetime, end: datetime) -> Decimal:
        """The lowest balance at any instant of ``[start, end)``."""
        return self._view().min_balance(start, end)

    def average_balance(self, start: datetime, end: datetime) -> Decimal:
        """The time-weighted average balance over ``[start, end)``.

        Each balance is weighted by how many microseconds it lasts. The sum is exact;
        the one division rounds half-even at the library's precision.
        """
        return self._view().average_balance(start, end)

    def _view(self) -> BalanceView:
        return BalanceView(self)
