"""The payments of a compounding holding that the state carries from day to day.

A compounding day's balance is the ledger's plus every payment made before it: the
state keeps, per holding, what has been credited (``credited``) and the payouts accrued
but not yet made (``pending``). A run hands them to ``Program.run`` as ``credited``
records, and closes them with its own records' payouts.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

import attrs

from softstaking.core.amounts import ZERO
from softstaking.core.errors import InvalidInputError
from softstaking.core.fixed import from_units
from softstaking.core.instants import to_us
from softstaking.core.records import DailyReward
from softstaking.job.state import pending_text, read_pending

__all__ = [
    "Credits",
    "closing_credits",
    "credited_records",
    "pending_units",
    "text",
    "to_units",
]


def text(units: Any, decimals: int) -> str:
    """``units`` base units of a token with ``decimals`` as a plain decimal string.

    Examples:
        >>> text(1234, 2), text(5, 3), text(0, 8), text(-7, 0)
        ('12.34', '0.005', '0', '-7')
    """
    value = int(units)
    if not value:
        return "0"
    if not decimals:
        return str(value)
    digits = str(abs(value)).rjust(decimals + 1, "0")
    return f"{'-' if value < 0 else ''}{digits[:-decimals]}.{digits[-decimals:]}"


@attrs.frozen
class Credits:
    """The payments of one compounding holding, in base units of its token.

    Attributes:
        credited: What was paid into the balance before the run.
        pending: The payouts not yet made, as ``(instant, units)`` in time order.
    """

    credited: int = 0
    pending: tuple[tuple[datetime, int], ...] = ()


def to_units(value: Decimal, decimals: int) -> int | None:
    """``value`` (zero or more) in base units of a token with ``decimals``, exactly.

    None if it is finer than the base unit. Integers, not a decimal context: a state
    amount may have more digits than any context keeps.

    Examples:
        >>> to_units(Decimal("1234567890123.123456789012345678"), 18)
        1234567890123123456789012345678
        >>> to_units(Decimal("1.5E+3"), 2), to_units(Decimal("0.005"), 2)
        (150000, None)
    """
    _, digits, exponent = value.as_tuple()
    assert isinstance(exponent, int)  # a finite amount: the state's were checked
    coefficient = int("".join(map(str, digits)) or "0")
    shift = exponent + decimals
    scale: int = 10 ** abs(shift)
    if shift >= 0:
        return coefficient * scale
    whole, rest = divmod(coefficient, scale)
    return None if rest else whole


def pending_units(value: str, decimals: int, where: str) -> tuple[tuple[datetime, int], ...]:
    """A state's ``pending`` value in base units; an amount finer is refused."""
    out = []
    for at, amount in read_pending(value):
        units = to_units(amount, decimals)
        if units is None:
            msg = f"{where}: pending {amount} is finer than the token's base unit"
            raise InvalidInputError(msg)
        out.append((at, units))
    return tuple(out)


def credited_records(credits: Credits, first: datetime, day: date, decimals: int) -> list[Any]:
    """The state's payments as the ``credited`` records ``Program.run`` takes.

    The calculator puts a credited record's ``paid`` into the balance from its
    ``payout_at`` on, and reads nothing else of it: what was credited before the run is
    one record at the run's first instant, each pending payout one at its instant.
    """
    payments = [(first, credits.credited)] if credits.credited else []
    payments += [(at, units) for at, units in credits.pending if units]
    return [
        DailyReward(day, ZERO, ZERO, ZERO, ZERO, from_units(units, -decimals), ZERO, at)
        for at, units in payments
    ]


def closing_credits(
    before: Credits, paid: list[tuple[datetime, Decimal]], end_us: int, decimals: int
) -> tuple[int, str]:
    """A compounding holding's ``credited`` (base units) and ``pending`` after the run.

    ``paid`` is the run's records' ``(payout_at, paid)``. A payout at or before
    ``end_us`` (the first instant after the run) is in the balance; a later one waits.
    """
    credited = before.credited
    waiting: dict[int, tuple[datetime, int]] = {}
    run = [(at, to_units(amount, decimals) or 0) for at, amount in paid]
    for at, units in [*before.pending, *run]:
        if not units:
            continue
        at_us = to_us(at)
        if at_us <= end_us:
            credited += units
        elif at_us in waiting:
            waiting[at_us] = (waiting[at_us][0], waiting[at_us][1] + units)
        else:
            waiting[at_us] = (at, units)
    pending = pending_text(
        (at, text(units, decimals)) for _, (at, units) in sorted(waiting.items())
    )
    return credited, pending


def state_credits(
    state: Any, rows: Any, holdings: Any, decimals: Any, credited: Any
) -> dict[int, Credits]:
    """The state's credited and pending payouts of each compounding holding.

    Args:
        state: The batch's state table.
        rows: Each compounding holding's row in ``state``, or -1 if it has none.
        holdings: The compounding holdings (indices), as ``rows``.
        decimals: Each compounding holding's token's decimals, as ``rows``.
        credited: Each state row's ``credited`` in base units of its token.

    Raises:
        InvalidInputError: A pending amount finer than its token's base unit.
    """
    pending = state.column("pending")
    credits: dict[int, Credits] = {}
    for h, row, places in zip(holdings, rows, decimals, strict=True):
        if row < 0:
            credits[h] = Credits()
            continue
        where = (
            f"state row {row} ({state.column('account')[row].as_py()!r}, "
            f"{state.column('token')[row].as_py()!r})"
        )
        credits[h] = Credits(int(credited[row]), pending_units(pending[row].as_py(), places, where))
    return credits


def closing_payments(
    credits: dict[int, Credits],
    paid: dict[int, list[tuple[datetime, Decimal]]],
    ends: dict[int, int],
    decimals: dict[int, int],
    count: int,
) -> tuple[Any, list[str] | None]:
    """Each holding's ``credited`` (base units) and ``pending`` after the run.

    ``paid`` holds each compounding holding's records' ``(payout_at, paid)``, ``ends``
    the first instant after the run in its token's calendar (microseconds), and
    ``decimals`` its token's decimals. The holdings that do not compound have 0 and
    empty; ``pending`` is None when none compounds.
    """
    import numpy as np

    held: Any = np.zeros(count, dtype="int64")
    if not credits:
        return held, None
    held = held.astype(object)
    texts = [""] * count
    for h, before in credits.items():
        held[h], texts[h] = closing_credits(before, paid.get(h, []), ends[h], decimals[h])
    return held, texts
