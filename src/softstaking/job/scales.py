"""Decimal columns brought to the scales the job keeps: exact casts, in C++ or by words.

The ledger's deltas (decimal strings or decimals) and the state's openings are read at
the program's finest scale; the closing carries are narrowed to ``decimal128`` where
every value fits.
"""

from __future__ import annotations

from typing import Any, Final

from softstaking.columns import texts
from softstaking.job.decimals import decimal_type

__all__ = ["as_decimals", "at_scale", "narrowed"]


def as_decimals(column: Any, scale: int) -> Any:
    """Decimal strings as an Arrow decimal column at ``scale``, cast in C++ (exact).

    Parsing strings one by one in Python costs more than the day's computation. Only
    plain decimal strings that fit the type are cast (``columns.texts``: Arrow's cast
    wraps round silently past its type's digits). A value finer than ``scale``, too
    long, or not plain leaves the column as it is, and ``Program.table`` names the row.
    """
    import pyarrow as pa

    if not (pa.types.is_string(column.type) or pa.types.is_large_string(column.type)):
        return column
    if not texts.plain(column).all():
        return column
    decimals = texts.as_decimals(column, scale)
    return column if decimals is None else decimals


def at_scale(column: Any, scale: int) -> Any:
    """A decimal column at ``scale`` (exact), as the openings are read at the program's.

    A column finer than ``scale`` with a value that does not fit stays as it is: reading
    the openings names the row.
    """
    import pyarrow as pa

    if column.type.scale == scale:
        return column
    for kind in (decimal_type(scale), pa.decimal256(76, scale)):
        try:
            return column.cast(kind)
        except pa.ArrowInvalid:
            continue
    return column


_DECIMAL128_TOP: Final = divmod(10**38, 2**64)
"""``10**38`` as the high (signed) and low (unsigned) words of a 128-bit integer."""


_DECIMAL128_BOTTOM: Final = divmod(-(10**38), 2**64)
"""``-10**38`` so (the high word floored, the low word its two's complement)."""


def narrowed(column: Any) -> Any:
    """A ``decimal256`` column as a ``decimal128`` of its scale when every value fits.

    The carries are kept at the gross quantum, 28 places for 8 decimals: a
    ``decimal256`` in the records, but small, so that half the bytes hold them in the
    state. The type follows from the values alone, so chained runs and one long run
    agree on it. A value fits when it is within 128 bits and below ``10**38`` in size
    (38 digits), read from the column's words: the first two words are then the value.

    Examples:
        >>> import pyarrow as pa
        >>> from decimal import Decimal
        >>> small = pa.array([Decimal("-1.5"), Decimal(10) ** 36], pa.decimal256(76, 1))
        >>> narrowed(small).type, narrowed(small).to_pylist() == small.to_pylist()
        (Decimal128Type(decimal128(38, 1)), True)
        >>> narrowed(pa.array([Decimal(10) ** 36], pa.decimal256(76, 2))).type
        Decimal256Type(decimal256(76, 2))
    """
    import pyarrow as pa

    kind = column.type
    if kind.byte_width != 32 or kind.scale > 38:
        return column
    narrow = pa.decimal128(38, kind.scale)
    chunked = isinstance(column, pa.ChunkedArray)
    out = []
    for chunk in column.chunks if chunked else [column]:
        if chunk.null_count:
            try:
                out.append(chunk.cast(narrow))
            except pa.ArrowInvalid:
                return column
            continue
        words = _low_words(chunk)
        if words is None:
            return column
        out.append(pa.Array.from_buffers(narrow, len(chunk), [None, pa.py_buffer(words)]))
    return pa.chunked_array(out, narrow) if chunked else out[0]


def _low_words(array: Any) -> Any:
    """The two low words of each value of a ``decimal256`` array (without nulls), or None.

    None unless every value is within 128 bits and below ``10**38`` in size.
    """
    import numpy as np

    n = len(array)
    words = np.frombuffer(array.buffers()[1], dtype="<i8", count=4 * (array.offset + n))
    words = words[4 * array.offset :].reshape(n, 4)
    low, high = words[:, 0].view("<u8"), words[:, 1]
    sign = high >> 63
    (top_high, top_low), (bottom_high, bottom_low) = _DECIMAL128_TOP, _DECIMAL128_BOTTOM
    below = (high < top_high) | ((high == top_high) & (low < np.uint64(top_low)))
    above = (high > bottom_high) | ((high == bottom_high) & (low > np.uint64(bottom_low)))
    fits = (words[:, 2] == sign) & (words[:, 3] == sign) & np.where(sign < 0, above, below)
    return np.ascontiguousarray(words[:, :2]) if fits.all() else None
