"""Records to Parquet, all or nothing: no partial output when a run fails."""

from __future__ import annotations

import os
import shutil
import uuid
from pathlib import Path
from typing import TYPE_CHECKING

from softstaking.core.errors import InvalidTypeError

if TYPE_CHECKING:
    import dask.dataframe as dd

__all__ = ["write_parquet"]


def write_parquet(frame: dd.DataFrame, path: str | os.PathLike[str]) -> None:
    """Compute ``frame`` and write it as a Parquet dataset at ``path``, or write nothing.

    Every partition is computed first (and kept in the workers' memory, spilled as Dask
    does), so that an error in any of them (a bad row, an unknown token) is raised
    before a file is written. The partitions are then written into a hidden folder
    beside ``path``, which is renamed to ``path`` once all are written, and removed if
    the writing fails. On a cluster, ``path`` must be on storage every worker and the
    caller share.

    Raises:
        FileExistsError: If ``path`` exists.
        InvalidTypeError: If ``frame`` is not a Dask DataFrame.
        SoftStakingError: The run's error, as on one machine.
    """
    import dask
    import dask.dataframe as dd

    if not isinstance(frame, dd.DataFrame):
        msg = f"write_parquet takes a Dask DataFrame, not {type(frame).__name__}"
        raise InvalidTypeError(msg)
    target = Path(path)
    if target.exists():
        msg = f"{target} exists; write_parquet does not overwrite"
        raise FileExistsError(msg)
    kept = frame.persist()
    dask.compute(kept.map_partitions(len, meta=(None, "int64")))  # raises a run's error
    temp = target.with_name(f".{target.name}.{uuid.uuid4().hex}.tmp")
    try:
        kept.to_parquet(str(temp), write_index=False)
        os.replace(temp, target)
    except BaseException:
        shutil.rmtree(temp, ignore_errors=True)
        raise
