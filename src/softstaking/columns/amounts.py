"""Amount columns read as whole numbers of each row's unit: decimals, strings, integers.

``amounts`` reads a ledger's ``delta`` (or an openings table's ``opening`` and
``carry``) as integers counted in each row's unit (a token's base unit, or its gross
quanta): int64 where they all fit, else Python ints, or with ``wide`` a ``Wide`` of
limbs read straight from the decimals' words. Floats are refused; a value finer than
its unit, or negative where that is refused, raises ``InvalidInputError`` naming its
row. Decimal strings are cast by Arrow where that is exact (``columns.texts``) and
read a row at a time otherwise, with the same results and errors.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, Literal, overload

from softstaking.columns import texts, wideints
from softstaking.columns.wideints import Wide
from softstaking.core.amounts import to_amount
from softstaking.core.errors import InvalidInputError, InvalidTypeError, SoftStakingError
from softstaking.core.fixed import from_units, to_units

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

    Ints = npt.NDArray[np.int64]
    Objects = npt.NDArray[np.object_]
    Amounts = npt.NDArray[Any]  # int64, or object (Python ints) where one does not fit

__all__ = ["amounts", "decimal_ints", "decimal_words"]

_SMALL = 2**62
"""Amounts below this in magnitude are kept as int64 (sums of two still fit)."""


def decimal_words(array: Any) -> Ints:
    """The unscaled values of an Arrow decimal array as ``(n, w)`` int64 words.

    Little-endian two's complement, ``w`` 2 for a ``decimal128`` (and the narrower
    decimals, cast to it) and 4 for a ``decimal256``; a view of the array's buffer.
    """
    import numpy as np
    import pyarrow as pa

    if array.type.byte_width < 16:  # decimal32, decimal64
        array = array.cast(pa.decimal128(38, array.type.scale))
    n = len(array)
    width = array.type.byte_width // 8
    if n == 0:
        return np.empty((0, width), dtype="int64")
    words = np.frombuffer(array.buffers()[1], dtype="<i8")
    out: Ints = words[array.offset * width : (array.offset + n) * width].reshape(n, width)
    return out


def decimal_ints(array: Any) -> Amounts:
    """The unscaled integers of an Arrow decimal array: int64 if they all fit, else ints."""
    import numpy as np

    n = len(array)
    if n == 0:
        return np.empty(0, dtype="int64")
    words = decimal_words(array)
    width = words.shape[1]
    low = words[:, 0]
    if (words[:, 1:] == (low >> 63)[:, None]).all():  # every value fits in 64 bits
        return low.copy()
    out: Objects = words[:, width - 1].astype(object)
    for i in range(width - 2, -1, -1):
        out = (out << 64) | words[:, i].view(np.uint64).astype(object)
    return out


@overload
def amounts(
    column: Any,
    exponents: Ints,
    *,
    name: str,
    where: str,
    rows: Ints,
    unit: Callable[[int], str],
    allow_negative: bool,
    wide: Literal[False] = False,
) -> Amounts: ...


@overload
def amounts(
    column: Any,
    exponents: Ints,
    *,
    name: str,
    where: str,
    rows: Ints,
    unit: Callable[[int], str],
    allow_negative: bool,
    wide: bool,
) -> Amounts | Wide: ...


def amounts(  # noqa: PLR0912, PLR0915 (one branch per Arrow type)
    column: Any,
    exponents: Ints,
    *,
    name: str,
    where: str,
    rows: Ints,
    unit: Callable[[int], str],
    allow_negative: bool,
    wide: bool = False,
) -> Amounts | Wide:
    """Each value as a whole number of ``10**exponents[i]``; refuses floats and finer values.

    ``rows`` are the rows' positions in the table as given, for messages; ``unit(i)``
    names what value ``i`` is counted in (such as ``"IOTX's base unit 1E-18"``). With
    ``wide``, a decimal column whose values pass int64 once scaled, scaled by the same
    power of ten for every row (not down), is read into a ``Wide`` straight from its
    words, never as Python ints.
    """
    import numpy as np
    import pyarrow as pa

    kind = column.type
    chunks = column.chunks if isinstance(column, pa.ChunkedArray) else [column]
    if pa.types.is_floating(kind):
        msg = (
            f"{where} column {name!r} holds floats ({kind}), which cannot hold an amount "
            "exactly: pass strings or decimals (such as pyarrow's decimal128, pandas' "
            "ArrowDtype(pa.decimal128(38, 18)) or polars' pl.Decimal)"
        )
        raise InvalidTypeError(msg)
    if pa.types.is_string(kind) or pa.types.is_large_string(kind):
        return _text_amounts(
            column,
            exponents,
            name=name,
            where=where,
            rows=rows,
            unit=unit,
            allow_negative=allow_negative,
            wide=wide,
        )
    raw: Amounts
    if wide and pa.types.is_decimal(kind):
        read = _wide_decimals(
            chunks, kind.scale, exponents, name, where, rows, unit, allow_negative
        )
        if read is not None:
            return read
    if pa.types.is_decimal(kind):  # a chunk at a time: no combined copy of the column
        parts = [decimal_ints(chunk) for chunk in chunks] or [np.empty(0, dtype="int64")]
        raw = np.concatenate(parts) if len(parts) > 1 else parts[0]
        del parts
        scale = kind.scale
    elif pa.types.is_integer(kind):
        raw, scale = column.to_numpy(zero_copy_only=False), 0
        if raw.dtype == np.uint64 and len(raw) and int(raw.max()) >= 2**63:
            raw = raw.astype(object)
        else:
            raw = raw.astype("int64")
    else:
        msg = f"{where} column {name!r} must hold decimals or decimal strings, not {kind}"
        raise InvalidTypeError(msg)
    if not allow_negative and len(raw):
        negative = np.flatnonzero(raw < 0)
        if negative.size:
            i = int(negative[0])
            msg = f"{where} row {rows[i]}: {name} {from_units(int(raw[i]), -scale):f} is negative"
            raise InvalidInputError(msg)
    if not len(raw):
        return raw
    # One shift for every value (every token with the same decimals) needs no array of them.
    uniform = bool((exponents == exponents[0]).all())
    shifts = np.asarray(-scale - exponents[:1] if uniform else -scale - exponents)
    if raw.dtype != object:
        factor = 10 ** max(0, int(shifts.max()))
        divisor = 10 ** max(0, -int(shifts.min()))  # a column finer than its unit
        top = max(int(raw.max()), -int(raw.min())) * factor
        if top >= _SMALL or max(factor, divisor) >= _SMALL:  # a value or factor may not fit
            raw = raw.astype(object)
    if uniform and shifts[0] == 0:  # already in the right unit: no copy
        return raw
    out = np.empty(len(raw), dtype=raw.dtype)
    for shift in np.unique(shifts).tolist():
        mask = slice(None) if uniform else shifts == shift
        part = raw[mask]
        if shift >= 0:
            out[mask] = part * 10**shift
            continue
        factor = 10**-shift
        finer = np.flatnonzero(part % factor != 0)
        if finer.size:
            i = int(finer[0]) if uniform else int(np.flatnonzero(shifts == shift)[finer[0]])
            value = from_units(int(raw[i]), -scale)
            msg = f"{where} row {rows[i]}: {name} {value:f} is finer than {unit(i)}"
            raise InvalidInputError(msg)
        out[mask] = part // factor
    return out


def _text_amounts(
    column: Any,
    exponents: Ints,
    *,
    name: str,
    where: str,
    rows: Ints,
    unit: Callable[[int], str],
    allow_negative: bool,
    wide: bool,
) -> Amounts | Wide:
    """``amounts`` of decimal strings: cast to decimals where Arrow reads them exactly.

    The plain strings (``columns.texts``) of each exponent are cast to decimals at its
    scale and read as a decimal column is; the others are read as ``to_amount`` reads
    them. Where a cast or a check fails, the whole column is read a row at a time, so
    the error is the one, and names the row, that reading gives.
    """
    import numpy as np

    n = len(column)
    fast = texts.plain(column) if n else np.zeros(0, dtype=bool)
    if not fast.any():
        return _read_texts(column, exponents, name, where, rows, unit, allow_negative)
    longest = texts.longest(column)
    size: Ints | None = None  # each string's length, if one may be too long for its scale
    uniform = bool((exponents == exponents[0]).all())
    parts: list[tuple[Ints, Amounts | Wide]] = []
    done = np.zeros(n, dtype=bool)
    for exponent in [int(exponents[0])] if uniform else np.unique(exponents).tolist():
        chosen = fast if uniform else fast & (exponents == exponent)
        if longest - exponent > texts.MAX_DIGITS:
            size = texts.lengths(column) if size is None else size
            chosen = chosen & (size <= texts.MAX_DIGITS + exponent)
        at = np.flatnonzero(chosen)
        if not at.size:
            continue
        decimals = texts.as_decimals(column if at.size == n else column.take(at), -exponent)
        if decimals is None:
            return _read_texts(column, exponents, name, where, rows, unit, allow_negative)
        try:
            values = amounts(
                decimals,
                exponents[at],
                name=name,
                where=where,
                rows=rows[at],
                unit=functools.partial(_unit_at, unit, at),
                allow_negative=allow_negative,
                wide=wide,
            )
        except InvalidInputError:  # a row-at-a-time reading raises, naming the first row
            return _read_texts(column, exponents, name, where, rows, unit, allow_negative)
        parts.append((at, values))
        done[at] = True
    rest = np.flatnonzero(~done)
    if rest.size:
        parts.append(
            (rest, _read_texts(column, exponents, name, where, rows, unit, allow_negative, rest))
        )
    return _merged(n, parts, wide=wide)


def _unit_at(unit: Callable[[int], str], at: Ints, i: int) -> str:
    """``unit`` of the value at ``at[i]``."""
    return unit(int(at[i]))


def _read_texts(  # noqa: PLR0917 (amounts' own arguments)
    column: Any,
    exponents: Ints,
    name: str,
    where: str,
    rows: Ints,
    unit: Callable[[int], str],
    allow_negative: bool,
    at: Ints | None = None,
) -> Objects:
    """The strings of ``column`` (at ``at``, else all), each read by ``to_amount``.

    ``to_units`` then counts it in ``10**exponents[i]``: Python ints, in an object array.
    """
    import numpy as np

    values = (column if at is None else column.take(at)).to_pylist()
    out: Objects = np.empty(len(values), dtype=object)
    for j, text in enumerate(values):
        i = j if at is None else int(at[j])
        try:
            value = to_amount(text, name=name, allow_negative=allow_negative)
        except SoftStakingError as error:
            error.add_note(f"in {where} row {rows[i]}")
            raise
        try:
            out[j] = to_units(value, int(exponents[i]))
        except InvalidInputError:
            msg = f"{where} row {rows[i]}: {name} {value:f} is finer than {unit(i)}"
            raise InvalidInputError(msg) from None
    return out


def _merged(n: int, parts: Sequence[tuple[Ints, Amounts | Wide]], *, wide: bool) -> Amounts | Wide:
    """The amounts of ``parts``, each the values at its positions, as one column of ``n``.

    int64 where every value is below ``_SMALL`` in magnitude, else a ``Wide`` (with
    ``wide``) or Python ints.
    """
    import numpy as np

    if len(parts) == 1 and len(parts[0][0]) == n:  # every position, in order
        return parts[0][1]
    small: list[Ints] = []
    for _, values in parts:
        if isinstance(values, Wide) or (
            values.dtype == object and len(values) and int(np.abs(values).max()) >= _SMALL
        ):
            break
        small.append(values.astype("int64"))
    else:
        out: Amounts = np.zeros(n, dtype="int64")
        for (at, _), values in zip(parts, small, strict=True):
            out[at] = values
        return out
    if wide:
        read = wideints.concat([wideints.of(values) for _, values in parts])
        limbs = np.zeros(read.limbs.shape, dtype="int64")
        limbs[:, np.concatenate([at for at, _ in parts])] = read.limbs
        return Wide(limbs)
    out = np.empty(n, dtype=object)
    for at, values in parts:
        out[at] = values.objects() if isinstance(values, Wide) else values
    return out


def _wide_decimals(  # noqa: PLR0917 (amounts' own arguments)
    chunks: Sequence[Any],
    scale: int,
    exponents: Ints,
    name: str,
    where: str,
    rows: Ints,
    unit: Callable[[int], str],
    allow_negative: bool,
) -> Wide | None:
    """A decimal column as a ``Wide`` of ``10**exponents`` units; None to read it as ints.

    None where every scaled value fits int64. The checks and their messages are those of
    the ints' path: the first negative value, then, a shift at a time from the most
    negative (a finer column), the first value finer than its unit.
    """
    import numpy as np

    if not len(exponents):
        return None
    shifts = np.asarray(-scale - exponents)
    words = [decimal_words(chunk) for chunk in chunks]
    if all(_fits(w, max(0, int(shifts.max()))) for w in words):
        return None
    read = wideints.concat([wideints.from_words(w) for w in words])
    if not allow_negative:
        negative = np.flatnonzero(read.negative())
        if negative.size:
            i = int(negative[0])
            msg = f"{where} row {rows[i]}: {name} {from_units(read[i], -scale):f} is negative"
            raise InvalidInputError(msg)
    uniform = bool((shifts == shifts.flat[0]).all())
    parts: list[tuple[Any, Wide]] = []
    for shift in np.unique(shifts).tolist():
        at = slice(None) if uniform else np.flatnonzero(np.broadcast_to(shifts, len(read)) == shift)
        part = read if uniform else read[at]
        if shift >= 0:
            parts.append((at, wideints.scaled(part, shift)))
            continue
        finer = np.flatnonzero(wideints.finer(part, -shift))
        if finer.size:
            i = int(finer[0]) if uniform else int(np.asarray(at)[finer[0]])
            value = from_units(read[i], -scale)
            msg = f"{where} row {rows[i]}: {name} {value:f} is finer than {unit(i)}"
            raise InvalidInputError(msg)
        parts.append((at, wideints.divided(part, -shift)))
    if uniform:
        return parts[0][1]
    height = max(len(part.limbs) for _, part in parts)
    limbs = np.zeros((height, len(read)), dtype="int64")
    for at, part in parts:
        limbs[: len(part.limbs), at] = part.limbs
    return Wide(wideints.normalised(limbs, copy=False))


def _fits(words: Ints, shift: int) -> bool:
    """Whether every value of ``words``, times ``10**shift``, is below ``_SMALL``."""
    low = words[:, 0]
    if len(low) == 0:
        return True
    if not (words[:, 1:] == (low >> 63)[:, None]).all():
        return False
    top = max(int(low.max()), -int(low.min()))
    factor: int = 10**shift
    return top * factor < _SMALL and factor < _SMALL
