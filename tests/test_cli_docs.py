"""The command's page in the docs: what Markdown would show differently from what is meant."""

from __future__ import annotations

from pathlib import Path

PAGE = Path(__file__).parent.parent / "docs" / "cli.md"


def test_no_escaped_pipe_in_a_table() -> None:
    r"""A table cell never holds ``\|``: in a code span the page would show the backslash."""
    rows = [line for line in PAGE.read_text(encoding="utf-8").splitlines() if line.startswith("|")]
    assert rows
    assert not [row for row in rows if "\\|" in row]
