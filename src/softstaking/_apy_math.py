"""APR and APY conversions for the command line, until ``softstaking.apy`` lands.

The lead merges a library module ``softstaking.apy`` written alongside; when it is in,
the command imports its conversions instead and this module goes. Both use the library's
context: ``APY = (1 + APR/n)^n − 1`` and its inverse ``APR = n((1 + APY)^(1/n) − 1)``.
"""

from __future__ import annotations

from decimal import Decimal

from softstaking.amounts import CONTEXT

__all__ = ["apr_to_apy", "apy_to_apr"]

_ONE = Decimal(1)


def apr_to_apy(apr: Decimal, periods: int) -> Decimal:
    """The yearly yield of ``apr`` compounded ``periods`` times a year.

    >>> apr_to_apy(Decimal("0.12"), 12).quantize(Decimal("1E-12"))
    Decimal('0.126825030132')
    """
    growth = CONTEXT.add(_ONE, CONTEXT.divide(apr, periods))
    return CONTEXT.subtract(CONTEXT.power(growth, periods), _ONE)


def apy_to_apr(apy: Decimal, periods: int) -> Decimal:
    """The rate that, compounded ``periods`` times a year, yields ``apy``.

    >>> apy_to_apr(Decimal("0.126825030131969720661201"), 12).quantize(Decimal("1E-12"))
    Decimal('0.120000000000')
    """
    root = CONTEXT.power(CONTEXT.add(_ONE, apy), CONTEXT.divide(_ONE, periods))
    return CONTEXT.multiply(periods, CONTEXT.subtract(root, _ONE))
