"""The state the daily job keeps between runs: each account's closing amounts per token.

A state file holds, for every account, token and sub-account seen so far, one row:

- ``account``, ``token``: the holding;
- ``sub_account``: which of the account's sub-accounts the row is (see the ledger's
  ``sub_account`` column), or empty for the main account. Every holding has a main row;
  a holding with sub-accounts has one more row for each;
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

and, once for the whole file, the last day computed. ``balance``, ``frozen`` and
``waiting`` are the sub-account's; ``carry``, ``credited`` and ``pending`` are the
holding's, on its main row (a sub-account's row has 0, 0 and empty). A state with no
day (``day`` None) is the empty state before the first run.

The amounts are Arrow decimals, exact, one scale per column: in a state the job
writes, the finest token's decimals for ``balance``, ``frozen``, ``waiting`` and
``credited``, and its gross quantum (``GUARD_DIGITS`` more) for ``carry``; a
``decimal128``, or a ``decimal256`` where 38 digits are too few. In Parquet they are
decimal columns, and the day is in the file's metadata (``softstaking.day``). In JSON
Lines the first line is ``{"softstaking_state": 3, "day": "YYYY-MM-DD", "types":
{...}}``, the types naming each amount column's decimal type (such as
``"decimal128(38, 8)"``), and each further line is one row, its amounts as plain
decimal strings.

A compounding day's balance is the ledger's balance plus what has been credited, so a
run needs ``credited`` and, for payouts that fall due after the day (a
``payout_delay``, a weekly or monthly ``payout_schedule``), ``pending``: those are
credited when they fall, exactly as in one long run. Without compounding nothing later
depends on when a day is paid, and both stay empty: each record's ``payout_at`` says
when it is paid.

Earlier versions are read, and their runs continue: version 2 (every column a decimal
string, no ``sub_account``) as if every row were a main row, each amount column at the
finest scale its strings use; version 1 (before ``credited`` and ``pending``) as version
2 with both empty, which is what they were.

Rows are kept sorted by account, token and sub-account, so that a state written twice
is the same bytes.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterable
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any, Final

import attrs

from softstaking.core.errors import InvalidInputError
from softstaking.io.atomic import atomic_bytes, atomic_text
from softstaking.job.decimals import decimal_type, zero_of

__all__ = [
    "STATE_COLUMNS",
    "State",
    "normalized_state",
    "pending_text",
    "read_pending",
    "read_state",
    "state_format",
    "write_state",
]

STATE_COLUMNS: Final = (
    "account",
    "token",
    "sub_account",
    "balance",
    "carry",
    "frozen",
    "waiting",
    "credited",
    "pending",
)
"""The columns of a state, in order."""

_KEYS: Final = ("account", "token", "sub_account")
_AMOUNTS: Final = ("balance", "carry", "frozen", "waiting", "credited")
_HOLDINGS: Final = ("carry", "credited")
"""The amounts that are the holding's, on its main row: 0 on a sub-account's row."""
_ADDED: Final = {"credited": "0", "pending": ""}
"""The columns version 2 added, with the value they have in a version 1 file."""
_DAY_KEY: Final = b"softstaking.day"
_VERSION_KEY: Final = b"softstaking.state"
_VERSION: Final = 3
_VERSIONS: Final = (1, 2, 3)
_AMOUNT: Final = r"^(\d+(\.\d*)?|\.\d+)([Ee][+-]?\d+)?$"
_INSTANT: Final = r"\d{4}-\d\d-\d\dT\d\d:\d\d(:\d\d(\.\d+)?)?([+-]\d\d:\d\d(:\d\d(\.\d+)?)?|Z)"
_PAYOUT: Final = _INSTANT + r"=(\d+(\.\d*)?|\.\d+)"
_PENDING: Final = rf"^({_PAYOUT}( {_PAYOUT})*)?$"
_TYPE: Final = re.compile(r"decimal(128|256)\((\d+), (\d+)\)")


def _empty() -> Any:
    import pyarrow as pa

    kind = decimal_type(0)
    return pa.table(
        {name: pa.array([], kind if name in _AMOUNTS else pa.string()) for name in STATE_COLUMNS}
    )


@attrs.frozen(eq=False)
class State:
    """The amounts every holding closed a day with, and that day.

    Attributes:
        day: The last day computed, or None for the state before the first run.
        table: A ``pyarrow.Table`` with the columns ``STATE_COLUMNS``: the keys and
            ``pending`` strings, the amounts Arrow decimals (see the module), sorted
            by account, token and sub-account. ``run_days`` and ``write_state`` also
            take a table in the layout of version 2 (every column a string, no
            ``sub_account``).
    """

    day: date | None = None
    table: Any = attrs.field(factory=_empty)

    def __len__(self) -> int:
        """How many rows (holdings, and their sub-accounts) the state holds."""
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


def _first(mask: Any) -> int | None:
    """The first row where ``mask`` is true, or None."""
    import pyarrow.compute as pc

    if not pc.any(mask).as_py():
        return None
    return int(pc.index(mask, True).as_py())


def _strings(table: Any, names: Iterable[str], where: str) -> dict[str, Any]:
    """The named columns as strings, none empty (null)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    out = {}
    for name in names:
        if name not in table.column_names:
            msg = f"{where}: no column {name!r}"
            raise InvalidInputError(msg)
        column = table.column(name)
        if column.null_count:
            row = pc.index(pc.is_null(column), True).as_py()
            msg = f"{where}: row {row}: {name} is empty"
            raise InvalidInputError(msg)
        try:
            out[name] = column.cast(pa.string())
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            msg = f"{where}: column {name!r} must hold strings, not {column.type}"
            raise InvalidInputError(msg) from None
    return out


def _check_texts(columns: dict[str, Any], where: str) -> None:
    """Refuse an amount string that is not zero or more (version 2 and JSON Lines)."""
    import pyarrow.compute as pc

    for name in _AMOUNTS:
        row = _first(pc.invert(pc.match_substring_regex(columns[name], _AMOUNT)))
        if row is not None:
            text = columns[name][row].as_py()
            msg = f"{where}: row {row}: {name} {text!r} is not an amount of zero or more"
            raise InvalidInputError(msg)


def _check_pending(pending: Any, where: str) -> None:
    """Refuse a ``pending`` value that is not a list of payouts (the empty ones skipped)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    given = pc.indices_nonzero(pc.not_equal(pending, pa.scalar("")))
    if not len(given):
        return
    values = pending.take(given)
    bad = _first(pc.invert(pc.match_substring_regex(values, _PENDING)))
    if bad is not None:
        row = given[bad].as_py()
        msg = (
            f"{where}: row {row}: pending {values[bad].as_py()!r} is not a list of payouts "
            "INSTANT=AMOUNT separated by spaces"
        )
        raise InvalidInputError(msg)


def _text_decimals(column: Any, where: str, name: str) -> Any:
    """Amount strings (checked) as a decimal column at the finest scale they use, exactly."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    scale = 0
    if len(column):
        powers = pc.match_substring_regex(column, "[Ee]")
        if pc.any(powers).as_py():
            for text in column.filter(powers).to_pylist():
                exponent = Decimal(text).as_tuple().exponent
                assert isinstance(exponent, int)  # a finite amount: checked
                scale = max(scale, -exponent)
        dot = pc.find_substring(column, ".")
        places = pc.if_else(
            pc.greater_equal(dot, 0),
            pc.subtract(pc.subtract(pc.utf8_length(column), dot), 1),
            0,
        )
        places = pc.if_else(powers, 0, places)
        scale = max(scale, int(np.max(places.to_numpy())) if len(places) else 0)
    for kind in (decimal_type(scale), pa.decimal256(76, scale)):
        try:
            return column.cast(kind)
        except pa.ArrowInvalid:
            continue
    msg = f"{where}: {name}: an amount of more than 76 digits"
    raise InvalidInputError(msg)


def _from_texts(columns: dict[str, Any], where: str) -> Any:
    """A version 2 table's string columns (checked) as a state table of this version."""
    import pyarrow as pa

    n = len(columns["account"])
    out = {}
    for name in STATE_COLUMNS:
        if name == "sub_account" and name not in columns:
            out[name] = pa.array([""]).take(pa.array(_zeros(n)))
        elif name in _AMOUNTS:
            out[name] = _text_decimals(columns[name], where, name)
        else:
            out[name] = columns[name]
    return pa.table(out)


def _zeros(n: int) -> Any:
    import numpy as np

    return np.zeros(n, dtype="int64")


def _check_decimals(table: Any, where: str) -> Any:
    """A version 3 table checked: strings, amounts decimals of zero or more."""
    import pyarrow as pa
    import pyarrow.compute as pc

    texts = _strings(table, (*_KEYS, "pending"), where)
    _check_pending(texts["pending"], where)
    out = {}
    main = None
    for name in STATE_COLUMNS:
        if name in texts:
            out[name] = texts[name]
            continue
        if name not in table.column_names:
            msg = f"{where}: no column {name!r}"
            raise InvalidInputError(msg)
        column = table.column(name)
        if not pa.types.is_decimal(column.type):
            msg = f"{where}: column {name!r} must hold decimals, not {column.type}"
            raise InvalidInputError(msg)
        if column.null_count:
            row = pc.index(pc.is_null(column), True).as_py()
            msg = f"{where}: row {row}: {name} is empty"
            raise InvalidInputError(msg)
        row = _first(pc.less(column, zero_of(column.type)))
        if row is not None:
            msg = f"{where}: row {row}: {name} {column[row].as_py():f} is below zero"
            raise InvalidInputError(msg)
        if name in _HOLDINGS:
            if main is None:
                main = pc.equal(texts["sub_account"], pa.scalar(""))
            row = _first(pc.and_(pc.invert(main), pc.not_equal(column, zero_of(column.type))))
            if row is not None:
                msg = (
                    f"{where}: row {row}: {name} {column[row].as_py():f} on the row of "
                    f"sub-account {texts['sub_account'][row].as_py()!r}: it is the "
                    "holding's, on its main row (sub_account empty)"
                )
                raise InvalidInputError(msg)
        out[name] = column
    return pa.table(out)


def normalized_state(table: Any, where: str = "state") -> Any:
    """A state table in this version's layout: a version 2 layout's strings converted.

    Raises:
        InvalidInputError: An amount that is not one, naming ``where`` and the row.
    """
    import pyarrow as pa

    amounts = [table.column(n).type for n in _AMOUNTS if n in table.column_names]
    if "sub_account" in table.column_names and all(pa.types.is_decimal(t) for t in amounts):
        return (
            table.select(list(STATE_COLUMNS))
            if table.column_names != list(STATE_COLUMNS)
            else table
        )
    columns = _strings(table, [n for n in STATE_COLUMNS if n in table.column_names], where)
    for name in STATE_COLUMNS:
        if name not in columns and name != "sub_account":
            msg = f"{where}: no column {name!r}"
            raise InvalidInputError(msg)
    _check_texts(columns, where)
    return _from_texts(columns, where)


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


def _legacy(table: Any, where: str, version: int) -> Any:
    """A version 1 or 2 table (strings) as a table of this version, checked."""
    import pyarrow as pa

    for name, value in _ADDED.items():
        if version == 1 and name not in table.column_names:
            table = table.append_column(name, pa.array([value] * table.num_rows, pa.string()))
    names = [n for n in STATE_COLUMNS if n != "sub_account"]
    columns = _strings(table, names, where)
    _check_texts(columns, where)
    _check_pending(columns["pending"], where)
    return _from_texts(columns, where)


def _read_parquet(path: str | os.PathLike[str], where: str) -> State:
    import pyarrow as pa
    import pyarrow.parquet as pq

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
    table = table.replace_schema_metadata(None)
    if version < _VERSION:
        return State(day, _legacy(table, where, version))
    return State(day, _check_decimals(table, where))


def _types_of(head: dict[str, Any], where: str) -> dict[str, Any]:
    """The amount columns' types named in a version 3 JSON Lines head."""
    import pyarrow as pa

    named = head.get("types")
    out = {}
    for name in _AMOUNTS:
        text = named.get(name) if isinstance(named, dict) else None
        found = _TYPE.fullmatch(text) if isinstance(text, str) else None
        if found is None:
            msg = (
                f'{where}:1: "types" must name each amount column\'s decimal type, '
                f'such as {{"{name}": "decimal128(38, 8)"}}'
            )
            raise InvalidInputError(msg)
        width, precision, scale = (int(g) for g in found.groups())
        kind = pa.decimal128 if width == 128 else pa.decimal256
        try:
            out[name] = kind(precision, scale)
        except (ValueError, pa.ArrowInvalid):
            msg = f"{where}:1: {name}: {text!r} is not a decimal type"
            raise InvalidInputError(msg) from None
    return out


def _read_jsonl(path: str | os.PathLike[str], where: str) -> State:
    import pyarrow as pa

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
            '"day": ..., "types": ...}} (or an earlier version\'s 1 or 2)'
        )
        raise InvalidInputError(msg)
    version = int(head["softstaking_state"])
    columns: tuple[str, ...] = STATE_COLUMNS
    if version == 2:
        columns = tuple(c for c in STATE_COLUMNS if c != "sub_account")
    elif version == 1:
        columns = ("account", "token", "balance", "carry", "frozen", "waiting")
    types = _types_of(head, where) if version == _VERSION else {}
    for line, row in enumerate(rows, start=2):
        if not isinstance(row, dict) or not all(isinstance(row.get(c), str) for c in columns):
            msg = f"{where}:{line}: a row needs the string values {', '.join(columns)}"
            raise InvalidInputError(msg)
    table = pa.table({name: pa.array([row[name] for row in rows], pa.string()) for name in columns})
    day = _day_of(str(head.get("day") or ""), where)
    if version < _VERSION:
        return State(day, _legacy(table, where, version))
    texts = _strings(table, STATE_COLUMNS, where)
    _check_texts(texts, where)
    for name, kind in types.items():
        try:
            texts[name] = texts[name].cast(kind)
        except pa.ArrowInvalid:
            msg = f"{where}: column {name!r}: a value does not fit its type {kind}"
            raise InvalidInputError(msg) from None
    return State(day, _check_decimals(pa.table(texts), where))


def read_state(path: str | os.PathLike[str], *, format: str | None = None) -> State:
    """The state in ``path`` (Parquet or JSON Lines: ``format``, or by suffix).

    Version 1 and 2 files are read into this version's layout (see the module).

    Raises:
        FileNotFoundError: If there is no such file.
        InvalidInputError: If it is not a state file, naming the file and row.
    """
    where = os.fspath(path)
    if (format or state_format(path)) == "parquet":
        return _read_parquet(path, where)
    return _read_jsonl(path, where)


def write_state(state: State, path: str | os.PathLike[str], *, format: str | None = None) -> None:
    """Write ``state`` to ``path`` atomically: the old file stays until the new one is whole.

    ``format`` is ``"parquet"`` or ``"jsonl"``; by default, from the suffix. A table in
    the layout of version 2 is written in this version's (see ``normalized_state``).

    Raises:
        OSError: If the file cannot be written; the previous file is unchanged.
    """
    import pyarrow.parquet as pq

    day = b"" if state.day is None else state.day.isoformat().encode()
    table = normalized_state(state.table)
    if (format or state_format(path)) == "parquet":
        table = table.replace_schema_metadata({_VERSION_KEY: str(_VERSION).encode(), _DAY_KEY: day})
        with atomic_bytes(path) as stream:
            # Dictionaries for the few-valued strings only, and no statistics: nothing
            # filters a state, and both cost more than the rest of the write. LZ4
            # writes in about 60 % of zstd's time, for a file about 30 % larger.
            pq.write_table(
                table,
                stream,
                compression="lz4",
                use_dictionary=["token", "sub_account", "pending"],
                write_statistics=False,
            )
        return
    types = {name: str(table.schema.field(name).type) for name in _AMOUNTS}
    head = {"softstaking_state": _VERSION, "day": day.decode() or None, "types": types}
    with atomic_text(path) as stream:
        stream.write(json.dumps(head) + "\n")
        for row in table.to_pylist():
            for name in _AMOUNTS:
                row[name] = f"{row[name]:f}"
            stream.write(json.dumps(row) + "\n")
