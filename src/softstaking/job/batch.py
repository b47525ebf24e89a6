"""One batch of the daily job: some accounts' records, and the state they close with.

``compute(program, events, state, start, end)`` reads the batch's events with the
state's closing amounts as openings, computes the records (through the integer engine
when it can, else ``Program.run``), and builds the closing state in integers, its
amounts written straight into Arrow decimal columns (``softstaking.job.decimals``).

Sub-accounts: when the ledger or the state has a non-empty ``sub_account``, every
account, token and sub-account is read as a series of its own (its key
``account``, a NUL character and ``sub_account``), so each one's balance, frozen and waiting amounts
are kept apart, and the series of one account and token form one ``Holding``: the main
account (``sub_account`` empty) and the others as ``SubAccount`` values, in name order,
which ``Program.run`` merges (``merge_subaccounts``). Such a batch is computed by
``Program.run``. The carry, and with compounding the credited and pending payouts, are
the holding's: they are kept on its main row, which every holding has.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any, Final

import attrs

from softstaking.columns.ledger import Ledger
from softstaking.columns.ledger import read_ledger as read_columns
from softstaking.columns.output import build_table, records_of, zone_name
from softstaking.core.amounts import ZERO
from softstaking.core.errors import InvalidInputError, NegativeBalanceError
from softstaking.core.fixed import from_units
from softstaking.core.instants import to_us
from softstaking.core.records import DailyReward
from softstaking.core.tokens import GUARD_DIGITS
from softstaking.job.decimals import (
    decimal_array,
    decimal_type,
    scaled_units,
    units_at,
    zero_of,
)
from softstaking.job.state import STATE_COLUMNS, pending_text, read_pending
from softstaking.programs.eligibility import (
    ORDER_FREEZE,
    ORDER_RELEASE,
    POCKET_KINDS,
    REDEMPTION_CANCEL,
    REDEMPTION_REQUEST,
    REDEMPTION_SETTLE,
)
from softstaking.programs.holdings import Holding, SubAccount
from softstaking.programs.program import (
    DuplicateHoldingError,
    Program,
    ledger_holdings,
    table_of_read,
)

__all__ = ["PART_SEPARATOR", "compute", "narrowed", "program_types"]

PART_SEPARATOR: Final = "\x00"
"""Between the account and the sub-account in a series' key; no account may hold it."""

_AMOUNT_COLUMNS: Final = ("balance", "eligible", "gross", "carry", "forfeited")


def program_types(program: Program) -> dict[str, Any]:
    """Each amount column's type for every token of the program, so days share a schema.

    So does ``payout_at``: in the zone of every token of the program when they share
    one, else in UTC (as ``Program.table`` writes it for a ledger of every token), so
    that days and batches holding some of the tokens have the same type.
    """
    import pyarrow as pa

    top = max(calc.token.decimals for calc in program.calculators.values())
    types = {name: decimal_type(top + GUARD_DIGITS) for name in _AMOUNT_COLUMNS}
    types["paid"] = decimal_type(top)
    names = sorted({zone_name(c.tz) or "" for c in program.calculators.values()})
    zone = names[0] if len(names) == 1 and names[0] else "UTC"
    types["payout_at"] = pa.timestamp("us", tz=zone)
    return types


def _normalized(table: Any, types: dict[str, Any]) -> Any:
    """The table at the program's types: amounts at its scales, ``payout_at`` in its zone.

    Both casts are exact: the same amounts, the same instants.
    """
    import pyarrow as pa

    for name, kind in types.items():
        i = table.schema.get_field_index(name)
        column = table.column(i)
        if column.type != kind:
            try:
                column = column.cast(kind)
            except pa.ArrowInvalid:  # too many digits for decimal128: widen
                column = column.cast(pa.decimal256(76, kind.scale))
            table = table.set_column(i, name, column)
    return table


def text(units: Any, decimals: int) -> str:
    """``units`` base units of a token with ``decimals`` as a plain decimal string.

    Examples:
        >>> text(1234, 2), text(5, 3), text(0, 8), text(-7, 0)
        ('12.34', '0.005', '0', '-7')
    """
    value = int(units)
    if not value:
        return "0"
    if not decimals:
        return str(value)
    digits = str(abs(value)).rjust(decimals + 1, "0")
    return f"{'-' if value < 0 else ''}{digits[:-decimals]}.{digits[-decimals:]}"


def as_decimals(column: Any, scale: int) -> Any:
    """Decimal strings as an Arrow decimal column at ``scale``, cast in C++ (exact).

    Parsing strings one by one in Python costs more than the day's computation. A value
    finer than ``scale`` or too large for the type stays a string: the column is left as
    it is, and ``Program.table`` names the row.
    """
    import pyarrow as pa

    if not (pa.types.is_string(column.type) or pa.types.is_large_string(column.type)):
        return column
    try:
        return column.cast(decimal_type(scale))
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return column


def _at_scale(column: Any, scale: int) -> Any:
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
    import numpy as np
    import pyarrow as pa

    kind = column.type
    if kind.byte_width != 32 or kind.scale > 38:
        return column
    array = column.combine_chunks() if isinstance(column, pa.ChunkedArray) else column
    if array.null_count:
        try:
            return array.cast(pa.decimal128(38, kind.scale))
        except pa.ArrowInvalid:
            return column
    n = len(array)
    words = np.frombuffer(array.buffers()[1], dtype="<i8", count=4 * (array.offset + n))
    words = words[4 * array.offset :].reshape(n, 4)
    low, high = words[:, 0].view("<u8"), words[:, 1]
    sign = high >> 63
    (top_high, top_low), (bottom_high, bottom_low) = _DECIMAL128_TOP, _DECIMAL128_BOTTOM
    below = (high < top_high) | ((high == top_high) & (low < np.uint64(top_low)))
    above = (high > bottom_high) | ((high == bottom_high) & (low > np.uint64(bottom_low)))
    fits = (words[:, 2] == sign) & (words[:, 3] == sign) & np.where(sign < 0, above, below)
    if not fits.all():
        return column
    narrow = np.ascontiguousarray(words[:, :2])
    return pa.Array.from_buffers(pa.decimal128(38, kind.scale), n, [None, pa.py_buffer(narrow)])


def _pocket_moves(read: Ledger, roles: dict[str, str]) -> tuple[Any, Any, Any]:
    """Which events settle a redemption, move funds in or out of orders, or of a wait."""
    import numpy as np

    if not read.special:  # only plain transfers in the ledger
        none = np.zeros(len(read.delta), dtype=bool)
        return none, none, none
    kinds = np.array([roles.get(k, k) for k in read.kind], dtype=object)
    settle = kinds == REDEMPTION_SETTLE
    in_orders = (kinds == ORDER_FREEZE) | (kinds == ORDER_RELEASE)
    in_wait = (kinds == REDEMPTION_REQUEST) | (kinds == REDEMPTION_CANCEL)
    return settle, in_orders, in_wait


def _segment_sums(values: Any, bounds: Any) -> Any:
    """The sum of ``values`` between each pair of ``bounds``.

    Object arrays sum as Python ints; int64 arrays in int64, so every running sum of
    them must fit (the caller checks).
    """
    import numpy as np

    sums = np.zeros(len(values) + 1, dtype=values.dtype)
    if len(values):
        sums[1:] = np.cumsum(values)
    index = np.asarray(bounds, dtype="int64")
    ends = sums[index]
    return ends[1:] - ends[:-1]


@attrs.frozen
class _Credits:
    """The payments of one compounding holding, in base units of its token.

    Attributes:
        credited: What was paid into the balance before the run.
        pending: The payouts not yet made, as ``(instant, units)`` in time order.
    """

    credited: int = 0
    pending: tuple[tuple[datetime, int], ...] = ()


def to_units(value: Decimal, decimals: int) -> int | None:
    """``value`` (zero or more) in base units of a token with ``decimals``, exactly.

    None if it is finer than the base unit. Integers, not a decimal context: a state
    amount may have more digits than any context keeps.

    Examples:
        >>> to_units(Decimal("1234567890123.123456789012345678"), 18)
        1234567890123123456789012345678
        >>> to_units(Decimal("1.5E+3"), 2), to_units(Decimal("0.005"), 2)
        (150000, None)
    """
    _, digits, exponent = value.as_tuple()
    assert isinstance(exponent, int)  # a finite amount: the state's were checked
    coefficient = int("".join(map(str, digits)) or "0")
    shift = exponent + decimals
    scale: int = 10 ** abs(shift)
    if shift >= 0:
        return coefficient * scale
    whole, rest = divmod(coefficient, scale)
    return None if rest else whole


def _pending_units(value: str, decimals: int, where: str) -> tuple[tuple[datetime, int], ...]:
    """A state's ``pending`` value in base units; an amount finer is refused."""
    out = []
    for at, amount in read_pending(value):
        units = to_units(amount, decimals)
        if units is None:
            msg = f"{where}: pending {amount} is finer than the token's base unit"
            raise InvalidInputError(msg)
        out.append((at, units))
    return tuple(out)


def _credited_records(credits: _Credits, first: datetime, day: date, decimals: int) -> list[Any]:
    """The state's payments as the ``credited`` records ``Program.run`` takes.

    The calculator puts a credited record's ``paid`` into the balance from its
    ``payout_at`` on, and reads nothing else of it: what was credited before the run is
    one record at the run's first instant, each pending payout one at its instant.
    """
    payments = [(first, credits.credited)] if credits.credited else []
    payments += [(at, units) for at, units in credits.pending if units]
    return [
        DailyReward(day, ZERO, ZERO, ZERO, ZERO, from_units(units, -decimals), ZERO, at)
        for at, units in payments
    ]


def _closing_credits(
    before: _Credits, paid: list[tuple[datetime, Decimal]], end_us: int, decimals: int
) -> tuple[int, str]:
    """A compounding holding's ``credited`` (base units) and ``pending`` after the run.

    ``paid`` is the run's records' ``(payout_at, paid)``. A payout at or before
    ``end_us`` (the first instant after the run) is in the balance; a later one waits.
    """
    credited = before.credited
    waiting: dict[int, tuple[datetime, int]] = {}
    run = [(at, to_units(amount, decimals) or 0) for at, amount in paid]
    for at, units in [*before.pending, *run]:
        if not units:
            continue
        at_us = to_us(at)
        if at_us <= end_us:
            credited += units
        elif at_us in waiting:
            waiting[at_us] = (waiting[at_us][0], waiting[at_us][1] + units)
        else:
            waiting[at_us] = (at, units)
    pending = pending_text(
        (at, text(units, decimals)) for _, (at, units) in sorted(waiting.items())
    )
    return credited, pending


@attrs.frozen(eq=False)
class _Groups:
    """How the read ledger's series form holdings (one series each, without sub-accounts).

    Attributes:
        account: Each series' account (Arrow strings, without the sub-account).
        sub: Each series' sub-account, empty for the main account (Arrow strings).
        holding: Each series' holding, an index into the holdings (ordered by account,
            then token).
        main: Each holding's main series, or -1 if the batch has none for it.
        members: Each holding's series, the main one first, then by sub-account; None
            when every series is a holding of its own.
        first: Each holding's first series.
    """

    account: Any
    sub: Any
    holding: Any
    main: Any
    members: list[Any] | None
    first: Any

    @property
    def count(self) -> int:
        """How many holdings."""
        return len(self.main)


def empty_strings(n: int) -> Any:
    """An Arrow array of ``n`` empty strings, built from its buffers (no take, no copy)."""
    import numpy as np
    import pyarrow as pa

    offsets = pa.py_buffer(np.zeros(n + 1, dtype="int32"))
    return pa.Array.from_buffers(pa.string(), n, [None, offsets, pa.py_buffer(b"")])


def _single(account: Any) -> _Groups:
    """Every series a holding (no sub-accounts); ``account`` is each series' account."""
    import numpy as np

    n = len(account)
    every = np.arange(n, dtype="int64")
    return _Groups(account, empty_strings(n), every, every, None, every)


def _grouped(read: Ledger, series_account: Any, token: Any) -> _Groups:
    """The series of each account, token and sub-account, grouped into holdings.

    ``series_account`` and ``token`` are each series' key and token (``read.keys``).
    """
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    n = len(read.code)
    keys = pc.split_pattern(series_account, PART_SEPARATOR, max_splits=1)
    account = pc.list_element(keys, 0)
    sub = pc.list_element(keys, 1)
    order = pc.sort_indices(
        pa.table({"account": account, "token": token, "sub": sub}),
        sort_keys=[("account", "ascending"), ("token", "ascending"), ("sub", "ascending")],
    ).to_numpy()
    new = np.ones(n, dtype=bool)
    if n > 1:
        a, t = account.take(order), token.take(order)
        same = pc.and_(pc.equal(a[1:], a[:-1]), pc.equal(t[1:], t[:-1]))
        new[1:] = ~same.to_numpy(zero_copy_only=False)
    ids = np.cumsum(new) - 1
    holding = np.empty(n, dtype="int64")
    holding[order] = ids
    starts = np.flatnonzero(new)
    main = np.full(len(starts), -1, dtype="int64")
    is_main = pc.equal(sub.take(order), pa.scalar("")).to_numpy(zero_copy_only=False)
    main[ids[is_main]] = order[is_main]
    members = np.split(order, starts[1:]) if n else []
    return _Groups(account, sub, holding, main, list(members), order[starts])


def _part_keys(table: Any, sub: Any, where: str) -> Any:
    """``account + PART_SEPARATOR + sub`` for each row; refuses an account holding it."""
    import pyarrow as pa
    import pyarrow.compute as pc

    account = table.column("account").cast(pa.string())
    bad = pc.fill_null(pc.match_substring(account, PART_SEPARATOR), False)
    if pc.any(bad).as_py():
        row = pc.index(bad, True).as_py()
        msg = f"{where} row {row}: an account with a NUL character (\\x00) cannot have sub-accounts"
        raise InvalidInputError(msg)
    return pc.binary_join_element_wise(account, sub.cast(pa.string()), PART_SEPARATOR)


def _with_parts(events: Any, state: Any) -> tuple[Any, Any, bool]:
    """The events and state keyed by sub-account too, if either has a sub-account.

    Returns the events (without a ``sub_account`` column), the state's keys for the
    openings, and whether sub-accounts are in play.
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    has = "sub_account" in events.column_names
    state_sub = state.column("sub_account")
    parts = has or bool(pc.any(pc.not_equal(state_sub, pa.scalar(""))).as_py())
    if not parts:
        return events, state.column("account"), False
    if has:
        sub = events.column("sub_account")
        i = events.schema.get_field_index("account")
        events = events.set_column(i, "account", _part_keys(events, sub, "ledger"))
        events = events.drop_columns(["sub_account"])
    else:
        i = events.schema.get_field_index("account")
        none = pa.array([""]).take(pa.array([0] * events.num_rows, pa.int64()))
        events = events.set_column(i, "account", _part_keys(events, none, "ledger"))
    return events, _part_keys(state, state_sub, "state"), True


def _check_parts(read: Ledger, events: Any) -> None:
    """Refuse an event that takes its sub-account below zero, naming the sub-account.

    ``events`` is the batch's ledger as given (with ``sub_account``), for the message.
    """
    from softstaking.columns.engine import check_balances

    try:
        check_balances(read)
    except NegativeBalanceError as error:
        row = error.index
        account = events.column("account")[row].as_py()
        token = events.column("token")[row].as_py()
        sub = (
            events.column("sub_account")[row].as_py()
            if "sub_account" in events.column_names
            else ""
        )
        error.__notes__ = [
            f"in the holding of {token!r} by account {account!r}",
            f"in sub-account {sub or 'main'!r}",
        ]
        raise


def compute(  # noqa: PLR0912, PLR0915 (one pass: read, compute, close)
    program: Program,
    events: Any,
    state: Any,
    start: date,
    end: date,
) -> tuple[Any, Any]:
    """The records and the closing state of the holdings in ``events`` and ``state``.

    ``state`` is a state table (``softstaking.job.state``) of this version's layout.
    """
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    top = max(calc.token.decimals for calc in program.calculators.values())
    given = events
    events, state_keys, parts = _with_parts(events, state)
    openings = pa.table(
        {
            "account": state_keys,
            "token": state.column("token"),
            "opening": _at_scale(state.column("balance"), top),
            "carry": _at_scale(state.column("carry"), top + GUARD_DIGITS),
        }
    )
    if "delta" in events.column_names:
        i = events.schema.get_field_index("delta")
        events = events.set_column(i, "delta", as_decimals(events.column(i), top))
    roles = dict(program.kind_roles)
    read = read_columns(
        events,
        openings,
        token_of=lambda symbol: program.calculator(symbol).token,
        special_kinds=POCKET_KINDS | set(roles),
        duplicate_error=DuplicateHoldingError,
    )
    n = len(read.code)
    # Each series' key and token, once (read.account and read.token each make both).
    series_account, token = read.keys(0, n)
    groups = _grouped(read, series_account, token) if parts else _single(series_account)
    if parts and not read.special:
        _check_parts(read, given)
    codes = read.code[groups.first] if n else np.zeros(0, dtype="int64")
    compounds = (
        np.array([program.calculators[t.symbol].compound for t in read.tokens], dtype=bool)[codes]
        if n
        else np.zeros(0, dtype=bool)
    )
    compounding = bool(compounds.any())
    pockets = any(
        pc.any(pc.not_equal(state.column(name), zero_of(state.column(name).type))).as_py()
        for name in ("frozen", "waiting")
    )
    decimals = np.array([t.decimals for t in read.tokens], dtype="int64")[read.code]
    frozen: Any = np.zeros(n, dtype="int64")
    waiting: Any = np.zeros(n, dtype="int64")
    credits: dict[int, _Credits] = {}
    if pockets or compounding:
        series_keys = pc.binary_join_element_wise(series_account, token, "\x1f")
        keys = pc.binary_join_element_wise(state_keys, state.column("token"), "\x1f")
        row_of = pc.fill_null(pc.index_in(series_keys, value_set=keys), -1).to_numpy()
        symbols = [t.symbol for t in read.tokens]
        state_codes = pc.index_in(state.column("token"), value_set=pa.array(symbols))
        state_exponents = (
            -np.array([t.decimals for t in read.tokens], dtype="int64")[
                pc.fill_null(state_codes, 0).to_numpy()
            ]
            if symbols
            else np.zeros(state.num_rows, dtype="int64")
        )
        found = row_of >= 0

        def placed(name: str) -> Any:
            units = units_at(state.column(name), state_exponents, where="state", name=name)
            out = np.zeros(n, dtype=object if units.dtype == object else "int64")
            out[found] = units[row_of[found]]
            return out

        if pockets:
            frozen, waiting = placed("frozen"), placed("waiting")
        if compounding:
            credited = units_at(
                state.column("credited"), state_exponents, where="state", name="credited"
            )
            pending = state.column("pending")
            for h in np.flatnonzero(compounds).tolist():
                m = int(groups.main[h])
                row = int(row_of[m]) if m >= 0 else -1
                if row < 0:
                    credits[h] = _Credits()
                    continue
                where = (
                    f"state row {row} ({state.column('account')[row].as_py()!r}, "
                    f"{state.column('token')[row].as_py()!r})"
                )
                credits[h] = _Credits(
                    int(credited[row]),
                    _pending_units(pending[row].as_py(), int(decimals[m]), where),
                )
    paid: dict[int, list[tuple[datetime, Decimal]]] = {}
    if pockets or compounding or parts:
        table = _general_table(
            program,
            read,
            groups,
            frozen,
            waiting,
            credits=credits,
            paid=paid,
            start=start,
            end=end,
        )
    else:
        table = table_of_read(program, read, start, end)  # the ledger is read once
    types = program_types(program)
    table = _normalized(table, types)

    # The closing amounts of each series: available, frozen and waiting after the day.
    delta = read.delta
    if delta.dtype != object and len(delta) * int(np.abs(delta).max(initial=0)) >= 2**63:
        delta = delta.astype(object)  # a running sum might not fit int64
    zero = np.zeros(len(delta), dtype=delta.dtype)
    settle, in_orders, in_wait = _pocket_moves(read, roles)
    # Where each series' events start, and the last ends (as read.bounds(), in an array).
    bounds = np.searchsorted(read.series, np.arange(len(read.code) + 1))
    moved = np.where(settle, zero, delta) if read.special else delta
    balance = read.opening + _segment_sums(moved, bounds)
    plain = not (read.special or pockets)
    if not plain:
        frozen = frozen + _segment_sums(np.where(in_orders, -delta, zero), bounds)
        waiting = (
            waiting
            + _segment_sums(np.where(in_wait, -delta, zero), bounds)
            + _segment_sums(np.where(settle, delta, zero), bounds)
        )
    days = (end - start).days
    count = groups.count
    if table.num_rows != count * days:
        msg = f"the run gave {table.num_rows} records for {count} holdings and {days} days"
        raise AssertionError(msg)
    carry = _last_days(table.column("carry"), count, days).combine_chunks()
    accounts = (
        groups.account if groups.members is None else groups.account.take(pa.array(groups.first))
    )
    if (
        count
        and not pc.all(pc.equal(_last_days(table.column("account"), count, days), accounts)).as_py()
    ):
        msg = "the records are not in the order of the holdings"
        raise AssertionError(msg)

    # Each holding's credited and pending payouts after the run.
    held = np.zeros(count, dtype="int64")
    pending_texts = empty_strings(count)
    if credits:
        held = held.astype(object)
        texts = pending_texts.to_pylist()
        for h, before in credits.items():
            m = int(groups.first[h])
            calc = program.calculators[read.tokens[read.code[m]].symbol]
            end_us = to_us(calc.calendar.start_of(end))
            held[h], texts[h] = _closing_credits(before, paid.get(h, []), end_us, int(decimals[m]))
        pending_texts = pa.array(texts, pa.string())
    held_decimals = decimals[groups.first] if count else np.zeros(0, dtype="int64")

    zeros: dict[int, Any] = {}

    def amount(units: Any, places: Any, name: str) -> Any:
        if units.dtype != object and not units.any():  # all zero: one array for each size
            if len(units) not in zeros:
                zeros[len(units)] = decimal_array(np.zeros(len(units), "int64"), top)
            return zeros[len(units)]
        return decimal_array(scaled_units(units, top - places), top, name=name)

    closed = {
        "account": groups.account,
        "token": token,
        "sub_account": groups.sub,
        "balance": amount(balance, decimals, "balance"),
        "carry": narrowed(carry),
        "frozen": amount(frozen, decimals, "frozen"),
        "waiting": amount(waiting, decimals, "waiting"),
        "credited": amount(held, held_decimals, "credited"),
        "pending": pending_texts,
    }
    if not parts:
        return table, pa.table(closed)
    return table, _with_main_rows(closed, groups)


def _last_days(column: Any, count: int, days: int) -> Any:
    """The records of each holding's last day: every ``days``-th from the last of the first.

    With one day, the column itself (no copy).
    """
    import numpy as np
    import pyarrow as pa

    if days == 1:
        return column
    return column.take(pa.array(np.arange(count, dtype="int64") * days + (days - 1)))


def _with_main_rows(closed: dict[str, Any], groups: _Groups) -> Any:
    """The closing state of a batch with sub-accounts, sorted, each holding with a main row.

    ``closed`` holds the series' amounts and the holdings' carry, credited and pending;
    these go on each holding's main row (added, at zero, where the batch has none).
    """
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    n = len(groups.holding)
    is_main = np.zeros(n, dtype=bool)
    has_main = groups.main >= 0
    is_main[groups.main[has_main]] = True
    mask = pa.array(is_main)
    rows = {}
    series_of = pa.array(groups.holding)
    missing = pa.array(np.flatnonzero(~has_main))
    for name in STATE_COLUMNS:
        column = closed[name]
        if name in ("carry", "credited", "pending"):
            per_series = column.take(series_of)
            fill = pa.scalar("") if name == "pending" else zero_of(column.type)
            rows[name] = pa.concat_arrays(
                [pc.if_else(mask, per_series, fill), column.take(missing)]
            )
            continue
        if name in ("account", "token"):
            extra = column.take(pa.array(groups.first[~has_main]))
        elif name == "sub_account":
            extra = pa.array([""] * len(missing), pa.string())
        else:
            extra = pa.array([zero_of(column.type)] * len(missing), column.type)
        rows[name] = pa.concat_arrays([column, extra])
    table = pa.table(rows)
    order = pc.sort_indices(
        table,
        sort_keys=[("account", "ascending"), ("token", "ascending"), ("sub_account", "ascending")],
    )
    return table.take(order)


def _general_table(
    program: Program,
    read: Ledger,
    groups: _Groups,
    frozen: Any,
    waiting: Any,
    *,
    credits: dict[int, _Credits],
    paid: dict[int, list[tuple[datetime, Decimal]]],
    start: date,
    end: date,
) -> Any:
    """The records through ``Program.run``: pockets, compounding or sub-accounts.

    Each compounding holding (a key of ``credits``) gets the state's payments as its
    ``credited`` records; its records' ``(payout_at, paid)`` are put in ``paid``.
    """
    tokens = read.tokens
    day = start - timedelta(days=1)
    first = {t.symbol: program.calculators[t.symbol].calendar.start_of(start) for t in tokens}
    # Python ints: ledger_holdings makes Decimals of them.
    series = ledger_holdings(read, frozen=frozen.astype(object), waiting=waiting.astype(object))
    index: dict[tuple[str, str], int] = {}

    def merged() -> Iterator[tuple[int, Holding]]:
        if groups.members is None:
            yield from enumerate(series)
            return
        every = list(series)
        names = groups.sub.to_pylist()
        accounts = groups.account.to_pylist()
        for h, members in enumerate(groups.members):
            m = int(groups.main[h])
            main = every[m] if m >= 0 else None
            parts = [
                SubAccount(
                    names[i],
                    every[i].events,
                    opening=every[i].opening,
                    frozen=every[i].frozen,
                    waiting=every[i].waiting,
                )
                for i in members.tolist()
                if i != m
            ]
            i = int(members[0])
            holding = Holding(
                accounts[i],
                every[i].token,
                main.events if main else (),
                opening=main.opening if main else 0,
                carry=main.carry if main else 0,
                frozen=main.frozen if main else 0,
                waiting=main.waiting if main else 0,
                subaccounts=parts,
            )
            yield h, holding

    def with_credits() -> Iterator[Holding]:
        for h, holding in merged():
            if h in credits:
                index[holding.account, holding.token] = h
                decimals = tokens[read.code[groups.first[h]]].decimals
                records = _credited_records(credits[h], first[holding.token], day, decimals)
                yield attrs.evolve(holding, credited=records) if records else holding
            else:
                yield holding

    def rewards() -> Iterator[tuple[str, str, Any]]:
        for r in program.run(with_credits(), start, end, sorted_accounts=True):
            h = index.get((r.account, r.token))
            if h is not None:
                paid.setdefault(h, []).append((r.reward.payout_at, r.reward.paid))
            yield r.account, r.token, r.reward

    zones = [program.calculators[t.symbol].tz for t in tokens]
    return build_table(records_of(rewards(), tokens, zones))
