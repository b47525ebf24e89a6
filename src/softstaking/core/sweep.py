"""The balance as a policy sees it: one forward sweep over a timeline, day by day.

A ``BalanceView`` answers the same questions as a
``BalanceTimeline`` (``balance_at``, ``min_balance``,
``average_balance``) but remembers where the current day starts, so that a run over many
days costs one pass over the events rather than a search per day. With compounding it
also adds the rewards already credited.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal
from itertools import pairwise
from typing import Final, Protocol

from softstaking.core.amounts import CONTEXT, EXACT
from softstaking.core.errors import InvalidInputError
from softstaking.core.instants import check_aware, to_us

__all__ = ["BalanceView", "Steps"]


class Steps(Protocol):
    """What a view reads of a ``BalanceTimeline``, named here so this module needs not import it.

    ``_times`` are the instants (µs since the epoch, ascending) where the balance changes,
    and ``_balances`` the balance after each.
    """

    @property
    def opening(self) -> Decimal:
        """The balance before the first change."""

    @property
    def _times(self) -> tuple[int, ...]: ...

    @property
    def _balances(self) -> tuple[Decimal, ...]: ...


_NEVER: Final = -(2**63)
_GALLOP: Final = 16


def _count_at_or_before(times: Sequence[int], t: int, lo: int) -> int:
    """How many of the sorted ``times`` are ``<= t``, searching forward from ``lo``.

    The caller knows the answer is at least ``lo``. Most days have no event, which the
    first comparison settles; a busy day costs a search over its own events only.
    """
    n = len(times)
    if lo >= n or times[lo] > t:
        return lo
    hi = min(n, lo + _GALLOP)
    found = bisect_right(times, t, lo, hi)
    if found < hi:
        return found
    return bisect_right(times, t, hi, n)


def _integral(first: Decimal, steps: list[tuple[int, Decimal]], s: int, e: int) -> Decimal:
    """The exact integral over ``[s, e)`` of a step function starting at ``first``."""
    if not steps:
        return EXACT.multiply(first, e - s)
    total = EXACT.multiply(first, steps[0][0] - s)
    for (t, v), (nxt, _) in pairwise(steps):
        total = EXACT.add(total, EXACT.multiply(v, nxt - t))
    last_t, last_v = steps[-1]
    return EXACT.add(total, EXACT.multiply(last_v, e - last_t))


class BalanceView:
    """A timeline seen day by day, plus any rewards credited to it so far.

    Policies receive one of these. Its three methods take aware datetimes and return
    Decimals; any instant may be asked about, though the current day's are the cheapest.
    """

    __slots__ = ("_bal", "_ccum", "_ci", "_ctimes", "_day_start", "_i", "_opening", "_times")

    def __init__(self, timeline: Steps) -> None:
        self._times = timeline._times
        self._bal = timeline._balances
        self._opening = timeline.opening
        self._day_start = _NEVER
        self._i = 0  # base changes at or before the day's start
        self._ctimes: list[int] = []  # instants rewards were credited, ascending
        self._ccum: list[Decimal] = []  # total credited after each of them
        self._ci = 0  # credits at or before the day's start

    # -- the public questions, in datetimes ------------------------------------------

    def balance_at(self, t: datetime) -> Decimal:
        """The balance at ``t``, counting what happens at exactly ``t``."""
        return self.at_us(to_us(check_aware(t, name="t")))

    def min_balance(self, start: datetime, end: datetime) -> Decimal:
        """The lowest balance at any instant of ``[start, end)``."""
        s, e = self._span(start, end)
        return self.min_us(s, e)

    def average_balance(self, start: datetime, end: datetime) -> Decimal:
        """The time-weighted average balance over ``[start, end)``."""
        s, e = self._span(start, end)
        return self.average_us(s, e)

    # -- the same in microseconds, for the built-in policies --------------------------

    def at_us(self, t: int) -> Decimal:
        """The balance at ``t`` microseconds since the epoch."""
        j = _count_at_or_before(self._times, t, self._i if t >= self._day_start else 0)
        value = self._bal[j - 1] if j else self._opening
        if self._ctimes:
            k = _count_at_or_before(self._ctimes, t, self._ci if t >= self._day_start else 0)
            if k:
                value = CONTEXT.add(value, self._ccum[k - 1])
        return value

    def min_us(self, s: int, e: int) -> Decimal:
        """The lowest balance over ``[s, e)`` in microseconds."""
        first, steps = self._steps(s, e)
        return min(first, *(v for _, v in steps)) if steps else first

    def average_us(self, s: int, e: int) -> Decimal:
        """The time-weighted average over ``[s, e)``: an exact sum, one rounding."""
        first, steps = self._steps(s, e)
        if not steps:
            return first
        return CONTEXT.divide(_integral(first, steps, s, e), e - s)

    def integrals_us(self, cuts: Sequence[int]) -> list[Decimal]:
        """The balance summed over each ``[cuts[i], cuts[i + 1])``, exactly, in one walk.

        In balance × microseconds; ``cuts`` rise strictly and there is one result fewer.
        """
        value, steps = self._steps(cuts[0], cuts[-1])
        out: list[Decimal] = []
        k, n = 0, len(steps)
        for a, b in pairwise(cuts):
            total, t = Decimal(0), a
            while k < n and steps[k][0] < b:
                total = EXACT.add(total, EXACT.multiply(value, steps[k][0] - t))
                t, value = steps[k]
                k += 1
            out.append(EXACT.add(total, EXACT.multiply(value, b - t)))
        return out

    # -- driving the sweep ------------------------------------------------------------

    def enter_day(self, start_us: int) -> None:
        """Move the sweep to a day starting at ``start_us``; days come in order."""
        self._day_start = start_us
        self._i = _count_at_or_before(self._times, start_us, self._i)
        if self._ctimes:
            self._ci = _count_at_or_before(self._ctimes, start_us, self._ci)

    def credit(self, at_us: int, amount: Decimal) -> None:
        """Add ``amount`` to the balance from ``at_us`` on (compounding)."""
        if self._ctimes and at_us < self._ctimes[-1]:
            msg = "credits must come in time order"
            raise InvalidInputError(msg)
        total = EXACT.add(self._ccum[-1], amount) if self._ccum else amount
        if self._ctimes and self._ctimes[-1] == at_us:
            self._ccum[-1] = total
        else:
            self._ctimes.append(at_us)
            self._ccum.append(total)

    # -- internals --------------------------------------------------------------------

    def _span(self, start: datetime, end: datetime) -> tuple[int, int]:
        s = to_us(check_aware(start, name="start"))
        e = to_us(check_aware(end, name="end"))
        if e <= s:
            msg = f"end ({end.isoformat()}) must be after start ({start.isoformat()})"
            raise InvalidInputError(msg)
        return s, e

    def _steps(self, s: int, e: int) -> tuple[Decimal, list[tuple[int, Decimal]]]:
        """The balance at ``s`` and each later change in ``(s, e)`` as ``(instant, balance)``."""
        times, bal = self._times, self._bal
        j = _count_at_or_before(times, s, self._i if s >= self._day_start else 0)
        first = bal[j - 1] if j else self._opening
        k_end = _count_at_or_before(times, e - 1, j)
        steps = [(times[m], bal[m]) for m in range(j, k_end)]
        if not self._ctimes:
            return first, steps
        ctimes, ccum = self._ctimes, self._ccum
        c = _count_at_or_before(ctimes, s, self._ci if s >= self._day_start else 0)
        c_end = _count_at_or_before(ctimes, e - 1, c)
        credited = ccum[c - 1] if c else Decimal(0)
        first = CONTEXT.add(first, credited)
        if c == c_end:
            return first, [(t, CONTEXT.add(v, credited)) for t, v in steps]
        # Merge the two step functions: the balance is base(t) + credited(t).
        merged: list[tuple[int, Decimal]] = []
        base = bal[j - 1] if j else self._opening
        events = sorted(
            [(t, 0, v) for t, v in steps] + [(ctimes[m], 1, ccum[m]) for m in range(c, c_end)]
        )
        for t, source, v in events:
            if source == 0:
                base = v
            else:
                credited = v
            value = CONTEXT.add(base, credited)
            if merged and merged[-1][0] == t:
                merged[-1] = (t, value)
            else:
                merged.append((t, value))
        return first, merged
