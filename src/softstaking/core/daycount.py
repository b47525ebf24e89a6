"""Day-count conventions: what fraction of a year one day is."""

from __future__ import annotations

import calendar
import enum
from datetime import date
from decimal import Decimal

from softstaking.core.amounts import CONTEXT
from softstaking.core.errors import InvalidInputError
from softstaking.core.instants import check_day

__all__ = ["DayCount"]


class DayCount(enum.Enum):
    """How long a year is when a daily rate is taken from an annual one.

    * ``ACT_365_FIXED``: every day is 1/365 of a year, leap years too (the default, and
      what most exchanges publish: "amount × APR / 365").
    * ``ACT_360``: every day is 1/360 of a year.
    * ``ACT_ACT``: ACT/ACT (ISDA); a day is 1/366 of a year in a leap year, else 1/365.

    The names are explicit because "Actual/365" alone means ACT/ACT in some libraries.
    A day lasting 23 or 25 hours across a DST change is still one day.
    """

    ACT_365_FIXED = "ACT/365F"
    ACT_360 = "ACT/360"
    ACT_ACT = "ACT/ACT ISDA"

    def days_in_year(self, day: date) -> int:
        """The denominator for ``day``: 365, 360, or 365 or 366 by the day's year.

        Examples:
            >>> DayCount.ACT_ACT.days_in_year(date(2024, 2, 29))
            366
        """
        if self is DayCount.ACT_360:
            return 360
        if self is DayCount.ACT_ACT and calendar.isleap(day.year):
            return 366
        return 365

    def year_fraction(self, start: date, end: date) -> Decimal:
        """The fraction of a year from ``start`` to ``end`` (``end`` excluded).

        For ACT/ACT (ISDA) the days in each calendar year count over that year's length.

        Examples:
            >>> DayCount.ACT_365_FIXED.year_fraction(date(2011, 8, 29), date(2012, 8, 29))
            Decimal('1.002739726027397260273972602739726027397260273972602739726027397260273972602739726027397260273972603')
        """
        start = check_day(start, name="start")
        end = check_day(end, name="end")
        if end < start:
            msg = f"end ({end}) is before start ({start})"
            raise InvalidInputError(msg)
        if self is not DayCount.ACT_ACT:
            return CONTEXT.divide(Decimal((end - start).days), self.days_in_year(start))
        # Sum day counts per year over a common denominator, then divide once.
        numerator, denominator = 0, 1
        year = start.year
        while date(year, 1, 1) < end:
            lo = max(start, date(year, 1, 1))
            hi = min(end, date(year + 1, 1, 1))
            if lo < hi:
                length = 366 if calendar.isleap(year) else 365
                days = (hi - lo).days
                numerator, denominator = (
                    numerator * length + days * denominator,
                    denominator * length,
                )
            year += 1
        return CONTEXT.divide(Decimal(numerator), Decimal(denominator))
