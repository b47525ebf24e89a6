"""Exact amounts: conversion at the edge, and the library's own decimal context.

All money arithmetic in the library goes through ``CONTEXT``, never the caller's
thread-local context, so a program that sets ``decimal.getcontext().prec = 6`` gets the
same rewards as one that does not. Floats are refused: ``0.1`` is not one tenth.
"""

from __future__ import annotations

import decimal
from decimal import Decimal
from typing import Final, TypeAlias

from softstaking.core.errors import InvalidInputError, InvalidTypeError

__all__ = ["CONTEXT", "PRECISION", "PUBLIC_CONTEXT", "AmountLike", "ReadOnlyContext", "to_amount"]

PRECISION: Final = 100
"""Significant digits of the library's context.

Sums and products of amounts are exact well beyond any real balance (10^40 tokens of
36 decimals fit); only divisions (averages, ``/ 365``) round, half-even, at this precision.
"""


class ReadOnlyContext(decimal.Context):
    """A decimal context whose settings cannot be assigned.

    ``context.prec = 6`` raises ``AttributeError``; ``context.copy()`` gives an ordinary
    context to change.
    """

    __slots__ = ()

    def __setattr__(self, name: str, value: object) -> None:
        msg = (
            f"the library's decimal context is read-only (setting {name}); "
            "use CONTEXT.copy() for a context of your own"
        )
        raise AttributeError(msg)


def _library_context() -> ReadOnlyContext:
    return ReadOnlyContext(
        prec=PRECISION,
        rounding=decimal.ROUND_HALF_EVEN,
        Emin=-999_999,
        Emax=999_999,
        capitals=1,
        clamp=0,
        flags=[],
        traps=[decimal.InvalidOperation, decimal.DivisionByZero, decimal.Overflow],
    )


CONTEXT: Final = _library_context()
"""The decimal context every calculation in the library uses. Do not change its traps."""

PUBLIC_CONTEXT: Final = _library_context()
"""The library's context as ``softstaking.CONTEXT`` exports it: the same settings, read-only.

It is a separate object from the one the library computes with, so that nothing done to
it (assigning a setting is refused; changing its ``traps`` changes only it) can change
the library's results.
"""

EXACT: Final = CONTEXT.copy()
"""A context that raises ``decimal.Inexact`` instead of rounding.

The carry accounting runs under it, so a lost digit is an error, never silent dust.
"""
EXACT.traps[decimal.Inexact] = True
EXACT.traps[decimal.Rounded] = True

ZERO: Final = Decimal(0)

AmountLike: TypeAlias = Decimal | int | str
"""What the library accepts as an amount: a Decimal, an int, or a decimal string."""


def to_amount(value: object, *, name: str, allow_negative: bool = False) -> Decimal:
    """Convert ``value`` to an exact, finite ``Decimal``.

    Args:
        value: A ``Decimal``, an ``int`` or a decimal string such as ``"0.05"``.
        name: What the value is, for the error message.
        allow_negative: Whether a value below zero is acceptable.

    Returns:
        The exact value. A string is read exactly, whatever the caller's context.

    Raises:
        InvalidTypeError: For a ``float``, a ``bool`` or any other type.
        InvalidInputError: For NaN, an infinity, an unreadable string, or a negative
            value where none is allowed.

    Examples:
        >>> to_amount("0.05", name="rate")
        Decimal('0.05')
        >>> to_amount(0.05, name="rate")  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        ...
        softstaking.core.errors.InvalidTypeError: rate must be exact: got the float 0.05; pass ...
    """
    if isinstance(value, Decimal):
        amount = value
    elif isinstance(value, bool):
        msg = f"{name} must be an amount, not the bool {value!r}"
        raise InvalidTypeError(msg)
    elif isinstance(value, int):
        amount = Decimal(value)
    elif isinstance(value, float):
        msg = (
            f"{name} must be exact: got the float {value!r}; "
            f"pass Decimal({str(value)!r}) or the string {str(value)!r} instead"
        )
        raise InvalidTypeError(msg)
    elif isinstance(value, str):
        try:
            # Decimal(str) is exact whatever the precision; only the trap depends on a context.
            with decimal.localcontext(CONTEXT):
                amount = Decimal(value.strip())
        except decimal.InvalidOperation:
            msg = f"{name} must be a decimal number: cannot read {value!r}"
            raise InvalidInputError(msg) from None
    else:
        msg = f"{name} must be a Decimal, an int or a decimal string, not {type(value).__name__}"
        raise InvalidTypeError(msg)
    if not amount.is_finite():
        msg = f"{name} must be a finite number, not {amount}"
        raise InvalidInputError(msg)
    if len(amount.as_tuple().digits) > PRECISION:
        msg = f"{name} has more than {PRECISION} significant digits, more than the library keeps"
        raise InvalidInputError(msg)
    if not allow_negative and amount < 0:
        msg = f"{name} must not be negative: got {amount}"
        raise InvalidInputError(msg)
    return amount
