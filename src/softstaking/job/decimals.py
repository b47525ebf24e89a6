"""Arrow decimal columns to and from integer arrays, exactly and without a Python loop.

The state keeps its amounts as Arrow decimals at one scale per column. The job computes
in integers (``numpy`` int64 arrays where every value fits, else arrays of Python ints),
so it converts in both directions here: from each holding's base units to the column's
unscaled integers and the decimal array built straight from their bytes, and back. No
``Decimal`` object is made, and no decimal context is used.
"""

from __future__ import annotations

from typing import Any, Final

from softstaking.columns.amounts import amounts, decimal_ints
from softstaking.core.errors import InvalidInputError

__all__ = ["decimal_array", "decimal_type", "scaled_units", "units_at", "unscaled"]

_WORD: Final = 2**64
_SMALL: Final = 2**62


def decimal_type(scale: int) -> Any:
    """The Arrow type of a column of amounts at ``scale``: 12 whole digits at least.

    ``decimal128(38, scale)`` up to scale 26, else ``decimal256(76, scale)``.
    """
    import pyarrow as pa

    return pa.decimal128(38, scale) if scale + 12 <= 38 else pa.decimal256(76, scale)


def zero_of(kind: Any) -> Any:
    """Zero as an Arrow scalar of the decimal type ``kind``, to compare a column with.

    A Python ``0`` would be an int64, whose common type with a ``decimal128(38, 0)``
    needs 39 digits.
    """
    from decimal import Decimal

    import pyarrow as pa

    return pa.scalar(Decimal(0), kind)


def unscaled(column: Any) -> Any:
    """The unscaled integers of an Arrow decimal column: int64 if they all fit, else ints.

    Examples:
        >>> import pyarrow as pa
        >>> from decimal import Decimal
        >>> unscaled(pa.array([Decimal("1.25"), Decimal("-3")], pa.decimal128(38, 2)))
        array([ 125, -300])
        >>> unscaled(pa.array([Decimal(10) ** 30], pa.decimal256(76, 0)))
        array([1000000000000000000000000000000], dtype=object)
    """
    import pyarrow as pa

    array = column.combine_chunks() if isinstance(column, pa.ChunkedArray) else column
    return decimal_ints(array)


def decimal_array(values: Any, scale: int, *, name: str = "amount") -> Any:
    """The Arrow decimal array at ``scale`` whose unscaled integers are ``values``.

    Its type is ``decimal_type(scale)``, or ``decimal256(76, scale)`` when a value needs
    more than 38 digits.

    Raises:
        InvalidInputError: If a value needs more than 76 digits, naming ``name``.

    Examples:
        >>> import numpy as np
        >>> decimal_array(np.array([125, -300, 0]), 2).to_pylist()
        [Decimal('1.25'), Decimal('-3.00'), Decimal('0.00')]
    """
    import numpy as np
    import pyarrow as pa

    kind = decimal_type(scale)
    n = len(values)
    if values.dtype != object:
        ints = values.astype("int64", copy=False)
        width = kind.byte_width // 8
        words = np.empty((n, width), dtype="<i8")
        words[:, 0] = ints
        words[:, 1:] = (ints >> 63)[:, None]
        return pa.Array.from_buffers(kind, n, [None, pa.py_buffer(words)])
    top = max((abs(int(v)) for v in values), default=0)
    if top >= 10**38 or kind.byte_width == 32:
        if top >= 10**76:
            msg = f"{name}: a value of {len(str(top))} digits does not fit a decimal256"
            raise InvalidInputError(msg)
        kind = pa.decimal256(76, scale)
    width = kind.byte_width // 8
    words = np.empty((n, width), dtype="<u8")
    rest = values.copy()
    for i in range(width):
        words[:, i] = (rest % _WORD).astype("uint64")
        rest = rest // _WORD  # floor division: two's complement words
    return pa.Array.from_buffers(kind, n, [None, pa.py_buffer(words)])


def scaled_units(units: Any, shifts: Any) -> Any:
    """``units * 10**shifts`` (each ``shifts`` at least 0): int64 where it fits, else ints."""
    import numpy as np

    if not len(units):
        return np.asarray(units, dtype="int64")
    top = int(shifts.max())
    if top == 0 and int(shifts.min()) == 0:
        return units
    if units.dtype != object and int(np.abs(units).max()) * 10**top < _SMALL:
        return units * (10 ** shifts.astype("int64"))
    factors = np.array([10**s for s in shifts.tolist()], dtype=object)
    return units.astype(object) * factors


def units_at(column: Any, exponents: Any, *, where: str, name: str) -> Any:
    """Each value of a decimal column as a whole number of ``10**exponents[i]``.

    Raises:
        InvalidInputError: If a value is finer, naming ``where``, the row and ``name``.
    """
    import numpy as np

    return amounts(
        column,
        exponents,
        name=name,
        where=where,
        rows=np.arange(len(column)),
        unit=lambda _: "the token's base unit",
        allow_negative=True,
    )
