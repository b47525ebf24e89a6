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
from typing import Final, NamedTuple

from softstaking.core.amounts import CONTEXT, EXACT, PRECISION, ZERO
from softstaking.core.errors import InvalidInputError
from softstaking.core.rates import Rate
from softstaking.core.tokens import GUARD_DIGITS

__all__ = [
    "Gross",
    "average_gross_units",
    "coefficient",
    "day_gross",
    "flat_gross_units",
    "from_units",
    "settle_units",
    "to_units",
    "units_at_least",
    "weighted_gross_units",
]

_HALF_EVEN = decimal.ROUND_HALF_EVEN

_MAX_GROSS: Final = 10 ** (PRECISION - 4)
"""Quanta below which ``flat_gross_units`` rounds once where ``day_gross`` rounds twice.

The quotient ``day_gross`` rounds to the context's precision first keeps then at least
four digits below the quantum, too close to move a half-even rounding to the quantum
by a divisor below ``_MAX_YEAR``.
"""

_MAX_YEAR: Final = 1000

_POWERS: Final = 2 * PRECISION
_POWER: Final = tuple(10**k for k in range(_POWERS))
"""Powers of ten, worked out once: ``10**k`` costs more than the rest of a day's gross."""

_MAX_ANNUAL: Final = 10**PRECISION
"""A product of coefficients at or past this has more digits than the context keeps."""

_MAX_SCALED: Final = 10 ** (PRECISION - 2)
"""Numerators below which ``average_gross_units`` rounds once where ``day_gross`` rounds four times.

Each of the context's roundings moves a value by at most ``5 × 10**-PRECISION`` of
itself, so the three together by less than ``1.6 × 10**-(PRECISION - 1)`` of the gross;
a quotient ``N / D`` that is not half-way between quanta is at least ``1 / (2 D)`` from
half-way, which is more than that for ``N`` below this.
"""


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


def coefficient(amount: Decimal) -> tuple[int, int]:
    """``amount`` as ``(n, exponent)`` with ``amount == n × 10**exponent``, its own exponent.

    Examples:
        >>> coefficient(Decimal("1.50"))
        (150, -2)
    """
    exponent = amount.as_tuple().exponent
    assert isinstance(exponent, int)  # finite: checked when the amount came in
    return int(amount.scaleb(-exponent, EXACT)), exponent


def to_units(amount: Decimal, exponent: int) -> int:
    """``amount`` as a whole number of ``10**exponent``; refuses a finer amount.

    Examples:
        >>> to_units(Decimal("1.5"), -6)
        1500000
    """
    n, exp = coefficient(amount)
    if exp >= exponent:
        scale: int = 10 ** (exp - exponent)
        return n * scale
    unit: int = 10 ** (exponent - exp)
    n, rest = divmod(n, unit)
    if rest:
        msg = f"{amount:f} is finer than 1E{exponent}"
        raise InvalidInputError(msg)
    return n


def units_at_least(amount: Decimal, exponent: int) -> int:
    """The fewest whole ``10**exponent`` that make at least ``amount``: a ceiling.

    A whole number ``k`` of them is below ``amount`` exactly when ``k`` is below this.

    Examples:
        >>> units_at_least(Decimal("0.0000015"), -6)
        2
    """
    n, exp = coefficient(amount)
    if exp >= exponent:
        scale: int = 10 ** (exp - exponent)
        return n * scale
    if n and amount.adjusted() < exponent:  # less than one of them: no big power needed
        return 1 if n > 0 else 0
    unit: int = 10 ** (exponent - exp)
    return -(-n // unit)


def from_units(units: int, exponent: int) -> Decimal:
    """``units × 10**exponent`` as a Decimal with exactly that exponent.

    Examples:
        >>> from_units(1500000, -6)
        Decimal('1.500000')
    """
    try:
        return Decimal(units).scaleb(exponent, EXACT)
    except (decimal.Inexact, decimal.Rounded):  # more digits than the context keeps
        return Decimal((1 if units < 0 else 0, tuple(map(int, str(abs(units)))), exponent))


def flat_gross_units(
    eligible: tuple[int, int], rate: tuple[int, int], year_days: int, quantum_exponent: int
) -> int | None:
    """``day_gross`` of a flat rate in whole quanta, from coefficients; ``None`` if unsure.

    ``eligible`` and ``rate`` are ``coefficient`` pairs of non-negative amounts. The
    result is the gross ``day_gross`` gives, as a count of ``10**quantum_exponent``:
    one half-even division of the exact annual reward gives the same as its two
    roundings while the gross stays below ``_MAX_GROSS`` quanta. ``None`` where that or
    the product's exactness cannot be promised; use ``day_gross`` there.

    Examples:
        >>> flat_gross_units((36500, 0), (5, -2), 365, -38)
        500000000000000000000000000000000000000
    """
    annual = eligible[0] * rate[0]
    shift = eligible[1] + rate[1] - quantum_exponent
    if not 0 <= shift < _POWERS or annual >= _MAX_ANNUAL or not 0 < year_days < _MAX_YEAR:
        return None
    q, rest = divmod(annual * _POWER[shift], year_days)
    twice = 2 * rest
    if twice > year_days or (twice == year_days and q & 1):
        q += 1
    return q if q < _MAX_GROSS else None


def average_gross_units(
    integral: tuple[int, int],
    length: int,
    rate: tuple[int, int],
    year_days: int,
    quantum_exponent: int,
) -> int | None:
    """``day_gross`` of an average balance at a flat rate, in whole quanta; ``None`` if unsure.

    The average is ``integral / length`` divided as ``BalanceView.average_us`` divides:
    rounded half-even to the library's precision. ``integral`` (the balance summed over
    the day, in balance × microseconds) and ``rate`` are ``coefficient`` pairs of
    non-negative amounts and ``length`` is the day's length in microseconds. The result
    is the gross ``day_gross`` gives on that average, as a count of
    ``10**quantum_exponent``: the exact gross ``integral × rate / (length × year_days)``
    rounded half-even once. The context's roundings of the average, the annual reward and
    the quotient cannot move it across a half-way point while the numerator stays below
    ``_MAX_SCALED``; ``None`` past that, and for an exact half-way gross, whose rounding
    the others could decide.

    Examples:
        >>> average_gross_units((3650, 0), 10, (1, -1), 365, -2)  # an average of 365
        10
        >>> average_gross_units((1, 0), 3, (1, 0), 2, 0)  # 1/6 of a quantum
        0
    """
    numerator = integral[0] * rate[0]
    denominator = length * year_days
    shift = integral[1] + rate[1] - quantum_exponent
    if shift >= 0:
        if shift >= _POWERS:
            return None
        numerator *= _POWER[shift]
    elif -shift < _POWERS:
        denominator *= _POWER[-shift]
    else:
        return None
    if numerator >= _MAX_SCALED or denominator <= 0:
        return None
    q, rest = divmod(numerator, denominator)
    twice = 2 * rest
    if twice == denominator:
        return None
    return q + 1 if twice > denominator else q


def weighted_gross_units(
    total: int, span: int, rate: tuple[int, int], year_days: int
) -> tuple[int, int] | None:
    """A time-weighted day in gross quanta: ``(measured, gross)``; ``None`` if unsure.

    ``total`` is the day's sum of balance × time, in base units × microseconds, and
    ``span`` the day's length in microseconds: the average is ``total / span`` base
    units, divided at the library's precision as ``TimeWeighted`` divides. The gross is
    ``average_gross_units`` at the flat ``rate``; the measured balance is the average
    rounded half-even to the quantum, which equals the exact quotient rounded once
    while ``total × 10**GUARD_DIGITS`` is below ``10**(PRECISION - 1)`` (one rounding
    at the precision moves it by less than ``1 / (2 × span)`` of a quantum). ``None``
    past that, or where ``average_gross_units`` declines.

    Examples:
        >>> weighted_gross_units(3 * 86_400, 86_400, (365, 0), 365)
        (300000000000000000000, 300000000000000000000)
    """
    if total < 0 or span <= 0 or rate[0] < 0:
        return None
    scaled = total * _POWER[GUARD_DIGITS]
    if scaled >= _MAX_MEASURED:
        return None
    gross = average_gross_units((total, 0), span, rate, year_days, -GUARD_DIGITS)
    if gross is None:
        return None
    measured, rest = divmod(scaled, span)
    twice = 2 * rest
    if twice > span or (twice == span and measured & 1):
        measured += 1
    return measured, gross


_MAX_MEASURED: Final = 10 ** (PRECISION - 1)
"""Numerators below which an average rounded at the precision, then to the quantum,
is the exact quotient rounded once."""


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
