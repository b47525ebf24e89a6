"""Decimal strings as Arrow decimals, cast in C++: exactly, or not at all.

Reading a column of decimal strings a row at a time (``Decimal(text)``, then an int)
costs a few microseconds a row. Arrow's cast reads them in C++, but it is not
``Decimal``: it reads forms ``Decimal`` reads differently or not at all, and, with
more digits than its type holds, it wraps round silently (pyarrow 26 casts the
39 nines ``"999…9"`` to ``decimal128(38, 0)`` as a negative number). So only
``plain`` strings are cast, an optional sign, ASCII digits and at most one point
(``"-12.5"``, ``"+.5"``, ``"5."``), whose value Arrow and ``Decimal`` read alike, and
only where every digit fits the type (``as_decimals``): the string's length plus the
scale at most the type's precision. Anything else (an exponent, spaces, underscores,
``NaN``, other digits, too long) is for the caller to read the slow way.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Final

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

    Ints = npt.NDArray[np.int64]
    Bools = npt.NDArray[np.bool_]

__all__ = ["MAX_DIGITS", "PLAIN", "as_decimals", "lengths", "longest", "plain"]

PLAIN: Final = r"^[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)$"
"""A plain decimal string: what ``plain`` accepts (RE2 syntax, as Arrow's regexes)."""

MAX_DIGITS: Final = 76
"""The precision of a ``decimal256``: a plain string's length plus its scale, at most."""

_NARROW: Final = 38
"""The precision of a ``decimal128``."""


def plain(strings: Any) -> Bools:
    """Which of ``strings`` (an Arrow string array) are plain decimal strings; null: no.

    Examples:
        >>> import pyarrow as pa
        >>> plain(pa.array(["-1.50", "+.5", "5.", "1e3", " 1", "1_0", "NaN", None]))
        array([ True,  True,  True, False, False, False, False, False])
    """
    import numpy as np
    import pyarrow.compute as pc

    matched = pc.fill_null(pc.match_substring_regex(strings, PLAIN), False)
    out: Bools = np.asarray(matched, dtype=bool)
    return out


def lengths(strings: Any) -> Ints:
    """Each of ``strings``' length in bytes (a plain string's in characters); null: 0."""
    import numpy as np
    import pyarrow.compute as pc

    out: Ints = np.asarray(pc.fill_null(pc.binary_length(strings), 0), dtype="int64")
    return out


def longest(strings: Any) -> int:
    """The length in bytes of the longest of ``strings``; 0 if none."""
    import pyarrow.compute as pc

    most: int | None = pc.max(pc.binary_length(strings)).as_py()
    return most or 0


def as_decimals(strings: Any, scale: int) -> Any | None:
    """Plain decimal strings as an Arrow decimal array at ``scale``, exactly; or None.

    ``decimal128(38, scale)`` where every string's length plus ``scale`` is at most 38,
    else ``decimal256(76, scale)``. None where a string is longer than that allows
    (``MAX_DIGITS``), ``scale`` is negative, or a value is finer than ``scale`` (Arrow
    refuses to round): read those the slow way. Every string must be ``plain``.

    Examples:
        >>> import pyarrow as pa
        >>> as_decimals(pa.array(["-1.5", "2"]), 2).to_pylist()
        [Decimal('-1.50'), Decimal('2.00')]
        >>> as_decimals(pa.array(["0.125"]), 2) is None
        True
    """
    import pyarrow as pa

    most = longest(strings)
    if scale < 0 or most + scale > MAX_DIGITS:
        return None
    if most + scale <= _NARROW:
        kind = pa.decimal128(_NARROW, scale)
    else:
        kind = pa.decimal256(MAX_DIGITS, scale)
    try:
        return strings.cast(kind)
    except pa.ArrowInvalid:  # finer than scale: data would be lost
        return None
