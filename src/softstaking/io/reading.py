"""The loop every reader shares: rows in, checked values out, problems raised at the end."""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterator
from typing import TypeVar

from softstaking.io import csv, jsonl
from softstaking.io.errors import Problems
from softstaking.io.fields import FieldError
from softstaking.io.sources import Format, Row, Source, format_of, name_of

__all__ = ["Cells", "read"]

T = TypeVar("T")
V = TypeVar("V")


class Cells:
    """One row's fields, parsed one at a time; each failure becomes a problem."""

    __slots__ = ("failed", "problems", "row")

    def __init__(self, row: Row, problems: Problems) -> None:
        self.row = row
        self.problems = problems
        self.failed = False

    def get(self, column: str, parse: Callable[[object], V]) -> V | None:
        """The parsed value of ``column``, or ``None`` after noting why it cannot be read."""
        try:
            return parse(self.row.values.get(column))
        except FieldError as err:
            self.problems.add(self.row.line, column, str(err))
            self.failed = True
            return None

    def present(self, column: str) -> bool:
        """Whether an optional column has a value in this row (not absent, empty or null)."""
        value = self.row.values.get(column)
        return value is not None and not (isinstance(value, str) and not value.strip())


def read(
    source: Source,
    *,
    format: Format | None,
    max_errors: int,
    required: Collection[str],
    optional: Collection[str] = (),
    convert: Callable[[Cells], T | None],
) -> Iterator[T]:
    """Yield ``convert(cells)`` for each good row; raise the problems after the last row.

    ``convert`` returns ``None`` for a row it noted a problem in; such a row is never
    yielded, and the error at the end lists it.
    """
    problems = Problems(name_of(source), max_errors)
    kind = format_of(source, format)
    module = csv if kind == "csv" else jsonl
    for row in module.read_rows(source, problems, required=required, optional=optional):
        cells = Cells(row, problems)
        value = convert(cells)
        if value is not None and not cells.failed:
            yield value
    problems.raise_if_any()
