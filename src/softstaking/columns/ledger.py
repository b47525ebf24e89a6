"""The ledger and its openings, read, checked and held as integer arrays.

A ledger is a table of balance events, one a row: ``account`` and ``token`` (strings),
``at`` (a timestamp with a time zone), ``delta`` (a decimal, a decimal string or an
integer; never a float) and optionally ``kind`` (a string). Openings are a table of
``account``, ``token``, ``opening`` and optionally ``carry``. ``read_ledger`` checks
both, sorts the events by account, token and instant (keeping the ledger's order among
events at the same instant) and keeps every amount as an integer (int64 where they all
fit, else Python ints): balances in the token's base units, carries in its gross
quanta. Errors name the ledger's row, counted
from 0 in the order given.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterator, Sequence
from decimal import Decimal
from typing import TYPE_CHECKING, Any, overload

import attrs

from softstaking.core.amounts import to_amount
from softstaking.core.errors import (
    InvalidInputError,
    InvalidTypeError,
    NaiveDatetimeError,
    SoftStakingError,
)
from softstaking.core.fixed import from_units, to_units
from softstaking.core.tokens import GUARD_DIGITS, Token

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

    Ints = npt.NDArray[np.int64]
    Objects = npt.NDArray[np.object_]
    Amounts = npt.NDArray[Any]  # int64, or object (Python ints) where one does not fit

__all__ = ["Kinds", "Ledger", "read_ledger", "to_arrow"]

DEFAULT_KIND = "transfer"

_SMALL = 2**62
"""Amounts below this in magnitude are kept as int64 (sums of two still fit)."""


def to_arrow(data: object, *, name: str) -> Any:
    """``data`` as a ``pyarrow.Table``: a Table, a RecordBatch, or any Arrow stream.

    Anything with the Arrow PyCapsule stream interface (``__arrow_c_stream__``) is read
    through it: pandas (2.2 and later) and polars DataFrames, DuckDB relations, readers.
    """
    import pyarrow as pa

    if isinstance(data, pa.Table):
        return data
    if isinstance(data, pa.RecordBatch):
        return pa.Table.from_batches([data])
    if hasattr(data, "__arrow_c_stream__"):
        return pa.RecordBatchReader.from_stream(data).read_all()
    msg = (
        f"{name} must be a pyarrow Table or a DataFrame with the Arrow stream interface "
        f"(__arrow_c_stream__: pandas >= 2.2, polars), not {type(data).__name__}"
    )
    raise InvalidTypeError(msg)


def _column(table: Any, name: str, where: str) -> Any:
    import pyarrow.compute as pc

    if name not in table.column_names:
        msg = f"{where} has no column {name!r} (it has {', '.join(table.column_names) or 'none'})"
        raise InvalidInputError(msg)
    column = table.column(name)
    if column.null_count:
        row = pc.index(pc.is_null(column), True).as_py()
        msg = f"{where} row {row}: {name} is empty (null)"
        raise InvalidInputError(msg)
    return column


def _strings(column: Any, name: str, where: str) -> Any:
    import pyarrow as pa

    kind = column.type
    if pa.types.is_dictionary(kind):
        kind = kind.value_type
    if not (
        pa.types.is_string(kind) or pa.types.is_large_string(kind) or pa.types.is_string_view(kind)
    ):
        msg = f"{where} column {name!r} must hold strings, not {column.type}"
        raise InvalidTypeError(msg)
    out = column.cast(pa.string())
    return out.combine_chunks() if isinstance(out, pa.ChunkedArray) else out


def _instants(column: Any, where: str) -> Ints:
    import pyarrow as pa

    kind = column.type
    if not pa.types.is_timestamp(kind):
        msg = f"{where} column 'at' must hold timestamps with a time zone, not {kind}"
        raise InvalidTypeError(msg)
    if kind.tz is None:
        msg = (
            f"{where} column 'at' holds timestamps without a time zone ({kind}): an instant "
            "needs one. Localize them first, e.g. pandas' .dt.tz_localize('UTC') or "
            "polars' .dt.replace_time_zone('UTC')"
        )
        raise NaiveDatetimeError(msg)
    try:
        micros = column.cast(pa.timestamp("us", tz="UTC"))
    except pa.ArrowInvalid as error:
        msg = f"{where} column 'at' has an instant finer than a microsecond: {error}"
        raise InvalidInputError(msg) from None
    out: Ints = micros.cast(pa.int64()).to_numpy()
    return out


def _decimal_ints(array: Any) -> Amounts:
    """The unscaled integers of an Arrow decimal array: int64 if they all fit, else ints."""
    import numpy as np
    import pyarrow as pa

    if array.type.byte_width < 16:  # decimal32, decimal64
        array = array.cast(pa.decimal128(38, array.type.scale))
    n = len(array)
    if n == 0:
        return np.empty(0, dtype="int64")
    width = array.type.byte_width // 8
    words = np.frombuffer(array.buffers()[1], dtype="<i8")
    words = words[array.offset * width : (array.offset + n) * width].reshape(n, width)
    low = words[:, 0]
    if (words[:, 1:] == (low >> 63)[:, None]).all():  # every value fits in 64 bits
        return low.copy()
    out: Objects = words[:, width - 1].astype(object)
    for i in range(width - 2, -1, -1):
        out = (out << 64) | words[:, i].view(np.uint64).astype(object)
    return out


def _amounts(  # noqa: PLR0912, PLR0915 (one branch per Arrow type)
    column: Any,
    exponents: Ints,
    *,
    name: str,
    where: str,
    rows: Ints,
    unit: Callable[[int], str],
    allow_negative: bool,
) -> Amounts:
    """Each value as a whole number of ``10**exponents[i]``; refuses floats and finer values.

    ``rows`` are the rows' positions in the table as given, for messages; ``unit(i)``
    names what value ``i`` is counted in (such as ``"IOTX's base unit 1E-18"``).
    """
    import numpy as np
    import pyarrow as pa

    kind = column.type
    array = column.combine_chunks() if isinstance(column, pa.ChunkedArray) else column
    if pa.types.is_floating(kind):
        msg = (
            f"{where} column {name!r} holds floats ({kind}), which cannot hold an amount "
            "exactly: pass strings or decimals (such as pyarrow's decimal128, pandas' "
            "ArrowDtype(pa.decimal128(38, 18)) or polars' pl.Decimal)"
        )
        raise InvalidTypeError(msg)
    if pa.types.is_string(kind) or pa.types.is_large_string(kind):
        out = np.empty(len(array), dtype=object)
        for i, text in enumerate(array.to_pylist()):
            try:
                value = to_amount(text, name=name, allow_negative=allow_negative)
                out[i] = to_units(value, int(exponents[i]))
            except SoftStakingError as error:
                error.add_note(f"in {where} row {rows[i]}")
                if isinstance(error, InvalidInputError) and "finer" in str(error):
                    msg = f"{where} row {rows[i]}: {name} {value:f} is finer than {unit(i)}"
                    raise InvalidInputError(msg) from None
                raise
        return out
    raw: Amounts
    if pa.types.is_decimal(kind):
        raw, scale = _decimal_ints(array), kind.scale
    elif pa.types.is_integer(kind):
        raw, scale = array.to_numpy(zero_copy_only=False), 0
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
    shifts = -scale - exponents
    if raw.dtype != object and len(raw):
        top = int(np.abs(raw).max()) * 10 ** max(0, int(shifts.max()))
        if top >= _SMALL:  # a scaled value may not fit int64
            raw = raw.astype(object)
    out = np.empty(len(raw), dtype=raw.dtype)
    for shift in np.unique(shifts).tolist():
        mask = shifts == shift
        part = raw[mask]
        if shift >= 0:
            out[mask] = part * 10**shift
            continue
        factor = 10**-shift
        finer = np.flatnonzero(part % factor != 0)
        if finer.size:
            i = int(np.flatnonzero(mask)[finer[0]])
            value = from_units(int(raw[i]), -scale)
            msg = f"{where} row {rows[i]}: {name} {value:f} is finer than {unit(i)}"
            raise InvalidInputError(msg)
        out[mask] = part // factor
    return out


def _placed(into: Amounts, where: Ints, values: Amounts) -> Amounts:
    """``into`` with ``values`` at ``where``: object arrays if either holds Python ints."""
    if values.dtype == object and into.dtype != object:
        into = into.astype(object)
    into[where] = values
    return into


def _sorted_keys(table: Any, where: str, keys: tuple[str, ...]) -> tuple[Any, Any, Ints]:
    """The table's account and token columns sorted by ``keys`` (stable), and the order."""
    import pyarrow as pa
    import pyarrow.compute as pc

    account = _strings(_column(table, "account", where), "account", where)
    token = _strings(_column(table, "token", where), "token", where)
    columns = {"account": account, "token": token}
    if "at" in keys:
        columns["at"] = table.column("at")
    order = pc.sort_indices(
        pa.table(columns), sort_keys=[(key, "ascending") for key in keys]
    ).to_numpy()
    return account.take(order), token.take(order), order


def _starts(account: Any, token: Any) -> Any:
    """Whether each row of sorted keys starts a new (account, token)."""
    import numpy as np
    import pyarrow.compute as pc

    n = len(account)
    new = np.ones(n, dtype=bool)
    if n > 1:
        same = pc.and_(
            pc.equal(account[1:], account[:-1]), pc.equal(token[1:], token[:-1])
        ).to_numpy(zero_copy_only=False)
        new[1:] = ~same
    return new


@attrs.frozen(eq=False)
class Ledger:
    """A checked ledger: its series (one per account and token) and their events.

    Series are ordered by account, then token; events by series, then instant, then
    their row in the ledger. Amounts are int64 arrays where every value is below
    ``2**62`` in magnitude, else object arrays of Python ints: read them with
    ``int()`` or ``.tolist()``.

    Attributes:
        account: Each series' account (an Arrow string array).
        token: Each series' token symbol (an Arrow string array).
        code: Each series' token, as an index into ``tokens``.
        tokens: The tokens that occur.
        opening: Each series' opening balance, in base units.
        carry: Each series' carry from before the run, in gross quanta.
        series: Each event's series.
        at: Each event's instant, in microseconds since the epoch.
        delta: Each event's change, in base units.
        row: Each event's row in the ledger as given.
        kind: Each event's kind.
        special: Whether some event's kind is one of the special kinds given.
    """

    account: Any
    token: Any
    code: Ints
    tokens: tuple[Token, ...]
    opening: Amounts
    carry: Amounts
    series: Ints
    at: Ints
    delta: Amounts
    row: Ints
    kind: Sequence[str]
    special: bool

    def bounds(self) -> list[int]:
        """Where each series' events start in the event arrays, and where the last ends."""
        import numpy as np

        out: list[int] = np.searchsorted(self.series, np.arange(len(self.code) + 1)).tolist()
        return out


class Kinds(Sequence[str]):
    """The events' kinds, read from their Arrow column only when first asked for.

    The engine needs a kind only to name an event in an error; turning millions of
    Arrow strings into Python strings up front would cost more than the day's sums.
    """

    def __init__(self, column: Any) -> None:
        self._column = column
        self._list: list[str] | None = None

    def _values(self) -> list[str]:
        if self._list is None:
            self._list = self._column.to_pylist()
        return self._list

    def __len__(self) -> int:
        return len(self._column)

    def __iter__(self) -> Iterator[str]:
        return iter(self._values())

    @overload
    def __getitem__(self, index: int) -> str: ...
    @overload
    def __getitem__(self, index: slice) -> Sequence[str]: ...
    def __getitem__(self, index: int | slice) -> str | Sequence[str]:
        return self._values()[index]


def _token_codes(
    symbols: Any, rows: Ints, where: str, token_of: Callable[[str], Token], known: list[str]
) -> Ints:
    """Each symbol as an index into ``known``, extended with new symbols as they come."""
    import pyarrow as pa
    import pyarrow.compute as pc

    for symbol in pc.unique(symbols).to_pylist():
        if symbol not in known:
            try:
                token_of(symbol)
            except SoftStakingError as error:
                first = pc.index(symbols, symbol).as_py()
                error.add_note(f"at {where} row {rows[first]}")
                raise
            known.append(symbol)
    codes: Ints = (
        pc.index_in(symbols, value_set=pa.array(known, pa.string())).to_numpy().astype("int64")
    )
    return codes


def read_ledger(  # noqa: PLR0915 (one pass over both tables, in order)
    ledger: Any,
    openings: Any | None,
    *,
    token_of: Callable[[str], Token],
    special_kinds: Collection[str] = (),
    duplicate_error: type[InvalidInputError] = InvalidInputError,
) -> Ledger:
    """Check and read ``ledger`` (and ``openings``) into a ``Ledger``.

    Args:
        ledger: A pyarrow Table of events (see the module).
        openings: A pyarrow Table of openings, or None.
        token_of: The token of a symbol; raises for a symbol the caller has no rules for.
        special_kinds: Event kinds the caller wants to know about (``Ledger.special``).
        duplicate_error: What to raise when openings name an account and token twice.

    Raises:
        InvalidTypeError: A column of the wrong type: floats, naive... with its name.
        InvalidInputError: A missing column, an empty value, an amount finer than the
            token's base unit (or a carry finer than its gross quantum), a negative
            opening or carry; the message names the row.
    """
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    where = "ledger"
    for name in ("account", "token", "at", "delta"):
        _column(ledger, name, where)
    at_sorted = pa.table({"at": _column(ledger, "at", where)})
    _instants(at_sorted.column("at").slice(0, 0), where)  # the type, before sorting
    account, token, order = _sorted_keys(ledger, where, ("account", "token", "at"))
    rows: Ints = order.astype("int64")
    known: list[str] = []
    codes = _token_codes(token, rows, where, token_of, known)
    at = _instants(_column(ledger, "at", where).take(order), where)
    starts = _starts(account, token)
    series_of_row = np.cumsum(starts) - 1
    first = np.flatnonzero(starts)
    if "kind" in ledger.column_names:
        kind_column = ledger.column("kind")
        if kind_column.null_count:
            kind_column = pc.fill_null(kind_column, DEFAULT_KIND)
        kind_column = _strings(kind_column, "kind", where).take(order)
        kinds: Kinds | list[str] = Kinds(kind_column)
        special = bool(special_kinds) and bool(
            pc.any(pc.is_in(kind_column, value_set=pa.array(sorted(special_kinds)))).as_py()
        )
    else:
        kinds = [DEFAULT_KIND] * len(rows)
        special = False

    # The union of both tables' (account, token) keys, sorted once (stably: the
    # ledger's keys first, then the openings' in their order).
    o_account = pa.array([], pa.string())
    o_token = pa.array([], pa.string())
    o_table = None
    if openings is not None:
        o_where = "openings"
        _column(openings, "opening", o_where)
        o_account = _strings(_column(openings, "account", o_where), "account", o_where)
        o_token = _strings(_column(openings, "token", o_where), "token", o_where)
        o_table = openings
    n_first = len(first)
    keys = pa.table(
        {
            "account": pa.concat_arrays([account.take(first), o_account]),
            "token": pa.concat_arrays([token.take(first), o_token]),
        }
    )
    key_order = pc.sort_indices(keys, sort_keys=[("account", "ascending"), ("token", "ascending")])
    s_account = keys.column("account").take(key_order).combine_chunks()
    s_token = keys.column("token").take(key_order).combine_chunks()
    s_new = _starts(s_account, s_token)
    ordered = key_order.to_numpy()
    twice = np.flatnonzero(~s_new[1:] & (ordered[1:] >= n_first) & (ordered[:-1] >= n_first))
    if twice.size:  # two openings of one key, side by side: the later row is the repeat
        i = int(twice[0]) + 1
        msg = (
            f"openings row {int(ordered[i]) - n_first}: account {s_account[i].as_py()!r} "
            f"holds {s_token[i].as_py()!r} twice"
        )
        raise duplicate_error(msg)
    if o_table is not None:
        _token_codes(o_token, np.arange(len(o_token)), "openings", token_of, known)
    series_of_key = np.empty(len(keys), dtype="int64")
    series_of_key[ordered] = np.cumsum(s_new) - 1
    del s_account, s_token  # the keys in order, each once, from the keys as given:
    first_of_key = pa.array(ordered[np.flatnonzero(s_new)])
    s_account = keys.column("account").take(first_of_key).combine_chunks()
    s_token = keys.column("token").take(first_of_key).combine_chunks()
    del keys, key_order, first_of_key
    n_series = len(s_account)
    tokens = tuple(token_of(symbol) for symbol in known)
    s_code = _token_codes(s_token, np.arange(n_series), where, token_of, known)
    decimals = np.array([t.decimals for t in tokens], dtype="int64")

    opening: Amounts = np.zeros(n_series, dtype="int64")
    carry: Amounts = np.zeros(n_series, dtype="int64")
    if o_table is not None:
        o_series = series_of_key[n_first:]
        o_code = s_code[o_series]
        o_rows = np.arange(len(o_series), dtype="int64")

        def base_unit(i: int) -> str:
            t = tokens[o_code[i]]
            return f"{t}'s base unit {t.base_unit:f}"

        def gross_quantum(i: int) -> str:
            t = tokens[o_code[i]]
            return f"{t}'s gross quantum {t.gross_quantum:f}"

        opening = _placed(
            opening,
            o_series,
            _amounts(
                _column(o_table, "opening", "openings"),
                -decimals[o_code],
                name="opening",
                where="openings",
                rows=o_rows,
                unit=base_unit,
                allow_negative=False,
            ),
        )
        if "carry" in o_table.column_names:
            carry = _placed(
                carry,
                o_series,
                _amounts(
                    _column(o_table, "carry", "openings"),
                    -decimals[o_code] - GUARD_DIGITS,
                    name="carry",
                    where="openings",
                    rows=o_rows,
                    unit=gross_quantum,
                    allow_negative=False,
                ),
            )

    def event_unit(i: int) -> str:
        t = tokens[codes[i]]
        return f"{t}'s base unit {t.base_unit:f}"

    delta = _amounts(
        _column(ledger, "delta", where).take(order),
        -decimals[codes],
        name="delta",
        where=where,
        rows=rows,
        unit=event_unit,
        allow_negative=True,
    )
    return Ledger(
        account=s_account,
        token=s_token,
        code=s_code,
        tokens=tokens,
        opening=opening,
        carry=carry,
        series=series_of_key[:n_first][series_of_row] if len(rows) else series_of_row,
        at=at,
        delta=delta,
        row=rows,
        kind=kinds,
        special=special,
    )


def decimal_of(units: int, exponent: int) -> Decimal:
    """``units × 10**exponent`` as a Decimal, for messages and the general path."""
    return from_units(units, exponent)
