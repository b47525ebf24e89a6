"""US Regulation DD's interest methods, for a bank account: daily and average daily balance."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, time, timedelta, tzinfo
from decimal import Decimal

import attrs

from softstaking.core.amounts import CONTEXT, EXACT, ZERO, AmountLike, to_amount
from softstaking.core.calculator import RewardCalculator
from softstaking.core.daycount import DayCount
from softstaking.core.errors import InvalidInputError, InvalidTypeError
from softstaking.core.policies import DailySnapshot
from softstaking.core.records import DailyReward
from softstaking.core.schedules import AprSchedule
from softstaking.core.tokens import Token

__all__ = [
    "AverageDailyBalance",
    "regulation_dd_average_daily_balance",
    "regulation_dd_daily_balance",
]


def regulation_dd_daily_balance(
    token: Token,
    schedule: AprSchedule,
    *,
    tz: tzinfo = UTC,
    min_balance: AmountLike = 0,
    day_count: DayCount = DayCount.ACT_365_FIXED,
    compound: bool = False,
) -> RewardCalculator:
    """US Regulation DD's daily balance method (12 CFR 1030.7(a)(1)).

    Rules: a daily periodic rate on the full principal each day; the daily rate is at
    least 1/365 of the rate (``DayCount.ACT_365_FIXED``; ``DayCount.ACT_ACT`` uses 1/366
    in a leap year, which is allowed). A minimum balance to earn is measured the same
    way: the day's balance, here the balance at the end of the day. Interest is credited
    at the end of the day; with ``compound`` it earns from then.

    An overdrawn account: a ``BalanceTimeline`` cannot go
    negative, so the calculator alone refuses one. Run it in a program with the account
    as a net sub-account, which counts a negative balance as zero:
    ``Program([calc]).rewards(Holding(id, symbol, subaccounts=[SubAccount("checking",
    events, opening=..., net=True)]), start, end)``; an overdrawn day then has a
    balance of zero and earns nothing.

    Source: 12 CFR 1030.7(a) and its official commentary (Regulation DD, as recodified
    by the CFPB in 2011; ecfr.gov).

    Args:
        token: The currency, such as ``Token("USD", 2)``.
        schedule: The annual rate of each day.
        tz: The bank's zone, whose days are the accrual days.
        min_balance: The least day's balance that earns.
        day_count: ACT/365 Fixed, or ACT/ACT for 1/366 in leap years.
        compound: Whether each day's interest earns from the next day on.
    """
    return RewardCalculator(
        token,
        schedule,
        DailySnapshot(time(23, 59, 59, 999999)),
        tz=tz,
        min_holding=min_balance,
        day_count=day_count,
        compound=compound,
    )


@attrs.frozen
class AverageDailyBalance:
    """A statement period's interest under the average daily balance method.

    Attributes:
        days: The days in the period.
        average: The average daily balance: the sum of each day's balance / days.
        interest: The period's interest before rounding to the currency's unit; zero if
            the average is under the minimum balance.
    """

    days: int
    average: Decimal
    interest: Decimal


def regulation_dd_average_daily_balance(
    records: Iterable[DailyReward], *, min_balance: AmountLike = 0
) -> AverageDailyBalance:
    """US Regulation DD's average daily balance method (12 CFR 1030.7(a)(2)).

    The periodic rate applies to the average daily balance of the period, which is
    the sum of each day's principal over the number of days. Run
    ``regulation_dd_daily_balance`` (without a minimum) over the statement period
    and pass its records: the interest is the sum of the days' gross rewards, which is
    the average × the days × the daily rate, and it is zero when the average is under
    ``min_balance`` (a minimum is measured by the method that computes interest).

    Source: 12 CFR 1030.7(a)(2) and its official commentary (ecfr.gov; CFPB, 2011).

    The records must be one account's, one per day, on consecutive days in order, and
    come from a calculator without ``compound``: compounded records already include
    interest credited earlier in the period, which the method does not add to the
    principal. (A record does not say whether it was compounded, so this is not
    checked: do not pass them.)

    Args:
        records: One statement period's daily records, one per consecutive day.
        min_balance: The least average daily balance that earns.

    Raises:
        InvalidInputError: If there are no records, a day is repeated or missing (the
            error names it), or their minimum holding already zeroed a day (then the
            days' gross no longer adds up to the period's).
    """
    floor = to_amount(min_balance, name="min_balance")
    days = 0
    balances = interest = ZERO
    previous: date | None = None
    for r in records:
        if not isinstance(r, DailyReward):
            msg = f"records must be DailyReward values, not {type(r).__name__}"
            raise InvalidTypeError(msg)
        if previous is not None and r.day != previous + timedelta(days=1):
            msg = (
                f"the record of {r.day} follows that of {previous}: the records must be "
                "one per day, on consecutive days in order"
            )
            raise InvalidInputError(msg)
        previous = r.day
        if r.eligible != r.balance:
            msg = f"the record of {r.day} has a minimum or cap applied; run without them"
            raise InvalidInputError(msg)
        days += 1
        balances = CONTEXT.add(balances, r.balance)
        interest = EXACT.add(interest, r.gross)
    if not days:
        msg = "the average daily balance needs at least one day's record"
        raise InvalidInputError(msg)
    average = CONTEXT.divide(balances, days)
    return AverageDailyBalance(days, average, interest if average >= floor else ZERO)
