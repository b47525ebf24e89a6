"""Non-negative ints as base-``10**10`` limbs in int64 arrays, for amounts past int64.

An amount is an ``(k, n)`` int64 array of limbs, least significant first:
``Σ limbs[i] × 10**(10 × i)``, each limb below ``10**10`` (``columns.wide``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Sequence

    import numpy as np
    import numpy.typing as npt

    Ints = npt.NDArray[np.int64]

__all__ = ["BASE_DIGITS", "largest", "limbs_of", "trim"]

BASE_DIGITS = 10
"""The digits of a limb."""

_B = 10**BASE_DIGITS


def limbs_of(values: Any) -> Ints | None:
    """Non-negative ints (an int64 or object array) as limbs; None past ``2**256`` or below 0."""
    import numpy as np

    array = np.asarray(values)
    n = len(array)
    if array.dtype != object:
        small = array.astype("int64")
        if n and int(small.min()) < 0:
            return None
        hi, lo = np.divmod(small, _B)  # below 2**63: hi is below 10**10
        return trim(np.stack([lo, hi]))
    listed = array.tolist()
    size = 16 if not n or max(listed) < 2**128 else 32
    try:
        packed = b"".join([v.to_bytes(size, "little") for v in listed])
    except OverflowError:  # negative, or too large
        return None
    pieces = np.frombuffer(packed, dtype="<u4").reshape(n, size // 4).astype("<u8")
    word = [pieces[:, i].copy() for i in range(size // 4)]  # 32 bits each, least first
    fifth, thirty_two = np.uint64(10**5), np.uint64(32)
    digits = []  # base 10**5, least first: 8 of them hold 2**128, 16 hold 2**256
    for _ in range(size // 2):
        rest = np.zeros(n, dtype="<u8")
        for i in range(len(word) - 1, -1, -1):
            current = (rest << thirty_two) | word[i]  # below 10**5 × 2**32
            word[i] = current // fifth
            rest = current - word[i] * fifth
        digits.append(rest)
    limbs = [digits[2 * j] + digits[2 * j + 1] * fifth for j in range(size // 4)]
    return trim(np.stack(limbs).astype("int64"))


def trim(limbs: Ints) -> Ints:
    """Without its top limbs that are zero everywhere (one limb at least)."""
    k = len(limbs)
    while k > 1 and not limbs[k - 1].any():
        k -= 1
    return limbs[:k]


def largest(limbs: Ints | Sequence[Ints]) -> int:
    """The largest amount held (0 for none): limbs, lowest first, as rows of an array or arrays.

    The top limb's maximum, then the next limb's among the values that reach it, and so
    on: one pass over the top limb, and usually a few values after it.
    """
    import numpy as np

    rows = list(limbs)[::-1]
    if not rows or not len(rows[0]):
        return 0
    value = int(rows[0].max())
    if len(rows) == 1:
        return value
    at = np.flatnonzero(rows[0] == value)
    for row in rows[1:]:
        part = row[at]
        top = int(part.max())
        at = at[part == top]
        value = value * _B + top
    return value


def divmod_by(x: Any, d: Any) -> tuple[Any, Any]:
    """``numpy.divmod(x, d)`` (floor), as a division and a product.

    For a scalar ``d`` numpy divides by a precomputed reciprocal, several times faster
    than its ``divmod``, which does not.
    """
    q = x // d
    return q, x - q * d
