"""APR and APY: compounding, Regulation DD's formulas, and the rates platforms display.

Names say what they return. Functions named ``..._percent`` return percentages, as
Regulation DD defines them (``Decimal("6.168")`` is 6.168 %); every other function takes
and returns fractions, like the rest of the library (``Decimal("0.05")`` is 5 %).
``as_percent`` converts exactly and ``round_percent`` rounds for display, so the
exact value stays available.

Precision: everything runs under the library's ``CONTEXT`` (100
significant digits, half-even), never the caller's context. Sums and products are exact;
each division rounds once at 100 digits. Powers with a fractional exponent (the
Regulation DD formulas) use ``decimal.Context.power``, which Python documents as
almost always correctly rounded: the result is within one unit in the 100th significant
digit, far below any displayed figure.

``apy_from_apr`` and ``apr_from_apy`` subtract 1 from a number close to 1, which
would cancel leading digits; they work in a private copy of the context with
30 more digits, plus as many as the cancellation and the power can
cost, and round once to 100 digits at the end. Their results are within a relative
10^-99 of the exact value (half a unit in the 100th digit for the final rounding, and
far less before it).
"""

from __future__ import annotations

import decimal
from collections.abc import Iterable
from decimal import Decimal
from typing import Final

from softstaking.core.amounts import CONTEXT, ZERO, AmountLike, to_amount
from softstaking.core.errors import InvalidInputError, InvalidTypeError

__all__ = [
    "REG_DD_DAYS_IN_YEAR",
    "apr_from_apy",
    "apr_from_daily_rates",
    "apr_from_daily_reward",
    "apy_from_apr",
    "as_percent",
    "reg_dd_apy_earned_percent",
    "reg_dd_apy_percent",
    "round_percent",
]

_EXTRA_DIGITS: Final = 30
"""Digits ``apy_from_apr`` and ``apr_from_apy`` carry beyond the context's."""

REG_DD_DAYS_IN_YEAR: Final = 365
"""The year of Regulation DD's Appendix A formulas, whatever the calendar year's length."""

_ONE: Final = Decimal(1)
_HUNDRED: Final = Decimal(100)


def _positive_int(value: object, *, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        msg = f"{name} must be an int, not {type(value).__name__}"
        raise InvalidTypeError(msg)
    if value < 1:
        msg = f"{name} must be at least 1: got {value}"
        raise InvalidInputError(msg)
    return value


def _positive(value: object, *, name: str) -> Decimal:
    amount = to_amount(value, name=name)
    if amount == ZERO:
        msg = f"{name} must be above zero"
        raise InvalidInputError(msg)
    return amount


def _wide(small: Decimal, n: int) -> decimal.Context:
    """A private context for ``(1 + small)`` to a power with ``n`` in it, then minus 1.

    Beyond 30 extra digits it carries the leading zeros of a small
    ``small`` (lost when 1 is added and subtracted again) and the digits of ``n`` (a
    power ``n`` multiplies a relative error by about ``n``).
    """
    lost = max(0, -small.adjusted()) if small else 0
    wide = CONTEXT.copy()
    wide.prec = CONTEXT.prec + _EXTRA_DIGITS + lost + len(str(n))
    return wide


def apy_from_apr(apr: AmountLike, *, periods_per_year: int) -> Decimal:
    """The annual yield of ``apr`` compounded ``periods_per_year`` times: (1 + apr/n)^n − 1.

    Args:
        apr: The nominal annual rate, as a fraction.
        periods_per_year: How often interest is compounded: 365 daily, 12 monthly.

    Returns:
        The APY as a fraction, within a relative 10^-99 of the exact value: computed
        with 30 or more extra digits and rounded once, half-even, to
        the library's 100 significant digits.

    Examples:
        >>> round_percent(as_percent(apy_from_apr("0.06", periods_per_year=12)))
        Decimal('6.17')
    """
    rate = to_amount(apr, name="apr")
    n = _positive_int(periods_per_year, name="periods_per_year")
    if n == 1:
        return rate
    wide = _wide(rate, n)
    growth = wide.power(wide.add(_ONE, wide.divide(rate, n)), n)
    return CONTEXT.plus(wide.subtract(growth, _ONE))


def apr_from_apy(apy: AmountLike, *, periods_per_year: int) -> Decimal:
    """The nominal rate that, compounded ``periods_per_year`` times, yields ``apy``.

    The inverse of ``apy_from_apr``: n × ((1 + apy)^(1/n) − 1), as fractions,
    within a relative 10^-99 of the exact value: computed with 30 or more extra
    digits and rounded once, half-even, to 100 significant digits. The
    round trip ``apr_from_apy(apy_from_apr(r))`` is within a relative 2 × 10^-99 of
    ``r``.

    Examples:
        >>> apr_from_apy("0.1025", periods_per_year=2)
        Decimal('0.1000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000')
    """
    rate = to_amount(apy, name="apy")
    n = _positive_int(periods_per_year, name="periods_per_year")
    if n == 1:
        return rate
    wide = _wide(rate, n)
    root = wide.power(wide.add(_ONE, rate), wide.divide(_ONE, n))
    return CONTEXT.plus(wide.multiply(wide.subtract(root, _ONE), n))


def _reg_dd(interest: Decimal, base: Decimal, days: int) -> Decimal:
    growth = CONTEXT.add(_ONE, CONTEXT.divide(interest, base))
    if days != REG_DD_DAYS_IN_YEAR:
        growth = CONTEXT.power(growth, CONTEXT.divide(Decimal(REG_DD_DAYS_IN_YEAR), days))
    return CONTEXT.multiply(_HUNDRED, CONTEXT.subtract(growth, _ONE))


def reg_dd_apy_percent(interest: AmountLike, *, principal: AmountLike, days: int) -> Decimal:
    """Regulation DD's APY, in percent: 100 × ((1 + interest/principal)^(365/days) − 1).

    12 CFR 1030, Appendix A, Part I: the annual percentage yield a bank discloses for a
    term of ``days`` days paying ``interest`` on ``principal``.

    Args:
        interest: The interest the term pays.
        principal: The amount deposited; above zero.
        days: The days in the term.

    Returns:
        The APY in percent, unrounded (see ``round_percent``; banks show two
        decimals). A 365-day term needs no power and is exact.

    Examples:
        >>> reg_dd_apy_percent("61.68", principal=1000, days=365)
        Decimal('6.16800')
    """
    return _reg_dd(
        to_amount(interest, name="interest"),
        _positive(principal, name="principal"),
        _positive_int(days, name="days"),
    )


def reg_dd_apy_earned_percent(
    interest_earned: AmountLike, *, average_daily_balance: AmountLike, days: int
) -> Decimal:
    """Regulation DD's APY earned, in percent, for a statement period.

    12 CFR 1030, Appendix A, Part II: 100 × ((1 + interest earned / average daily
    balance)^(365/days in period) − 1).

    Args:
        interest_earned: The interest earned in the period.
        average_daily_balance: The period's average daily balance; above zero.
        days: The days in the period.

    Returns:
        The APY earned in percent, unrounded.

    Examples:
        >>> round_percent(
        ...     reg_dd_apy_earned_percent("3.36", average_daily_balance="1436.61", days=31)
        ... )
        Decimal('2.79')
    """
    return _reg_dd(
        to_amount(interest_earned, name="interest_earned"),
        _positive(average_daily_balance, name="average_daily_balance"),
        _positive_int(days, name="days"),
    )


def apr_from_daily_reward(
    reward: AmountLike, *, balance: AmountLike, days_in_year: int = 365
) -> Decimal:
    """The annualised rate a platform shows from one day's reward: reward / balance × 365.

    Returns:
        A fraction; one division, rounded at 100 digits.

    Examples:
        >>> apr_from_daily_reward("0.1", balance=1000)
        Decimal('0.0365')
    """
    daily = CONTEXT.divide(to_amount(reward, name="reward"), _positive(balance, name="balance"))
    return CONTEXT.multiply(daily, _positive_int(days_in_year, name="days_in_year"))


def apr_from_daily_rates(daily_rates: Iterable[AmountLike], *, days_in_year: int = 365) -> Decimal:
    """The mean of some daily rates × 365, as Binance's old Flexible Savings showed.

    Binance's 2019 "annual return" was the average daily rate of the past 7 days × 365:
    pass the last seven daily rates (each day's reward / balance, as fractions).

    Returns:
        A fraction: the exact sum of the rates, × ``days_in_year``, divided once by
        their count.

    Examples:
        >>> apr_from_daily_rates(["0.0001", "0.0002"] + ["0.0001"] * 5)
        Decimal('0.04171428571428571428571428571428571428571428571428571428571428571428571428571428571428571428571428571')
    """
    if isinstance(daily_rates, (str, bytes)) or not isinstance(daily_rates, Iterable):
        msg = "daily_rates must be an iterable of daily rates, such as the last seven"
        raise InvalidTypeError(msg)
    total = ZERO
    count = 0
    for i, rate in enumerate(daily_rates):
        total = CONTEXT.add(total, to_amount(rate, name=f"daily rate {i}"))
        count += 1
    if count == 0:
        msg = "apr_from_daily_rates needs at least one daily rate"
        raise InvalidInputError(msg)
    year = _positive_int(days_in_year, name="days_in_year")
    return CONTEXT.divide(CONTEXT.multiply(total, year), count)


def as_percent(fraction: AmountLike) -> Decimal:
    """``fraction`` × 100, exactly: ``Decimal("0.06168")`` becomes ``Decimal("6.16800")``.

    Examples:
        >>> as_percent("0.06168")
        Decimal('6.16800')
    """
    return CONTEXT.multiply(to_amount(fraction, name="fraction", allow_negative=True), _HUNDRED)


def round_percent(
    percent: AmountLike, *, places: int = 2, rounding: str = decimal.ROUND_HALF_UP
) -> Decimal:
    """A percentage rounded for display, half up to ``places`` decimals by default.

    Regulation DD discloses an APY "rounded to the nearest one-hundredth of one
    percentage point", as the published examples print it (6.168 % shows as 6.17 %).
    This returns a new value; keep the exact one for any further arithmetic.

    Examples:
        >>> round_percent(Decimal("2.78875")), round_percent("6.168", places=1)
        (Decimal('2.79'), Decimal('6.2'))
    """
    value = to_amount(percent, name="percent", allow_negative=True)
    if isinstance(places, bool) or not isinstance(places, int) or places < 0:
        msg = f"places must be a non-negative int, not {places!r}"
        raise InvalidInputError(msg)
    return value.quantize(Decimal(1).scaleb(-places, CONTEXT), rounding, CONTEXT)
