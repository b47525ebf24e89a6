"""The engine's words (``softstaking.columns.output``) at edges no test stated before.

Mutation testing (tools/mutation.py) runs this file with the module's tests. The words
are little-endian two's-complement 64-bit words of ints: the tests state their number
(four, or two with ``narrow`` below ``2**127``, for no values too), and reach the carries
a random value rarely reaches: a low word that wraps in ``limb_words``' fast way, a last
part that carries into a new word, a product's carry that wraps a word, and a large
amount added to two-word rows. Each expected value is computed from plain Python ints.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from softstaking.columns.output import add_small, limb_words, parts_words

M = 2**64


def _ints(words: Any) -> list[int]:
    return [int.from_bytes(row.tobytes(), "little", signed=True) for row in words]


def _words(values: list[int], width: int) -> Any:
    packed = b"".join(v.to_bytes(8 * width, "little", signed=True) for v in values)
    return np.frombuffer(packed, dtype="<u8").reshape(len(values), width).copy()


def _digits(value: int, base_digits: int, count: int) -> list[int]:
    """``value``'s ``count`` base-``10**base_digits`` digits, most significant first."""
    out = []
    for _ in range(count):
        value, digit = divmod(value, 10**base_digits)
        out.append(digit)
    assert value == 0
    return out[::-1]


def _parts(values: list[int], base_digits: int, count: int) -> list[Any]:
    """The values as ``count`` int64 parts of base ``10**base_digits``."""
    digits = [_digits(v, base_digits, count) for v in values]
    return [np.array([d[i] for d in digits], dtype="int64") for i in range(count)]


class TestAddSmall:
    """``add_small`` adds modulo ``2**(64 × w)`` to two-word rows as to four-word ones."""

    @given(
        st.lists(st.tuples(st.integers(-(2**127), 2**127 - 1), st.booleans()), max_size=10),
        st.integers(2**64, 2**200),
    )
    def test_an_amount_past_one_word_to_two_word_rows(
        self, rows: list[tuple[int, bool]], amount: int
    ) -> None:
        """The chosen rows gain the amount modulo ``2**128``; the others keep theirs."""
        words = _words([v for v, _ in rows], 2)
        chosen = np.array([i for i, (_, c) in enumerate(rows) if c], dtype="int64")
        add_small(words, chosen, amount)
        wrap = 2**128
        want = [((v + amount + wrap // 2) % wrap) - wrap // 2 if c else v for v, c in rows]
        assert words.shape == (len(rows), 2)
        assert _ints(words) == want


class TestLimbWords:
    """``limb_words`` is ``(hi × 10**base_digits + lo) × 10**shift`` whatever the way."""

    @pytest.mark.parametrize("shift", [1, 2, 10])
    def test_a_shift_of_one_and_more(self, shift: int) -> None:
        """A shift of 1 or more, on the largest limbs too."""
        pairs = [(1, 2), (10**10 - 1, 10**10 - 1), (0, 7)]
        hi = np.array([h for h, _ in pairs], dtype="int64")
        lo = np.array([x for _, x in pairs], dtype="int64")
        want = [(h * 10**10 + x) * 10**shift for h, x in pairs]
        assert _ints(limb_words(hi, lo, 10, shift)) == want

    @pytest.mark.parametrize("base_digits", [1, 5, 9])
    def test_other_bases_without_a_shift(self, base_digits: int) -> None:
        """Limbs of fewer digits, not shifted: the general way, not the 10-digit one."""
        top = 10**base_digits - 1
        hi, lo = np.array([top, 3], dtype="int64"), np.array([top, 0], dtype="int64")
        want = [top * 10**base_digits + top, 3 * 10**base_digits]
        assert _ints(limb_words(hi, lo, base_digits, 0)) == want

    def test_the_low_word_wraps(self) -> None:
        """``hi × 10**10``'s low word is within ``lo`` of ``2**64``: the sum carries."""
        hi = 2**54 // 5**10  # hi × 5**10 is 2**54 less a rest below 5**10
        assert (hi * 10**10) % M > M - (10**10 - 1)  # the case: the low word wraps
        got = limb_words(
            np.array([hi], dtype="int64"), np.array([10**10 - 1], dtype="int64"), 10, 0
        )
        assert _ints(got) == [hi * 10**10 + 10**10 - 1]


class TestPartsWords:
    """Four words a value, two with ``narrow`` below ``2**127``, exactly, whatever the way."""

    @pytest.mark.parametrize("narrow", [False, True])
    def test_no_values(self, narrow: bool) -> None:
        """No values: no rows of as many uint64 words as values would have."""
        got = parts_words([np.zeros(0, dtype="int64")] * 2, 10, 3, narrow=narrow)
        assert got.shape == (0, 2 if narrow else 4)
        assert got.dtype == np.dtype("<u8")

    @pytest.mark.parametrize("value", [0, 5, 2**63 - 1, 2**63, 10**38, 2**127 - 1])
    def test_four_words_unless_narrow(self, value: int) -> None:
        """By default four words, however small; ``narrow``, two below ``2**127``."""
        parts = _parts([value, 1], 18, 3)
        wide = parts_words(parts, 18, 0)
        assert wide.shape == (2, 4)
        assert _ints(wide) == [value, 1]
        narrow = parts_words(parts, 18, 0, narrow=True)
        assert narrow.shape == (2, 2)
        assert _ints(narrow) == [value, 1]

    @pytest.mark.parametrize(("part", "shift"), [(1, 19), (18, 18), (1, 20)])
    def test_a_shift_past_int64(self, part: int, shift: int) -> None:
        """``10**shift`` past int64 on a value below ``2**64`` or past it: exact."""
        got = parts_words([np.array([part, 0], dtype="int64")], 10, shift)
        assert _ints(got) == [part * 10**shift, 0]

    @pytest.mark.parametrize("value", [2**127, 2**127 + 1, 2**128 - 1, 2**128, 10**40])
    def test_narrow_from_2_127_is_four_words(self, value: int) -> None:
        """A value from ``2**127`` does not fit two signed words: four, with ``narrow`` too."""
        got = parts_words(_parts([value, 0], 18, 3), 18, 0, narrow=True)
        assert got.shape == (2, 4)
        assert _ints(got) == [value, 0]

    @pytest.mark.parametrize("words", [1, 2, 3])
    def test_the_last_part_carries_into_a_new_word(self, words: int) -> None:
        """Values whose last part takes them past ``2**(64 × words)``, and just below."""
        edge = 2 ** (64 * words)
        head = edge // 10**10  # head × 10**10 is below the edge, the full last part past it
        values = [head * 10**10 + 10**10 - 1, head * 10**10, edge - 1]
        assert values[0] >= edge > values[1]
        count = -(-len(str(values[0])) // 10)  # no zero part first: the bound starts there
        assert _ints(parts_words(_parts(values, 10, count), 10, 0)) == values

    @given(
        st.integers(0, 2**63 - 1),
        st.integers(0, 2**63 - 1),
        st.integers(1, 18),
        st.integers(0, 20),
    )
    @example(10**18, 2**63 - 1, 1, 0)  # 10**19 + 2**63 - 1: past 2**64 by the last part
    def test_parts_past_their_base(
        self, first: int, last: int, base_digits: int, shift: int
    ) -> None:
        """Horner's rule over any int64 parts: a last part past ``10**base_digits`` too."""
        rows = [(first, last), (0, last), (first, 0)]
        parts = [np.array([row[k] for row in rows], dtype="int64") for k in (0, 1)]
        want = [(a * 10**base_digits + b) * 10**shift for a, b in rows]
        assert _ints(parts_words(parts, base_digits, shift)) == want

    def test_a_product_carries_past_a_word(self) -> None:
        """Times ``5**13``: the high word's product and the low word's carry wrap its word.

        ``a × 5**13 ≡ -1 (mod 2**64)``, and the low word ``2**64 - 1`` carries
        ``5**13 - 1`` up: their sum passes ``2**64``.
        """
        f = 5**13
        a = -pow(f, -1, M) % M
        value = a * M + M - 1
        assert (a * f) % M + ((M - 1) * f >> 64) >= M  # the case
        got = parts_words(_parts([value, 3], 18, 3), 18, 13)
        assert _ints(got) == [value * 10**13, 3 * 10**13]
