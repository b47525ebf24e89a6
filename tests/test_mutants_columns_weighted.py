"""Time-weighted days in limbs (``softstaking.columns.weighted``) at the edges of their proof.

Mutation testing (tools/mutation.py) runs this file with the module's tests. ``gross``
answers a day as ``core.fixed.weighted_gross_units`` does: the measured balance
``total × 10**GUARD_DIGITS / span`` and the gross ``total × r × 10**(GUARD_DIGITS + e) /
(span × year)``, each rounded half-even once (computed here with exact fractions), and
it leaves a day unanswered where that function declines (a numerator past its bound, an
exact half quantum of gross). These tests put days at those bounds, at the most events a
day may have, and at values it must refuse; and ``flat_runs`` on a plan.
"""

from __future__ import annotations

from datetime import date
from fractions import Fraction
from typing import Any

import attrs
import numpy as np
import pytest

from softstaking import AprSchedule, RewardCalculator, TimeWeighted, Token
from softstaking.columns import weighted
from softstaking.columns.plan import Plan, plan
from softstaking.columns.weighted import WeightedDays
from softstaking.core.fixed import weighted_gross_units
from softstaking.core.tokens import GUARD_DIGITS
from tests.test_columns_wide import _ints

DAY = 86_400_000_000
"""A day's length in microseconds."""

Day = tuple[int, int, list[tuple[int, int]]]
"""A day as ``(opening, span, [(delta, weight), ...])``."""


def _days(days: list[Day]) -> WeightedDays:
    """The days as a part's arrays, Python ints throughout."""
    first: list[int] = []
    deltas: list[int] = []
    weights: list[int] = []
    for _, _, events in days:
        first.append(len(deltas))
        deltas += [d for d, _ in events]
        weights += [w for _, w in events]
    return WeightedDays(
        plain=np.array([opening for opening, _, _ in days], dtype=object),
        opening=np.arange(len(days), dtype="int64"),
        span=np.array([span for _, span, _ in days], dtype="int64"),
        first=np.array(first, dtype="int64"),
        delta=np.array(deltas, dtype=object),
        weight=np.array(weights, dtype="int64"),
    )


def _total(day: Day) -> int:
    opening, span, events = day
    return opening * span + sum(d * w for d, w in events)


def _of_total(total: int, span: int = DAY) -> Day:
    """A day of ``span`` µs whose total is ``total``: an opening and one event."""
    opening, rest = divmod(total, span)
    return (opening, span, [(1, rest)] if rest else [(0, 1)])


def _definition(total: int, span: int, rate: tuple[int, int], year: int) -> tuple[int, int]:
    """The measured balance and gross in quanta, each the exact quotient rounded half-even."""
    r, exponent = rate
    measured = round(Fraction(total * 10**GUARD_DIGITS, span))
    gross = round(Fraction(total * r * 10 ** (GUARD_DIGITS + exponent), span * year))
    return measured, gross


def _check(days: list[Day], rate: tuple[int, int], year: int) -> list[bool]:
    """``gross`` of every day against the definition; which days it answered."""
    result = weighted.gross(_days(days), np.arange(len(days)), rate, year)
    assert result is not None
    measured, amount, ok = result
    assert measured.dtype == amount.dtype == np.int64
    answered = []
    for i, day in enumerate(days):
        total, span = _total(day), day[1]
        scalar = weighted_gross_units(total, span, rate, year)
        assert bool(ok[i]) == (scalar is not None), (i, total)
        if ok[i]:
            want = _definition(total, span, rate, year)
            assert (_ints(measured)[i], _ints(amount)[i]) == want == scalar
        answered.append(bool(ok[i]))
    return answered


class TestBounds:
    """A day is answered just below each bound of ``weighted_gross_units`` and not at it."""

    def test_the_measured_balances_bound(self) -> None:
        """``total × 10**20`` below ``10**99`` (a total below ``10**79``), as the scalar."""
        totals = [10**79 - 1, 10**79, 10**79 + DAY, 10**80, 10**80 + 7, 10**85]
        days = [_of_total(t) for t in totals]
        assert _check(days, (1, -GUARD_DIGITS), 365) == [True] + [False] * 5

    def test_the_gross_numerators_bound(self) -> None:
        """``total × r × 10**s`` below ``10**98``: here ``total × 10**28`` below it."""
        totals = [10**70 - 1, 10**70, 10**71, 10**72, 10**72 + 3, 10**69]
        days = [_of_total(t) for t in totals]
        assert _check(days, (10**8, 0), 365) == [True, False, False, False, False, True]

    @pytest.mark.parametrize("span", [2**21, 2**36, 3 * 2**30, DAY])
    def test_a_half_quantum_of_measured_balance_rounds_to_even(self, span: int) -> None:
        """Spans with many factors of 2 give exact halves of a quantum, rounded to even."""
        days = [(0, span, [(1, w)]) for w in (1, 3, 5, 19, 29, 2**20, 2**20 + 1)]
        days += [(7, span, [(-7, w)]) for w in (1, 2)]
        assert all(_check(days, (0, 0), 365))

    def test_large_values_of_every_size(self) -> None:
        """Openings and deltas of up to 77 digits, several days at once, in any order."""
        days: list[Day] = [
            (2**256 - 1, DAY, [(-(2**255), 5), (-(2**254), DAY - 1)]),
            (10**40, DAY, [(10**50, 3), (-(10**40), 1)]),
            (0, DAY, [(2**128, DAY - 1)]),
            (5, 3 * 2**30, [(10**12, 2**30)]),
        ]
        assert _check(days, (712, -5), 365) == [False, True, True, True]
        result = weighted.gross(_days(days), np.array([3, 1]), (712, -5), 366)
        assert result is not None
        measured, amount, _ = result
        want = [_definition(_total(days[i]), days[i][1], (712, -5), 366) for i in (3, 1)]
        assert list(zip(_ints(measured), _ints(amount), strict=True)) == want

    def test_values_of_every_number_of_limbs(self) -> None:
        """Openings of 1 to 77 digits, each day's total just below and at ``10**79``."""
        days: list[Day] = [(10**e - 1, DAY, [(10**e // 3, DAY - 1)]) for e in range(1, 78, 4)]
        days += [_of_total(10**79 - 1), _of_total(10**79)]
        assert _check(days, (3, -GUARD_DIGITS), 365)[-2:] == [True, False]
        assert _check(days, (7, -16), 360)[-2:] == [True, False]

    @pytest.mark.parametrize("exponent", [-20, -15, -10, -5, 0])
    @pytest.mark.parametrize("limbs", range(1, 9))
    def test_each_number_of_limbs_alone(self, limbs: int, exponent: int) -> None:
        """A day whose largest amount has 1 to 8 limbs of 10 digits, at each shift."""
        top = min(10 ** (10 * limbs - 1), 2**256 - 1)
        days: list[Day] = [(top, DAY, [(top // 7, DAY // 3)]), (1, DAY, [(1, 1)])]
        assert len(_check(days, (7, exponent), 365)) == 2


class TestEvents:
    """Up to 900 events a day, each of the largest limbs, add up without overflow."""

    @pytest.mark.parametrize("span", [DAY, 10**11 - 1])
    def test_900_events_of_the_largest_limbs(self, span: int) -> None:
        """900 deltas of ``10**30 - 1`` (every limb 99,999) weighted almost a day."""
        big = 10**30 - 1
        days: list[Day] = [(big, span, [(big, span - 1)] * 900), (big, span, [(-big, 1)] * 900)]
        days[1] = (900 * big, span, days[1][2])
        assert _check(days, (9 * 10**8 - 1, -GUARD_DIGITS), 1) == [True, True]

    def test_a_day_without_events(self) -> None:
        """A day with no events inside (first among the days asked): its opening balance."""
        days: list[Day] = [(7, DAY, []), (5, DAY, [(1, 2)]), (0, DAY, []), (3, DAY, [(4, 5)])]
        assert _check(days, (365, -3), 365) == [True] * 4
        result = weighted.gross(_days(days), np.array([2, 3, 0]), (365, -3), 365)
        assert result is not None
        want = [_definition(_total(days[i]), DAY, (365, -3), 365) for i in (2, 3, 0)]
        assert list(zip(_ints(result[0]), _ints(result[1]), strict=True)) == want

    def test_901_events_are_declined(self) -> None:
        """A day of 901 events: the whole call is None."""
        days = _days([(1, DAY, [(1, 1)] * 901), (1, DAY, [(1, 1)])])
        assert weighted.gross(days, np.array([0, 1]), (1, 0), 365) is None
        assert weighted.gross(days, np.array([1]), (1, 0), 365) is not None


class TestRefusals:
    """The values a ledger cannot hold, and rates and years out of range: None."""

    @pytest.mark.parametrize(
        "day",
        [
            (0, DAY, [(-1, 5)]),  # a negative total
            (10, DAY, [(-11, DAY - 1)]),
            (2**256, DAY, [(1, 1)]),  # past 2**256
            (1, DAY, [(2**256, 1)]),
            (2**256, DAY, [(2**256, 1)]),
            (1, DAY, [(-(2**256), 1)]),
        ],
    )
    def test_a_day_it_cannot_hold(self, day: Day) -> None:
        """One such day among good ones: the whole call is None."""
        days = _days([(5, DAY, [(1, 2)]), day])
        assert weighted.gross(days, np.array([0, 1]), (1, 0), 365) is None
        assert weighted.gross(days, np.array([0]), (1, 0), 365) is not None

    @pytest.mark.parametrize("span", [10**11, 10**11 + 1, 2**62])
    def test_a_day_of_10_11_microseconds_or_more(self, span: int) -> None:
        """Longer than any day (25 hours are 9 × 10**10 µs): its products may not fit, None."""
        days = _days([(5, DAY, [(1, 2)]), (5, span, [(1, 2)])])
        assert weighted.gross(days, np.array([0, 1]), (1, 0), 365) is None
        assert weighted.gross(days, np.array([0]), (1, 0), 365) is not None

    @pytest.mark.parametrize(
        ("rate", "year"), [((1, 0), 0), ((-1, 0), 365), ((1, 0), -1), ((1, -20), 999)]
    )
    def test_a_rate_or_year_at_the_edge(self, rate: tuple[int, int], year: int) -> None:
        """A year of no days or a negative rate: None; a 999-day year at 1E-20 is answered."""
        days = _days([(5, DAY, [(1, 2)])])
        result = weighted.gross(days, np.array([0]), rate, year)
        assert (result is None) == (year < 1 or rate[0] < 0)


def _plan(**changes: Any) -> Plan:
    """A plan of three days at a flat 36.5 % on a 365-day year, changed as given."""
    calculator = RewardCalculator(Token("TKN", 6), AprSchedule.constant("0.365"), TimeWeighted())
    return attrs.evolve(plan(calculator, date(2023, 1, 1), date(2023, 1, 4), 6), **changes)


class TestFlatRuns:
    """``flat_runs``: the time-weighted days of each kind ``gross`` answers, as runs."""

    days: list[Day] = [  # noqa: RUF012 (read only)
        (10, DAY, [(5, DAY // 2)]),
        (1, 2**21, [(0, 1)]),  # measured exactly half a quantum past: answered
        (0, DAY, [(1, DAY // 2)]),
        _of_total(10**80),  # past the bound: not answered
    ]

    def _runs(self, p: Plan, vids: list[int], kinds: list[int]) -> list[Any]:
        got = weighted.flat_runs(
            p, _days(self.days), 3, np.array(vids, dtype="int64"), np.array(kinds, dtype="int64")
        )
        return [(at.tolist(), list(zip(_ints(m), _ints(g), strict=True)), k) for at, m, g, k in got]

    def _want(self, i: int, rate: tuple[int, int], year: int) -> tuple[int, int]:
        return _definition(_total(self.days[i]), self.days[i][1], rate, year)

    def test_each_kind_of_day(self) -> None:
        """The runs of days (ids from 3) of each kind with a flat rate, gross answering."""
        p = _plan(first=[0, 2], flat=[(365, -3), (365, -3), (5, 0)], years=[365, 365, 366])
        vids, kinds = [0, 3, 4, 1, 5, 6, 3, 5, 2], [0, 0, 0, 0, 1, 1, 1, 0, 1]
        assert self._runs(p, vids, kinds) == [
            (
                [1, 2, 7],
                [self._want(i, (365, -3), 365) for i in (0, 1, 2)],
                0,
            ),
            ([4, 6], [self._want(i, (5, 0), 366) for i in (2, 0)], 1),
        ]

    def test_a_kind_without_a_flat_rate_or_days(self) -> None:
        """No flat rate, or no time-weighted day of the kind: no run of it."""
        p = _plan(first=[0, 1, 2], flat=[None, (1, 0), (1, 0)], years=[365, 365, 365])
        assert self._runs(p, [3, 4, 0, 5], [0, 0, 1, 2]) == [([3], [self._want(2, (1, 0), 365)], 2)]

    @pytest.mark.parametrize("changes", [{"min_units": 1}, {"cap_units": 10**6}, {"cap_units": 0}])
    def test_a_minimum_holding_or_cap(self, changes: dict[str, Any]) -> None:
        """A minimum holding or a cap, even of 0: no runs, left to the general path."""
        assert self._runs(_plan(**changes), [3, 4, 5], [0, 0, 0]) == []
        assert len(self._runs(_plan(), [3, 4, 5], [0, 0, 0])) == 1
