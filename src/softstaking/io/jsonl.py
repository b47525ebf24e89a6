"""JSON Lines: one JSON object per line, UTF-8.

Numbers are read exactly, as ``Decimal`` (``parse_float``), never
through a float, so ``{"apr": 0.068}`` means exactly 0.068. The writers write amounts
as strings all the same, which every JSON tool keeps exact. ``NaN`` and ``Infinity`` are
refused, and so is a key given twice in one object (JSON would keep the last, silently)
and a line nested too deeply to read. Blank lines, and a byte-order mark at the start,
are ignored.
"""

from __future__ import annotations

import decimal
import json
from collections.abc import Collection, Iterable, Iterator, Mapping
from decimal import Decimal

from softstaking.core.amounts import CONTEXT
from softstaking.io.errors import Problems
from softstaking.io.sources import Row, Source, check_columns, opened, read_lines

__all__ = ["read_rows", "write_rows"]


def _refuse_constant(name: str) -> object:
    msg = f"{name} is not an exact amount"
    raise ValueError(msg)


def _exact_number(text: str) -> Decimal:
    """A JSON number as the Decimal it spells, whatever the caller's decimal context."""
    try:
        with decimal.localcontext(CONTEXT):
            return Decimal(text)
    except decimal.InvalidOperation:  # an exponent beyond what Decimal can hold at all
        msg = f"the number {text} is out of range"
        raise ValueError(msg) from None


class _RepeatedKeyError(ValueError):
    """An object gives a key twice; ``key`` is the key."""

    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


def _unique_keys(pairs: list[tuple[str, object]]) -> dict[str, object]:
    """The object of ``pairs``, refusing a repeated key instead of keeping the last."""
    value: dict[str, object] = {}
    for key, item in pairs:
        if key in value:
            raise _RepeatedKeyError(key)
        value[key] = item
    return value


def read_rows(
    source: Source,
    problems: Problems,
    *,
    required: Collection[str],
    optional: Collection[str] = (),
) -> Iterator[Row]:
    """The objects of a JSON Lines file, one ``Row`` per non-blank line.

    A line that is not a JSON object, or whose keys are missing or unknown, is noted in
    ``problems`` and not yielded.
    """
    with read_lines(source, problems) as lines:
        for line, text in enumerate(lines, start=1):
            if not text.strip():
                continue
            try:
                value = json.loads(
                    text,
                    parse_float=_exact_number,
                    parse_constant=_refuse_constant,
                    object_pairs_hook=_unique_keys,
                )
            except _RepeatedKeyError as err:
                problems.add(line, err.key, "key given twice")
                continue
            except RecursionError:
                problems.add(line, "", "not valid JSON: nested too deeply to read")
                continue
            except json.JSONDecodeError as err:
                problems.add(line, "", f"not valid JSON: {err.msg} at character {err.colno}")
                continue
            except ValueError as err:
                problems.add(line, "", f"not valid JSON: {err}")
                continue
            if not isinstance(value, dict):
                problems.add(line, "", f"must be a JSON object, not {type(value).__name__}")
                continue
            if check_columns(
                list(value), required=required, optional=optional, problems=problems, line=line
            ):
                yield Row(line, value)


def write_rows(target: Source, rows: Iterable[Mapping[str, str | None]]) -> int:
    """Write one JSON object per line; returns how many were written."""
    count = 0
    with opened(target, "w") as stream:
        for row in rows:
            stream.write(json.dumps(row, ensure_ascii=False) + "\n")
            count += 1
    return count
