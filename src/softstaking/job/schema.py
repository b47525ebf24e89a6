"""The records' schema: each amount column's type for every token of a program.

A batch's records are cast to these types, so that every batch and every day of a
program's runs has one schema, whichever of its tokens they hold.
"""

from __future__ import annotations

from typing import Any, Final

from softstaking.columns.output import zone_name
from softstaking.core.tokens import GUARD_DIGITS
from softstaking.job.decimals import decimal_type
from softstaking.programs.program import Program

__all__ = ["normalized_records", "program_types"]

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


def normalized_records(table: Any, types: dict[str, Any]) -> Any:
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
