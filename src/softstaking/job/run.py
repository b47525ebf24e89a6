"""The daily payout job: a day's ledger and yesterday's state in, records and state out.

``run_day(program, ledger, state, day)`` computes one day of every holding, starting
from the amounts ``state`` closed the day before with, and returns the records (the
table of ``Program.table``) and the state at the end of the day. ``run_days`` does the
same for a range of days. Chained runs give exactly the records of one long run: the
state carries each holding's balance, its carry, what is frozen in orders and waiting
for redemption, and with compounding what has been credited and the payouts pending.

``run_files`` is the job as the ``softstaking run`` command runs it, on files: it
refuses a gap or a repeat, keeps the state before the run as ``STATE.prev`` (so that
``rerun=True`` can recompute the last run from it), and writes the output and then the
state, each atomically, so that a run stopped at any point leaves the previous state
and output whole.

Compounding chains too: a compounding day's balance is the ledger's plus every payment
made before it, so the state keeps, per holding, what has been credited so far and the
payouts accrued but not yet made (a ``payout_delay``, a weekly or monthly
``payout_schedule``), which are credited when they fall, as in one long run. Those
holdings are computed through ``Program.run`` (the general path), with the state's
payments handed over as ``credited`` records. So are the holdings of a ledger with a
``sub_account`` column: the state keeps each sub-account's amounts, and the holding's
carry and payments on its main row (see ``softstaking.job.batch``).

The one thing refused (``UnchainableProgramError``) is a payout schedule other than the
four built in: the built-in ones pay each day at the first payout at or after its end,
whatever the run's first day, but a schedule of one's own may depend on the days it is
given, so chained runs could pay a day at another instant than one long run.
"""

from __future__ import annotations

import copy
import itertools
import os
import re
import shutil
from collections.abc import Callable, Iterable
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any, Final

import attrs

from softstaking.core.errors import InvalidInputError, SoftStakingError
from softstaking.core.instants import check_day, from_us, to_us
from softstaking.core.payouts import DailyPayouts, MonthlyPayouts, WeeklyPayouts, WindowPayouts
from softstaking.io.atomic import atomic_bytes, atomic_text
from softstaking.io.ledger import read_ledger
from softstaking.job.batch import compute
from softstaking.job.state import (
    State,
    normalized_state,
    read_state,
    state_format,
    write_state,
)
from softstaking.programs.program import Program

__all__ = [
    "BATCH_ACCOUNTS",
    "BatchMap",
    "DaysRunner",
    "JobError",
    "Summary",
    "TokenTotals",
    "UnchainableProgramError",
    "output_format",
    "prev_path",
    "run_batch",
    "run_day",
    "run_days",
    "run_files",
    "write_output",
]

BATCH_ACCOUNTS: Final = 100_000
"""How many accounts ``run_days`` computes at a time (the progress bar's step)."""

BatchMap = Callable[[Callable[..., Any], Iterable[tuple[Any, ...]]], Iterable[Any]]
"""How ``run_days`` computes its batches: like ``itertools.starmap``, the results in order.

The default computes them one after the other in this process; ``softstaking.dask``
computes them on the workers of a cluster.
"""


class UnchainableProgramError(InvalidInputError):
    """The program has a feature that daily runs cannot chain exactly."""


class JobError(InvalidInputError):
    """A run that would break the chain of days: a gap, a repeat, or a bad re-run."""


_CHAINED_SCHEDULES: Final = (DailyPayouts, WeeklyPayouts, MonthlyPayouts, WindowPayouts)
"""The payout schedules whose payout of a day does not depend on the run's first day."""


def check_chainable(program: Program) -> None:
    """Refuse a program whose daily runs would not chain exactly.

    Compounding and the built-in payout schedules chain; a payout schedule of another
    type is refused, because its ``payout_times`` may depend on the days of the run.

    Raises:
        UnchainableProgramError: Naming the token and the schedule.
    """
    for symbol, calc in program.calculators.items():
        schedule = calc.payout_schedule
        if schedule is not None and type(schedule) not in _CHAINED_SCHEDULES:
            msg = (
                f"token {symbol!r} has a payout schedule of its own, "
                f"{type(schedule).__name__}: the daily job chains the built-in ones "
                "(DailyPayouts, WeeklyPayouts, MonthlyPayouts, WindowPayouts), which pay "
                "a day whatever day the run starts on; another schedule's payout_times "
                "may depend on the run's days, so a chained day could be paid at another "
                "instant than in one long run. Use a built-in schedule, or run the whole "
                "range with Program.run"
            )
            raise UnchainableProgramError(msg)


def _events(ledger: object) -> Any:
    """The ledger as one table of account, token, at, delta and kind."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if isinstance(ledger, pa.Table):
        table = ledger
    elif isinstance(ledger, pa.RecordBatch) or hasattr(ledger, "__arrow_c_stream__"):
        table = pa.RecordBatchReader.from_stream(ledger).read_all()
    elif isinstance(ledger, Iterable):
        chunks = list(ledger)
        if not chunks:
            return pa.table(
                {
                    "account": pa.array([], pa.string()),
                    "token": pa.array([], pa.string()),
                    "at": pa.array([], pa.timestamp("us", tz="UTC")),
                    "delta": pa.array([], pa.string()),
                }
            )
        table = pa.concat_tables(chunks)
    else:
        msg = f"ledger must be a pyarrow Table or chunks of them, not {type(ledger).__name__}"
        raise InvalidInputError(msg)
    if "sub_account" in table.column_names:
        sub = pc.fill_null(table.column("sub_account").cast(pa.string()), "")
        i = table.schema.get_field_index("sub_account")
        if pc.any(pc.not_equal(sub, pa.scalar(""))).as_py():
            table = table.set_column(i, "sub_account", sub)
        else:  # no sub-account: the ledger of one account per holding
            table = table.remove_column(i)
    return table


def _check_days(program: Program, events: Any, start: date, end: date) -> None:
    """Refuse an event outside the run's days, in its token's calendar."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    if not events.num_rows:
        return
    token = events.column("token")
    at = events.column("at").cast(pa.timestamp("us", tz="UTC")).cast(pa.int64())
    symbols = [s for s in pc.unique(token).to_pylist() if s is not None]
    calendars = [program.calculator(symbol).calendar for symbol in symbols]
    # A row without a token or an instant (code -1: the last bounds, which hold every
    # instant) is the ledger reader's to refuse.
    bounds = np.iinfo("int64")
    low = np.array([to_us(c.start_of(start)) for c in calendars] + [bounds.min], "int64")
    high = np.array([to_us(c.start_of(end)) for c in calendars] + [bounds.max], "int64")
    code = pc.index_in(token, value_set=pa.array(symbols, pa.string()))
    codes = pc.if_else(pc.is_valid(at), pc.fill_null(code, -1), -1).to_numpy(zero_copy_only=False)
    instants = pc.fill_null(at, 0).to_numpy(zero_copy_only=False)
    outside = np.flatnonzero((instants < low[codes]) | (instants >= high[codes]))
    if outside.size:
        row = int(outside[0])
        symbol = symbols[int(codes[row])]
        calc = program.calculator(symbol)
        instant = from_us(int(instants[row])).astimezone(calc.tz)
        day = calc.calendar.day_of(instant)
        last = end - timedelta(days=1)
        msg = (
            f"ledger row {row}: the {symbol} event at {instant.isoformat()} is on "
            f"{day}, outside the run's days {start} to {last}: give each run only "
            "its days' events"
        )
        raise JobError(msg)


def run_days(
    program: Program,
    ledger: object,
    state: State,
    start: date,
    end: date,
    *,
    progress: Callable[[int], object] | None = None,
    batch_accounts: int = BATCH_ACCOUNTS,
    batches: int = 1,
    map_batches: BatchMap | None = None,
) -> tuple[Any, State]:
    """The records of the days in ``[start, end)`` and the state after them.

    Args:
        program: The program; refused if it cannot be chained (see the module).
        ledger: The days' events: a ``pyarrow.Table``, an Arrow stream, or chunks of
            tables as ``softstaking.io.read_ledger`` yields them; only events of the
            run's days (in each token's calendar).
        state: The state at the end of the day before ``start`` (or the empty state).
        start: The first day.
        end: The day after the last.
        progress: Called with the number of accounts done after each batch.
        batch_accounts: How many accounts to compute at a time, at most.
        batches: How many batches to cut the accounts into, at least (fewer when
            there are fewer accounts): the pieces of work of a cluster.
        map_batches: Computes the batches (``run_batch`` over each batch's
            arguments), such as ``softstaking.dask`` on a cluster's workers; by
            default one after the other here. The result does not depend on it.

    Returns:
        The records (as ``Program.table``, the amount columns at the scales of the
        program's finest token, so every day has one schema), and the new state.

    Raises:
        JobError: If ``state`` is not at the day before ``start``, or an event lies
            outside the run's days.
        UnchainableProgramError: For a payout schedule other than the built-in ones.
    """
    import pyarrow as pa

    first, last = check_day(start, name="start"), check_day(end, name="end")
    if last <= first:
        msg = f"the run needs at least one day: {first} to {last} holds none"
        raise JobError(msg)
    check_chainable(program)
    if state.day is not None and state.day != first - timedelta(days=1):
        raise JobError(_chain_message(state.day, first))
    state = State(state.day, normalized_state(state.table))
    events = _events(ledger)
    _check_days(program, events, first, last)
    encoded = _accounts(events, state.table)
    count = len(encoded.dictionary)
    size = max(1, min(batch_accounts, -(-count // max(batches, 1))))
    lows = range(0, max(count, 1), size)

    whole = count <= size
    ledger_parts, state_parts = None, None
    if not whole:
        ranks = _ranks(encoded)
        ledger_parts = _parts(ranks[: events.num_rows], count, size)
        state_parts = _parts(ranks[events.num_rows :], count, size)

    def parts() -> Iterable[tuple[Any, ...]]:
        for i, _ in enumerate(lows):
            if ledger_parts is None or state_parts is None:
                yield program, events, state.table, first, last, None
            else:
                rows = ledger_parts[i]
                part_events, part_state = _rows(events, rows), _rows(state.table, state_parts[i])
                yield program, part_events, part_state, first, last, rows

    tables, states = [], []
    results = (map_batches or itertools.starmap)(run_batch, parts())
    for low, (table, closed) in zip(lows, results, strict=True):
        tables.append(table)
        states.append(closed)
        if progress is not None:
            progress(min(low + size, count) - low)
    table = pa.concat_tables(tables, promote_options="permissive")
    closed = pa.concat_tables(states, promote_options="permissive")
    return table, State(last - timedelta(days=1), closed)


def _rows(table: Any, rows: Any) -> Any:
    """The rows ``rows`` (ascending indices) of ``table``.

    A zero-copy slice where they are consecutive (a state, sorted by account, always
    is), else a take.
    """
    n = len(rows)
    if n and rows[n - 1].as_py() - rows[0].as_py() == n - 1:
        return table.slice(rows[0].as_py(), n)
    return table.take(rows)


def _accounts(events: Any, state: Any) -> Any:
    """The accounts of the events' rows, then the state's, dictionary encoded.

    Each account is hashed once; the dictionary holds the distinct accounts (a null
    among them, which the reader refuses).
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    keys = pa.chunked_array(
        events.column("account").cast(pa.string()).chunks + state.column("account").chunks,
        type=pa.string(),
    ).combine_chunks()
    return pc.dictionary_encode(keys, null_encoding="encode")


def _ranks(encoded: Any) -> Any:
    """Each row's account's rank among the distinct accounts (a numpy array).

    Only the distinct accounts are sorted.
    """
    import numpy as np
    import pyarrow.compute as pc

    accounts = encoded.dictionary
    rank = np.empty(len(accounts), dtype="int64")
    rank[pc.sort_indices(accounts).to_numpy()] = np.arange(len(accounts), dtype="int64")
    indices = encoded.indices.to_numpy(zero_copy_only=False)
    return rank[indices] if len(indices) else indices.astype("int64")


def _parts(ranks: Any, count: int, size: int) -> list[Any]:
    """The rows of a table of each batch of ``size`` of ``count`` accounts (sorted).

    ``ranks`` is each row's account's rank among the accounts (``_ranks``); a
    row's batch is its rank over ``size``; each batch's rows are in the table's order
    (an Arrow array of indices).
    """
    import numpy as np
    import pyarrow as pa

    parts = -(-count // size)
    batch = ranks // size
    if parts <= np.iinfo("int16").max:  # a radix sort, in one pass
        batch = batch.astype("int16")
    order = np.argsort(batch, kind="stable")
    bounds = np.searchsorted(batch[order], np.arange(parts + 1))
    return [pa.array(order[bounds[i] : bounds[i + 1]]) for i in range(parts)]


_LEDGER_ROW: Final = re.compile(r"\bledger row (\d+)")


def run_batch(  # noqa: PLR0917 (called positionally, as starmap calls it)
    program: Program, events: Any, state: Any, start: date, end: date, rows: Any = None
) -> tuple[Any, Any]:
    """One batch of ``run_days``: the records and closing state of some accounts' holdings.

    Args:
        program: The program.
        events: The events of the batch's accounts (checked by ``run_days``).
        state: The rows of the state of the batch's accounts (a ``pyarrow.Table``).
        start: The first day.
        end: The day after the last.
        rows: Each event's row in the whole ledger (an Arrow array), or None when
            ``events`` is the whole ledger: a ledger row an error names is renumbered
            so, as the whole ledger would have named it.

    Returns:
        The records at the program's types (``program_types``), and the state table
        of the holdings, its carries written at the program's finest scale.
    """
    try:
        table, closed = compute(program, events, state, start, end)
    except SoftStakingError as error:
        text = str(error)
        if rows is not None and len(error.args) == 1 and text == error.args[0]:
            error.args = (
                _LEDGER_ROW.sub(lambda m: f"ledger row {rows[int(m.group(1))].as_py()}", text),
            )
        raise
    return table, closed


def run_day(program: Program, ledger: object, state: State, day: date) -> tuple[Any, State]:
    """The records of ``day`` and the state at its end; see ``run_days``.

    Examples:
        >>> from datetime import date
        >>> from softstaking.io import read_ledger, read_program
        >>> from softstaking.samples import kucoin_2019_path, sample_path
        >>> import pyarrow as pa
        >>> program = read_program(kucoin_2019_path())
        >>> ledger = pa.concat_tables(read_ledger(sample_path("seed_ledger.csv")))
        >>> day = date(2019, 7, 15)  # the first four rows are that day's
        >>> table, state = run_day(program, ledger.slice(0, 4), State(), day)
        >>> table.num_rows, state.day, len(state)
        (4, datetime.date(2019, 7, 15), 4)
    """
    return run_days(program, ledger, state, day, day + timedelta(days=1))


def _chain_message(at: date, first: date) -> str:
    following = at + timedelta(days=1)
    if first <= at:
        return (
            f"the state is at {at}, so {first} was already run: run {following} next, "
            f"or re-run the last run with --rerun"
        )
    return (
        f"the state is at {at}, so the next day to run is {following}, not {first}: "
        f"run the days {following} to {first - timedelta(days=1)} first"
    )


@attrs.frozen
class TokenTotals:
    """One token's totals over a run.

    Attributes:
        paid: The sum of ``paid``.
        carry: The sum of the carries at the end of the run.
        forfeited: The sum of ``forfeited``.
    """

    paid: Decimal
    carry: Decimal
    forfeited: Decimal


@attrs.frozen
class Summary:
    """What a run did, for the summary the command prints.

    Attributes:
        start: The first day.
        end: The day after the last.
        accounts: How many accounts the records cover.
        records: How many records were written.
        tokens: Each token's totals, by symbol.
    """

    start: date
    end: date
    accounts: int
    records: int
    tokens: dict[str, TokenTotals]


def summarize(table: Any, state: State, start: date, end: date) -> Summary:
    """The summary of a run's records and closing state."""
    totals: dict[str, TokenTotals] = {}
    if table.num_rows:
        sums = _sums(table, ("paid", "forfeited"))
        carries = _sums(state.table, ("carry",))
        for token in sorted(sums):
            paid, forfeited = sums[token]
            carry = carries.get(token, (Decimal(0),))[0]
            totals[token] = TokenTotals(paid, carry, forfeited)
    return Summary(start, end, _count_accounts(table.column("account")), table.num_rows, totals)


def _sums(table: Any, names: tuple[str, ...]) -> dict[str, tuple[Decimal, ...]]:
    """Each token's sums of the decimal columns ``names``, exactly.

    Arrow sums a ``decimal128`` column as a ``decimal128`` and wraps around past 38
    digits, so a column whose sum could reach them is summed as a ``decimal256``.
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    columns = {"token": table.column("token")}
    for name in names:
        column = table.column(name)
        kind = column.type
        if kind.byte_width == 16:
            bounds = pc.min_max(column).as_py()
            top = max(abs(int(bounds["min"] or 0)), abs(int(bounds["max"] or 0))) + 1
            if top * len(column) * 10**kind.scale >= 10**kind.precision:
                column = column.cast(pa.decimal256(76, kind.scale))
        columns[name] = column
    grouped = pa.table(columns).group_by("token", use_threads=False)
    rows = grouped.aggregate([(name, "sum") for name in names]).to_pylist()
    return {row["token"]: tuple(row[f"{name}_sum"] for name in names) for row in rows}


def _count_accounts(column: Any) -> int:
    """How many distinct accounts ``column`` holds.

    The records come sorted by account: then one comparison of each row with the next
    counts them, at a third of the cost of hashing every row; else they are hashed.
    """
    import pyarrow.compute as pc

    if len(column) < 2:
        return len(column)
    column = column.combine_chunks()
    after, before = column[1:], column[:-1]
    if pc.any(pc.less(after, before)).as_py():
        return len(pc.unique(column))
    return 1 + int(pc.sum(pc.not_equal(after, before)).as_py())


def output_format(path: str | os.PathLike[str]) -> str:
    """``"parquet"``, ``"csv"`` or ``"jsonl"``, from the output's suffix.

    Raises:
        InvalidInputError: For any other suffix.
    """
    suffix = Path(path).suffix.lower()
    found = {".parquet": "parquet", ".csv": "csv", ".jsonl": "jsonl", ".ndjson": "jsonl"}
    if suffix not in found:
        msg = f"output {os.fspath(path)!r}: name it .parquet, .csv or .jsonl"
        raise InvalidInputError(msg)
    return found[suffix]


def _texts(table: Any) -> tuple[list[str], list[list[str]]]:
    """The table's columns as text: decimals exact, days ISO, instants with their offset."""
    import pyarrow as pa

    names = table.column_names
    columns: list[list[str]] = []
    for name in names:
        column = table.column(name)
        if pa.types.is_timestamp(column.type):
            columns.append([value.isoformat() for value in column.to_pylist()])
        elif pa.types.is_decimal(column.type):  # plain digits: Arrow would write 0E-28
            columns.append([f"{value:f}" for value in column.to_pylist()])
        else:
            columns.append(column.cast(pa.string()).to_pylist())
    return names, columns


def write_output(table: Any, path: str | os.PathLike[str]) -> None:
    """Write the records to ``path`` atomically: Parquet, CSV or JSON Lines by suffix."""
    import csv
    import json

    import pyarrow.parquet as pq

    fmt = output_format(path)
    if fmt == "parquet":
        with atomic_bytes(path) as stream:
            # Dictionaries for the few-valued columns only: trying one on every amount
            # costs a quarter of the write, for no smaller a file. Statistics (each
            # page's least and greatest value, for readers that filter) for the keys
            # only: on the wide decimal amounts they cost a third of the write. Snappy,
            # which every Parquet reader reads: it writes in two thirds of zstd's time,
            # for files about 30 % larger.
            few = [c for c in ("token", "day", "apr", "payout_at") if c in table.column_names]
            keys = [c for c in ("account", "token", "day", "payout_at") if c in table.column_names]
            pq.write_table(
                table,
                stream,
                compression="snappy",
                use_dictionary=few,
                write_statistics=keys,
            )
            _slow_hook()
        return
    names, columns = _texts(table)
    with atomic_text(path) as stream:
        if fmt == "csv":
            writer = csv.writer(stream, lineterminator="\n")
            writer.writerow(names)
            writer.writerows(zip(*columns, strict=True))
        else:
            for values in zip(*columns, strict=True):
                stream.write(json.dumps(dict(zip(names, values, strict=True))) + "\n")
        _slow_hook()


def _slow_hook() -> None:
    """For the tests only: sleep inside the write when ``SOFTSTAKING_TEST_SLOW_WRITE`` is set.

    The tests kill a run there, with the temporary file half made, and check that the
    previous output and state are whole.
    """
    seconds = os.environ.get("SOFTSTAKING_TEST_SLOW_WRITE")
    if seconds:
        import sys
        import time

        sys.stderr.write("softstaking: writing slowly (test hook)\n")
        sys.stderr.flush()
        time.sleep(float(seconds))


def prev_path(state: str | os.PathLike[str]) -> Path:
    """Where the state before the last run is kept: ``STATE.prev``."""
    path = Path(state)
    return path.with_name(path.name + ".prev")


def _same(a: Path, b: Path) -> bool:
    if a.resolve() == b.resolve():
        return True
    return a.exists() and b.exists() and os.path.samefile(a, b)


def _base_state(current: State, state_path: Path, start: date, end: date, *, rerun: bool) -> State:
    """The state a run starts from: the current one, or with ``rerun`` the one before it."""
    last = end - timedelta(days=1)
    prev = prev_path(state_path)
    if not rerun:
        if current.day is not None and current.day != start - timedelta(days=1):
            raise JobError(_chain_message(current.day, start))
        return current
    if current.day != last:
        msg = (
            f"--rerun recomputes the last run: the state {state_path} is at "
            f"{current.day or 'no day yet'}, not {last}"
        )
        raise JobError(msg)
    if not prev.exists():
        msg = f"--rerun needs the state before the last run, {prev}, which is missing"
        raise JobError(msg)
    base = read_state(prev, format=state_format(state_path))
    if base.day is not None and base.day != start - timedelta(days=1):
        msg = (
            f"--rerun: {prev} is at {base.day}, so the last run began on "
            f"{base.day + timedelta(days=1)}, not {start}"
        )
        raise JobError(msg)
    return base


DaysRunner = Callable[..., tuple[Any, State]]
"""What computes the days for ``run_files``: ``run_days``, or one with its signature."""


def _located(error: InvalidInputError, ledger: Path) -> InvalidInputError:
    """``error`` in one message: the ledger file first, its notes (the holding) after."""
    notes = getattr(error, "__notes__", [])
    located = copy.copy(error)  # the same class, through SoftStakingError.__reduce__
    located.args = ("; ".join([f"{ledger}: {error}", *notes]),)
    if notes:
        del located.__notes__
    return located


def run_files(
    program: Program,
    ledger: str | os.PathLike[str],
    state: str | os.PathLike[str],
    output: str | os.PathLike[str],
    *,
    start: date,
    end: date,
    rerun: bool = False,
    progress: Callable[[int], object] | None = None,
    days: DaysRunner | None = None,
) -> Summary:
    """Run the days ``[start, end)`` from files: the job of ``softstaking run``.

    Reads the state at ``state`` (none yet: the empty state) and the ledger, computes,
    then writes the output and, unless re-running, copies the old state to
    ``STATE.prev`` and writes the new one to ``state``: each write atomic, the state
    last. Anything wrong with the input is found before anything is written.

    With ``rerun``, the last run is recomputed from ``STATE.prev``: ``state`` must be
    at ``end - 1`` and ``STATE.prev`` at ``start - 1`` (or empty, for the first run).
    Given the same ledger, the output is the same bytes as the first time.

    ``days`` computes the days in place of ``run_days`` (called as it is, with the
    ledger's chunks): ``softstaking.dask.run_files`` passes one that computes them on
    a cluster, with the same checks and files around it.

    Raises:
        JobError: A gap, a repeat, a re-run that is not of the last run, or an output
            that is one of the inputs.
        InvalidInputError: Bad input, the message naming the ledger file and, where
            there is one, the row and the holding (the error's class is kept).
    """
    ledger_path, state_path, out_path = Path(ledger), Path(state), Path(output)
    prev = prev_path(state_path)
    fmt = state_format(state_path)
    output_format(out_path)
    for name, path in (("ledger", ledger_path), ("state", state_path), ("state.prev", prev)):
        if _same(out_path, path):
            msg = f"-o {out_path}: that is the {name} file; write the output to another file"
            raise JobError(msg)
    if _same(state_path, ledger_path):
        msg = f"--state {state_path}: that is the ledger; keep the state in its own file"
        raise JobError(msg)
    current = read_state(state_path, format=fmt) if state_path.exists() else State()
    base = _base_state(current, state_path, start, end, rerun=rerun)
    chunks = list(read_ledger(ledger_path, keep_decimals=True))
    try:
        table, new = (days or run_days)(program, chunks, base, start, end, progress=progress)
    except InvalidInputError as err:  # "ledger row N": name the file and the holding too
        raise _located(err, ledger_path) from err
    del current, base, chunks  # their memory, before the writes take more
    write_output(table, out_path)
    if not rerun:
        if state_path.exists():
            with atomic_bytes(prev) as stream, state_path.open("rb") as old:
                shutil.copyfileobj(old, stream)
        else:
            write_state(State(), prev, format=fmt)
    write_state(new, state_path, format=fmt)
    return summarize(table, new, start, end)
