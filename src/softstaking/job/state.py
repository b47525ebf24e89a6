"""The state the daily job keeps between runs: each account's closing amounts per token.

A state file holds, for every account and token seen so far, one row:

- ``account``, ``token``: the holding;
- ``balance``: the available balance at the end of the day, from the ledger's events
  alone (no rewards): the next day's opening;
- ``carry``: what was owed but unpaid at the end of the day (the last record's carry);
- ``frozen``: the amount in open orders at the end of the day (pocket kinds; else 0);
- ``waiting``: the amount waiting for redemption at the end of the day (else 0);
- ``credited``: with compounding, the rewards paid into the balance by the end of the
  day, that is every earlier record's ``paid`` whose ``payout_at`` has come (else 0);
- ``pending``: with compounding, the payouts accrued but not yet made at the end of
  the day, each ``INSTANT=AMOUNT`` (ISO 8601 with its offset, and a decimal), in time
  order and separated by spaces, such as
  ``2024-01-08T00:00:00+00:00=25.55 2024-01-15T00:00:00+00:00=7.3`` (else empty);

and, once for the whole file, the last day computed. Amounts are decimal strings,
exact whatever the token's decimals (a tiny carry may be written with an exponent,
such as ``3.2876712328767123288E-9``). In Parquet the day is in the file's metadata
(``softstaking.day``); in JSON Lines the first line is ``{"softstaking_state": 2,
"day": "YYYY-MM-DD"}`` and each further line one row. A state with no day (``day``
None) is the empty state before the first run.

A compounding day's balance is the ledger's balance plus what has been credited, so a
run needs ``credited`` and, for payouts that fall due after the day (a
``payout_delay``, a weekly or monthly ``payout_schedule``), ``pending``: those are
credited when they fall, exactly as in one long run. Without compounding nothing later
depends on when a day is paid, and both stay empty: each record's ``payout_at`` says
when it is paid.

Version 1 of the format (files written before ``credited`` and ``pending`` existed,
``"softstaking_state": 1``) is read as if both were empty, which is what they were.

Rows are kept sorted by account, then token, so that a state written twice is the
same bytes.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any, Final

import attrs

from softstaking.core.errors import InvalidInputError
from softstaking.io.atomic import atomic_bytes, atomic_text

__all__ = [
    "STATE_COLUMNS",
    "State",
    "pending_text",
    "read_pending",
    "read_state",
    "state_format",
    "write_state",
]

STATE_COLUMNS: Final = (
    "account",
    "token",
    "balance",
    "carry",
    "frozen",
    "waiting",
    "credited",
    "pending",
)
"""The columns of a state, in order."""

_AMOUNTS: Final = ("balance", "carry", "frozen", "waiting", "credited")
_ADDED: Final = {"credited": "0", "pending": ""}
"""The columns version 2 added, with the value they have in a version 1 file."""
_DAY_KEY: Final = b"softstaking.day"
_VERSION_KEY: Final = b"softstaking.state"
_VERSION: Final = 2
_VERSIONS: Final = (1, 2)
_AMOUNT: Final = r"^(\d+(\.\d*)?|\.\d+)([Ee][+-]?\d+)?$"
_INSTANT: Final = r"\d{4}-\d\d-\d\dT\d\d:\d\d(:\d\d(\.\d+)?)?([+-]\d\d:\d\d(:\d\d(\.\d+)?)?|Z)"
_PAYOUT: Final = _INSTANT + r"=(\d+(\.\d*)?|\.\d+)"
_PENDING: Final = rf"^({_PAYOUT}( {_PAYOUT})*)?$"


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


def read_pending(text: str) -> list[tuple[datetime, Decimal]]:
    """The payouts of a ``pending`` value, as ``(instant, amount)`` in its order.

    The value was checked when the state was read (``read_state``).

    Examples:
        >>> for at, amount in read_pending(
        ...     "2024-01-08T00:00:00+00:00=25.55 2024-01-15T00:00:00+00:00=7.3"):
        ...     print(at.isoformat(), amount)
        2024-01-08T00:00:00+00:00 25.55
        2024-01-15T00:00:00+00:00 7.3
        >>> read_pending("")
        []
    """
    out = []
    for item in text.split():
        at, _, amount = item.partition("=")
        out.append((datetime.fromisoformat(at), Decimal(amount)))
    return out


def pending_text(payouts: Iterable[tuple[datetime, str]]) -> str:
    """A ``pending`` value: each ``(instant, amount)`` as ``INSTANT=AMOUNT``, spaced.

    Examples:
        >>> from datetime import UTC
        >>> pending_text([(datetime(2024, 1, 8, tzinfo=UTC), "25.55")])
        '2024-01-08T00:00:00+00:00=25.55'
    """
    return " ".join(f"{at.isoformat()}={amount}" for at, amount in payouts)


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


def _check(table: Any, where: str, version: int) -> Any:
    """The table with its columns as strings, its amounts checked.

    A version 1 table may lack the columns version 2 added: they are filled in empty.
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    for name, value in _ADDED.items():
        if version == 1 and name not in table.column_names:
            table = table.append_column(name, pa.array([value] * table.num_rows, pa.string()))
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
    bad = pc.invert(pc.match_substring_regex(out.column("pending"), _PENDING))
    if pc.any(bad).as_py():
        row = pc.index(bad, True).as_py()
        text = out.column("pending")[row].as_py()
        msg = (
            f"{where}: row {row}: pending {text!r} is not a list of payouts "
            "INSTANT=AMOUNT separated by spaces"
        )
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


def _version_of(text: str, where: str) -> int:
    if text not in {str(v) for v in _VERSIONS}:
        msg = (
            f"{where}: a state file of version {text!r}, which this softstaking does not "
            f"read (it reads {', '.join(map(str, _VERSIONS))})"
        )
        raise InvalidInputError(msg)
    return int(text)


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
        version = _version_of(meta[_VERSION_KEY].decode(errors="replace"), where)
        day = _day_of(meta.get(_DAY_KEY, b"").decode(), where)
        return State(day, _check(table.replace_schema_metadata(None), where, version))
    with Path(path).open(encoding="utf-8") as stream:
        lines = [line for line in stream.read().splitlines() if line.strip()]
    try:
        head = json.loads(lines[0]) if lines else None
        rows = [json.loads(line) for line in lines[1:]]
    except json.JSONDecodeError as err:
        msg = f"{where}: not JSON Lines ({err})"
        raise InvalidInputError(msg) from None
    if not isinstance(head, dict) or head.get("softstaking_state") not in _VERSIONS:
        msg = (
            f'{where}:1: the first line must be {{"softstaking_state": {_VERSION}, '
            '"day": ...}} (or a version 1 state\'s 1)'
        )
        raise InvalidInputError(msg)
    version = int(head["softstaking_state"])
    columns = STATE_COLUMNS if version == _VERSION else STATE_COLUMNS[:6]
    for line, row in enumerate(rows, start=2):
        if not isinstance(row, dict) or not all(isinstance(row.get(c), str) for c in columns):
            msg = f"{where}:{line}: a row needs the string values {', '.join(columns)}"
            raise InvalidInputError(msg)
    table = pa.table({name: pa.array([row[name] for row in rows], pa.string()) for name in columns})
    return State(_day_of(str(head.get("day") or ""), where), _check(table, where, version))


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
