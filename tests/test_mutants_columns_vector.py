"""The int64 path's amounts (``softstaking.columns.vector``) at edges no test stated before.

Mutation testing (tools/mutation.py) runs this file with the module's tests. A ``Split``
is ``whole × 10**20 + hi × 10**10 + lo`` gross quanta, ``hi`` and ``lo`` in
``[0, 10**10)``, three int64 arrays: the tests state those bounds and dtypes as well as
the values, for ``split_ints`` and ``from_limbs`` at ``LIMIT``, for the methods of
``Split``, and for ``flat_gross`` where its rounding carries through ``lo`` and ``hi``,
at an exact half with a shift, and at the int64 bound of ``units × r``. Each expected
value comes from plain Python ints and ``fractions.Fraction``.
"""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from softstaking.columns import vector
from softstaking.core.tokens import GUARD_DIGITS

B = 10**10
MAX = vector.LIMIT * B * B  # the first amount past a Split


def _values(split: vector.Split) -> list[int]:
    """The amounts, after checking the parts are int64 and ``hi``, ``lo`` single limbs."""
    for part in split.parts():
        assert part.dtype == np.int64
    assert all(0 <= x < B for x in split.hi.tolist() + split.lo.tolist())
    assert all(0 <= w < vector.LIMIT for w in split.whole.tolist())
    return [
        (w * B + h) * B + x
        for w, h, x in zip(split.whole.tolist(), split.hi.tolist(), split.lo.tolist(), strict=True)
    ]


def _split(values: list[int]) -> vector.Split:
    split = vector.split_ints(np.array(values, dtype=object))
    assert split is not None
    return split


AMOUNTS = st.integers(0, 2**63 - 1) | st.integers(0, MAX - 1) | st.sampled_from([0, MAX - 1])


class TestSplit:
    """A ``Split`` holds its amounts exactly, and its methods read them as amounts."""

    @given(st.lists(AMOUNTS, max_size=10))
    def test_split_ints(self, values: list[int]) -> None:
        """Below ``LIMIT`` base units, as int64 parts; the int64 way too."""
        assert _values(_split(values)) == values

    @pytest.mark.parametrize("values", [[MAX], [0, MAX], [MAX * 7, 1]])
    def test_split_ints_declines_past_limit(self, values: list[int]) -> None:
        assert vector.split_ints(np.array(values, dtype=object)) is None

    @given(st.lists(AMOUNTS, max_size=10))
    def test_largest(self, values: list[int]) -> None:
        """The largest amount, 0 for none, whichever part tells it."""
        assert _split(values).largest() == max(values, default=0)

    @pytest.mark.parametrize(
        "values", [[5 * B * B + 3 * B + 1, 5 * B * B + 3 * B + 2, 5 * B * B + 2 * B + 9]]
    )
    def test_largest_of_ties(self, values: list[int]) -> None:
        """Equal wholes, then equal ``hi``: ``lo`` decides."""
        assert _split(values).largest() == max(values)

    def test_largest_of_none(self) -> None:
        assert _split([]).largest() == 0

    @given(st.lists(st.tuples(AMOUNTS, st.integers(0, 3)), max_size=8))
    def test_repeat(self, drawn: list[tuple[int, int]]) -> None:
        """Each amount as many times as its length says."""
        split = _split([v for v, _ in drawn])
        lengths = np.array([k for _, k in drawn], dtype="int64")
        assert _values(split.repeat(lengths)) == [v for v, k in drawn for _ in range(k)]

    @given(st.lists(st.integers(0, vector.LIMIT - 1), max_size=6))
    def test_units(self, units: list[int]) -> None:
        """Whole base units: nothing below them, in int64 parts."""
        split = vector.Split.units(np.array(units, dtype="int64"))
        assert _values(split) == [u * B * B for u in units]

    def test_same(self) -> None:
        """The same amounts, whatever arrays; one part differing is not the same."""
        values = [B * B + 1, 7, 3 * B]
        assert _split(values).same(_split(list(values)))
        for i in range(3):
            other = list(values)
            other[i] += [B * B, B, 1][i]
            assert not _split(values).same(_split(other))


TOP = vector.LIMIT // B * B**3
"""``from_limbs`` reads the fourth limb against ``LIMIT // 10**10``: amounts below this."""


class TestFromLimbs:
    """Base-``10**10`` limbs as a ``Split``: the same amounts, None past ``LIMIT``."""

    @given(
        st.lists(st.integers(0, 2**63) | st.integers(0, TOP - 1) | st.just(TOP - 1), max_size=8),
        st.integers(0, 2),
    )
    def test_the_same_amounts(self, values: list[int], room: int) -> None:
        """Four limbs or fewer, and zero limbs of room on top."""
        k = max([1, *(-(-len(str(v)) // 10) for v in values)]) + room
        limbs = np.array([[v // B**i % B for v in values] for i in range(k)], dtype="int64")
        got = vector.from_limbs(limbs)
        assert got is not None
        assert _values(got) == values

    @pytest.mark.parametrize("value", [MAX, MAX + 1, B**4, 3 * B**4 + 5, TOP])
    def test_past_limit(self, value: int) -> None:
        """``LIMIT`` base units or more: None, by the fourth limb or by a fifth."""
        values = [value, 1]
        k = -(-len(str(value)) // 10)
        limbs = np.array([[v // B**i % B for v in values] for i in range(k)], dtype="int64")
        assert vector.from_limbs(limbs) is None

    def test_no_amounts(self) -> None:
        got = vector.from_limbs(np.zeros((1, 0), dtype="int64"))
        assert got is not None
        assert _values(got) == []


def _gross(units: int, r: int, exponent: int, year: int) -> int:
    """``round_half_even(units × r × 10**s / year)``, ``s = GUARD_DIGITS + exponent``."""
    return round(Fraction(units * r * 10 ** (GUARD_DIGITS + exponent), year))


class TestFlatGross:
    """``flat_gross`` is the rounded quotient, its parts single limbs, or None past int64."""

    @pytest.mark.parametrize(
        ("units", "r", "exponent", "year"),
        [
            (2 * B - 1, 1, -20, 2),  # 9999999999.5 to even: lo reaches 10**10
            (2 * B - 1, 1, -19, 20),  # the same with a shift of 1
            (2 * B - 1, 1, -18, 200),  # and of 2
            (5, 1, -19, 4),  # 12.5: t's parity (12), not q's (1), says even
            (7, 1, -19, 4),  # 17.5 to 18
            (5 * 10**18, 1, -18, 1),  # a shift of 2 on a quotient of 19 digits
            (9 * 10**18, 1, -18, 3),
            (3, 1, -20, 2),
        ],
    )
    def test_carries_and_halves(self, units: int, r: int, exponent: int, year: int) -> None:
        got = vector.flat_gross(np.array([units, 0], dtype="int64"), (r, exponent), year)
        assert got is not None
        assert _values(got) == [_gross(units, r, exponent, year), 0]

    @given(
        st.integers(0, 2**63 - 1) | st.integers(0, 10**12),
        st.integers(1, 10**6),
        st.integers(-GUARD_DIGITS, 0),
        st.integers(1, 999),
    )
    def test_any_units_and_year(self, units: int, r: int, exponent: int, year: int) -> None:
        """Within int64, the rounded quotient; past it (``units × r``), None."""
        got = vector.flat_gross(np.array([units], dtype="int64"), (r, exponent), year)
        if units * r >= 2**63:
            assert got is None
        else:
            assert got is not None
            assert _values(got) == [_gross(units, r, exponent, year)]

    @pytest.mark.parametrize("r", [1, 2, 3, 7, 10**6 + 3])
    def test_at_the_int64_bound(self, r: int) -> None:
        """The most units whose product with ``r`` fits int64, and one more (None)."""
        most = (2**63 - 1) // r
        got = vector.flat_gross(np.array([most, 1], dtype="int64"), (r, -20), 999)
        assert got is not None
        assert _values(got) == [_gross(most, r, -20, 999), _gross(1, r, -20, 999)]
        if most + 1 < 2**63:
            assert vector.flat_gross(np.array([most + 1], dtype="int64"), (r, -20), 999) is None

    @pytest.mark.parametrize("year", [0, -1, 1000])
    def test_a_year_outside_1_to_999(self, year: int) -> None:
        assert vector.flat_gross(np.array([5], dtype="int64"), (1, -2), year) is None
