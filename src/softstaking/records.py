"""The per-day reward record."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import attrs

from softstaking.amounts import ZERO

__all__ = ["DailyReward"]


@attrs.frozen
class DailyReward:
    """What one account earned on one day, and how.

    Attributes:
        day: The accrual day.
        balance: The balance the policy measured.
        eligible: The balance that earns, after the minimum holding and the cap.
        apr: The annual rate applied; for tiers, the blended rate on ``eligible``.
        gross: The day's reward before rounding to base units: ``eligible × apr`` over
            the day count's year, rounded half-even to the token's ``gross_quantum``.
        paid: What is credited: a whole number of base units.
        carry: Owed but not yet paid after this day, carried to the next.
        payout_at: When ``paid`` is credited: the end of the day plus the payout delay.
        forfeited: The sub-unit rest given up this day, with ``Dust.FORFEIT``; else zero.
    """

    day: date
    balance: Decimal
    eligible: Decimal
    apr: Decimal
    gross: Decimal
    paid: Decimal
    carry: Decimal
    payout_at: datetime
    forfeited: Decimal = ZERO
