"""What a batch's state hands to its days: the openings, and the amounts set aside.

The ledger reader takes each series' opening balance and carry from the state, as an
``openings`` table at the program's scales. The amounts in open orders and waiting for
redemption, and a compounding holding's credited payouts, are found in the state by
each series' key, where any is not zero.
"""

from __future__ import annotations

from typing import Any

from softstaking.columns.ledger import Ledger
from softstaking.core.tokens import GUARD_DIGITS
from softstaking.job.decimals import units_at, zero_of
from softstaking.job.scales import at_scale

__all__ = ["has_pockets", "openings_table", "placed", "state_rows"]


def openings_table(state: Any, keys: Any, top: int) -> Any:
    """The openings the ledger reader takes: each state row's balance and carry.

    ``keys`` is each row's series key (its account, or with sub-accounts
    ``softstaking.job.parts.part_keys``); ``top`` the program's finest decimals.
    """
    import pyarrow as pa

    return pa.table(
        {
            "account": keys,
            "token": state.column("token"),
            "opening": at_scale(state.column("balance"), top),
            "carry": at_scale(state.column("carry"), top + GUARD_DIGITS),
        }
    )


def has_pockets(state: Any) -> bool:
    """Whether some state row has an amount in open orders or waiting for redemption."""
    import pyarrow.compute as pc

    return any(
        pc.any(pc.not_equal(state.column(name), zero_of(state.column(name).type))).as_py()
        for name in ("frozen", "waiting")
    )


def state_rows(
    read: Ledger, series_keys: tuple[Any, Any], state: Any, state_keys: Any
) -> tuple[Any, Any]:
    """Each series' row in the state (-1 if none), and each state row's token exponent.

    ``series_keys`` is each series' key and token (``Ledger.keys``), ``state_keys``
    each state row's key; the exponent is minus the decimals of the row's token.
    """
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    series = pc.binary_join_element_wise(*series_keys, "\x1f")
    keys = pc.binary_join_element_wise(state_keys, state.column("token"), "\x1f")
    row_of = pc.fill_null(pc.index_in(series, value_set=keys), -1).to_numpy()
    symbols = [t.symbol for t in read.tokens]
    if not symbols:
        return row_of, np.zeros(state.num_rows, dtype="int64")
    codes = pc.index_in(state.column("token"), value_set=pa.array(symbols))
    decimals = np.array([t.decimals for t in read.tokens], dtype="int64")
    return row_of, -decimals[pc.fill_null(codes, 0).to_numpy()]


def placed(state: Any, name: str, row_of: Any, exponents: Any) -> Any:
    """Column ``name`` of the state for each series, in base units (0 where none).

    Raises:
        InvalidInputError: A value finer than its token's base unit.
    """
    import numpy as np

    units = units_at(state.column(name), exponents, where="state", name=name)
    found = row_of >= 0
    out = np.zeros(len(row_of), dtype=object if units.dtype == object else "int64")
    out[found] = units[row_of[found]]
    return out
