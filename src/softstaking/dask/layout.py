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

__all__ = [
    "BUCKET",
    "ORDER",
    "as_given",
    "bucket_of",
    "by_account",
    "check_frame",
    "check_laid_out",
]

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


def _accounts(
    frame: pd.DataFrame, name: str, partition_info: dict[str, Any] | None = None
) -> pd.DataFrame:
    """The accounts of one partition, each once, with its number and a name for it."""
    import pandas as pd

    number = int(partition_info["number"]) if partition_info else 0
    accounts = pd.unique(frame["account"].astype(object).to_numpy())
    return pd.DataFrame(
        {
            "account": pd.Series(accounts, dtype=object),
            "part": pd.Series([number] * len(accounts), dtype="int64"),
            "where": pd.Series([f"{name} partition {number}"] * len(accounts), dtype=object),
        }
    )


def _split(pairs: pd.DataFrame) -> pd.DataFrame:
    """The accounts of ``pairs`` in more than one partition, each with two of its places."""
    places = pairs.sort_values(["account", "part", "where"], kind="stable")
    places = places.drop_duplicates(["account", "part"])
    split = places[places.duplicated("account", keep=False)]
    return split.groupby("account", sort=True).head(2)


def _refuse(splits: list[pd.DataFrame]) -> bool:
    """True when no account is split; else the error naming the first one (by id)."""
    found: list[tuple[str, int, str]] = sorted(
        (str(account), int(part), str(where))
        for frame in splits
        for account, part, where in zip(
            frame["account"].tolist(), frame["part"].tolist(), frame["where"].tolist(), strict=True
        )
    )
    if not found:
        return True
    account = found[0][0]
    places = [where for a, _, where in found if a == account]
    msg = (
        f"partitioned=True, but account {account!r} is in {places[0]} and in {places[1]}: "
        "an account's ledger rows and openings must all be in one partition, of the same "
        "number in the ledger and the openings; lay them out by account, or leave "
        "partitioned=False to have them shuffled"
    )
    raise InvalidInputError(msg)


def check_laid_out(ledger: dd.DataFrame, openings: dd.DataFrame | None) -> Any:
    """A lazy check that no account is split across the partitions of ``ledger``.

    Nor between a partition of the ledger and another-numbered one of ``openings``.
    Each partition's account ids (not its rows) are shuffled by account, so that each
    account's partitions meet in one place: a shuffle as large as the accounts, not
    the ledger.

    Returns:
        A ``dask.delayed`` value: True, or, when computed, ``InvalidInputError``
        naming the first split account (by id) and two of its partitions.
    """
    import dask
    import dask.dataframe as dd

    meta = _accounts(ledger._meta, "ledger")
    pairs = ledger.map_partitions(_accounts, "ledger", meta=meta)
    if openings is not None:
        pairs = dd.concat([pairs, openings.map_partitions(_accounts, "openings", meta=meta)])
    shuffled = pairs.shuffle(on="account", npartitions=ledger.npartitions)
    splits = shuffled.map_partitions(_split, meta=meta)
    return dask.delayed(_refuse)(splits.to_delayed())
