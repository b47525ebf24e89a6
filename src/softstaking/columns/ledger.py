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

import functools
import itertools
from collections.abc import Callable, Collection, Iterator, Sequence
from decimal import Decimal
from typing import TYPE_CHECKING, Any, overload

import attrs

from softstaking.columns.amounts import amounts
from softstaking.columns.wideints import Wide
from softstaking.core.errors import (
    InvalidInputError,
    InvalidTypeError,
    NaiveDatetimeError,
    SoftStakingError,
)
from softstaking.core.fixed import from_units
from softstaking.core.tokens import GUARD_DIGITS, Token

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

    Ints = npt.NDArray[np.int64]
    Amounts = npt.NDArray[Any]  # int64, or object (Python ints) where one does not fit

__all__ = ["Kinds", "Ledger", "read_ledger", "to_arrow"]

DEFAULT_KIND = "transfer"


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
    return column.cast(pa.string())


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


def _no_sub_accounts(column: Any, where: str) -> None:
    """Refuse a ``sub_account`` that is set: one balance per account and token is read."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if not (pa.types.is_string(column.type) or pa.types.is_large_string(column.type)):
        column = column.cast(pa.string())
    used = pc.and_(pc.is_valid(column), pc.not_equal(column, ""))
    if pc.any(used).as_py():
        row = pc.index(used, True).as_py()
        msg = (
            f"{where} row {row}: sub_account {column[row].as_py()!r}: Program.table reads "
            "one balance per account and token; sum a holding's sub-accounts into its "
            "account, or use Program.run with SubAccount values (or softstaking run), "
            "which check each sub-account's own balance"
        )
        raise InvalidInputError(msg)


def _placed_wide(n: int, where: Ints, values: Wide) -> Wide:
    """Zeros, with ``values`` at ``where``."""
    import numpy as np

    limbs = np.zeros((len(values.limbs), n), dtype="int64")
    limbs[:, where] = values.limbs
    return Wide(limbs)


def _placed(into: Amounts, where: Ints, values: Amounts) -> Amounts:
    """``into`` with ``values`` at ``where``: object arrays if either holds Python ints."""
    if values.dtype == object and into.dtype != object:
        into = into.astype(object)
    into[where] = values
    return into


@attrs.frozen(eq=False)
class Ledger:
    """A checked ledger: its series (one per account and token) and their events.

    Series are ordered by account, then token; events by series, then instant, then
    their row in the ledger. Amounts are int64 arrays where every value is below
    ``2**62`` in magnitude, else object arrays of Python ints: read them with
    ``int()`` or ``.tolist()``. A ledger read with ``wide`` holds such openings and
    deltas as a ``Wide`` (``opening_amounts``, ``delta_amounts``), and makes the
    Python ints of ``opening`` and ``delta`` only when they are first asked for.
    Each series' account is held as an index into the
    distinct accounts, its token as an index into ``tokens``; ``account`` and
    ``token`` spell them out for every series, and ``keys`` for a range of series.

    Attributes:
        accounts: The distinct accounts, sorted (an Arrow string array).
        account_of: Each series' account, as an index into ``accounts``.
        code: Each series' token, as an index into ``tokens``.
        tokens: The tokens that occur.
        opening_amounts: Each series' opening balance, in base units (passed as
            ``opening``).
        carry: Each series' carry from before the run, in gross quanta.
        series: Each event's series.
        at: Each event's instant, in microseconds since the epoch.
        delta_amounts: Each event's change, in base units (passed as ``delta``).
        row: Each event's row in the ledger as given.
        kind: Each event's kind.
        special: Whether some event's kind is one of the special kinds given.
    """

    accounts: Any
    account_of: Ints
    code: Ints
    tokens: tuple[Token, ...]
    opening_amounts: Amounts | Wide = attrs.field(alias="opening")
    carry: Amounts
    series: Ints
    at: Ints
    delta_amounts: Amounts | Wide = attrs.field(alias="delta")
    row: Ints
    kind: Sequence[str]
    special: bool

    @functools.cached_property
    def opening(self) -> Amounts:
        """Each series' opening balance, in base units, as an array (see the class)."""
        return _array(self.opening_amounts)

    @functools.cached_property
    def delta(self) -> Amounts:
        """Each event's change, in base units, as an array (see the class)."""
        return _array(self.delta_amounts)

    @functools.cached_property
    def _all_keys(self) -> tuple[Any, Any]:
        return self.keys(0, len(self.code))

    @property
    def account(self) -> Any:
        """Each series' account (an Arrow string array)."""
        return self._all_keys[0]

    @property
    def token(self) -> Any:
        """Each series' token symbol (an Arrow string array)."""
        return self._all_keys[1]

    def keys(self, first: int, end: int, *, repeat: int = 1) -> tuple[Any, Any]:
        """The account and token symbol of the series ``first`` to ``end`` (excluded).

        Each ``repeat`` times, as Arrow string arrays.
        """
        import pyarrow as pa

        account, code = self.account_of[first:end], self.code[first:end]
        symbols = pa.array([t.symbol for t in self.tokens], pa.string())
        accounts, tokens = self.accounts.take(pa.array(account)), symbols.take(pa.array(code))
        if repeat != 1:
            accounts, tokens = _repeated(accounts, repeat), _repeated(tokens, repeat)
        return accounts, tokens

    def bounds(self) -> list[int]:
        """Where each series' events start in the event arrays, and where the last ends."""
        import numpy as np

        out: list[int] = np.searchsorted(self.series, np.arange(len(self.code) + 1)).tolist()
        return out


def _repeated(strings: Any, repeat: int) -> Any:
    """Each string of an Arrow string array ``repeat`` times in a row.

    Built from its bytes (each string's bytes repeated, and their offsets), which is
    cheaper than a ``take`` of that many rows; by ``take`` for nulls or past ``2**31`` bytes.
    """
    import numpy as np
    import pyarrow as pa

    _, offsets_buffer, data_buffer = strings.buffers()
    offsets = np.frombuffer(offsets_buffer, dtype="<i4") if len(strings) else np.zeros(1, "<i4")
    offsets = offsets[strings.offset : strings.offset + len(strings) + 1].astype("int64")
    lengths = np.diff(offsets)
    simple = strings.type == pa.string() and not strings.null_count
    if not simple or int(lengths.sum()) * repeat >= 2**31:
        return strings.take(pa.array(np.repeat(np.arange(len(strings)), repeat)))
    data = memoryview(b"" if data_buffer is None else data_buffer)
    width = int(lengths[0]) if len(lengths) else 0
    joined: Any
    if width and (lengths == width).all():  # strings of one length: rows of a byte grid
        grid = np.frombuffer(data, dtype="u1", count=len(strings) * width, offset=int(offsets[0]))
        joined = np.repeat(grid.reshape(-1, width), repeat, axis=0)
    else:
        starts = offsets.tolist()
        joined = b"".join([bytes(data[a:b]) * repeat for a, b in itertools.pairwise(starts)])
    ends = np.zeros(len(strings) * repeat + 1, dtype="<i4")
    np.cumsum(np.repeat(lengths, repeat), out=ends[1:])
    return pa.StringArray.from_buffers(len(ends) - 1, pa.py_buffer(ends), pa.py_buffer(joined))


def _array(values: Amounts | Wide) -> Amounts:
    """An array of amounts: a ``Wide``'s values as Python ints."""
    return values.objects() if isinstance(values, Wide) else values


class Kinds(Sequence[str]):
    """The events' kinds, read from their Arrow column only when first asked for.

    The engine needs a kind only to name an event in an error; turning millions of
    Arrow strings into Python strings up front would cost more than the day's sums.
    ``order`` (the events' rows in the ledger, if not in the column's order) is applied
    then too.
    """

    def __init__(self, column: Any, order: Ints | None = None) -> None:
        self._column = column
        self._order = order
        self._list: list[str] | None = None

    def _values(self) -> list[str]:
        if self._list is None:
            column = self._column if self._order is None else self._column.take(self._order)
            self._list = column.to_pylist()
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


def _ranks(values: Any) -> tuple[Any, Ints]:
    """The distinct strings of ``values``, sorted, and each value's rank among them.

    One hashing pass (Arrow's dictionary encoding) and a sort of the distinct strings
    alone: much cheaper, in time and memory, than sorting the strings themselves.
    """
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    encoded = pc.dictionary_encode(values)
    parts = encoded.chunks if isinstance(encoded, pa.ChunkedArray) else [encoded]
    if not parts:
        return pa.array([], pa.string()), np.empty(0, dtype="int64")
    # The chunks share one dictionary, or each extends the one before: the last's holds all.
    dictionary = parts[-1].dictionary
    order = pc.sort_indices(dictionary)
    rank = np.empty(len(dictionary), dtype="int64")
    rank[order.to_numpy()] = np.arange(len(dictionary))
    indices = [np.asarray(part.indices) for part in parts]
    ranks: Ints = rank[np.concatenate(indices) if len(indices) > 1 else indices[0]]
    return dictionary.take(order), ranks


def _remap(values: Any, into: Any) -> Ints:
    """Each of ``values``' strings as its index in ``into``."""
    import numpy as np
    import pyarrow.compute as pc

    out: Ints = np.asarray(pc.index_in(values, value_set=into), dtype="int64")
    return out


def _union(left: Any, right: Any) -> Any:
    """The distinct strings of two arrays of distinct strings, sorted."""
    import pyarrow as pa
    import pyarrow.compute as pc

    unique = pc.unique(pa.chunked_array([left, right], pa.string()))
    return unique.take(pc.sort_indices(unique))


def _event_order(key: Ints, at: Ints) -> Ints | None:
    """The events' order by key, then instant, stably; None when already in it."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    if len(key) < 2:
        return None
    if ((key[1:] > key[:-1]) | ((key[1:] == key[:-1]) & (at[1:] >= at[:-1]))).all():
        return None
    low, span = int(at.min()), int(at.max()) - int(at.min()) + 1
    order: Ints
    if (int(key.max()) + 1) * span < 2**63:  # one int64 key
        combined = key * span + (at - low)
        # numpy's default sort is faster than its stable one; its order is the stable
        # one unless two events share a key and an instant, which it may swap.
        order = np.argsort(combined)
        ordered = combined[order]
        if (ordered[1:] == ordered[:-1]).any():
            order = np.argsort(combined, kind="stable")
        return order
    order = (
        pc.sort_indices(
            pa.table({"key": key, "at": at}),
            sort_keys=[("key", "ascending"), ("at", "ascending")],
        )
        .to_numpy()
        .astype("int64")
    )
    return order


def _check_symbols(
    symbols: Sequence[str],
    first_rows: Sequence[int],
    where: str,
    token_of: Callable[[str], Token],
    known: list[str],
) -> None:
    """Add each new symbol to ``known``, in order; a symbol without rules raises."""
    for symbol, row in zip(symbols, first_rows, strict=True):
        if symbol not in known:
            try:
                token_of(symbol)
            except SoftStakingError as error:
                error.add_note(f"at {where} row {row}")
                raise
            known.append(symbol)


def _series_of(keys: Sequence[Ints], space: int) -> tuple[Ints, list[Ints]]:
    """The distinct keys of all ``keys``, sorted, and each key's index among them."""
    import numpy as np

    total = sum(len(k) for k in keys)
    if space <= 4 * total + (1 << 20):  # dense enough: a table of the key space
        present = np.zeros(space, dtype=bool)
        for k in keys:
            present[k] = True
        distinct: Ints = np.flatnonzero(present)
        index = np.cumsum(present, dtype="int64")
        del present
        index -= 1
        return distinct, [index[k] for k in keys]
    distinct = np.unique(np.concatenate(keys))
    return distinct, [np.searchsorted(distinct, k).astype("int64") for k in keys]


def read_ledger(  # noqa: PLR0912, PLR0915 (one pass over both tables, in order)
    ledger: Any,
    openings: Any | None,
    *,
    token_of: Callable[[str], Token],
    special_kinds: Collection[str] = (),
    duplicate_error: type[InvalidInputError] = InvalidInputError,
    wide: bool = False,
) -> Ledger:
    """Check and read ``ledger`` (and ``openings``) into a ``Ledger``.

    Accounts and tokens are never sorted as strings: each is hashed to its rank among
    the distinct strings (which alone are sorted), and the events are sorted by
    integer keys. The checks come in the same order as the rows they name.

    Args:
        ledger: A pyarrow Table of events (see the module).
        openings: A pyarrow Table of openings, or None.
        token_of: The token of a symbol; raises for a symbol the caller has no rules for.
        special_kinds: Event kinds the caller wants to know about (``Ledger.special``).
        duplicate_error: What to raise when openings name an account and token twice.
        wide: Read decimal openings and deltas past int64 into a ``Wide`` (see
            ``amounts``), for the engine, rather than into Python ints.

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
    at_column = _column(ledger, "at", where)
    _instants(at_column.slice(0, 0), where)  # the type, before sorting
    account = _strings(_column(ledger, "account", where), "account", where)
    token = _strings(_column(ledger, "token", where), "token", where)
    n = len(account)
    l_accounts, l_account = _ranks(account)
    l_symbols, l_symbol = _ranks(token)
    del account, token
    raw_at = at_column.cast(pa.int64()).to_numpy()  # in the column's own unit
    order = _event_order(l_account * len(l_symbols) + l_symbol, raw_at)
    del raw_at
    rows: Ints = np.arange(n, dtype="int64") if order is None else order
    if order is not None:
        l_account, l_symbol = l_account[order], l_symbol[order]
    # Each symbol's first event in the sorted order, in that order: its rules, or an error.
    firsts = np.full(len(l_symbols), n, dtype="int64")
    np.minimum.at(firsts, l_symbol, np.arange(n, dtype="int64"))
    firsts.sort()
    known: list[str] = []
    _check_symbols(
        [l_symbols[int(r)].as_py() for r in l_symbol[firsts]],
        rows[firsts].tolist(),
        where,
        token_of,
        known,
    )
    if at_column.type.unit == "us" and order is not None:
        at = _instants(at_column, where)[order]
    else:
        at = _instants(at_column if order is None else at_column.take(order), where)
    del at_column
    if "sub_account" in ledger.column_names:
        _no_sub_accounts(ledger.column("sub_account"), where)
    if "kind" in ledger.column_names:
        kind_column = ledger.column("kind")
        if kind_column.null_count:
            kind_column = pc.fill_null(kind_column, DEFAULT_KIND)
        kind_column = _strings(kind_column, "kind", where)
        kinds: Kinds | list[str] = Kinds(kind_column, order)
        special = bool(special_kinds) and bool(
            pc.any(pc.is_in(kind_column, value_set=pa.array(sorted(special_kinds)))).as_py()
        )
    else:
        kinds = [DEFAULT_KIND] * n
        special = False

    # The series: the union of both tables' (account, token) keys, as integers.
    accounts, symbols = l_accounts, l_symbols
    o_account = o_symbol = np.empty(0, dtype="int64")
    if openings is not None:
        o_where = "openings"
        _column(openings, "opening", o_where)
        o_accounts, o_account = _ranks(
            _strings(_column(openings, "account", o_where), "account", o_where)
        )
        o_tokens = _strings(_column(openings, "token", o_where), "token", o_where)
        o_symbols, o_symbol = _ranks(o_tokens)
        accounts, symbols = _union(l_accounts, o_accounts), _union(l_symbols, o_symbols)
        o_account = _remap(o_accounts, accounts)[o_account]
        o_symbol = _remap(o_symbols, symbols)[o_symbol]
        del o_accounts, o_symbols
        l_account = _remap(l_accounts, accounts)[l_account]
        l_symbol = _remap(l_symbols, symbols)[l_symbol]
    width = max(len(symbols), 1)
    l_key = l_account * width + l_symbol
    o_key = o_account * width + o_symbol
    del l_account, l_symbol, o_account
    if len(o_key) > 1 and not (o_key[1:] > o_key[:-1]).all():
        o_order = np.argsort(o_key, kind="stable")
        twice = np.flatnonzero(o_key[o_order][1:] == o_key[o_order][:-1])
        if twice.size:  # two openings of one key: the later row is the repeat
            row = int(o_order[int(twice[0]) + 1])
            key = int(o_key[row])
            msg = (
                f"openings row {row}: account {accounts[key // width].as_py()!r} "
                f"holds {symbols[key % width].as_py()!r} twice"
            )
            raise duplicate_error(msg)
        del o_order, twice
    if openings is not None:
        distinct = pc.unique(o_tokens)  # in the order they come
        _check_symbols(
            distinct.to_pylist(),
            [pc.index(o_tokens, s).as_py() for s in distinct],
            "openings",
            token_of,
            known,
        )
        del o_tokens
    tokens = tuple(token_of(symbol) for symbol in known)
    code_of = np.array(
        [known.index(s) if s in known else -1 for s in symbols.to_pylist()], dtype="int64"
    )
    series_key, (series, o_series) = _series_of([l_key, o_key], len(accounts) * width)
    del l_key, o_key
    n_series = len(series_key)
    s_code = code_of[series_key % width]
    decimals = np.array([t.decimals for t in tokens], dtype="int64")

    def exponents(codes: Ints, extra: int = 0) -> Ints:
        """Each row's exponent: one value for all when every token has the same."""
        if len(set(decimals.tolist())) == 1:
            one: Ints = np.broadcast_to(np.int64(-int(decimals[0]) - extra), codes.shape)
            return one
        out: Ints = -decimals[codes] - extra
        return out

    opening: Amounts | Wide = np.zeros(n_series, dtype="int64")
    carry: Amounts = np.zeros(n_series, dtype="int64")
    if openings is not None:
        o_code = code_of[o_symbol]
        o_rows = np.arange(len(o_series), dtype="int64")
        whole = len(o_series) == n_series and bool((o_series == o_rows).all())

        def base_unit(i: int) -> str:
            t = tokens[o_code[i]]
            return f"{t}'s base unit {t.base_unit:f}"

        def gross_quantum(i: int) -> str:
            t = tokens[o_code[i]]
            return f"{t}'s gross quantum {t.gross_quantum:f}"

        values = amounts(
            _column(openings, "opening", "openings"),
            exponents(o_code),
            name="opening",
            where="openings",
            rows=o_rows,
            unit=base_unit,
            allow_negative=False,
            wide=wide,
        )
        if whole:
            opening = values
        elif isinstance(values, Wide):
            opening = _placed_wide(n_series, o_series, values)
        else:
            opening = _placed(np.zeros(n_series, dtype="int64"), o_series, values)
        if "carry" in openings.column_names:
            carries = amounts(
                _column(openings, "carry", "openings"),
                exponents(o_code, GUARD_DIGITS),
                name="carry",
                where="openings",
                rows=o_rows,
                unit=gross_quantum,
                allow_negative=False,
            )
            carry = carries if whole else _placed(carry, o_series, carries)
        del values, o_rows, o_series, o_symbol, o_code
    codes = s_code[series]

    def event_unit(i: int) -> str:
        t = tokens[codes[i]]
        return f"{t}'s base unit {t.base_unit:f}"

    delta_column = _column(ledger, "delta", where)
    delta = amounts(
        delta_column if order is None else delta_column.take(order),
        exponents(codes),
        name="delta",
        where=where,
        rows=rows,
        unit=event_unit,
        allow_negative=True,
        wide=wide,
    )
    return Ledger(
        accounts=accounts,
        account_of=series_key // width,
        code=s_code,
        tokens=tokens,
        opening=opening,
        carry=carry,
        series=series,
        at=at,
        delta=delta,
        row=rows,
        kind=kinds,
        special=special,
    )


def decimal_of(units: int, exponent: int) -> Decimal:
    """``units × 10**exponent`` as a Decimal, for messages and the general path."""
    return from_units(units, exponent)
