"""Sub-accounts: each account, token and sub-account a series, grouped into holdings.

When the ledger or the state has a non-empty ``sub_account``, every account, token and
sub-account is read as a series of its own (its key ``account``, a NUL character and
``sub_account``), so each one's balance, frozen and waiting amounts are kept apart, and
the series of one account and token form one ``Holding``: the main account
(``sub_account`` empty) and the others as ``SubAccount`` values, in name order, which
``Program.run`` merges (``merge_subaccounts``). The carry, and with compounding the
credited and pending payouts, are the holding's: they are kept on its main row, which
every holding has.
"""

from __future__ import annotations

from typing import Any, Final

import attrs

from softstaking.columns.ledger import Ledger
from softstaking.core.errors import InvalidInputError, NegativeBalanceError
from softstaking.job.decimals import zero_of
from softstaking.job.state import STATE_COLUMNS

__all__ = [
    "PART_SEPARATOR",
    "Groups",
    "check_parts",
    "empty_strings",
    "grouped",
    "part_keys",
    "single",
    "with_main_rows",
    "with_parts",
]

PART_SEPARATOR: Final = "\x00"
"""Between the account and the sub-account in a series' key; no account may hold it."""


@attrs.frozen(eq=False)
class Groups:
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


def single(account: Any) -> Groups:
    """Every series a holding (no sub-accounts); ``account`` is each series' account."""
    import numpy as np

    n = len(account)
    every = np.arange(n, dtype="int64")
    return Groups(account, empty_strings(n), every, every, None, every)


def grouped(read: Ledger, series_account: Any, token: Any) -> Groups:
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
    return Groups(account, sub, holding, main, list(members), order[starts])


def part_keys(table: Any, sub: Any, where: str) -> Any:
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


def with_parts(events: Any, state: Any) -> tuple[Any, Any, bool]:
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
        events = events.set_column(i, "account", part_keys(events, sub, "ledger"))
        events = events.drop_columns(["sub_account"])
    else:
        i = events.schema.get_field_index("account")
        none = pa.array([""]).take(pa.array([0] * events.num_rows, pa.int64()))
        events = events.set_column(i, "account", part_keys(events, none, "ledger"))
    return events, part_keys(state, state_sub, "state"), True


def check_parts(read: Ledger, events: Any) -> None:
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


def with_main_rows(closed: dict[str, Any], groups: Groups) -> Any:
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
        if isinstance(column, pa.ChunkedArray):  # the carries: one array, to concatenate
            column = column.combine_chunks()
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
