"""CSV: a header row naming the columns, then one row per line, UTF-8.

Rows are read one at a time, so a file of millions of rows never sits in memory whole.
Cells are stripped of surrounding spaces; blank lines are ignored. An empty file (no
header either) has no rows, as an empty JSON Lines file has none. A quoted cell may hold
a comma or a line break; a problem is reported at the line its row starts on.
"""

from __future__ import annotations

import csv
from collections.abc import Collection, Iterable, Iterator, Sequence

from softstaking.io.errors import Problems
from softstaking.io.sources import Row, Source, check_columns, opened, read_lines

__all__ = ["read_rows", "write_rows"]


def read_rows(
    source: Source,
    problems: Problems,
    *,
    required: Collection[str],
    optional: Collection[str] = (),
) -> Iterator[Row]:
    """The rows of a CSV file, each as a mapping from column to stripped cell.

    A header problem (a missing, unknown or repeated column) is raised at once; a row
    with the wrong number of cells is noted in ``problems`` and not yielded.
    """
    with read_lines(source, problems) as lines:
        reader = csv.reader(lines, strict=True, skipinitialspace=True)
        end = 0
        header: list[str] | None = None
        try:
            for cells in reader:
                line, end = end + 1, reader.line_num
                if not cells or (len(cells) == 1 and not cells[0].strip()):
                    continue
                stripped = [c.strip() for c in cells]
                if header is None:
                    header = stripped
                    if not check_columns(
                        header, required=required, optional=optional, problems=problems, line=line
                    ):
                        problems.raise_if_any()
                    continue
                if len(stripped) != len(header):
                    problems.add(
                        line, "", f"has {len(stripped)} cells; the header has {len(header)}"
                    )
                    continue
                yield Row(line, dict(zip(header, stripped, strict=True)))
        except csv.Error as err:
            problems.add(end + 1, "", f"unreadable CSV: {err}")


def write_rows(target: Source, header: Sequence[str], rows: Iterable[Sequence[str]]) -> int:
    """Write a header and rows as CSV; returns how many rows were written."""
    count = 0
    with opened(target, "w") as stream:
        writer = csv.writer(stream, lineterminator="\n")
        writer.writerow(header)
        for row in rows:
            writer.writerow(row)
            count += 1
    return count
