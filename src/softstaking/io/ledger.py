"""Ledgers: many accounts' balance events, in chunks of Arrow tables.

A ledger file holds one event a row with the columns ``account``, ``token``, ``at``,
``delta`` and optionally ``kind`` and ``sub_account``. ``read_ledger`` reads CSV, JSON
Lines or Parquet (by suffix) a chunk at a time, so that memory does not grow with the
file, and yields each chunk as a ``pyarrow.Table`` ready for ``Program.table``:
``account``, ``token``, ``kind`` and ``sub_account`` as strings (a missing kind or
sub-account is null), ``at`` as a microsecond timestamp in UTC, and ``delta`` as an
exact decimal string (never a float); with ``keep_decimals``, a Parquet file's decimal
``delta`` column is yielded as it is, an Arrow decimal (exact, and no string to parse
again: the daily job reads so).

In CSV and JSON Lines, ``at`` is ISO 8601 with a UTC offset and ``delta`` a decimal
string (or a JSON number, read exactly). In Parquet, ``at`` is a timestamp with a time
zone and ``delta`` a decimal or a decimal string. As with the other readers, a bad row
is never skipped: every problem is listed in one ``BadRowsError`` after the last row,
located by file, line and column in text and by row group and row (counted from 0) in
Parquet. Chunks of good rows come before that error, so read the whole ledger before
acting on it.

Needs the ``arrow`` extra (pyarrow), imported inside the functions.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from functools import partial
from pathlib import Path
from typing import Any, Final

from softstaking.core.errors import InvalidInputError
from softstaking.core.instants import to_us
from softstaking.io.errors import DEFAULT_MAX_ERRORS, Problems
from softstaking.io.fields import FieldError, parse_amount, parse_instant, parse_text
from softstaking.io.reading import Cells, read

__all__ = ["CHUNK_ROWS", "LEDGER_COLUMNS", "ledger_schema", "read_ledger"]

CHUNK_ROWS: Final = 65_536
"""How many rows a chunk holds at most."""

LEDGER_COLUMNS: Final = ("account", "token", "at", "delta", "kind", "sub_account")
"""The columns of each chunk, in order."""

_REQUIRED: Final = ("account", "token", "at", "delta")
_OPTIONAL: Final = ("kind", "sub_account")
_DECIMAL: Final = r"^[+-]?(\d+(\.\d*)?|\.\d+)$"
_SUFFIXES: Final = {".csv": "csv", ".jsonl": "jsonl", ".ndjson": "jsonl", ".parquet": "parquet"}


def ledger_schema(delta: Any = None) -> Any:
    """The schema of every chunk ``read_ledger`` yields: ``delta`` strings, or of ``delta``.

    ``delta`` is the type of a Parquet ledger's decimal ``delta`` column, which
    ``read_ledger`` with ``keep_decimals`` yields as it is.
    """
    import pyarrow as pa

    return pa.schema(
        [
            ("account", pa.string()),
            ("token", pa.string()),
            ("at", pa.timestamp("us", tz="UTC")),
            ("delta", pa.string() if delta is None else delta),
            ("kind", pa.string()),
            ("sub_account", pa.string()),
        ]
    )


def _text_row(cells: Cells) -> tuple[str, str, int, str, str | None, str | None] | None:
    account = cells.get("account", parse_text)
    token = cells.get("token", parse_text)
    at = cells.get("at", parse_instant)
    delta = cells.get(
        "delta", partial(parse_amount, name="delta", allow_negative=True, summed=True)
    )
    kind = cells.get("kind", parse_text) if cells.present("kind") else None
    sub = cells.get("sub_account", parse_text) if cells.present("sub_account") else None
    if account is None or token is None or at is None or delta is None:
        return None
    return account, token, to_us(at), f"{delta:f}", kind, sub


def _text_chunks(path: str, fmt: str, chunk_rows: int, max_errors: int) -> Iterator[Any]:
    import pyarrow as pa

    schema = ledger_schema()
    columns: list[list[Any]] = [[] for _ in LEDGER_COLUMNS]
    rows = read(
        path,
        format="csv" if fmt == "csv" else "jsonl",
        max_errors=max_errors,
        required=_REQUIRED,
        optional=_OPTIONAL,
        convert=_text_row,
    )
    for row in rows:
        for column, value in zip(columns, row, strict=True):
            column.append(value)
        if len(columns[0]) >= chunk_rows:
            yield pa.table(columns, schema=schema)
            columns = [[] for _ in LEDGER_COLUMNS]
    if columns[0]:
        yield pa.table(columns, schema=schema)


def _parquet_column(batch: Any, name: str, where: Any, problems: Problems) -> Any:
    """Column ``name`` checked for nulls (a problem each), or None if it is absent."""
    import pyarrow.compute as pc

    if name not in batch.schema.names:
        return None
    column = batch.column(name)
    if column.null_count and name in _REQUIRED:
        for row in pc.indices_nonzero(pc.is_null(column)).to_pylist()[: problems.max_errors]:
            problems.add(0, name, "is empty (null)", where=where(row))
    return column


def _parquet_strings(column: Any, name: str, problems: Problems) -> Any:
    import pyarrow as pa

    kind = column.type
    if pa.types.is_dictionary(kind):
        kind = kind.value_type
    if pa.types.is_string(kind) or pa.types.is_large_string(kind):
        return column.cast(pa.string())
    problems.add(0, name, f"must hold strings, not {column.type}", where="schema")
    return None


def _parquet_delta(column: Any, where: Any, problems: Problems, *, keep: bool) -> Any:
    """The delta column checked: decimal strings, or with ``keep`` decimals as they are."""
    import pyarrow as pa
    import pyarrow.compute as pc

    kind = column.type
    if pa.types.is_decimal(kind):
        if kind.scale < 0:
            problems.add(0, "delta", f"{kind} has a negative scale", where="schema")
            return None
        return column if keep else column.cast(pa.string())
    if pa.types.is_string(kind) or pa.types.is_large_string(kind):
        text = column.cast(pa.string())
        bad = pc.invert(pc.match_substring_regex(pc.utf8_trim_whitespace(text), _DECIMAL))
        for row in pc.indices_nonzero(pc.fill_null(bad, False)).to_pylist()[: problems.max_errors]:
            value = text[row].as_py()
            try:
                parse_amount(value, name="delta", allow_negative=True, summed=True)
                reason = f"{value!r} is not a plain decimal number"
            except FieldError as err:
                reason = str(err)
            problems.add(0, "delta", reason, where=where(row))
        return pc.utf8_trim_whitespace(text)
    if pa.types.is_floating(kind):
        reason = f"holds floats ({kind}), which cannot hold an amount exactly: use decimals"
    else:
        reason = f"must hold decimals or decimal strings, not {kind}"
    problems.add(0, "delta", reason, where="schema")
    return None


def _parquet_at(column: Any, problems: Problems) -> Any:
    import pyarrow as pa

    kind = column.type
    if not pa.types.is_timestamp(kind) or kind.tz is None:
        reason = f"must hold timestamps with a time zone, not {kind}"
        problems.add(0, "at", reason, where="schema")
        return None
    try:
        return column.cast(pa.timestamp("us", tz="UTC"))
    except pa.ArrowInvalid:
        problems.add(0, "at", "has an instant finer than a microsecond", where="schema")
        return None


def _parquet_chunks(path: str, chunk_rows: int, max_errors: int, *, keep: bool) -> Iterator[Any]:
    import pyarrow as pa
    import pyarrow.parquet as pq

    problems = Problems(path, max_errors)
    try:
        file = pq.ParquetFile(path)
    except pa.ArrowInvalid as err:
        msg = f"{path}: not a Parquet file ({err})"
        raise InvalidInputError(msg) from None
    names = file.schema_arrow.names
    missing = [name for name in _REQUIRED if name not in names]
    if missing:
        msg = f"{path}: no column {', '.join(map(repr, missing))} (it has {', '.join(names)})"
        raise InvalidInputError(msg)
    delta_type = file.schema_arrow.field("delta").type
    keep = keep and pa.types.is_decimal(delta_type) and delta_type.scale >= 0
    schema = ledger_schema(delta_type if keep else None)
    wanted = [name for name in LEDGER_COLUMNS if name in names]
    for group in range(file.num_row_groups):
        offset = 0
        for batch in file.iter_batches(chunk_rows, row_groups=[group], columns=wanted):

            def where(row: int, group: int = group, offset: int = offset) -> str:
                return f"row group {group}, row {offset + row}"

            out: dict[str, Any] = {}
            for name in ("account", "token", "kind", "sub_account"):
                column = _parquet_column(batch, name, where, problems)
                out[name] = None if column is None else _parquet_strings(column, name, problems)
            at = _parquet_column(batch, "at", where, problems)
            out["at"] = _parquet_at(at, problems)
            delta = _parquet_column(batch, "delta", where, problems)
            out["delta"] = _parquet_delta(delta, where, problems, keep=keep)
            offset += batch.num_rows
            if problems:
                if any(p.where == "schema" for p in problems.kept):
                    problems.raise_if_any()
                continue
            n = batch.num_rows
            yield pa.table(
                [
                    out[name] if out[name] is not None else pa.nulls(n, pa.string())
                    for name in LEDGER_COLUMNS
                ],
                schema=schema,
            )
    problems.raise_if_any()


def read_ledger(
    source: str | os.PathLike[str],
    *,
    chunk_rows: int = CHUNK_ROWS,
    max_errors: int = DEFAULT_MAX_ERRORS,
    keep_decimals: bool = False,
) -> Iterator[Any]:
    r"""The ledger's events, a ``pyarrow.Table`` of at most ``chunk_rows`` rows at a time.

    Args:
        source: A ``.csv``, ``.jsonl`` (or ``.ndjson``) or ``.parquet`` file.
        chunk_rows: The most rows a chunk holds.
        max_errors: How many problems the error lists before it only counts the rest.
        keep_decimals: Yield a Parquet file's decimal ``delta`` column as it is, an
            Arrow decimal, not as decimal strings (CSV and JSON Lines: strings still).

    Raises:
        BadRowsError: After the last good chunk, if any row was bad (text: file, line
            and column; Parquet: row group and row).
        InvalidInputError: A suffix naming no format, a Parquet file without a
            required column, or a file that is not Parquet.

    Examples:
        >>> from softstaking.samples import sample_path
        >>> chunks = list(read_ledger(sample_path("seed_ledger.csv")))
        >>> chunks[0].column_names
        ['account', 'token', 'at', 'delta', 'kind', 'sub_account']
    """
    path = os.fspath(source)
    fmt = _SUFFIXES.get(Path(path).suffix.lower())
    if fmt is None:
        msg = (
            f"cannot tell the format of {path!r} from its suffix: name it .csv, .jsonl or .parquet"
        )
        raise InvalidInputError(msg)
    if isinstance(chunk_rows, bool) or not isinstance(chunk_rows, int) or chunk_rows < 1:
        msg = f"chunk_rows must be a positive int, not {chunk_rows!r}"
        raise InvalidInputError(msg)
    if fmt == "parquet":
        return _parquet_chunks(path, chunk_rows, max_errors, keep=keep_decimals)
    return _text_chunks(path, fmt, chunk_rows, max_errors)
