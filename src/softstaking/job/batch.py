"""One batch of the daily job: some accounts' records, and the state they close with.

``compute(program, events, state, start, end)`` reads the batch's events with the
state's closing amounts as openings (``softstaking.job.openings``), computes the
records (through the integer engine when it can, else ``Program.run``:
``softstaking.job.general``), and builds the closing state in integers
(``softstaking.job.closing``), its amounts written straight into Arrow decimal columns
(``softstaking.job.decimals``).

With sub-accounts (``softstaking.job.parts``), every account, token and sub-account is
a series of its own and the batch is computed by ``Program.run``; the carry, and with
compounding the credited and pending payouts (``softstaking.job.credits``), are the
holding's, on its main row.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from softstaking.columns.ledger import Ledger
from softstaking.columns.ledger import read_ledger as read_columns
from softstaking.core.instants import to_us
from softstaking.job.closing import closing_amounts, last_days
from softstaking.job.credits import Credits, closing_payments, state_credits
from softstaking.job.decimals import decimal_array, scaled_units, units_at
from softstaking.job.general import general_table
from softstaking.job.openings import has_pockets, openings_table, placed, state_rows
from softstaking.job.parts import (
    PART_SEPARATOR,
    Groups,
    check_parts,
    empty_strings,
    grouped,
    single,
    with_main_rows,
    with_parts,
)
from softstaking.job.scales import as_decimals, narrowed
from softstaking.job.schema import normalized_records, program_types
from softstaking.programs.eligibility import POCKET_KINDS
from softstaking.programs.program import DuplicateHoldingError, Program, table_of_read

__all__ = ["PART_SEPARATOR", "compute", "narrowed", "program_types"]


def compute(
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

    top = max(calc.token.decimals for calc in program.calculators.values())
    given = events
    events, state_keys, parts = with_parts(events, state)
    if "delta" in events.column_names:
        i = events.schema.get_field_index("delta")
        events = events.set_column(i, "delta", as_decimals(events.column(i), top))
    roles = dict(program.kind_roles)
    read = read_columns(
        events,
        openings_table(state, state_keys, top),
        token_of=lambda symbol: program.calculator(symbol).token,
        special_kinds=POCKET_KINDS | set(roles),
        duplicate_error=DuplicateHoldingError,
    )
    n = len(read.code)
    series_account, token = read.account, read.token  # each series' account and token
    groups = grouped(read, series_account, token) if parts else single(series_account)
    if parts and not read.special:
        check_parts(read, given)
    codes = read.code[groups.first] if n else np.zeros(0, dtype="int64")
    compounds = (
        np.array([program.calculators[t.symbol].compound for t in read.tokens], dtype=bool)[codes]
        if n
        else np.zeros(0, dtype=bool)
    )
    compounding = bool(compounds.any())
    pockets = has_pockets(state)
    decimals = np.array([t.decimals for t in read.tokens], dtype="int64")[read.code]
    frozen, waiting, credits = _carried(
        read,
        (series_account, token),
        state,
        state_keys,
        pockets=pockets,
        compounding=compounds,
        main=groups.main,
    )
    paid: dict[int, list[tuple[datetime, Decimal]]] = {}
    if pockets or compounding or parts:
        table = general_table(
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
    table = normalized_records(table, program_types(program))
    balance, frozen, waiting = closing_amounts(read, roles, frozen, waiting, pockets=pockets)
    carry = _last_carries(table, groups, (end - start).days)
    firsts = {h: int(groups.first[h]) for h in credits}
    held, texts = closing_payments(
        credits,
        paid,
        _credit_ends(program, read, firsts, end),
        {h: int(decimals[m]) for h, m in firsts.items()},
        groups.count,
    )
    held_decimals = decimals[groups.first] if groups.count else np.zeros(0, dtype="int64")

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
        "pending": empty_strings(groups.count) if texts is None else pa.array(texts, pa.string()),
    }
    if not parts:
        return table, pa.table(closed)
    return table, with_main_rows(closed, groups)


def _carried(
    read: Ledger,
    series_keys: tuple[Any, Any],
    state: Any,
    state_keys: Any,
    *,
    pockets: bool,
    compounding: Any,
    main: Any,
) -> tuple[Any, Any, dict[int, Credits]]:
    """What the state sets aside for each series and holding, from its rows.

    Each series' amounts in open orders and waiting for redemption (base units; zeros
    without ``pockets``), and each compounding holding's credits (``compounding`` says
    which holdings compound, ``main`` is each holding's main series or -1).
    """
    import numpy as np

    n = len(read.code)
    frozen: Any = np.zeros(n, dtype="int64")
    waiting: Any = np.zeros(n, dtype="int64")
    credits: dict[int, Credits] = {}
    if not (pockets or compounding.any()):
        return frozen, waiting, credits
    row_of, exponents = state_rows(read, series_keys, state, state_keys)
    if pockets:
        frozen = placed(state, "frozen", row_of, exponents)
        waiting = placed(state, "waiting", row_of, exponents)
    if compounding.any():
        decimals = np.array([t.decimals for t in read.tokens], dtype="int64")[read.code]
        holdings = np.flatnonzero(compounding)
        mains = main[holdings]
        credits = state_credits(
            state,
            np.where(mains >= 0, row_of[mains], -1).tolist(),
            holdings.tolist(),
            decimals[mains].tolist(),
            units_at(state.column("credited"), exponents, where="state", name="credited"),
        )
    return frozen, waiting, credits


def _last_carries(table: Any, groups: Groups, days: int) -> Any:
    """Each holding's carry at the end of the run, its last record's; checks their order.

    Raises:
        AssertionError: If the records are not ``days`` per holding, in the holdings'
            order.
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    count = groups.count
    if table.num_rows != count * days:
        msg = f"the run gave {table.num_rows} records for {count} holdings and {days} days"
        raise AssertionError(msg)
    accounts = (
        groups.account if groups.members is None else groups.account.take(pa.array(groups.first))
    )
    if (
        count
        and not pc.all(pc.equal(last_days(table.column("account"), count, days), accounts)).as_py()
    ):
        msg = "the records are not in the order of the holdings"
        raise AssertionError(msg)
    return last_days(table.column("carry"), count, days)


def _credit_ends(
    program: Program, read: Ledger, firsts: dict[int, int], end: date
) -> dict[int, int]:
    """Each compounding holding's first instant after the run, in its token's calendar (µs).

    ``firsts`` holds each holding's first series.
    """
    ends = {}
    for h, m in firsts.items():
        calc = program.calculators[read.tokens[read.code[m]].symbol]
        ends[h] = to_us(calc.calendar.start_of(end))
    return ends
