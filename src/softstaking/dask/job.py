"""The daily payout job on a Dask cluster: the job's batches of accounts on the workers.

``run_days`` is ``softstaking.job.run_days`` with its batches of accounts computed by
the workers of a ``distributed.Client``, and ``run_files`` is ``softstaking.job.run_files``
(the same checks of the days and the files, the same atomic writes) computing the days
so: the job of ``softstaking run --workers N`` and ``--scheduler ADDRESS``. The ledger and
the state are read, and the output and state written, by the caller; each batch (a
range of accounts, in order) is sent to a worker, which runs the job's own batch on it,
closing state of pocket kinds (``frozen``, ``waiting``) included. The results are
those of one process, byte for byte, since they are the same computation cut
differently.
"""

from __future__ import annotations

import contextlib
import functools
import logging
import os
import sys
from collections.abc import Callable, Iterable, Iterator
from datetime import date
from typing import Any

from softstaking.core.errors import InvalidInputError
from softstaking.job.run import BatchMap, Summary
from softstaking.job.run import run_days as run_days_here
from softstaking.job.run import run_files as run_files_here
from softstaking.job.state import State
from softstaking.programs.program import Program

__all__ = ["PARTITIONS_PER_WORKER", "cluster", "map_batches", "run_days", "run_files"]

PARTITIONS_PER_WORKER = 4
"""How many batches of accounts each worker gets, by default: enough that no worker idles
long at the end of a run, few enough that the overhead per batch stays small."""

EXTRA_MESSAGE = "needs Dask, which is not installed: pip install 'softstaking[dask]'"


def _distributed() -> Any:
    """The ``distributed`` package, or an ``ImportError`` saying which extra to install."""
    try:
        import dask.dataframe  # noqa: F401 (the extra's other half)
        import distributed
    except ImportError as error:
        msg = f"softstaking.dask {EXTRA_MESSAGE} ({error})"
        raise ImportError(msg) from error
    return distributed


def _check_where(workers: int | None, scheduler: str | None) -> None:
    if (workers is None) == (scheduler is None):
        msg = "give the number of workers of a local cluster, or a scheduler's address"
        raise InvalidInputError(msg)
    if workers is not None and workers < 1:
        msg = f"a local cluster needs 1 worker or more, not {workers}"
        raise InvalidInputError(msg)


@contextlib.contextmanager
def cluster(*, workers: int | None = None, scheduler: str | None = None) -> Iterator[Any]:
    """A ``distributed.Client``: of a new local cluster, or of the cluster at ``scheduler``.

    With ``workers``, a ``LocalCluster`` of that many worker processes, one thread each
    (the engine holds the GIL, so threads add nothing), started here and closed on
    leaving. With ``scheduler`` (such as ``tcp://10.0.0.1:8786``), a client of that
    cluster, which stays up.

    Raises:
        ImportError: Without the ``dask`` extra.
        InvalidInputError: If both or neither are given, or ``workers`` is below 1.
        ConnectionError: If the scheduler cannot be reached (an ``OSError``).
    """
    distributed = _distributed()
    _check_where(workers, scheduler)
    if workers is not None:
        with (
            distributed.LocalCluster(
                n_workers=workers,
                processes=True,
                threads_per_worker=1,
                dashboard_address=":0",  # no fixed port: another cluster may have it
                silence_logs=logging.CRITICAL,  # a task's error reaches the caller, once
            ) as local,
            distributed.Client(local, set_as_default=False) as client,
        ):
            yield client
        return
    try:
        client = distributed.Client(scheduler, set_as_default=False)
    except OSError as error:  # refused, unknown host, timed out
        msg = f"cannot reach the Dask scheduler at {scheduler}: {error}"
        raise ConnectionError(msg) from None
    with client:
        yield client


def _aligned(value: Any) -> Any:
    """``value`` with each Arrow table in it copied into aligned memory.

    Tables come out of Dask's messages at any byte offset, and Arrow's group-by warns on
    stderr (and slows down) over buffers not aligned to their values' width; a copy
    through Arrow's IPC stream, written into memory Arrow allocates, aligns them.
    """
    import pyarrow as pa

    if isinstance(value, tuple):
        return tuple(_aligned(v) for v in value)
    if not isinstance(value, pa.Table):
        return value
    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, value.schema) as writer:
        writer.write_table(value)
    return pa.ipc.open_stream(sink.getvalue()).read_all()


def _star(func: Callable[..., Any], args: tuple[Any, ...]) -> Any:
    return func(*_aligned(args))


def map_batches(client: Any, *, display: bool = False) -> BatchMap:
    """A ``BatchMap`` for ``softstaking.job.run_days``: each batch a task on a worker.

    The batches' inputs are scattered to the workers and their results gathered in
    order; the error of the first failing batch is raised (the others cancelled), as
    one process computing the batches in turn would raise it. With ``display``, Dask's progress bar
    (``distributed.progress``) is drawn on stderr until every batch is done.
    """
    distributed = _distributed()

    def mapper(func: Callable[..., Any], args: Iterable[tuple[Any, ...]]) -> Iterator[Any]:
        data = client.scatter(list(args), hash=False)
        futures = [client.submit(_star, func, d, pure=False) for d in data]
        try:
            if display and futures:
                with contextlib.redirect_stdout(sys.stderr):
                    distributed.progress(
                        futures, notebook=False, scheduler=client.scheduler.address
                    )
            for future in futures:
                yield _aligned(future.result())
        finally:
            client.cancel([*futures, *data])

    return mapper


def _workers(client: Any) -> int:
    return max(1, len(client.scheduler_info().get("workers", {})))


def run_days(
    program: Program,
    ledger: object,
    state: State,
    start: date,
    end: date,
    *,
    client: Any,
    partitions: int | None = None,
    progress: Callable[[int], object] | None = None,
    display: bool = False,
) -> tuple[Any, State]:
    """``softstaking.job.run_days`` with its batches of accounts on the workers of ``client``.

    The records and the state are those of ``softstaking.job.run_days``, equal to the
    last byte, whatever the number of workers and partitions.

    Args:
        program: The program.
        ledger: The days' events, as ``softstaking.job.run_days`` takes them.
        state: The state at the end of the day before ``start``.
        start: The first day.
        end: The day after the last.
        client: A ``distributed.Client`` (see ``cluster``).
        partitions: How many batches to cut the accounts into (default:
            ``PARTITIONS_PER_WORKER`` per worker of the cluster).
        progress: Called with the number of accounts of each batch once it is in.
        display: Draw Dask's progress bar on stderr.

    Returns:
        The records and the new state, as ``softstaking.job.run_days``.
    """
    return run_days_here(
        program,
        ledger,
        state,
        start,
        end,
        progress=progress,
        batches=partitions or PARTITIONS_PER_WORKER * _workers(client),
        map_batches=map_batches(client, display=display),
    )


def run_files(
    program: Program,
    ledger: str | os.PathLike[str],
    state: str | os.PathLike[str],
    output: str | os.PathLike[str],
    *,
    start: date,
    end: date,
    rerun: bool = False,
    workers: int | None = None,
    scheduler: str | None = None,
    client: Any = None,
    partitions: int | None = None,
    display: bool = False,
) -> Summary:
    """``softstaking.job.run_files``, the days computed on a Dask cluster.

    The same checks (a gap, a repeat, ``rerun``, an output that is an input), the same
    errors and the same files, written the same way by the caller; only the
    computation of the days moves to the workers: of ``client``, or of a local cluster
    of ``workers`` processes started once the input is read and checked and closed
    before anything is written, or of the cluster at ``scheduler``.

    Raises:
        ImportError: Without the ``dask`` extra, before anything is read.
        InvalidInputError: As ``softstaking.job.run_files``; or, without ``client``,
            if both or neither of ``workers`` and ``scheduler`` are given.
        ConnectionError: If the scheduler cannot be reached; nothing is written.
    """
    _distributed()
    if client is None:
        _check_where(workers, scheduler)

    def days(*args: Any, **kwargs: Any) -> tuple[Any, State]:
        on = functools.partial(run_days, *args, partitions=partitions, display=display, **kwargs)
        if client is not None:
            return on(client=client)
        with cluster(workers=workers, scheduler=scheduler) as connected:
            return on(client=connected)

    return run_files_here(
        program, ledger, state, output, start=start, end=end, rerun=rerun, days=days
    )
