"""Problems found while reading a file, and the one error that lists them.

A reader never skips a bad row. It notes each problem with the file, the line, the column
and the reason, keeps reading so that one run shows every mistake (up to a limit), and
raises one ``BadRowsError`` at the end.
"""

from __future__ import annotations

from typing import Final

import attrs

from softstaking.core.errors import InvalidInputError, InvalidTypeError

__all__ = ["DEFAULT_MAX_ERRORS", "BadRowsError", "Problem", "Problems"]

DEFAULT_MAX_ERRORS: Final = 20
"""How many problems an error lists before it only counts the rest."""


@attrs.frozen
class Problem:
    """One thing wrong with one field of one row.

    Attributes:
        path: The file, as given to the reader.
        line: The 1-based line the row starts on.
        column: The column's name (CSV header or JSON key); ``""`` for the whole row.
        reason: What is wrong, in words.
        where: For a file without lines (Parquet), where the row is, such as
            ``"row group 0, row 5"``; it replaces the line in the message.
    """

    path: str
    line: int
    column: str
    reason: str
    where: str = attrs.field(default="", kw_only=True)

    def __str__(self) -> str:
        where = f"{self.path}: {self.where}" if self.where else f"{self.path}:{self.line}"
        if self.column:
            where += f": column {self.column!r}"
        return f"{where}: {self.reason}"


class BadRowsError(InvalidInputError):
    """A file has bad rows; the message lists them, one per line.

    Attributes:
        problems: The problems listed, at most ``max_errors`` of them.
        more: How many further problems were found but not listed.
    """

    def __init__(self, problems: tuple[Problem, ...], *, more: int = 0) -> None:
        total = len(problems) + more
        head = f"{total} problem{'s' if total != 1 else ''} in {problems[0].path}:"
        lines = [head, *(f"  {p}" for p in problems)]
        if more:
            lines.append(f"  ... and {more} more")
        super().__init__("\n".join(lines))
        self.problems = problems
        self.more = more


@attrs.define
class Problems:
    """Collects the problems of one file, keeping the first ``max_errors``.

    Attributes:
        path: The file being read.
        max_errors: How many problems to keep; at least one.
    """

    path: str
    max_errors: int = DEFAULT_MAX_ERRORS
    kept: list[Problem] = attrs.field(factory=list)
    more: int = 0

    def __attrs_post_init__(self) -> None:
        if isinstance(self.max_errors, bool) or not isinstance(self.max_errors, int):
            msg = f"max_errors must be an int, not {type(self.max_errors).__name__}"
            raise InvalidTypeError(msg)
        if self.max_errors < 1:
            msg = f"max_errors must be at least 1: got {self.max_errors}"
            raise InvalidInputError(msg)

    def add(self, line: int, column: str, reason: str, *, where: str = "") -> None:
        """Note one problem (``where`` as in ``Problem``)."""
        if len(self.kept) < self.max_errors:
            self.kept.append(Problem(self.path, line, column, reason, where=where))
        else:
            self.more += 1

    def __bool__(self) -> bool:
        return bool(self.kept)

    def raise_if_any(self) -> None:
        """Raise ``BadRowsError`` listing the problems, if there were any."""
        if self.kept:
            raise BadRowsError(tuple(self.kept), more=self.more)
