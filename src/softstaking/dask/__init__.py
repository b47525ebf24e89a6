"""Programs beyond one machine: ``Program.table`` and pool shares over Dask DataFrames.

Needs the ``dask`` extra (``dask[dataframe]`` and ``distributed``). Nothing else in the
library imports this package, so that ``import softstaking`` never loads Dask.

* ``rewards`` and ``run``: a ledger as a Dask DataFrame in, the records out as one, each
  partition computed by ``Program.table``, with the closing state for the next day's run.
* ``write_parquet``: records to a Parquet dataset, all or nothing.
* ``run_days`` and ``run_files``: the daily payout job (``softstaking.job``) with its
  batches of accounts computed on a cluster's workers, closing state included: the
  job of ``softstaking run --workers N`` and ``--scheduler ADDRESS``; ``cluster``
  connects to one.
* ``distribute_days``: pool-share distribution over a Dask DataFrame of holdings, the
  same shares as the single-process ``softstaking.distribute_days``.

See the "Scaling out" page of the documentation.
"""

from __future__ import annotations

from softstaking.dask.files import write_parquet
from softstaking.dask.job import cluster, run_days, run_files
from softstaking.dask.pools import PoolTotal, distribute_days
from softstaking.dask.records import DaskRun, closing_meta, record_meta, rewards, run

__all__ = [
    "DaskRun",
    "PoolTotal",
    "closing_meta",
    "cluster",
    "distribute_days",
    "record_meta",
    "rewards",
    "run",
    "run_days",
    "run_files",
    "write_parquet",
]
