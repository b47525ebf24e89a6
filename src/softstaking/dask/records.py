"""A program's records over a Dask DataFrame ledger: ``Program.table`` per partition.

The ledger is laid out by account (``softstaking.dask.layout``), so that each partition
holds every row of its accounts; each partition is then a whole, smaller ledger, and
``Program.table`` computes its records exactly as on one machine. The records' columns
and types are those of ``Program.table`` over every token of the program, so that all
partitions share one schema whatever tokens each holds.
"""

from __future__ import annotations

import decimal
import re
from collections.abc import Collection
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

import attrs

from softstaking.core.errors import InvalidInputError, InvalidTypeError, SoftStakingError
from softstaking.core.instants import check_day, to_us
from softstaking.core.tokens import GUARD_DIGITS
from softstaking.dask.layout import as_given, by_account, check_frame, check_laid_out
from softstaking.programs.eligibility import POCKET_KINDS
from softstaking.programs.program import Program

if TYPE_CHECKING:
    import dask.dataframe as dd
    import pandas as pd
    import pyarrow as pa

__all__ = ["DaskRun", "closing_meta", "record_meta", "rewards", "run"]

_INTEGER_DIGITS = 12  # as softstaking.columns.output: decimal128 up to a scale of 26


def _decimal(scale: int) -> pa.DataType:
    import pyarrow as pa

    if scale + _INTEGER_DIGITS <= 38:
        return pa.decimal128(38, scale)
    return pa.decimal256(76, scale)


def _scales(program: Program) -> tuple[int, int]:
    """The program's base-unit and gross-quantum scales: those of its finest token."""
    unit = max(c.token.decimals for c in program.calculators.values())
    return unit, unit + GUARD_DIGITS


def record_schema(program: Program) -> pa.Schema:
    """The Arrow schema of ``Program.table`` over a ledger holding every token of ``program``."""
    import pyarrow as pa

    from softstaking.columns.output import APR_SCALE, zone_name

    unit, fine = _scales(program)
    names = sorted({zone_name(c.tz) or "" for c in program.calculators.values()})
    tz = names[0] if len(names) == 1 and names[0] else "UTC"
    return pa.schema(
        [
            ("account", pa.string()),
            ("token", pa.string()),
            ("day", pa.date32()),
            ("balance", _decimal(fine)),
            ("eligible", _decimal(fine)),
            ("apr", pa.decimal128(38, APR_SCALE)),
            ("gross", _decimal(fine)),
            ("paid", _decimal(unit)),
            ("carry", _decimal(fine)),
            ("forfeited", _decimal(fine)),
            ("payout_at", pa.timestamp("us", tz=tz)),
        ]
    )


def closing_schema(program: Program) -> pa.Schema:
    """The Arrow schema of the closing state: account, token, opening, carry."""
    import pyarrow as pa

    unit, fine = _scales(program)
    return pa.schema(
        [
            ("account", pa.string()),
            ("token", pa.string()),
            ("opening", _decimal(unit)),
            ("carry", _decimal(fine)),
        ]
    )


def _frame(table: pa.Table, schema: pa.Schema, what: str) -> pd.DataFrame:
    """``table`` cast to ``schema`` as a pandas DataFrame of Arrow-backed columns."""
    import pandas as pd
    import pyarrow as pa

    try:
        cast = table.select(schema.names).cast(schema, safe=True)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as error:
        msg = f"{what} do not fit the columns {schema}: {error}"
        raise InvalidInputError(msg) from None
    out: pd.DataFrame = cast.to_pandas(types_mapper=pd.ArrowDtype)
    return out


def record_meta(program: Program) -> pd.DataFrame:
    """The empty frame the records of ``program`` are: their columns and dtypes.

    Examples:
        >>> from softstaking import AprSchedule, Program, RewardCalculator, Token
        >>> program = Program([RewardCalculator(Token("USDT", 6), AprSchedule.constant("0.05"))])
        >>> record_meta(program).dtypes["paid"]
        decimal128(38, 6)[pyarrow]
    """
    return _frame(record_schema(program).empty_table(), record_schema(program), "records")


def closing_meta(program: Program) -> pd.DataFrame:
    """The empty frame the closing state of ``program`` is: account, token, opening, carry."""
    return _frame(closing_schema(program).empty_table(), closing_schema(program), "closing")


def _arrow(frame: pd.DataFrame | None) -> tuple[pa.Table | None, list[tuple[int, int]] | None]:
    """A partition as an Arrow table in its input order, and where its rows came from."""
    import pyarrow as pa

    if frame is None:
        return None, None
    ordered, places = as_given(frame)
    return pa.Table.from_pandas(ordered, preserve_index=False), places


_ROW = re.compile(r"\b(ledger|openings) row (\d+)")


def _locate(
    error: SoftStakingError,
    partition_info: dict[str, Any] | None,
    places: dict[str, list[tuple[int, int]] | None],
) -> None:
    """Add a note naming the partition, and the input row behind a row the message names."""
    number = partition_info.get("number") if partition_info else None
    note = f"in partition {number} of the run (rows counted within it)"
    found = _ROW.search(str(error))
    if found:
        where = places.get(found.group(1))
        row = int(found.group(2))
        if where is not None and row < len(where):
            part, within = where[row]
            note += f"; {found.group(1)} row {row} there is row {within} of input partition {part}"
    error.add_note(note)


def _records_part(  # noqa: PLR0917 (map_partitions passes them by position)
    ledger: pd.DataFrame,
    openings: pd.DataFrame | None,
    program: Program,
    start: date,
    end: date,
    checked: object = True,
    *,
    partition_info: dict[str, Any] | None = None,
) -> pd.DataFrame:
    """One partition's records: ``Program.table`` over its rows, in the program's schema.

    ``checked`` is the result of ``check_laid_out`` (or True): taking it makes every
    partition wait for the check, which raises if an account is split.
    """
    del checked
    schema = record_schema(program)
    if len(ledger) == 0 and (openings is None or len(openings) == 0):
        return _frame(schema.empty_table(), schema, "records")
    events, event_places = _arrow(ledger)
    opened, opening_places = _arrow(openings)
    try:
        table = program.table(events, start, end, openings=opened)
    except SoftStakingError as error:
        _locate(error, partition_info, {"ledger": event_places, "openings": opening_places})
        raise
    return _frame(table, schema, "records")


def _closing_part(
    ledger: pd.DataFrame,
    openings: pd.DataFrame | None,
    records: pd.DataFrame,
    program: Program,
    end: date,
) -> pd.DataFrame:
    """One partition's closing state: each account and token's balance at ``end``, and carry.

    The balance is the opening plus the ledger's changes before the first instant of
    ``end`` in the token's calendar; the carry is that of the record of the last day (or
    the opening's carry when the run has no day).
    """
    import pyarrow as pa

    from softstaking.columns.ledger import read_ledger, to_arrow

    schema = closing_schema(program)
    if len(ledger) == 0 and (openings is None or len(openings) == 0):
        return _frame(schema.empty_table(), schema, "closing state")
    events = to_arrow(_arrow(ledger)[0], name="ledger")
    opened = _arrow(openings)[0]
    read = read_ledger(
        events,
        to_arrow(opened, name="openings") if opened is not None else None,
        token_of=lambda symbol: program.calculator(symbol).token,
        special_kinds=POCKET_KINDS | set(program.kind_roles),
        duplicate_error=InvalidInputError,
    )
    bounds = read.bounds()
    if read.special:
        _refuse_pockets(read, bounds, POCKET_KINDS | set(program.kind_roles))
    unit, fine = _scales(program)
    boundary = {
        t.symbol: to_us(program.calculators[t.symbol].calendar.start_of(end)) for t in read.tokens
    }
    accounts, symbols = read.account.to_pylist(), read.token.to_pylist()
    final = end - timedelta(days=1)
    wide = decimal.Context(prec=80)
    carry_of = {
        (a, t): int(c.scaleb(fine, wide))
        for a, t, d, c in zip(
            records["account"].tolist(),
            records["token"].tolist(),
            records["day"].tolist(),
            records["carry"].tolist(),
            strict=True,
        )
        if d == final
    }
    opening_units: list[int] = []
    carries: list[Any] = []
    for i, (account, symbol) in enumerate(zip(accounts, symbols, strict=True)):
        token = read.tokens[read.code[i]]
        units = int(read.opening[i])
        for j in range(bounds[i], bounds[i + 1]):
            if int(read.at[j]) < boundary[symbol]:
                units += int(read.delta[j])
        opening_units.append(units * 10 ** (unit - token.decimals))
        carry = carry_of.get((account, symbol))
        if carry is None:  # no day in the run: the carry passes through
            carries.append(int(read.carry[i]) * 10 ** (fine - token.decimals - GUARD_DIGITS))
        else:
            carries.append(carry)
    table = pa.table(
        {
            "account": read.account,
            "token": read.token,
            "opening": _units_array(opening_units, schema.field("opening").type),
            "carry": _units_array(carries, schema.field("carry").type),
        }
    )
    return _frame(table, schema, "closing state")


def _refuse_pockets(read: Any, bounds: list[int], kinds: Collection[str]) -> None:
    """Refuse a closing state that would lose what is frozen or waiting, naming the holding."""
    import bisect

    row = next(i for i, kind in enumerate(read.kind) if kind in kinds)
    holding = bisect.bisect_right(bounds, row) - 1
    msg = (
        f"account {read.account[holding].as_py()!r}, token {read.token[holding].as_py()!r}: "
        f"a {read.kind[row]} event, and the closing state of run() has no frozen or "
        "waiting amounts to carry it into the next run; its records are right, but for "
        "chained runs of a ledger with pocket kinds use softstaking.dask.run_days (or "
        "softstaking run --workers), whose state holds them"
    )
    raise InvalidInputError(msg)


def _units_array(units: list[int], kind: pa.DataType) -> pa.Array:
    """Ints counted in ``10**-kind.scale`` as a decimal array of ``kind``, exactly."""
    import pyarrow as pa

    exponent = -kind.scale
    return pa.array(
        [decimal.Decimal(n).scaleb(exponent, decimal.Context(prec=80)) for n in units], kind
    )


@attrs.frozen
class DaskRun:
    """One run over a Dask DataFrame ledger: the records and the state for the next run.

    Both are lazy and share the partitioned ledger: compute them together
    (``dask.compute(run.records, run.closing)``) so that the ledger is read and the
    records computed once.

    Attributes:
        records: One row per account, token and day, the columns and types of
            ``Program.table`` (``record_meta``).
        closing: One row per account and token: ``opening``, the balance at the end
            of the run (the next run's opening), and ``carry``, the last record's carry
            (``closing_meta``). It is what the next run takes as ``openings``. A ledger
            with pocket kinds (``order_freeze`` and the others) has no closing state
            here: computing it raises ``InvalidInputError`` naming the holding (use
            ``softstaking.dask.run_days``, whose state holds frozen and waiting amounts).
    """

    records: dd.DataFrame
    closing: dd.DataFrame


def run(
    ledger: object,
    program: Program,
    start: date,
    end: date,
    *,
    openings: object | None = None,
    partitioned: bool = False,
) -> DaskRun:
    """The records of ``program`` over a Dask DataFrame ledger, and its closing state.

    Each partition is computed by ``Program.table``; the result equals ``Program.table``
    over the whole ledger, row for row (once sorted by account, token and day: the rows
    come grouped by partition).

    Args:
        ledger: A Dask DataFrame with the columns ``Program.table`` takes: ``account``,
            ``token``, ``at`` (time-zone aware), ``delta`` (decimal strings, decimals or
            integers; never floats) and optionally ``kind``.
        program: The program.
        start: The first day.
        end: The day after the last.
        openings: Balances before the run: a Dask DataFrame with ``account``,
            ``token``, ``opening`` and optionally ``carry``, such as an earlier run's
            ``closing``.
        partitioned: Whether the ledger (and openings) are already laid out by
            account: every account's rows in one partition, and, with openings, an
            account's openings in the partition of the same number as its ledger rows.
            Otherwise both are shuffled by a hash of the account (the ledger keeps its
            number of partitions). A wrong ``True`` is refused when the records are
            computed: the account ids of each partition (not its rows) are shuffled
            to find an account in two partitions.

    Returns:
        The lazy records and closing state.

    Raises:
        InvalidTypeError: If the ledger or openings is not a Dask DataFrame, or
            ``program`` not a ``Program``.
        InvalidInputError: If a column is missing; when computed, if ``partitioned``
            but an account is split, naming it. Errors of the rows themselves
            (``UnknownTokenError``, ``NegativeBalanceError``, ...) are those of
            ``Program.table``, raised when the result is computed, with a note naming
            the partition.
    """
    if not isinstance(program, Program):
        msg = f"program must be a Program, not {type(program).__name__}"
        raise InvalidTypeError(msg)
    first, last = check_day(start, name="start"), check_day(end, name="end")
    led = check_frame(ledger, ("account", "token", "at", "delta"), "ledger")
    opn = (
        check_frame(openings, ("account", "token", "opening"), "openings")
        if openings is not None
        else None
    )
    parts = led.npartitions
    checked: Any = True
    if not partitioned:
        led = by_account(led, parts)
        opn = by_account(opn, parts) if opn is not None else None
    elif opn is not None and opn.npartitions != parts:
        msg = (
            f"partitioned: the openings have {opn.npartitions} partitions and the ledger "
            f"{parts}; they must match, account by account"
        )
        raise InvalidInputError(msg)
    else:  # a promise, checked before any partition is computed
        checked = check_laid_out(led, opn)
    args = (led,) if opn is None else (led, opn)
    records = _map(
        _records_part, args, opn is None, program, first, last, checked, meta=record_meta(program)
    )
    closing = _map(
        _closing_part, (*args, records), opn is None, program, last, meta=closing_meta(program)
    )
    return DaskRun(records, closing)


def _map(func: Any, frames: tuple[Any, ...], no_openings: bool, *args: Any, meta: Any) -> Any:
    """``func`` over the partitions of ``frames`` (all laid out alike), by partition number."""
    import dask.dataframe as dd

    if no_openings:
        frames = (frames[0], None, *frames[1:])
    return dd.map_partitions(
        func,
        *frames,
        *args,
        meta=meta,
        align_dataframes=False,
        enforce_metadata=False,
    )


def rewards(
    ledger: object,
    program: Program,
    start: date,
    end: date,
    *,
    openings: object | None = None,
    partitioned: bool = False,
) -> dd.DataFrame:
    """The records of ``program`` over a Dask DataFrame ledger: ``run(...).records``.

    Examples:
        >>> from datetime import UTC, date, datetime
        >>> import dask.dataframe as dd
        >>> import pandas as pd
        >>> from softstaking import AprSchedule, Program, RewardCalculator, Token
        >>> program = Program([RewardCalculator(Token("USDT", 6), AprSchedule.constant("0.0365"))])
        >>> ledger = dd.from_pandas(pd.DataFrame({
        ...     "account": ["alice", "bob"], "token": ["USDT", "USDT"],
        ...     "at": [datetime(2025, 1, 1, tzinfo=UTC)] * 2, "delta": ["1000", "10"]}),
        ...     npartitions=2)
        >>> out = rewards(ledger, program, date(2025, 1, 1), date(2025, 1, 2))
        >>> out.compute(scheduler="sync").sort_values("account")["paid"].tolist()
        [Decimal('0.100000'), Decimal('0.001000')]
    """
    return run(ledger, program, start, end, openings=openings, partitioned=partitioned).records
