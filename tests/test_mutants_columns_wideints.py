"""Signed limbs (``softstaking.columns.wideints``) at edges no test stated before.

Mutation testing (tools/mutation.py) runs this file with the module's tests. A ``Wide``
holds signed ints as floor base-``10**10`` digits, least significant first: the tests
state the number of limbs where it is defined (as many as the largest value needs, one
at least), the ways ``from_words`` chooses between (one word, two words below
``2**96``, the pieces' way), the int64 edges of ``int64s`` and ``scaled``, and that the
arrays given back are ints, never floats or views of the limbs. Each expected value is
computed from plain Python ints.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from softstaking.columns import wideints

B = 10**10


def _wide(values: list[int]) -> wideints.Wide:
    return wideints.of(np.array(values, dtype=object))


def _words(values: list[int], width: int) -> Any:
    """Little-endian two's-complement 64-bit words, ``width`` a value."""
    packed = b"".join(v.to_bytes(8 * width, "little", signed=True) for v in values)
    return np.frombuffer(packed, dtype="<u8").reshape(len(values), width)


def _limbs_needed(values: list[int]) -> int:
    """The floor base-``10**10`` digits the values need: their top one below ``10**10``."""
    k = 1
    while any(not -B < v // B ** (k - 1) < B for v in values):
        k += 1
    return k


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


class TestTheNumberOfLimbs:
    """As many limbs as the largest value needs, one at least; top limbs of zeros dropped."""

    @pytest.mark.parametrize("values", [[], [0], [0, 0, 0]])
    def test_zeros_are_one_limb(self, values: list[int]) -> None:
        """Zeros (or none) are one limb of zeros, whichever way they come."""
        for wide in (
            _wide(values),
            wideints.of(np.array(values, dtype="int64")),
            wideints.from_words(_words(values, 2)),
            wideints.from_words(_words(values, 4)),
        ):
            assert wide.limbs.shape == (1, len(values))
            assert wide.limbs.tolist() == [[0] * len(values)]

    @given(st.lists(st.integers(-(10**76) + 1, 10**76 - 1), max_size=8))
    def test_of_python_ints(self, values: list[int]) -> None:
        """``of`` gives each value's floor digits, as many limbs as the largest needs."""
        k = _limbs_needed(values)
        want = [[v // B**i % B if i < k - 1 else v // B**i for v in values] for i in range(k)]
        assert _wide(values).limbs.tolist() == (want if values else [[]])

    def test_normalised_drops_top_limbs_of_zeros(self) -> None:
        """Two top limbs of zeros go; one limb of zeros stays; a carry or a sign keeps its limb."""
        limbs = np.array([[5, 0], [0, 0], [0, 0]], dtype="int64")
        assert wideints.normalised(limbs).tolist() == [[5, 0]]
        assert wideints.normalised(np.zeros((3, 2), dtype="int64")).tolist() == [[0, 0]]
        carried = np.array([[B, -1], [0, 0], [0, 0]], dtype="int64")
        # 10**10 and -1 in three floor digits: [0, 1, 0] and [B - 1, B - 1, -1]
        assert wideints.normalised(carried).tolist() == [[0, B - 1], [1, B - 1], [0, -1]]

    def test_normalised_leaves_the_given_limbs_unless_told(self) -> None:
        """By default the given array is copied; with ``copy=False`` it is worked in place."""
        limbs = np.array([[B + 3], [0]], dtype="int64")
        out = wideints.normalised(limbs)
        assert out.tolist() == [[3], [1]]
        assert limbs.tolist() == [[B + 3], [0]]
        wideints.normalised(limbs, copy=False)
        assert limbs.tolist() == [[3], [1]]


class TestFromWords:
    """``from_words`` reads one, two or four words a value, whichever way it takes."""

    @given(st.lists(st.integers(-(2**63), 2**63 - 1), max_size=10))
    def test_one_word_a_value(self, values: list[int]) -> None:
        """int64 values as one word each: the same ints, limbs of ints."""
        wide = wideints.from_words(_words(values, 1))
        assert wide.tolist() == values
        assert wide.limbs.dtype == np.int64

    @pytest.mark.parametrize(
        "value",
        [
            2**128,
            2**128 + 7,
            2**128 + 2**64,
            2**191 + 5,
            (2**32 - 1) * 2**64 + 2**64 - 1,
            2**96,
            2**96 + 2**64 - 1,
            5 * 10**9 * 2**64,
            (2**33 - 1) * 2**64 + 12345,
            2**64 * (2**64 - 1),
        ],
    )
    def test_edges_of_the_two_word_way(self, value: int) -> None:
        """Past two words with a small second word, and second words from ``2**32`` up."""
        for values in ([value, 0], [-value, 3], [1, value]):
            assert wideints.from_words(_words(values, 4)).tolist() == values
            if abs(value) < 2**127:
                assert wideints.from_words(_words(values, 2)).tolist() == values


class TestFiner:
    """``finer`` reads past the top limb as zeros: a value there is no multiple."""

    @given(
        st.lists(st.integers(-(10**25), 10**25), min_size=1, max_size=6),
        st.integers(1, 9),
        st.integers(1, 4),
    )
    def test_digits_past_the_top_limb(self, values: list[int], rest: int, whole: int) -> None:
        """``10**digits`` wider than every limb: only zero is a multiple."""
        wide = _wide(values)
        digits = 10 * (len(wide.limbs) + whole - 1) + rest
        assert wideints.finer(wide, digits).tolist() == [v % 10**digits != 0 for v in values]


class TestDividedAndScaled:
    """Both give ints, exactly, at the edges of int64 products."""

    @pytest.mark.parametrize("digits", [10, 20, 30, 40])
    def test_divided_past_every_limb_is_int_zeros(self, digits: int) -> None:
        """Zeros (multiples of anything) divided past every limb: zeros, as ints."""
        got = wideints.divided(_wide([0, 0]), digits)
        assert got.limbs.dtype == np.int64
        assert got.tolist() == [0, 0]
        assert all(_is_int(v) for v in got.tolist())

    @given(
        st.lists(st.integers(B - 10**8, B - 1) | st.integers(-(10**30), 10**30), max_size=6),
        st.sampled_from([9, 19, 29, 39, 8, 18]),
    )
    def test_scaled_limbs_of_nine_nines_and_more(self, values: list[int], shift: int) -> None:
        """Limbs near ``10**10`` times ``10**9``: past int64 unless scaled in smaller steps."""
        values = [B - 1, -(B - 1), *values]
        assert wideints.scaled(_wide(values), shift).tolist() == [v * 10**shift for v in values]


class TestAsArrays:
    """A ``Wide`` as an array: Python ints, or the dtype asked, never floats on the way."""

    def test_objects_and_dtypes(self) -> None:
        """Values floats cannot hold come back exact, as ints or as the int64s asked."""
        values = [10**30 + 1, -(2**62) - 1, 0, 2**53 + 1]
        wide = _wide(values)
        objects = np.asarray(wide, dtype=object)
        assert objects.dtype == object
        assert objects.tolist() == values
        assert all(_is_int(v) for v in objects.tolist())
        assert wide.astype(object).tolist() == values
        small = _wide(values[1:])
        assert small.astype("int64").dtype == np.int64
        assert small.astype("int64").tolist() == values[1:]
        assert np.asarray(small, dtype="int64").tolist() == values[1:]

    def test_no_values_are_an_object_array(self) -> None:
        """An empty ``Wide`` is an empty object array, as any other."""
        empty = _wide([])
        assert empty.objects().dtype == object
        assert np.asarray(empty).dtype == object

    def test_int64s_are_a_new_array(self) -> None:
        """Changing the int64s given back leaves the ``Wide`` as it was (one limb or more)."""
        for values in ([5, -3], [B + 5, -3]):
            wide = _wide(values)
            got = wide.int64s()
            assert got is not None
            got += 1
            assert wide.tolist() == values

    @pytest.mark.parametrize(
        "value", [2**63, 2**63 - 1 + B, 10**19 - 1, -(2**63) - 1, -(10**19) + 1, 2**64]
    )
    def test_int64s_decline_values_past_int64(self, value: int) -> None:
        """A value past int64 gives None, never a wrapped int64."""
        assert _wide([value, 1]).int64s() is None
