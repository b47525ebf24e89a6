"""Runs of days: a built-in policy's measured balance, read once per run of equal days.

Between two changes of a timeline, every day measures the same balance: the balance
object the timeline holds (``opening``, or ``_balances[k]``). These functions walk the
changes, not the days, and give a run of days as ``(end, value, integral)``: the days up
to the index ``end`` (exclusive, counting the range's days from 0) measure ``value``,
and ``integral`` is ``None`` where it is one of the timeline's balances (a time-weighted
average over a day with changes inside it is not: it is a quotient of the context's full
precision, and ``integral`` the exact sum it is the quotient of).

The values are those a ``BalanceView`` gives for the same days, the same objects where
the view returns one of the timeline's balances, and the same Decimal, exponent
included, where it computes one: the average is the exact integral (each balance times
the microseconds it lasts, summed under ``EXACT``), divided once under ``CONTEXT``; the
minimum is the first lowest of the day's opening balance and the balances after each
change inside the day, as ``min`` keeps it.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Sequence
from decimal import Decimal

from softstaking.core.amounts import CONTEXT, EXACT
from softstaking.core.timeline import BalanceTimeline

__all__ = ["Run", "day_runs", "snapshot_runs"]

Run = tuple[int, Decimal, Decimal | None]
"""``(end, value, integral)``: the days before ``end`` (from the previous run's) measure ``value``.

``integral`` is ``None`` where ``value`` is one of the timeline's balances; for a
time-weighted average over a day with changes, it is the exact sum ``value`` is the
quotient of (the balance times the microseconds it lasts, over the day).
"""


def snapshot_runs(timeline: BalanceTimeline, instants: Sequence[int]) -> list[Run]:
    """The balance at each of the rising ``instants`` (events at an instant included), as runs.

    Examples:
        >>> from datetime import UTC, datetime
        >>> from softstaking.core.timeline import BalanceEvent
        >>> at = datetime(1970, 1, 1, tzinfo=UTC)  # 0 µs
        >>> tl = BalanceTimeline.from_events([BalanceEvent(at, 5)], opening=1)
        >>> snapshot_runs(tl, [-2, -1, 0, 1])
        [(2, Decimal('1'), None), (4, Decimal('6'), None)]
    """
    days = len(instants)
    if not days:
        return []
    balances = timeline._balances
    out: list[Run] = []
    value, d = timeline.opening, 0
    for k, t in enumerate(timeline._times):
        first = bisect_left(instants, t, d)  # the first day whose instant sees the change
        if first >= days:
            break
        if first > d:
            out.append((first, value, None))
            d = first
        value = balances[k]
    out.append((days, value, None))
    return out


def day_runs(
    timeline: BalanceTimeline, starts: Sequence[int], ends: Sequence[int], *, average: bool
) -> list[Run]:
    """Each day's time-weighted average (or lowest) balance over ``[start, end)``, as runs.

    A day with a change strictly inside it is a run of its own; the days between measure
    the balance at their start.

    Examples:
        >>> from datetime import UTC, datetime
        >>> from softstaking.core.timeline import BalanceEvent
        >>> at = datetime(1970, 1, 1, tzinfo=UTC)  # 0 µs: a quarter into the second day
        >>> tl = BalanceTimeline.from_events([BalanceEvent(at, 4)], opening=1)
        >>> day_runs(tl, [-8, -1, 3], [-1, 3, 10], average=True)
        [(1, Decimal('1'), None), (2, Decimal('4'), Decimal('16')), (3, Decimal('5'), None)]
        >>> day_runs(tl, [-8, -1, 3], [-1, 3, 10], average=False)
        [(1, Decimal('1'), None), (2, Decimal('1'), None), (3, Decimal('5'), None)]
    """
    days = len(starts)
    if not days:
        return []
    times, balances = timeline._times, timeline._balances
    n = len(times)
    multiply, add, divide = EXACT.multiply, EXACT.add, CONTEXT.divide
    out: list[Run] = []
    value, d, k = timeline.opening, 0, 0
    while k < n:
        t = times[k]
        day = bisect_right(ends, t, d)  # the first day not over by ``t``
        if day >= days:
            break
        if day > d:
            out.append((day, value, None))
            d = day
        s = starts[day]
        if t <= s:  # at or before the day's start: the day starts with it
            value = balances[k]
            k += 1
            continue
        e = ends[day]
        # The changes at k .. last - 1 are inside the day; mostly just the one at k.
        last = k + 1 if k + 1 == n or times[k + 1] >= e else bisect_left(times, e, k)
        if average:
            total = multiply(value, t - s)
            for m in range(k, last - 1):
                total = add(total, multiply(balances[m], times[m + 1] - times[m]))
            value = balances[last - 1]
            total = add(total, multiply(value, e - times[last - 1]))
            out.append((day + 1, divide(total, e - s), total))
        else:
            out.append((day + 1, min(value, *balances[k:last]), None))
            value = balances[last - 1]
        d, k = day + 1, last
    if d < days:
        out.append((days, value, None))
    return out
