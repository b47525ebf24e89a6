"""Where rows come from: a path or an open text stream, in CSV or JSON Lines.

Readers take a ``Source`` and a format. The format is ``"csv"`` or ``"jsonl"``; left
out, it follows the file's suffix (``.csv``; ``.jsonl`` or ``.ndjson``).
"""

from __future__ import annotations

import io
import os
from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Final, Literal, TextIO, TypeAlias

import attrs

from softstaking.core.errors import InvalidInputError
from softstaking.io.atomic import atomic_text
from softstaking.io.errors import Problems

__all__ = [
    "Format",
    "Row",
    "Source",
    "check_columns",
    "format_of",
    "lines_of",
    "name_of",
    "opened",
    "read_lines",
]

Source: TypeAlias = str | os.PathLike[str] | TextIO
"""A file to read or write: a path, or an open text stream such as ``sys.stdin``."""

Format: TypeAlias = Literal["csv", "jsonl"]
"""The two file formats: comma-separated values with a header, or one JSON object a line."""

_SUFFIXES: Mapping[str, Format] = {".csv": "csv", ".jsonl": "jsonl", ".ndjson": "jsonl"}


@attrs.frozen
class Row:
    """One row as read, before its fields are checked.

    Attributes:
        line: The 1-based line it starts on.
        values: Column name to raw value: a string from CSV; any JSON value from JSONL.
    """

    line: int
    values: Mapping[str, object]


def name_of(source: Source) -> str:
    """The name problems are reported under: the path, or the stream's name."""
    if isinstance(source, str | os.PathLike):
        return os.fspath(source)
    return str(getattr(source, "name", "<stream>"))


def format_of(source: Source, format: Format | None) -> Format:
    """The format given, or the one the file's suffix names.

    Raises:
        InvalidInputError: If no format is given and the suffix names none.
    """
    if format is not None:
        if format not in ("csv", "jsonl"):
            msg = f"format must be 'csv' or 'jsonl', not {format!r}"
            raise InvalidInputError(msg)
        return format
    suffix = Path(name_of(source)).suffix.lower()
    found = _SUFFIXES.get(suffix)
    if found is None:
        msg = (
            f"cannot tell the format of {name_of(source)!r} from its suffix; "
            "name it .csv or .jsonl, or pass format='csv' or format='jsonl'"
        )
        raise InvalidInputError(msg)
    return found


@contextmanager
def opened(source: Source, mode: Literal["r", "w"]) -> Iterator[TextIO]:
    """Open a path as UTF-8 text (closing it after), or use a stream as it is.

    CSV needs ``newline=""`` so quoted fields keep their line breaks; JSON Lines does not
    mind, so every file is opened that way. A byte-order mark at the start is ignored.
    A path opened to write is written atomically (``atomic_text``): the file appears whole
    when the block ends, or the previous one stays.
    """
    if isinstance(source, str | os.PathLike) and mode == "w":
        with atomic_text(source) as stream:
            yield stream
    elif isinstance(source, str | os.PathLike):
        with open(source, mode, encoding="utf-8-sig", newline="") as stream:
            yield stream
    else:
        yield source


def lines_of(stream: TextIO) -> Iterator[str]:
    """The stream's lines, without a byte-order mark at the start of the first.

    A path is opened as ``utf-8-sig``, which drops the mark; a stream the caller opened
    may still hold it, and it must not become part of the first column's name.
    """
    first = True
    for line in stream:
        if first:
            line = line.removeprefix("\ufeff")  # noqa: PLW2901
            first = False
        yield line


_UTF16_MARKS: Final = (b"\xff\xfe", b"\xfe\xff")


def _not_utf8(problems: Problems, line: int, err: UnicodeDecodeError, offset: int | None) -> None:
    """Note the undecodable bytes at ``line`` and raise the problems: the rest is unreadable."""
    where = f" at byte offset {offset}" if offset is not None else ""
    if offset == 0 and bytes(err.object[:2]) in _UTF16_MARKS:
        reason = "not UTF-8: the file starts with a UTF-16 byte-order mark"
    else:
        byte = err.object[err.start]
        reason = f"not UTF-8: cannot decode byte 0x{byte:02x}{where} ({err.reason})"
    problems.add(line, "", f"{reason}; save the file as UTF-8")
    problems.raise_if_any()


def _split(text: str) -> Iterator[str]:
    """``text`` cut into lines as a text file opened with ``newline=""`` cuts them."""
    return iter(io.StringIO(text, newline=""))


def _decoded(chunks: Iterable[bytes], problems: Problems) -> Iterator[str]:
    """UTF-8 lines of a binary file, each undecodable byte located by line and offset."""
    offset = 0
    line = 0
    for chunk in chunks:  # cut at b"\n", which UTF-8 never uses inside a character
        try:
            text = chunk.decode("utf-8")
        except UnicodeDecodeError as err:
            before = chunk[: err.start].decode("utf-8")
            ended = sum(1 for piece in _split(before) if piece.endswith(("\r", "\n")))
            _not_utf8(problems, line + ended + 1, err, offset + err.start)
            return
        if not offset:
            text = text.removeprefix("\ufeff")
        offset += len(chunk)
        for piece in _split(text):
            line += 1
            yield piece


def _checked(stream: TextIO, problems: Problems) -> Iterator[str]:
    """A caller's text stream's lines; a decoding error is located by line."""
    lines = lines_of(stream)
    line = 0
    while True:
        try:
            piece = next(lines)
        except StopIteration:
            return
        except UnicodeDecodeError as err:
            _not_utf8(problems, line + 1, err, None)
            return
        line += 1
        yield piece


@contextmanager
def read_lines(source: Source, problems: Problems) -> Iterator[Iterator[str]]:
    """The lines of a source, as a text file opened with ``newline=""`` gives them.

    A path is read as UTF-8 (a byte-order mark at the start is ignored). Bytes that are
    not UTF-8, as in a Latin-1 or UTF-16 file, are noted in ``problems`` with their line
    and byte offset, and the problems are raised: the rest of the file cannot be read.
    """
    if isinstance(source, str | os.PathLike):
        with open(source, "rb") as stream:
            yield _decoded(stream, problems)
    else:
        yield _checked(source, problems)


def check_columns(
    found: Sequence[str],
    *,
    required: Collection[str],
    optional: Collection[str],
    problems: Problems,
    line: int,
) -> bool:
    """Note missing, unknown and repeated columns; return whether there were none."""
    ok = True
    known = set(required) | set(optional)
    expected = ", ".join([*required, *(f"[{c}]" for c in optional)])
    for column in required:
        if column not in found:
            problems.add(line, column, f"missing column; expected {expected}")
            ok = False
    seen: set[str] = set()
    for column in found:
        if column not in known:
            problems.add(line, column, f"unknown column; expected {expected}")
            ok = False
        elif column in seen:
            problems.add(line, column, "column given twice")
            ok = False
        seen.add(column)
    return ok
