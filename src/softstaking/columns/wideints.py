"""Amounts past int64 as limbs from the start: ``Wide``, read from Arrow's decimal words.

An 18-decimal token passes int64 at about nine tokens. Rather than Python ints, which
cost a microsecond or so each to make, sum and turn into limbs again, the ledger reader
can keep such a column as a ``Wide``: signed ints as a ``(k, n)`` int64 array of
base-``10**10`` limbs, least significant first, read straight from the column's 128- or
256-bit words (``from_words``). Each limb is in ``[0, 10**10)`` but the top one, which
carries the sign (floor division: ``-1`` is ``[10**10 - 1, …, -1]``).

A ``Wide`` is read as a sequence of ints (``len``, ``w[i]``, ``tolist``), indexed by
arrays and slices as an array is (giving a ``Wide``), and numpy sees it as an object
array of Python ints (``__array__``): code that knows nothing of it still works, at the
cost of those ints. The engine's hot paths (``check_balances``, ``columns.wide``,
``columns.weighted``) read its limbs instead.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any, overload

from softstaking.columns.limbs import BASE_DIGITS, divmod_by

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

    Ints = npt.NDArray[np.int64]
    Objects = npt.NDArray[np.object_]

__all__ = [
    "MAX_EVENTS",
    "Wide",
    "concat",
    "divided",
    "finer",
    "from_words",
    "normalised",
    "of",
    "running_sums",
    "scaled",
]

_B = 10**BASE_DIGITS

MAX_EVENTS = 9 * 10**8
"""Events ``running_sums`` takes: as many limbs below ``10**10`` sum within int64."""

_PIECE = 16
"""Bits of the pieces a word is cut into: a remainder below ``10**10`` × ``2**16`` fits."""


class Wide:
    """Signed ints as floor-normalised base-``10**10`` limbs: a ``(k, n)`` int64 array.

    Every limb but the top is in ``[0, 10**10)``, and the top one below ``10**10`` in
    magnitude: the functions here keep that, and ``columns.wide`` counts on it.

    Examples:
        >>> import numpy as np
        >>> w = of(np.array([-1, 10**12, 7], dtype=object))
        >>> w.limbs.tolist()
        [[9999999999, 0, 7], [-1, 100, 0]]
        >>> len(w), w[1], w[np.array([2, 0])].tolist()
        (3, 1000000000000, [7, -1])
    """

    __slots__ = ("limbs",)

    def __init__(self, limbs: Ints) -> None:
        self.limbs = limbs

    def __len__(self) -> int:
        return int(self.limbs.shape[1])

    @overload
    def __getitem__(self, index: int) -> int: ...

    @overload
    def __getitem__(self, index: slice | Ints | Sequence[int]) -> Wide: ...

    def __getitem__(self, index: Any) -> int | Wide:
        import numpy as np

        if isinstance(index, int | np.integer):
            value = 0
            for limb in self.limbs[::-1, int(index)].tolist():
                value = value * _B + limb
            return value
        return Wide(self.limbs[:, index])

    def __iter__(self) -> Iterator[int]:
        return iter(self.tolist())

    @property
    def dtype(self) -> Any:
        """``object``: as the array of Python ints it stands for."""
        import numpy as np

        return np.dtype(object)

    def objects(self) -> Objects:
        """The values as an object array of Python ints."""
        import numpy as np

        if not len(self):
            return np.empty(0, dtype=object)
        out: Objects = self.limbs[-1].astype(object)
        for row in self.limbs[-2::-1]:
            out = out * _B + row.astype(object)
        return out

    def tolist(self) -> list[int]:
        """The values as Python ints."""
        out: list[int] = self.objects().tolist()
        return out

    def __array__(self, dtype: Any = None, copy: Any = None) -> Any:
        objects = self.objects()
        return objects if dtype is None else objects.astype(dtype)

    def int64s(self) -> Ints | None:
        """The values as int64, or None if one does not fit."""
        import numpy as np

        value = self.limbs[-1]
        for row in self.limbs[-2::-1]:  # |value| below 9 × 10**8: value × 10**10 fits
            if len(value) and int(np.abs(value).max()) >= 9 * 10**8:
                return None
            value = value * _B + row
        out: Ints = value.copy() if len(self.limbs) == 1 else value
        return out

    def negative(self) -> Any:
        """Which values are below zero (a bool array)."""
        return self.limbs[-1] < 0

    def astype(self, dtype: Any) -> Any:
        """As ``numpy.ndarray.astype``, of the object array."""
        return self.objects().astype(dtype)


def normalised(limbs: Ints, *, copy: bool = True) -> Ints:
    """Limbs of any int64 values, carried into ``[0, 10**10)`` but the top (floor).

    The top limb keeps the sign and whatever the carries bring it: give enough limbs
    for it to stay small (every function here expects a top limb below ``10**10`` in
    magnitude). Top limbs of zeros are dropped.
    """
    out = limbs.copy() if copy else limbs
    for i in range(len(out) - 1):
        up, out[i] = divmod_by(out[i], _B)
        out[i + 1] += up
    k = len(out)  # the limbs below the top are in [0, 10**10): a top of zeros adds nothing
    while k > 1 and not out[k - 1].any():
        k -= 1
    return out[:k]


def _unsigned(words: list[Any]) -> Ints:
    """Limbs of unsigned values given as uint64 words, least significant first."""
    import numpy as np

    n = len(words[0])
    mask, bits = np.uint64((1 << _PIECE) - 1), np.uint64(_PIECE)
    pieces: list[Any] = []  # most significant first, only as many as the largest needs
    for word in words[::-1]:
        for t in range(64 // _PIECE - 1, -1, -1):
            piece = (word >> np.uint64(_PIECE * t)) & mask if t else word & mask
            if pieces or piece.any():
                pieces.append(piece)
    limbs = []
    divisor = np.uint64(_B)
    while pieces:
        rest = np.zeros(n, dtype="<u8")
        for i, piece in enumerate(pieces):
            current = (rest << bits) | piece  # below 10**10 × 2**16
            quotient = current // divisor
            rest = current - quotient * divisor
            pieces[i] = quotient  # below 2**16
        limbs.append(rest)
        while pieces and not pieces[0].any():
            pieces.pop(0)
    if not limbs:
        return np.zeros((1, n), dtype="int64")
    return np.stack(limbs).astype("int64")


def _magnitudes(words: Any) -> tuple[list[Any], Any]:
    """``|v|`` of two's-complement ``(n, w)`` uint64 words, as ``w`` arrays; and v < 0."""
    import numpy as np

    columns = np.ascontiguousarray(words.T)  # one array per word: contiguous
    sign = columns[-1] >> np.uint64(63)  # 1 where negative
    if not sign.any():
        return list(columns), sign == 1
    flip = np.uint64(0) - sign  # all ones where negative
    out = []
    carry = sign
    for column in columns:  # |v| = (v ^ flip) + 1 where negative, carried up
        word = (column ^ flip) + carry
        carry = carry & (word == 0)
        out.append(word)
    return out, sign == 1


def _two_words(lo: Any, hi: Any) -> Ints:
    """Limbs of ``hi × 2**64 + lo`` (uint64 arrays, ``hi`` below ``2**32``)."""
    import numpy as np

    # 2**64 = _Q64 × 10**10 + _R64: hi × _R64 + lo's last limb stays below 2**63, and
    # the quotient below 2**96 / 10**10 < 2**63.
    q_lo, r_lo = divmod_by(lo, np.uint64(_B))
    t = hi * np.uint64(_R64) + r_lo
    q_t, limb0 = divmod_by(t, np.uint64(_B))
    rest = (hi * np.uint64(_Q64) + q_lo + q_t).astype("int64")
    limbs = [limb0.astype("int64")]
    while rest.any():
        rest, limb = divmod_by(rest, _B)
        limbs.append(limb)
    return np.stack(limbs)


_Q64, _R64 = divmod(2**64, _B)


def from_words(words: Any) -> Wide:
    """Signed values given as ``(n, w)`` little-endian two's-complement 64-bit words.

    As Arrow keeps a ``decimal128`` (``w`` 2) or ``decimal256`` (``w`` 4) value.

    Examples:
        >>> import numpy as np
        >>> words = np.array([[2**64 - 5, 2**64 - 1], [0, 3]], dtype="<u8")  # -5, 3 × 2**64
        >>> from_words(words).tolist() == [-5, 3 * 2**64]
        True
    """
    import numpy as np

    magnitude, negative = _magnitudes(np.asarray(words).view("<u8"))
    n = len(negative)
    if len(magnitude) == 1:
        magnitude.append(np.zeros(n, dtype="<u8"))
    above = magnitude[2:]
    if not any(word.any() for word in above) and (not n or int(magnitude[1].max()) < 2**32):
        limbs = _two_words(magnitude[0], magnitude[1])
    else:
        limbs = _unsigned(magnitude)
    return Wide(_signed(limbs, negative))


def _signed(limbs: Ints, negative: Any) -> Ints:
    """Limbs of magnitudes, negated where ``negative``, floor-normalised.

    A magnitude's top limb of ``10**10 - 1`` with a non-zero limb below it, negated and
    carried, reaches ``-10**10``: then carried once more, into a limb on top.
    """
    import numpy as np

    if not negative.any():
        return limbs
    limbs *= np.where(negative, -1, 1)
    limbs = normalised(limbs, copy=False)
    if (limbs[-1] <= -_B).any():
        limbs = np.concatenate([limbs, np.zeros((1, limbs.shape[1]), dtype="int64")])
        limbs = normalised(limbs, copy=False)
    return limbs


def of(values: Any) -> Wide:
    """Ints (an int64 array, an object array of Python ints, or a ``Wide``) as a ``Wide``."""
    import numpy as np

    if isinstance(values, Wide):
        return values
    array = np.asarray(values)
    if array.dtype != object:  # below 2**63 in magnitude: two limbs, once carried
        small = array.astype("int64")
        return Wide(normalised(np.stack([small, np.zeros_like(small)])))
    listed = array.tolist()
    negative = np.array([v < 0 for v in listed], dtype=bool)
    size = max((abs(v).bit_length() for v in listed), default=0) // 64 + 1
    packed = b"".join([abs(v).to_bytes(8 * size, "little") for v in listed])
    words = np.frombuffer(packed, dtype="<u8").reshape(len(listed), size)
    limbs = _unsigned(list(np.ascontiguousarray(words.T)))
    return Wide(_signed(limbs, negative))


def concat(parts: Sequence[Wide]) -> Wide:
    """The values of ``parts``, one after the other."""
    import numpy as np

    height = max(len(p.limbs) for p in parts)
    if all(len(p.limbs) == height for p in parts):
        return Wide(np.concatenate([p.limbs for p in parts], axis=1))
    # Zero limbs above a shorter part's top, then carried: its sign moves up.
    blocks = [
        np.concatenate([p.limbs, np.zeros((height - len(p.limbs), len(p)), dtype="int64")])
        for p in parts
    ]
    return Wide(normalised(np.concatenate(blocks, axis=1)))


def scaled(values: Wide, shift: int) -> Wide:
    """``values × 10**shift`` (``shift`` at least 0)."""
    import numpy as np

    whole, digits = divmod(shift, BASE_DIGITS)
    n = len(values)
    limbs = np.concatenate([np.zeros((whole, n), dtype="int64"), values.limbs])
    while digits:
        # A limb of zeros on top, then at most 10**8 a time: every limb is below 10**10
        # in magnitude, and its product stays in int64.
        step = min(digits, 8)
        limbs = np.concatenate([limbs, np.zeros((1, n), dtype="int64")])
        limbs *= 10**step
        limbs = normalised(limbs, copy=False)
        digits -= step
    return Wide(limbs)


def finer(values: Wide, digits: int) -> Any:
    """Which values are not whole multiples of ``10**digits`` (a bool array)."""
    import numpy as np

    whole, rest = divmod(digits, BASE_DIGITS)
    limbs = values.limbs
    out = np.zeros(len(values), dtype=bool)
    for i in range(min(whole, len(limbs))):  # the limbs below are in [0, 10**10)
        out |= limbs[i] != 0
    if whole < len(limbs) and rest:
        out |= limbs[whole] % 10**rest != 0  # floor modulo: the top's sign is kept apart
    return out


def divided(values: Wide, digits: int) -> Wide:
    """``values / 10**digits``, for values that are whole multiples of it (see ``finer``)."""
    import numpy as np

    whole, rest = divmod(digits, BASE_DIGITS)
    limbs = values.limbs[whole:]
    if not len(limbs):
        return Wide(np.zeros((1, len(values)), dtype="int64"))
    if rest:
        down, up = 10**rest, 10 ** (BASE_DIGITS - rest)
        out = limbs // down  # floor: the top keeps its sign
        out[:-1] += limbs[1:] % down * up  # each limb below 10**10 again
        limbs = out
    return Wide(limbs)


def running_sums(delta: Wide, first: Any, opening: Wide, series: Ints) -> Wide:
    """Each event's balance after it: ``opening[series]`` plus its series' deltas so far.

    ``first`` says which events start a series (events are grouped by series). The
    limbs are summed over all events before the carries: for fewer than ``MAX_EVENTS``.
    """
    import numpy as np

    n = len(delta)
    height = max(len(delta.limbs), len(opening.limbs)) + 1
    limbs = np.zeros((height, n), dtype="int64")
    limbs[: len(delta.limbs)] = delta.limbs
    head = np.maximum.accumulate(np.where(first, np.arange(n), 0))
    running = np.cumsum(limbs, axis=1)
    running -= (running - limbs)[:, head]
    start = opening.limbs[:, series]
    running[: len(start)] += start
    return Wide(normalised(running))
