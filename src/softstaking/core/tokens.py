"""Tokens: a symbol and the number of decimals of its smallest base unit."""

from __future__ import annotations

import decimal
from decimal import Decimal
from typing import Any, Final

import attrs

from softstaking.core.amounts import CONTEXT
from softstaking.core.errors import InvalidInputError, InvalidTypeError

__all__ = ["GUARD_DIGITS", "MAX_DECIMALS", "Token"]

MAX_DECIMALS: Final = 36
"""The most decimals a token may have."""

GUARD_DIGITS: Final = 20
"""Digits kept below the base unit in a day's gross reward.

A day's gross is rounded half-even to ``10**-(decimals + GUARD_DIGITS)``: twenty digits
finer than anything that can be paid, so the rounding can never move a payout by a
base unit in any run of realistic length, and the carry accounting stays exact.
"""


def _check_symbol(_: object, __: attrs.Attribute[Any], value: object) -> None:
    if not isinstance(value, str):
        msg = f"Token symbol must be a str, not {type(value).__name__}"
        raise InvalidTypeError(msg)
    if not value.strip():
        msg = "Token symbol must not be empty"
        raise InvalidInputError(msg)


def _to_decimals(value: int) -> int:
    # A converter rather than a validator: it must run before base_unit is derived.
    if isinstance(value, bool) or not isinstance(value, int):
        msg = f"Token decimals must be an int, not {type(value).__name__}"
        raise InvalidTypeError(msg)
    if not 0 <= value <= MAX_DECIMALS:
        msg = f"Token decimals must be from 0 to {MAX_DECIMALS}: got {value}"
        raise InvalidInputError(msg)
    return value


@attrs.frozen
class Token:
    """A token and its precision.

    Attributes:
        symbol: The ticker, such as ``"IOTX"``.
        decimals: How many decimals the token has, 0 to 36. Its base unit, the smallest
            amount that can be paid, is ``10**-decimals``.

    Examples:
        >>> Token("IOTX", 18).base_unit
        Decimal('1E-18')
    """

    symbol: str = attrs.field(validator=_check_symbol)
    decimals: int = attrs.field(converter=_to_decimals)
    base_unit: Decimal = attrs.field(init=False, repr=False, eq=False)
    """The smallest amount of the token, ``10**-decimals``."""
    gross_quantum: Decimal = attrs.field(init=False, repr=False, eq=False)
    """The resolution of a day's gross reward, ``GUARD_DIGITS`` below the base unit."""

    @base_unit.default
    def _base_unit(self) -> Decimal:
        return Decimal(1).scaleb(-self.decimals, CONTEXT)

    @gross_quantum.default
    def _gross_quantum(self) -> Decimal:
        return Decimal(1).scaleb(-(self.decimals + GUARD_DIGITS), CONTEXT)

    def round_down(self, amount: Decimal) -> Decimal:
        """Round a non-negative ``amount`` down to a whole number of base units.

        Examples:
            >>> Token("USDT", 6).round_down(Decimal("1.23456789"))
            Decimal('1.234567')
        """
        return amount.quantize(self.base_unit, decimal.ROUND_DOWN, CONTEXT)

    def is_whole(self, amount: Decimal) -> bool:
        """Whether ``amount`` is a whole number of base units.

        Examples:
            >>> Token("BTC", 8).is_whole(Decimal("0.000000001"))
            False
        """
        return amount == self.round_down(amount)

    def __str__(self) -> str:
        return self.symbol
