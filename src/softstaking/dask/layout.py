"""How rows are laid out over partitions: by a stable hash of the account id.

A program's records of one account depend on all its rows, so no account may be split
across partitions. ``by_account`` shuffles a frame so that each account lands in one
partition, chosen by ``bucket_of``: the same account goes to the same partition index in
every frame shuffled to the same number of partitions (the ledger and its openings), and
in every process, since the hash is fixed rather than Python's salted ``hash``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from softstaking.core.errors import InvalidInputError, InvalidTypeError

if TYPE_CHECKING:
    import dask.dataframe as dd
    import pandas as pd

__all__ = ["BUCKET", "ORDER", "as_given", "bucket_of", "by_account", "check_frame"]

BUCKET = "_softstaking_bucket"
"""The helper column ``by_account`` adds: the account's bucket."""

ORDER = "_softstaking_order"
"""The helper column ``by_account`` adds: the row's place in the input, to restore it.

A shuffle does not keep the rows' order, and events at one instant apply in the
ledger's order: ``(input partition << 32) | row within it``.
"""


def bucket_of(accounts: pd.Series[Any], buckets: int) -> pd.Series[Any]:
    """Each account id's bucket in ``range(buckets)``, the same in every process.

    Examples:
        >>> import pandas as pd
        >>> bucket_of(pd.Series(["alice", "bob", "alice"]), 8).tolist()
        [4, 2, 4]
    """
    import numpy as np
    import pandas as pd

    values = np.asarray(accounts.astype(object), dtype=object)
    hashes = pd.util.hash_array(values, categorize=False)
    return pd.Series((hashes % np.uint64(buckets)).astype("int64"), index=accounts.index)


def _with_bucket(
    frame: pd.DataFrame, buckets: int, partition_info: dict[str, Any] | None = None
) -> pd.DataFrame:
    import numpy as np

    number = int(partition_info["number"]) if partition_info else 0
    out = frame.copy()
    out[BUCKET] = bucket_of(frame["account"], buckets)
    out[ORDER] = (np.int64(number) << np.int64(32)) + np.arange(len(frame), dtype="int64")
    return out


def as_given(frame: pd.DataFrame) -> tuple[pd.DataFrame, list[tuple[int, int]] | None]:
    """A partition without the helper columns, its rows back in their input order.

    Also each row's ``(input partition, row within it)`` when the frame was shuffled
    (None when it was not), to name a row in an error.
    """
    if ORDER not in frame.columns:
        return frame.drop(columns=[BUCKET], errors="ignore"), None
    ordered = frame.sort_values(ORDER, kind="stable")
    places = [(int(v) >> 32, int(v) & 0xFFFFFFFF) for v in ordered[ORDER].tolist()]
    return ordered.drop(columns=[BUCKET, ORDER]), places


def check_frame(frame: object, columns: tuple[str, ...], name: str) -> dd.DataFrame:
    """``frame`` if it is a Dask DataFrame with ``columns``; a named error otherwise."""
    import dask.dataframe as dd

    if not isinstance(frame, dd.DataFrame):
        msg = f"{name} must be a Dask DataFrame, not {type(frame).__name__}"
        raise InvalidTypeError(msg)
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        msg = f"{name} has no column {missing[0]!r} (it has {', '.join(map(str, frame.columns))})"
        raise InvalidInputError(msg)
    return frame


def by_account(frame: dd.DataFrame, partitions: int) -> dd.DataFrame:
    """``frame`` shuffled into ``partitions`` partitions so that no account is split.

    Partition ``i`` holds the accounts of one set of buckets, the same set for every
    frame shuffled to ``partitions`` partitions. The helper column ``BUCKET`` stays on
    the result; the partition functions drop it.
    """
    meta = _with_bucket(frame._meta, partitions)
    with_bucket = frame.map_partitions(_with_bucket, partitions, meta=meta)
    return with_bucket.shuffle(on=BUCKET, npartitions=partitions)
