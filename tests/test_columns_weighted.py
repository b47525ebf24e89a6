"""Time-weighted days in limbs (``columns.weighted``) against ``weighted_gross_units``."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from softstaking.columns import weighted
from softstaking.columns.plan import Weighted
from softstaking.columns.weighted import WeightedDays
from softstaking.core.fixed import weighted_gross_units
from softstaking.core.tokens import GUARD_DIGITS
from tests.test_columns_wide import _ints

# Antarctica/Troll moves its clocks by two hours: days of 22 and 26 hours.
_SPANS = st.sampled_from([22, 23, 24, 25, 26]).map(lambda h: h * 3_600_000_000)


@st.composite
def weighted_days(draw: st.DrawFn) -> WeightedDays:
    """Days that open with a balance and have events inside; no balance goes below zero."""
    size = st.integers(0, 10**30) | st.integers(0, 10**12) | st.just(0)
    n = draw(st.integers(1, 6))
    plain: list[int] = []
    opening: list[int] = []
    spans: list[int] = []
    first: list[int] = []
    deltas: list[int] = []
    weights: list[int] = []
    for i in range(n):
        balance = draw(size)
        plain.append(balance)
        opening.append(i)
        span = draw(_SPANS)
        spans.append(span)
        first.append(len(deltas))
        instants = sorted(draw(st.lists(st.integers(1, span - 1), min_size=1, max_size=5)))
        for at in instants:
            delta = draw(size)
            if draw(st.booleans()):
                delta = -min(delta, balance)  # a withdrawal, at most the balance
            balance += delta
            deltas.append(delta)
            weights.append(span - at)
    wide = max(abs(v) for v in plain + deltas) >= 2**62
    kind = object if wide or draw(st.booleans()) else "int64"
    return WeightedDays(
        plain=np.array(plain, dtype=kind),
        opening=np.array(opening, dtype="int64"),
        span=np.array(spans, dtype="int64"),
        first=np.array(first, dtype="int64"),
        delta=np.array(deltas, dtype=kind),
        weight=np.array(weights, dtype="int64"),
    )


def _scalar(days: WeightedDays) -> list[Weighted]:
    """Each day as a ``Weighted``, summed in Python ints from the definition."""
    out = []
    stops = [*days.first.tolist()[1:], len(days.delta)]
    for i, (start, stop) in enumerate(zip(days.first.tolist(), stops, strict=True)):
        span = int(days.span[i])
        total = int(days.plain[days.opening[i]]) * span
        total += sum(int(days.delta[j]) * int(days.weight[j]) for j in range(start, stop))
        out.append(Weighted(total, span))
    return out


class TestWeightedDays:
    """A part's time-weighted days, one at a time and all at once."""

    @given(weighted_days())
    def test_each_day_is_its_exact_total(self, days: WeightedDays) -> None:
        """``days[i]`` is the opening balance × the day's length plus Σ delta × weight."""
        assert list(days) == _scalar(days)

    @given(
        weighted_days(),
        st.integers(0, 9 * 10**8 - 1) | st.sampled_from([712, 5, 0]),
        st.integers(-GUARD_DIGITS, 0),
        # 999 days of 26 hours × 10**5 pass 2**63: the span and the year divide in turn.
        st.sampled_from([360, 365, 366, 999]) | st.integers(1, 999),
        st.data(),
    )
    def test_gross_is_weighted_gross_units(
        self, days: WeightedDays, r: int, exponent: int, year: int, data: Any
    ) -> None:
        """Each answered day's measured balance and gross are the scalar function's.

        A day is left unanswered exactly where the scalar function declines.
        """
        at = np.array(
            data.draw(st.lists(st.integers(0, len(days) - 1), unique=True, min_size=1)),
            dtype="int64",
        )
        result = weighted.gross(days, at, (r, exponent), year)
        assert result is not None
        measured, gross, ok = result
        scalar = _scalar(days)
        want = [
            weighted_gross_units(scalar[i].total, scalar[i].span, (r, exponent), year)
            for i in at.tolist()
        ]
        assert ok.tolist() == [w is not None for w in want]
        got = list(zip(_ints(measured), _ints(gross), strict=True))
        assert [g for g, k in zip(got, ok.tolist(), strict=True) if k] == [
            w for w in want if w is not None
        ]

    def test_a_tie_is_not_answered(self) -> None:
        """Half a quantum of gross exactly (a 2-day year, 1E-20): left to Decimal."""
        days = WeightedDays(
            plain=np.array([0], dtype="int64"),
            opening=np.array([0], dtype="int64"),
            span=np.array([86_400_000_000], dtype="int64"),
            first=np.array([0], dtype="int64"),
            delta=np.array([1], dtype="int64"),
            weight=np.array([86_400_000_000], dtype="int64"),
        )
        result = weighted.gross(days, np.array([0]), (1, -GUARD_DIGITS), 2)
        assert result is not None
        assert result[2].tolist() == [False]
        assert weighted_gross_units(86_400_000_000, 86_400_000_000, (1, -20), 2) is None

    @pytest.mark.parametrize("extra", [0, 1])
    def test_a_tie_of_a_26_hour_day_in_a_999_day_year(self, extra: int) -> None:
        """Divided by the span, then the year: half a quantum is declined, one µs more rounds up.

        The total is ``(999k + 499) × span + span / 2`` (+ 1), so gross at 1E-20 is
        ``k + 1/2`` quanta exactly (or just past it).
        """
        span, k = 26 * 3_600_000_000, 7
        days = WeightedDays(
            plain=np.array([999 * k + 499, 1], dtype="int64"),
            opening=np.array([0], dtype="int64"),
            span=np.array([span], dtype="int64"),
            first=np.array([0], dtype="int64"),
            delta=np.array([1, 1], dtype="int64")[: 1 + extra],
            weight=np.array([span // 2, 1], dtype="int64")[: 1 + extra],
        )
        result = weighted.gross(days, np.array([0]), (1, -GUARD_DIGITS), 999)
        assert result is not None
        total = (999 * k + 499) * span + span // 2 + extra
        want = weighted_gross_units(total, span, (1, -20), 999)
        assert result[2].tolist() == [want is not None] == [bool(extra)]
        if want is not None:
            assert want[1] == k + 1
            assert (_ints(result[0]), _ints(result[1])) == ([want[0]], [want[1]])

    def test_it_declines_a_rate_or_year_out_of_range(self) -> None:
        """A coefficient past 9 × 10**8, a shift outside [0, 20] or a year of 1,000 days."""
        days = WeightedDays(
            plain=np.array([5], dtype="int64"),
            opening=np.array([0], dtype="int64"),
            span=np.array([86_400_000_000], dtype="int64"),
            first=np.array([0], dtype="int64"),
            delta=np.array([1], dtype="int64"),
            weight=np.array([1], dtype="int64"),
        )
        at = np.array([0])
        assert weighted.gross(days, at, (9 * 10**8, 0), 365) is None
        assert weighted.gross(days, at, (1, 1), 365) is None
        assert weighted.gross(days, at, (1, -21), 365) is None
        assert weighted.gross(days, at, (1, 0), 1000) is None


class TestPlusOne:
    """Adding one to base-``10**5`` limbs carries as far as it must, past the top if need be."""

    @given(st.lists(st.integers(0, 10**15 - 1), min_size=1, max_size=8), st.data())
    def test_plus_is_addition(self, values: list[int], data: Any) -> None:
        ups = data.draw(st.lists(st.booleans(), min_size=len(values), max_size=len(values)))
        # Limbs of 99,999 are the ones a carry passes through.
        values = [v if data.draw(st.booleans()) else 10**15 - 1 for v in values]
        q = np.array([[v // 10 ** (5 * i) % 10**5 for v in values] for i in range(3)])
        out = weighted._plus(q, np.array(ups))
        got = [
            sum(int(out[i, j]) * 10 ** (5 * i) for i in range(len(out))) for j in range(len(values))
        ]
        assert got == [v + u for v, u in zip(values, ups, strict=True)]
        assert (out < 10**5).all()
