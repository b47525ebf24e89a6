"""The per-day reward record."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING

import attrs

from softstaking.amounts import ZERO

if TYPE_CHECKING:
    from softstaking.explain import Explanation
    from softstaking.tokens import Token

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
        payout_at: When ``paid`` is credited: the end of the day plus ``payout_delay``,
            or the payout that covers the day under ``payout_schedule``. A file written
            by ``softstaking.io`` keeps it as an ISO 8601 time with its UTC offset
            (seconds too, such as ``+05:30:15``) and reads back equal, with one caveat:
            in a DST fold (``fold=1`` in a named zone, such as 01:30 on the night the
            clocks go back) Python never counts an aware datetime equal to one in another
            zone, so the value read back (a fixed offset) names the same instant but is
            not ``==``; compare ``.timestamp()`` or ``astimezone(UTC)`` there.
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

    def explain(self, *, token: Token | None = None, year_days: int = 365) -> Explanation:
        """This day's arithmetic, step by step: gross, owed, paid and carry.

        The record alone knows the amounts, not the events behind them; for those, use
        ``softstaking.explain_day``, which fills in the balance's history too.

        Args:
            token: The token, to name the base unit ``paid`` was rounded down to.
            year_days: The day count's year for the day: 365 (the default), 360 or 366.

        >>> from datetime import UTC, datetime
        >>> r = DailyReward(date(2024, 1, 1), Decimal(36500), Decimal(36500), Decimal("0.05"),
        ...                 Decimal(5), Decimal(5), Decimal(0), datetime(2024, 1, 2, tzinfo=UTC))
        >>> print(r.explain())
        measured balance = 36500
        eligible = measured = 36500
        apr = 0.05
        gross = eligible × apr / 365 = 36500 × 0.05 / 365 = 5.00
        owed  = carry_before + gross = 0 + 5 = 5
        paid  = owed rounded down to the base unit = 5
        carry = owed − paid = 0
        payout at 2024-01-02T00:00:00+00:00
        """
        from softstaking.explain import from_record  # noqa: PLC0415  (explain imports records)

        return from_record(self, token=token, year_days=year_days)
