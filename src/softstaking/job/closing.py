"""The closing amounts of each series: available, frozen and waiting after the run.

Summed from the read ledger's integers, per series: the opening plus the day's
transfers, and the moves in and out of open orders and of redemption.
"""

from __future__ import annotations

from typing import Any

from softstaking.columns.ledger import Ledger
from softstaking.programs.eligibility import (
    ORDER_FREEZE,
    ORDER_RELEASE,
    REDEMPTION_CANCEL,
    REDEMPTION_REQUEST,
    REDEMPTION_SETTLE,
)

__all__ = ["closing_amounts", "last_days", "pocket_moves", "segment_sums"]


def pocket_moves(read: Ledger, roles: dict[str, str]) -> tuple[Any, Any, Any]:
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


def segment_sums(values: Any, bounds: Any) -> Any:
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


def closing_amounts(
    read: Ledger, roles: dict[str, str], frozen: Any, waiting: Any, *, pockets: bool
) -> tuple[Any, Any, Any]:
    """Each series' available, frozen and waiting amounts after the run, in base units.

    ``frozen`` and ``waiting`` are each series' openings in open orders and waiting for
    redemption; ``pockets`` says whether any of them is not zero. ``roles`` maps the
    program's own kinds to the built-in ones (``Program.kind_roles``).
    """
    import numpy as np

    delta = read.delta
    if delta.dtype != object and len(delta) * int(np.abs(delta).max(initial=0)) >= 2**63:
        delta = delta.astype(object)  # a running sum might not fit int64
    zero = np.zeros(len(delta), dtype=delta.dtype)
    settle, in_orders, in_wait = pocket_moves(read, roles)
    # Where each series' events start, and the last ends (as read.bounds(), in an array):
    # the events come grouped by series, in series order.
    bounds = np.zeros(len(read.code) + 1, dtype="int64")
    np.cumsum(np.bincount(read.series, minlength=len(read.code)), out=bounds[1:])
    moved = np.where(settle, zero, delta) if read.special else delta
    balance = read.opening + segment_sums(moved, bounds)
    if read.special or pockets:
        frozen = frozen + segment_sums(np.where(in_orders, -delta, zero), bounds)
        waiting = (
            waiting
            + segment_sums(np.where(in_wait, -delta, zero), bounds)
            + segment_sums(np.where(settle, delta, zero), bounds)
        )
    return balance, frozen, waiting


def last_days(column: Any, count: int, days: int) -> Any:
    """The records of each holding's last day: every ``days``-th from the last of the first.

    With one day, the column itself (no copy).
    """
    import numpy as np
    import pyarrow as pa

    if days == 1:
        return column
    return column.take(pa.array(np.arange(count, dtype="int64") * days + (days - 1)))
