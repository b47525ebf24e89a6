"""Explanations: one account-day's reward, step by step, with the numbers filled in.

``explain_day`` reruns the calculator up to the day and gathers what shaped it: the
balance at the start of the day, the events during it, the measured and eligible balance,
the rate, and the rounding and carry. ``DailyReward.explain
<softstaking.core.records.DailyReward.explain>`` does the arithmetic part from the record alone.
The text comes from ``str(explanation)``; nothing here prints.
"""

from __future__ import annotations

from datetime import date, timedelta

from softstaking.core.amounts import AmountLike
from softstaking.core.calculator import RewardCalculator
from softstaking.core.errors import InvalidInputError
from softstaking.core.instants import check_day, to_us
from softstaking.core.intraday import day_rates
from softstaking.core.policies import DailySnapshot, MinimumBalance, SnapshotAverage, TimeWeighted
from softstaking.core.records import Explanation, from_record
from softstaking.core.schedules import TieredApr
from softstaking.core.timeline import BalanceTimeline

__all__ = ["describe_policy", "explain_day"]


def describe_policy(policy: object) -> str:
    """A policy in words, such as ``"snapshot at 23:59:59"``; its repr if it is not known.

    Examples:
        >>> from datetime import time
        >>> describe_policy(DailySnapshot(time(23, 59, 59)))
        'snapshot at 23:59:59'
        >>> describe_policy(TimeWeighted())
        'time-weighted average'
    """
    if isinstance(policy, DailySnapshot):
        return f"snapshot at {policy.at.isoformat()}"
    if isinstance(policy, TimeWeighted):
        return "time-weighted average"
    if isinstance(policy, MinimumBalance):
        return "the day's minimum"
    if isinstance(policy, SnapshotAverage):
        return "mean of the snapshots at " + ", ".join(t.isoformat() for t in policy.times)
    return repr(policy)


def explain_day(
    calculator: RewardCalculator,
    timeline: BalanceTimeline,
    day: date,
    *,
    start: date | None = None,
    carry: AmountLike = 0,
) -> Explanation:
    r"""Explain one day of one account under ``calculator``.

    Args:
        calculator: The program's rules.
        timeline: The account's balance through time.
        day: The day to explain.
        start: The first day of the run, so that the carry into ``day`` is right; by
            default ``day`` itself, starting from ``carry``.
        carry: What was owed before ``start``.

    Raises:
        InvalidInputError: If ``start`` is after ``day``, or the calculator does.

    Examples:
        >>> from softstaking.samples import seed_calculator, seed_timeline
        >>> text = str(explain_day(seed_calculator(), seed_timeline(), date(2019, 7, 15)))
        >>> print("\n".join(text.splitlines()[:5]))
        day 2019-07-15: from 2019-07-15T00:00:00+08:00 to 2019-07-16T00:00:00+08:00
        balance at the start of the day = 0
          2019-07-15T14:23:05+08:00  deposit +50000  -> 50000
        measured balance by snapshot at 23:59:59 = 50000
        eligible = measured = 50000
        >>> print("\n".join(text.splitlines()[-3:]))
        paid  = owed rounded down to 0.000000000000000001 = 9.315068493150684931
        carry = owed − paid = 0.00000000000000000050684931506849315068
        payout at 2019-07-16T00:00:00+08:00
    """
    day = check_day(day, name="day")
    first = day if start is None else check_day(start, name="start")
    if first > day:
        msg = f"start ({first}) is after the day to explain ({day})"
        raise InvalidInputError(msg)
    record = calculator.daily_rewards(timeline, first, day + timedelta(days=1), carry=carry)[-1]
    window = calculator.calendar.window(day)
    s, e = window.start_us, window.end_us
    events = tuple(ev for ev in timeline.events if s < to_us(ev.at) < e)
    (rate,) = day_rates(calculator.schedule, [window])
    return from_record(
        record,
        year_days=calculator.day_count.days_in_year(day),
        token=calculator.token,
        window=window,
        opening=timeline.balance_at(window.start),
        events=events,
        measured_by=describe_policy(calculator.policy),
        min_holding=calculator.min_holding,
        cap=calculator.cap,
        min_payout=calculator.min_payout,
        tiers=rate if isinstance(rate, TieredApr) else None,
        compound=calculator.compound,
    )
