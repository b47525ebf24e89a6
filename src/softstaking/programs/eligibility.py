"""Eligibility: which of an account's funds earn, and from when.

The calculator measures one balance per day. Programs differ on *which* balance that is,
so each rule here is a transform from an account's events to its **earning** events,
whose timeline the calculator then measures unchanged:

* ``earning_events``: funds frozen in open orders earn or not, and funds waiting for
  a redemption never earn;
* ``next_day_events``: a deposit earns from the first full day after it arrives (T+1),
  while withdrawals take effect at once;
* ``activated_events``: nothing earns before the account enabled the program.

Event kinds (the convention every transform follows). Events record the account's
*available* balance: ``delta`` is the change to what the account can trade or withdraw.

| kind | delta | meaning |
| --- | --- | --- |
| `"order_freeze"` | −x | x moves from available into an open order (frozen) |
| `"order_release"` | +x | x moves back from an open order (a fill is a release, then the trade) |
| `"redemption_request"` | −x | x leaves available to wait for redemption; it stops earning |
| `"redemption_cancel"` | +x | a waiting redemption is cancelled: x is available again |
| `"redemption_settle"` | −x | the waiting x leaves the account; available is unchanged |
| any other | ±x | a deposit, withdrawal, trade, transfer or reward |

The frozen amount (minus the sum of freeze and release deltas) and the waiting amount
(requests less cancellations and settlements) may never go below zero: an event that
would make them is refused, named. The signs in the table are required: a pocket
event with the other sign (or zero) is refused too, since a positive settlement, say,
would create funds from nothing.

A run that starts while an order is open or a redemption is waiting passes the
amounts frozen and waiting at its opening (``frozen=`` and ``waiting=``), so daily
runs chain: the next run's openings are the previous run's closing amounts.
"""

from __future__ import annotations

import decimal
import enum
import functools
from collections.abc import Iterable, Mapping
from datetime import date, datetime, timedelta
from decimal import Decimal
from operator import itemgetter
from typing import Final

from softstaking.core.amounts import EXACT, PRECISION, ZERO, AmountLike, to_amount
from softstaking.core.days import DayCalendar
from softstaking.core.errors import InvalidInputError, InvalidTypeError, NegativeBalanceError
from softstaking.core.instants import check_aware, from_us, to_us
from softstaking.core.timeline import BalanceEvent

__all__ = [
    "ORDER_FREEZE",
    "ORDER_RELEASE",
    "POCKET_KINDS",
    "REDEMPTION_CANCEL",
    "REDEMPTION_REQUEST",
    "REDEMPTION_SETTLE",
    "EarningStart",
    "activated_events",
    "earning_events",
    "next_day_events",
    "next_day_start",
]

ORDER_FREEZE: Final = "order_freeze"
"""Moves funds from the available balance into an open order (a negative delta)."""
ORDER_RELEASE: Final = "order_release"
"""Moves funds from an open order back to the available balance (a positive delta)."""
REDEMPTION_REQUEST: Final = "redemption_request"
"""Moves funds from the available balance into a waiting redemption (a negative delta)."""
REDEMPTION_CANCEL: Final = "redemption_cancel"
"""Moves funds from a waiting redemption back to the available balance (a positive delta)."""
REDEMPTION_SETTLE: Final = "redemption_settle"
"""Waiting funds leave the account (a negative delta); the available balance is unchanged."""

_FROZEN: Final = frozenset({ORDER_FREEZE, ORDER_RELEASE})
_WAITING: Final = frozenset({REDEMPTION_REQUEST, REDEMPTION_CANCEL})
_DAY: Final = timedelta(days=1)
POCKET_KINDS: Final = _FROZEN | _WAITING | {REDEMPTION_SETTLE}
"""Every kind that moves funds between the available balance and a side pocket."""
_NEGATIVE: Final = frozenset({ORDER_FREEZE, REDEMPTION_REQUEST, REDEMPTION_SETTLE})
"""Pocket kinds whose delta must be below zero; the others must be above."""


def _exact_sum(a: Decimal, b: Decimal, *, where: str) -> Decimal:
    """``a + b`` exactly, or an InvalidInputError naming ``where`` (such as an event)."""
    try:
        return EXACT.add(a, b)
    except decimal.Inexact:
        msg = (
            f"{where} makes an amount of more than {PRECISION} significant digits, "
            "more than the library keeps exactly"
        )
        raise InvalidInputError(msg) from None


def _describe(event: BalanceEvent, index: int) -> str:
    return f"events[{index}] ({event.kind} of {event.delta:f} at {event.at.isoformat()})"


def _check_sign(event: BalanceEvent, index: int, role: str) -> None:
    negative = role in _NEGATIVE
    if (event.delta < ZERO) if negative else (event.delta > ZERO):
        return
    want = "below zero" if negative else "above zero"
    what = role if role == event.kind else f"{event.kind} ({role})"
    msg = f"{_describe(event, index)}: {what} deltas must be {want}"
    raise InvalidInputError(msg)


class EarningStart(enum.Enum):
    """When newly arrived funds start to earn."""

    ON_ARRIVAL = "on_arrival"
    """T+0: from the instant they arrive, as the seed's KuCoin program ("once the deposit
    has arrived", "once the open order is matched")."""

    NEXT_DAY = "next_day"
    """T+1: from the start of the first full day after they arrive, in the program's
    calendar, as Binance Simple Earn's subscriptions. As ``Program.activation`` it is
    the soft-staking rule "snapshots from 00:00 the day after activation" (Binance and
    Gate Soft Staking, KuCoin Hold to Earn): it applies once, to enabling the program,
    not to each later deposit, so their presets keep deposits T+0."""


def _keyed(events: Iterable[BalanceEvent]) -> list[tuple[int, BalanceEvent]]:
    """``(instant in µs, event)`` in time order, same instants in the order given."""
    keyed = []
    for index, event in enumerate(events):
        if not isinstance(event, BalanceEvent):
            msg = f"events[{index}] must be a BalanceEvent, not {type(event).__name__}"
            raise InvalidTypeError(msg)
        keyed.append((to_us(event.at), event))
    keyed.sort(key=itemgetter(0))  # stable: same instants keep their order
    return keyed


def _sorted(events: Iterable[BalanceEvent]) -> list[BalanceEvent]:
    """Events in time order, same-instant events in the order given, type-checked."""
    return [event for _, event in _keyed(events)]


@functools.lru_cache(maxsize=1024)
def _cached_start_us(calendar: DayCalendar, day: date) -> int:
    return to_us(calendar.start_of(day))


def _start_us(calendar: DayCalendar, day: date) -> int:
    try:
        return _cached_start_us(calendar, day)
    except TypeError:  # a tzinfo that cannot be hashed, such as dateutil's zones
        return to_us(calendar.start_of(day))


def next_day_start(calendar: DayCalendar, at: datetime) -> datetime:
    """The start of the day after the one that contains ``at``, in ``calendar``.

    The same answer as ``calendar.start_of(calendar.day_of(at) + timedelta(days=1))``,
    with the days' starts remembered, since a program asks for the same few days
    for every account.

    Examples:
        >>> from datetime import UTC
        >>> next_day_start(DayCalendar(), datetime(2025, 1, 1, 15, tzinfo=UTC)).isoformat()
        '2025-01-02T00:00:00+00:00'
    """
    return from_us(_next_day_start_us(calendar, to_us(check_aware(at, name="at"))))


def _next_day_start_us(calendar: DayCalendar, us: int) -> int:
    # A wall-clock estimate of the day, settled exactly against the days' starts.
    local = from_us(us).astimezone(calendar.tz).replace(tzinfo=None) - calendar.day_offset
    day = local.date()
    while us < _start_us(calendar, day):
        day -= _DAY
    while us >= _start_us(calendar, day + _DAY):
        day += _DAY
    return _start_us(calendar, day + _DAY)


def _overdrawn(
    what: str, event: BalanceEvent, index: int, balance: Decimal
) -> NegativeBalanceError:
    msg = f"{_describe(event, index)} would take the {what} to {balance:f}"
    return NegativeBalanceError(msg, event=event, index=index, balance=balance)


def earning_events(
    events: Iterable[BalanceEvent],
    *,
    opening: AmountLike = 0,
    frozen: AmountLike = 0,
    waiting: AmountLike = 0,
    frozen_earns: bool,
    allow_negative: bool = False,
    roles: Mapping[str, str] | None = None,
) -> list[BalanceEvent]:
    """The events of the balance that earns, given whether frozen funds earn.

    Settlements are dropped (their funds stopped earning when the redemption was
    requested). With ``frozen_earns`` the freeze and release events are dropped too, so
    funds in open orders count as held. Events come back in time order.

    Args:
        events: The account's available-balance events, in any order.
        opening: The available balance before the first event.
        frozen: The amount frozen in open orders before the first event (with
            ``frozen_earns`` it earns too: the earning balance opens at
            ``opening + frozen``, which the caller adds).
        waiting: The amount waiting for redemption before the first event.
        frozen_earns: Whether funds frozen in open orders earn.
        allow_negative: Whether the available balance may go below zero, as a margin
            account's net value may.
        roles: Your own event kinds mapped to the pocket kind they act as, such as
            ``{"staking_lock": "redemption_request"}`` (see ``Program.kind_roles``);
            kinds not in it act as themselves.

    Raises:
        NegativeBalanceError: If the available, frozen or waiting amount would go below
            zero; the error names the event, its position in time order, and which.
        InvalidInputError: If a pocket event has the wrong sign (see the module), or
            an amount needs more significant digits than the library keeps.

    Examples:
        >>> from datetime import UTC, datetime
        >>> t = datetime(2025, 1, 1, tzinfo=UTC)
        >>> events = [BalanceEvent(t, 100), BalanceEvent(t, -40, kind="order_freeze")]
        >>> [e.delta for e in earning_events(events, frozen_earns=False)]
        [Decimal('100'), Decimal('-40')]
        >>> [e.delta for e in earning_events(events, frozen_earns=True)]
        [Decimal('100')]
    """
    available = to_amount(opening, name="opening", allow_negative=allow_negative)
    in_orders = to_amount(frozen, name="frozen")
    waits = to_amount(waiting, name="waiting")
    out: list[BalanceEvent] = []
    for index, event in enumerate(_sorted(events)):
        kind, delta = event.kind, event.delta
        if roles:
            kind = roles.get(kind, kind)
        if kind in POCKET_KINDS:
            _check_sign(event, index, kind)
        where = _describe(event, index)
        if kind == REDEMPTION_SETTLE:
            waits = _exact_sum(waits, delta, where=where)
            if waits < ZERO:
                raise _overdrawn("amount waiting for redemption", event, index, waits)
            continue
        available = _exact_sum(available, delta, where=where)
        if available < ZERO and not allow_negative:
            raise _overdrawn("available balance", event, index, available)
        if kind in _FROZEN:
            in_orders = _exact_sum(in_orders, -delta, where=where)
            if in_orders < ZERO:
                raise _overdrawn("amount frozen in orders", event, index, in_orders)
            if frozen_earns:
                continue
        elif kind in _WAITING:
            waits = _exact_sum(waits, -delta, where=where)
            if waits < ZERO:
                raise _overdrawn("amount waiting for redemption", event, index, waits)
        out.append(event)
    return out


def next_day_events(
    events: Iterable[BalanceEvent], *, opening: AmountLike = 0, calendar: DayCalendar
) -> list[BalanceEvent]:
    """T+1: funds that arrive on day *d* earn from the start of day *d + 1*.

    The opening balance already earns. Withdrawals take effect at once and take the
    funds that do not earn yet first: the earning balance is the lowest the holding has
    been since just before the current day started. So a deposit withdrawn before it
    earns changes nothing, the earning balance never exceeds the holding, and new
    funds never earn early. Events at one instant count by their net change, so a
    transfer between two sub-accounts recorded at the same instant does not restart
    the wait. Funds returning from an open order or a cancelled redemption wait too.

    Args:
        events: The balance's events in any order; the balance must not go negative.
        opening: The balance before the first event, earning from the start.
        calendar: The program's days: where "the next day" starts.

    Returns:
        The earning balance's events in time order: drops at once (keeping the kind of
        the last event at the instant) and rises of kind ``"eligible"`` at day starts.

    Raises:
        NegativeBalanceError: If an event would take the balance below zero.

    Examples:
        >>> from datetime import UTC, datetime
        >>> deposit = BalanceEvent(datetime(2025, 1, 1, 15, tzinfo=UTC), 100, kind="deposit")
        >>> calendar = DayCalendar()
        >>> [(e.at.isoformat(), e.delta) for e in next_day_events([deposit], calendar=calendar)]
        [('2025-01-02T00:00:00+00:00', Decimal('100'))]
    """
    total = earning = to_amount(opening, name="opening")
    out: list[BalanceEvent] = []
    boundary: int | None = None  # where the pending funds start to earn
    keyed = _keyed(events)
    n = len(keyed)
    i = 0
    while i < n:
        us, last = keyed[i]
        if boundary is not None and boundary <= us:
            out.append(_rise(boundary, EXACT.subtract(total, earning)))
            earning, boundary = total, None
        while i < n and keyed[i][0] == us:
            last = keyed[i][1]
            total = _exact_sum(total, last.delta, where=_describe(last, i))
            if total < ZERO:
                raise _overdrawn("balance", last, i, total)
            i += 1
        if total <= earning:  # nothing pending any more: a round trip leaves no rise
            boundary = None
        if total < earning:
            out.append(BalanceEvent(last.at, EXACT.subtract(total, earning), kind=last.kind))
            earning = total
        elif total > earning and boundary is None:
            boundary = _next_day_start_us(calendar, us)
    if boundary is not None and total > earning:
        out.append(_rise(boundary, EXACT.subtract(total, earning)))
    return out


def _rise(at_us: int, amount: Decimal) -> BalanceEvent:
    return BalanceEvent(from_us(at_us), amount, kind="eligible")


def activated_events(
    events: Iterable[BalanceEvent], *, opening: AmountLike = 0, at: datetime
) -> list[BalanceEvent]:
    """Nothing earns before ``at``, the instant the account's earning is activated.

    The timeline opens at zero and the balance held just before ``at`` arrives at
    ``at`` as one event of kind ``"activation"``.

    Args:
        events: The earning balance's events, in any order.
        opening: The balance before the first event.
        at: When earning starts, such as the start of the day after the account enabled
            the program. Events at ``at`` apply after the activation.

    Returns:
        Events in time order, for a timeline opening at zero.

    Raises:
        NegativeBalanceError: If an event before ``at`` would take the balance below zero.
    """
    start_us = to_us(check_aware(at, name="at"))
    held = to_amount(opening, name="opening")
    later: list[BalanceEvent] = []
    for index, (us, event) in enumerate(_keyed(events)):
        if us < start_us:
            held = _exact_sum(held, event.delta, where=_describe(event, index))
            if held < ZERO:
                raise _overdrawn("balance", event, index, held)
        else:
            later.append(event)
    if held:
        return [BalanceEvent(at, held, kind="activation"), *later]
    return later
