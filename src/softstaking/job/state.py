"""The state the daily job keeps between runs: each account's closing amounts per token.

A state file holds, for every account and token seen so far, one row:

| column | meaning |
| --- | --- |
| `account`, `token` | the holding |
| `balance` | the available balance at the end of the day: the next day's opening |
| `carry` | what was owed but unpaid at the end of the day (the last record's carry) |
| `frozen` | the amount in open orders at the end of the day (pocket kinds; else 0) |
| `waiting` | the amount waiting for redemption at the end of the day (else 0) |

and, once for the whole file, the last day computed. Amounts are decimal strings,
exact whatever the token's decimals (a tiny carry may be written with an exponent,
such as ``3.2876712328767123288E-9``). In Parquet the day is in the file's metadata
(``softstaking.day``); in JSON Lines the first line is ``{"softstaking_state": 1,
"day": "YYYY-MM-DD"}`` and each further line one row. A state with no day (``day``
None) is the empty state before the first run.

Rows are kept sorted by account, then token, so that a state written twice is the
same bytes.
"""

from __future__ import annotations

import json
import os
from datetime import date
from pathlib import Path
from typing import Any, Final

import attrs

from softstaking.core.errors import InvalidInputError
from softstaking.io.atomic import atomic_bytes, atomic_text

__all__ = ["STATE_COLUMNS", "State", "read_state", "state_format", "write_state"]

STATE_COLUMNS: Final = ("account", "token", "balance", "carry", "frozen", "waiting")
"""The columns of a state, in order."""

_AMOUNTS: Final = STATE_COLUMNS[2:]
_DAY_KEY: Final = b"softstaking.day"
_VERSION_KEY: Final = b"softstaking.state"
_VERSION: Final = 1
_AMOUNT: Final = r"^(\d+(\.\d*)?|\.\d+)([Ee][+-]?\d+)?$"


def _schema() -> Any:
    import pyarrow as pa

    return pa.schema([(name, pa.string()) for name in STATE_COLUMNS])


def _empty() -> Any:
    import pyarrow as pa

    return pa.table([pa.array([], pa.string()) for _ in STATE_COLUMNS], schema=_schema())


@attrs.frozen(eq=False)
class State:
    """The amounts every holding closed a day with, and that day.

    Attributes:
        day: The last day computed, or None for the state before the first run.
        table: A ``pyarrow.Table`` with the columns ``STATE_COLUMNS`` (strings), sorted
            by account and token.
    """

    day: date | None = None
    table: Any = attrs.field(factory=_empty)

    def __len__(self) -> int:
        """How many holdings the state holds."""
        return int(self.table.num_rows)


def state_format(path: str | os.PathLike[str]) -> str:
    """``"parquet"`` or ``"jsonl"``, from the state file's suffix.

    Raises:
        InvalidInputError: For any other suffix.
    """
    suffix = Path(path).suffix.lower()
    if suffix == ".parquet":
        return "parquet"
    if suffix in (".jsonl", ".ndjson"):
        return "jsonl"
    msg = f"state file {os.fspath(path)!r}: name it .parquet or .jsonl"
    raise InvalidInputError(msg)


def _check(table: Any, where: str) -> Any:
    """The table with its columns as strings, its amounts checked."""
    import pyarrow as pa
    import pyarrow.compute as pc

    for name in STATE_COLUMNS:
        if name not in table.column_names:
            msg = f"{where}: no column {name!r}"
            raise InvalidInputError(msg)
    columns = []
    for name in STATE_COLUMNS:
        column = table.column(name)
        if column.null_count:
            row = pc.index(pc.is_null(column), True).as_py()
            msg = f"{where}: row {row}: {name} is empty"
            raise InvalidInputError(msg)
        try:
            columns.append(column.cast(pa.string()))
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            msg = f"{where}: column {name!r} must hold strings, not {column.type}"
            raise InvalidInputError(msg) from None
    out = pa.table(columns, schema=_schema())
    for name in _AMOUNTS:
        bad = pc.invert(pc.match_substring_regex(out.column(name), _AMOUNT))
        if pc.any(bad).as_py():
            row = pc.index(bad, True).as_py()
            text = out.column(name)[row].as_py()
            msg = f"{where}: row {row}: {name} {text!r} is not an amount of zero or more"
            raise InvalidInputError(msg)
    return out


def _day_of(text: str, where: str) -> date | None:
    if text == "":
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        msg = f"{where}: its day {text!r} is not a date YYYY-MM-DD"
        raise InvalidInputError(msg) from None


def read_state(path: str | os.PathLike[str], *, format: str | None = None) -> State:
    """The state in ``path`` (Parquet or JSON Lines: ``format``, or by suffix).

    Raises:
        FileNotFoundError: If there is no such file.
        InvalidInputError: If it is not a state file, naming the file and row.
    """
    import pyarrow as pa
    import pyarrow.parquet as pq

    where = os.fspath(path)
    if (format or state_format(path)) == "parquet":
        try:
            # ParquetFile, not read_table: that imports pyarrow.dataset, and pandas.
            table = pq.ParquetFile(path).read()
        except pa.ArrowInvalid as err:
            msg = f"{where}: not a Parquet state file ({err})"
            raise InvalidInputError(msg) from None
        meta = table.schema.metadata or {}
        if _VERSION_KEY not in meta:
            msg = f"{where}: not a state file written by softstaking run (no {_VERSION_KEY!r})"
            raise InvalidInputError(msg)
        day = _day_of(meta.get(_DAY_KEY, b"").decode(), where)
        return State(day, _check(table.replace_schema_metadata(None), where))
    with Path(path).open(encoding="utf-8") as stream:
        lines = [line for line in stream.read().splitlines() if line.strip()]
    try:
        head = json.loads(lines[0]) if lines else None
        rows = [json.loads(line) for line in lines[1:]]
    except json.JSONDecodeError as err:
        msg = f"{where}: not JSON Lines ({err})"
        raise InvalidInputError(msg) from None
    if not isinstance(head, dict) or head.get("softstaking_state") != _VERSION:
        msg = f'{where}:1: the first line must be {{"softstaking_state": 1, "day": ...}}'
        raise InvalidInputError(msg)
    for line, row in enumerate(rows, start=2):
        if not isinstance(row, dict) or not all(isinstance(row.get(c), str) for c in STATE_COLUMNS):
            msg = f"{where}:{line}: a row needs the string values {', '.join(STATE_COLUMNS)}"
            raise InvalidInputError(msg)
    table = pa.table(
        {name: pa.array([row[name] for row in rows], pa.string()) for name in STATE_COLUMNS}
    )
    return State(_day_of(str(head.get("day") or ""), where), _check(table, where))


def write_state(state: State, path: str | os.PathLike[str], *, format: str | None = None) -> None:
    """Write ``state`` to ``path`` atomically: the old file stays until the new one is whole.

    ``format`` is ``"parquet"`` or ``"jsonl"``; by default, from the suffix.

    Raises:
        OSError: If the file cannot be written; the previous file is unchanged.
    """
    import pyarrow.parquet as pq

    day = b"" if state.day is None else state.day.isoformat().encode()
    if (format or state_format(path)) == "parquet":
        table = state.table.replace_schema_metadata(
            {_VERSION_KEY: str(_VERSION).encode(), _DAY_KEY: day}
        )
        with atomic_bytes(path) as stream:
            pq.write_table(table, stream, compression="zstd", compression_level=1)
        return
    head = {"softstaking_state": _VERSION, "day": day.decode() or None}
    with atomic_text(path) as stream:
        stream.write(json.dumps(head) + "\n")
        for row in state.table.to_pylist():
            stream.write(json.dumps(row) + "\n")
