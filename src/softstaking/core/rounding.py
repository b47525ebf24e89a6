"""Rounding and carry: turning each day's exact reward into whole base units.

Each day, what is owed is the carry from before plus the day's gross reward. What is
paid is that amount rounded *down* to the token's base unit; the rest is either carried
to the next day (``Dust.CARRY``, the default) or forfeited and reported
(``Dust.FORFEIT``). A minimum payout holds back whole amounts below it, which carry.

Whatever the settings, every day satisfies::

    carry_before + gross == paid + carry_after + forfeited

exactly, so over any run ``sum(paid) + final carry + sum(forfeited) == opening carry +
sum(gross)``. The arithmetic runs under a context that raises rather than round, so a
lost digit is an error, not dust.
"""

from __future__ import annotations

import enum
from decimal import Decimal
from typing import NamedTuple

from softstaking.core.amounts import EXACT, ZERO
from softstaking.core.tokens import Token

__all__ = ["Dust", "Settlement", "settle"]


class Dust(enum.Enum):
    """What happens to the part of a day's reward smaller than one base unit."""

    CARRY = "carry"
    """Keep it and add it to the next day's reward, so nothing is lost."""

    FORFEIT = "forfeit"
    """Drop it each day and report it in ``DailyReward.forfeited``."""


class Settlement(NamedTuple):
    """How one day's owed amount splits (an immutable tuple, cheap in the daily loop).

    Attributes:
        paid: Credited now: a whole number of base units.
        carry: Owed but not yet paid, taken into the next day.
        forfeited: Given up for good (only with ``Dust.FORFEIT``).
    """

    paid: Decimal
    carry: Decimal
    forfeited: Decimal


def settle(
    owed: Decimal, token: Token, *, min_payout: Decimal = ZERO, dust: Dust = Dust.CARRY
) -> Settlement:
    """Split ``owed`` into what is paid, carried and forfeited.

    Args:
        owed: The carry from before plus the day's gross reward; not negative.
        token: Whose base unit payments are whole numbers of.
        min_payout: A payable amount below this is not paid; it carries.
        dust: Whether the sub-unit rest carries or is forfeited.

    Examples:
        >>> usdt = Token("USDT", 6)
        >>> settle(Decimal("1.23456789"), usdt)
        Settlement(paid=Decimal('1.234567'), carry=Decimal('8.9E-7'), forfeited=Decimal('0'))
        >>> settle(Decimal("1.23456789"), usdt, dust=Dust.FORFEIT)
        Settlement(paid=Decimal('1.234567'), carry=Decimal('0.000000'), forfeited=Decimal('8.9E-7'))
        >>> settle(Decimal("0.0000009"), usdt, min_payout=Decimal("0.000001"))
        Settlement(paid=Decimal('0'), carry=Decimal('9E-7'), forfeited=Decimal('0'))
    """
    payable = token.round_down(owed)
    paid = ZERO if payable < min_payout or not payable else payable
    if dust is Dust.CARRY:
        return Settlement(paid, EXACT.subtract(owed, paid), ZERO)
    return Settlement(paid, EXACT.subtract(payable, paid), EXACT.subtract(owed, payable))
