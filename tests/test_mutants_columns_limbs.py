"""Limbs (``softstaking.columns.limbs``) at the edges mutation testing found no test stating.

Mutation testing (tools/mutation.py) runs this file with the module's tests. An amount's
limbs are its base-``10**10`` digits, least significant first, with no top limb that is
zero for every amount (one limb at least): the tests state the number of limbs as well as
their values, at the edges of the conversion's two sizes (``2**128`` and ``2**256``) and
of int64.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from softstaking.columns.limbs import BASE_DIGITS, largest, limbs_of, trim

_EDGES = [0, 1, 10**10 - 1, 10**10, 2**63 - 1, 2**128 - 1, 2**128, 2**129 - 1, 2**129]
_EDGES += [10**38, 10**40 - 1, 10**40, 2**255, 2**256 - 1]


def _digits(values: list[int]) -> list[list[int]]:
    """The limbs of the largest value's length: each value's base-``10**10`` digits."""
    count = max([1, *(len(str(v)) for v in values)])
    k = -(-count // BASE_DIGITS)  # ceiling: digits to limbs
    return [[v // 10 ** (BASE_DIGITS * i) % 10**BASE_DIGITS for v in values] for i in range(k)]


def _as_lists(limbs: Any) -> list[list[int]]:
    return [[int(x) for x in row] for row in limbs]


class TestLimbsAtTheEdges:
    """Each amount's limbs are its digits, as many limbs as the largest amount needs."""

    @pytest.mark.parametrize("value", _EDGES)
    def test_one_amount(self, value: int) -> None:
        """An amount alone, and next to zero, at each edge of the conversion."""
        for values in ([value], [0, value], [value, 0]):
            limbs = limbs_of(np.array(values, dtype=object))
            assert limbs is not None
            assert limbs.dtype == np.int64
            assert _as_lists(limbs) == _digits(values)

    @pytest.mark.parametrize("value", [v for v in _EDGES if v < 2**63])
    def test_one_int64_amount(self, value: int) -> None:
        """The int64 path gives the same limbs."""
        limbs = limbs_of(np.array([value, 0], dtype="int64"))
        assert limbs is not None
        assert _as_lists(limbs) == _digits([value, 0])

    @given(st.lists(st.integers(0, 2**256 - 1) | st.integers(0, 2**64), max_size=8))
    def test_the_number_of_limbs(self, values: list[int]) -> None:
        """As many limbs as the largest amount has base-``10**10`` digits, one at least."""
        limbs = limbs_of(np.array(values, dtype=object))
        assert limbs is not None
        assert limbs.shape == (len(_digits(values)), len(values))
        assert _as_lists(limbs) == _digits(values)

    @pytest.mark.parametrize("kind", [object, "int64"])
    def test_no_amounts(self, kind: Any) -> None:
        """No amounts: one limb of none."""
        limbs = limbs_of(np.array([], dtype=kind))
        assert limbs is not None
        assert limbs.shape == (1, 0)

    @pytest.mark.parametrize("values", [[2**256], [0, 2**256], [-1], [5, -(2**100)]])
    def test_declined(self, values: list[int]) -> None:
        """Below zero, or at ``2**256`` and past: None."""
        assert limbs_of(np.array(values, dtype=object)) is None


class TestTrimAndLargest:
    """``trim`` drops only top limbs zero everywhere; ``largest`` of none is 0."""

    def test_trim(self) -> None:
        """Zero top limbs go, down to one limb; a limb non-zero anywhere stays."""
        zero = np.zeros((3, 2), dtype="int64")
        assert trim(zero).shape == (1, 2)
        some = zero.copy()
        some[1, 1] = 7
        assert _as_lists(trim(some)) == [[0, 0], [0, 7]]
        assert trim(np.zeros((3, 0), dtype="int64")).shape == (1, 0)

    def test_largest_of_none_is_zero(self) -> None:
        """No amounts at all: 0."""
        assert largest(np.zeros((2, 0), dtype="int64")) == 0

    @pytest.mark.parametrize("values", [[0], [0, 0], [2**256 - 1, 0], [10**10, 10**10 - 1]])
    def test_largest(self, values: list[int]) -> None:
        """The largest amount, read limb by limb from the top."""
        limbs = limbs_of(np.array(values, dtype=object))
        assert limbs is not None
        assert largest(limbs) == max(values)
