"""Fixed point: amounts as Python ints in a token's quantum, and a day's gross once per run.

The public edge is ``Decimal``; inside the hot loops an amount is an int counting a fixed
quantum: base units (``10**-decimals``) for balances and payments, gross quanta
(``10**-(decimals + GUARD_DIGITS)``) for gross and carry. Converting is exact both ways.
``day_gross`` is the one place a day's gross is computed from its eligible balance, rate
and year, so every path (the calculator, the column engine) rounds the same way.
"""

from __future__ import annotations

import decimal
from decimal import Decimal
from typing import NamedTuple

from softstaking.core.amounts import CONTEXT, ZERO
from softstaking.core.errors import InvalidInputError
from softstaking.core.rates import Rate

__all__ = ["Gross", "day_gross", "from_units", "settle_units", "to_units"]

_HALF_EVEN = decimal.ROUND_HALF_EVEN


class Gross(NamedTuple):
    """A day's gross reward and the rate it was computed at."""

    gross: Decimal
    apr: Decimal


def day_gross(eligible: Decimal, rate: Rate, year_days: int, quantum: Decimal) -> Gross:
    """The gross of a day with one rate: ``eligible × apr / year_days``, to ``quantum``.

    The annual reward is rounded half-even at the library's precision (it is exact for any
    real balance), the quotient likewise, then the gross half-even to ``quantum``. For a
    tier table or another rate model, ``apr`` is the blended rate on ``eligible``.

    Examples:
        >>> day_gross(Decimal(36500), Decimal("0.05"), 365, Decimal("1E-38"))
        Gross(gross=Decimal('5.00000000000000000000000000000000000000'), apr=Decimal('0.05'))
    """
    if isinstance(rate, Decimal):
        apr = rate
        annual = CONTEXT.multiply(eligible, rate)
    else:
        annual = rate.annual_reward(eligible)
        # What blended_rate(eligible) computes, without a second annual_reward.
        apr = rate.blended_rate(ZERO) if eligible == ZERO else CONTEXT.divide(annual, eligible)
    gross = CONTEXT.divide(annual, year_days).quantize(quantum, _HALF_EVEN, CONTEXT)
    return Gross(gross, apr)


def to_units(amount: Decimal, exponent: int) -> int:
    """``amount`` as a whole number of ``10**exponent``; refuses a finer amount.

    Examples:
        >>> to_units(Decimal("1.5"), -6)
        1500000
    """
    sign, digits, exp = amount.as_tuple()
    assert isinstance(exp, int)  # finite: checked when the amount came in
    n = int("".join(map(str, digits)) or "0")
    if exp >= exponent:
        n *= 10 ** (exp - exponent)
    else:
        n, rest = divmod(n, 10 ** (exponent - exp))
        if rest:
            msg = f"{amount:f} is finer than 1E{exponent}"
            raise InvalidInputError(msg)
    return -n if sign else int(n)


def from_units(units: int, exponent: int) -> Decimal:
    """``units × 10**exponent`` as a Decimal with exactly that exponent.

    Examples:
        >>> from_units(1500000, -6)
        Decimal('1.500000')
    """
    return Decimal((1 if units < 0 else 0, tuple(map(int, str(abs(units)))), exponent))


def settle_units(owed: int, step: int, min_payout: int, *, forfeit: bool) -> tuple[int, int, int]:
    """``settle`` in ints: ``(paid, carry, forfeited)`` of ``owed`` gross quanta.

    ``step`` is the number of gross quanta in one base unit and ``min_payout`` is in gross
    quanta. What is payable is ``owed`` rounded down to a whole base unit; it is paid
    unless it is zero or below ``min_payout``. The rest carries, or with ``forfeit`` the
    sub-unit part is given up.

    Examples:
        >>> settle_units(123, 10, 0, forfeit=False)
        (120, 3, 0)
        >>> settle_units(123, 10, 0, forfeit=True)
        (120, 0, 3)
        >>> settle_units(123, 10, 200, forfeit=False)
        (0, 123, 0)
    """
    payable = owed - owed % step
    paid = 0 if payable < min_payout else payable
    if forfeit:
        return paid, payable - paid, owed - payable
    return paid, owed - paid, 0
