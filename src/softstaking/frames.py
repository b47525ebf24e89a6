"""DataFrames in, DataFrames out: a whole program over a pandas or polars ledger.

``rewards`` takes the ledger of balance events as a pandas DataFrame, a polars DataFrame
or a pyarrow Table, runs ``Program.table`` over it and gives the rewards back as the
same kind, one row per account, token and day. Amounts stay exact all the way:

* pandas: every amount is a ``pd.ArrowDtype`` decimal column (``decimal128`` or
  ``decimal256`` ``[pyarrow]``), never ``object`` columns of ``Decimal`` and never
  floats, so ``frame["paid"].sum()`` and ``groupby(...).sum()`` are exact;
* polars: ``pl.Decimal`` columns. Polars reads no ``decimal256`` (it fails on one), so
  a column that is ``decimal256`` in the table becomes ``pl.Decimal(38, scale)`` when
  every value fits in 38 digits, and otherwise a ``pl.String`` column of the exact
  digits (``Decimal(text)`` reads one back). Either way no digit is lost; the column's
  type says which. The gross-quantum columns (``gross``, ``carry``, ``forfeited``,
  ``balance``, ``eligible``) are ``decimal256`` once a token has more than 6 decimals:
  their scale is ``decimals + GUARD_DIGITS`` (20), which leaves ``18 - decimals``
  digits left of the point, so an 8-decimal token keeps ``pl.Decimal`` below 10**10
  tokens and an 18-decimal token only below 1. ``paid`` (in base units) stays
  ``decimal128`` up to 26 decimals;
* pyarrow: the table of ``Program.table`` itself.

The conversions a DataFrame user meets are accepted exactly or refused with a message
that says what to pass instead: timestamps without a zone (numpy ``datetime64``),
float amounts and integer amounts (which could be whole tokens or base units) are
refused, each with the exact recipe.

It needs the ``arrow`` extra, and pandas or polars for their frames. It imports them
only inside its functions, and only those already imported by the caller.
"""

from __future__ import annotations

import sys
from datetime import date
from typing import Any, Final

from softstaking.columns.ledger import to_arrow
from softstaking.core.errors import InvalidTypeError, NaiveDatetimeError
from softstaking.programs.program import Program

__all__ = ["AMOUNTS", "base_units_recipe", "rewards"]

AMOUNTS: Final = {"ledger": ("delta",), "openings": ("opening", "carry")}
"""The amount columns of each input, which must be decimals or decimal strings."""

_FLOATS: Final = (
    "{where} column {name!r} holds floats ({kind}), which cannot hold an amount exactly. "
    "Converting with .astype(str) does NOT make them exact: it writes the float's digits, "
    "not your source's (1.000000000000000001 read as a float is 1.0). Keep the source's "
    "strings instead (pd.read_csv(..., dtype={{{name!r}: str}}), "
    "pl.read_csv(..., schema_overrides={{{name!r}: pl.String}})) or build the column "
    "from Decimal values (pandas' ArrowDtype(pa.decimal128(38, 18)), polars' pl.Decimal)"
)


def base_units_recipe(name: str = "delta") -> str:
    """The exact recipe that turns integer base units into decimal tokens, as text.

    The message of the error ``rewards`` raises for an integer amount column.
    """
    return (
        f"if {name} counts base units (such as wei or satoshis), divide by "
        "10**decimals exactly, as a decimal, for each token: with pyarrow, "
        f"pc.multiply(pc.cast(pa.array(frame[{name!r}]), pa.decimal128(19, 0)), "
        "pa.scalar(Decimal(1).scaleb(-decimals), pa.decimal128(max(decimals, 1), decimals))) "
        "gives a decimal128 column (import pyarrow as pa, pyarrow.compute as pc and "
        "Decimal from decimal); if it counts whole tokens, .astype(str) is exact for "
        "integers"
    )


def _frame_kind(data: object) -> str:
    """``"pandas"``, ``"polars"`` or ``"arrow"``: what ``data`` is, and so what comes back."""
    pd = sys.modules.get("pandas")
    if pd is not None and isinstance(data, pd.DataFrame):
        return "pandas"
    pl = sys.modules.get("polars")
    if pl is not None and isinstance(data, pl.DataFrame):
        return "polars"
    return "arrow"


def _arrow(data: object, *, where: str) -> Any:
    """``data`` as a ``pyarrow.Table``, read exactly (no column through a float)."""
    import pyarrow as pa

    kind = _frame_kind(data)
    if kind == "pandas":
        try:
            return pa.Table.from_pandas(data, preserve_index=False)
        except (pa.ArrowInvalid, pa.ArrowTypeError) as error:
            msg = (
                f"{where}: pyarrow cannot read this pandas DataFrame ({error}); give each "
                "column one type: strings, Decimal values or timestamps"
            )
            raise InvalidTypeError(msg) from None
    if kind == "polars":
        return data.to_arrow()  # type: ignore[attr-defined]
    return to_arrow(data, name=where)


def _check(table: Any, *, where: str) -> None:
    """Refuse naive timestamps, floats and integers, each with what to pass instead."""
    import pyarrow as pa

    schema = table.schema
    if "at" in schema.names:
        kind = schema.field("at").type
        if pa.types.is_timestamp(kind) and kind.tz is None:
            msg = (
                f"{where} column 'at' holds timestamps without a time zone ({kind}; numpy "
                "datetime64 in pandas): an instant needs one. Say which zone they were "
                "written in: pandas' frame['at'].dt.tz_localize('UTC') (or the zone they "
                "were recorded in, such as 'Asia/Shanghai'), polars' "
                "pl.col('at').dt.replace_time_zone('UTC')"
            )
            raise NaiveDatetimeError(msg)
    for name in AMOUNTS[where]:
        if name not in schema.names:
            continue
        kind = schema.field(name).type
        if pa.types.is_floating(kind):
            raise InvalidTypeError(_FLOATS.format(where=where, name=name, kind=kind))
        if pa.types.is_integer(kind):
            msg = (
                f"{where} column {name!r} holds integers ({kind}): whole tokens or base "
                f"units? Pass decimals or decimal strings instead: {base_units_recipe(name)}"
            )
            raise InvalidTypeError(msg)


def _polars_ready(table: Any) -> Any:
    """``table`` with each decimal256 column as decimal128 where it fits, else strings."""
    import pyarrow as pa

    for i, field in enumerate(table.schema):
        if not pa.types.is_decimal256(field.type):
            continue
        column = table.column(i)
        try:
            narrow = column.cast(pa.decimal128(38, field.type.scale))
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            narrow = column.cast(pa.string())
        table = table.set_column(i, field.name, narrow)
    return table


def rewards(
    ledger: object,
    program: Program,
    start: date,
    end: date,
    *,
    openings: object | None = None,
) -> Any:
    """Every account's rewards for the days in ``[start, end)``, as the ledger's kind of frame.

    The rows and columns are those of ``Program.table`` (``account``, ``token``, ``day``,
    ``balance``, ``eligible``, ``apr``, ``gross``, ``paid``, ``carry``, ``forfeited``,
    ``payout_at``), ordered by account, token and day.

    Args:
        ledger: The balance events: a pandas DataFrame, a polars DataFrame, a pyarrow
            Table, or anything with the Arrow stream interface; with the columns
            ``account`` and ``token`` (strings), ``at`` (timestamps with a time zone),
            ``delta`` (decimal strings or decimals) and optionally ``kind``.
        program: The program to run.
        start: The first day.
        end: The day after the last.
        openings: The balances before the first event, a frame of any of the same kinds
            with ``account``, ``token``, ``opening`` and optionally ``carry``.

    Returns:
        A pandas DataFrame with ``pd.ArrowDtype`` columns for a pandas ledger, a polars
        DataFrame for a polars ledger, otherwise a ``pyarrow.Table``.

    Raises:
        NaiveDatetimeError: ``at`` without a time zone; the message says how to add one.
        InvalidTypeError: A float or integer amount column, or a column pyarrow cannot
            read; the message says what to pass instead.
        SoftStakingError: Any error of ``Program.table``.

    Examples:
        >>> from datetime import date
        >>> import pandas as pd
        >>> from softstaking import AprSchedule, Program, RewardCalculator, Token
        >>> program = Program([RewardCalculator(Token("USDT", 6), AprSchedule.constant("0.0365"))])
        >>> ledger = pd.DataFrame({
        ...     "account": ["alice"], "token": ["USDT"],
        ...     "at": pd.to_datetime(["2025-01-01"], utc=True), "delta": ["1000"]})
        >>> frame = rewards(ledger, program, date(2025, 1, 1), date(2025, 1, 3))
        >>> frame["paid"].dtype
        decimal128(38, 6)[pyarrow]
        >>> frame["paid"].sum()
        Decimal('0.200000')
    """
    if not isinstance(program, Program):
        msg = f"program must be a Program, not {type(program).__name__}"
        raise InvalidTypeError(msg)
    kind = _frame_kind(ledger)
    events = _arrow(ledger, where="ledger")
    _check(events, where="ledger")
    opened = None
    if openings is not None:
        opened = _arrow(openings, where="openings")
        _check(opened, where="openings")
    table = program.table(events, start, end, openings=opened)
    if kind == "pandas":
        import pandas as pd

        return table.to_pandas(types_mapper=pd.ArrowDtype)
    if kind == "polars":
        import polars as pl

        return pl.from_arrow(_polars_ready(table))
    return table
