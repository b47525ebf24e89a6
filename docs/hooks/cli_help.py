"""MkDocs hook: the command reference, generated from the command's own ``--help``.

``docs/cli.md`` holds the marker ``<!-- softstaking --help -->``; at build time it is
replaced by the ``--help`` text of the command and of each subcommand, so the page
cannot drift from the code. The text is laid out at 80 columns, what a code block shows
at a 1280 px window (see tests/test_docs.py): argparse wraps the options at that width,
and the lines it prints as written (descriptions and examples) are broken here, prose
between words and an example command before an option, with a backslash.
"""

from __future__ import annotations

import contextlib
import io
import os
import re
import textwrap
from typing import Any

from softstaking import cli

MARKER = "<!-- softstaking --help -->"
COMMANDS = (
    "demo",
    "compute",
    "explain",
    "reconcile",
    "reconcile-program",
    "distribute",
    "run",
    "apy",
)
WIDTH = 80
OPTION = re.compile(r" (?=--?[a-z])")  # before -o or --day, not before a value -05:00
HANGING = re.compile(r"\s+\S+\s{2,}")


def _command(line: str) -> list[str]:
    """An example command broken before its options, each line ending in a backslash."""
    indent = line[: len(line) - len(line.lstrip())]
    more = line.endswith(" \\")
    words = OPTION.split(line.removesuffix(" \\"))
    lines: list[str] = []
    current = words[0]
    for word in words[1:]:
        if len(current) + 1 + len(word) + 2 > WIDTH:
            lines.append(current + " \\")
            current = indent + "    " + word
        else:
            current += " " + word
    return [*lines, current + (" \\" if more else "")]


def _fit(line: str) -> list[str]:
    """A line of the help as lines of at most WIDTH characters."""
    if len(line) <= WIDTH:
        return [line]
    if line.lstrip().startswith("softstaking "):
        return _command(line)
    hanging = HANGING.match(line)
    indent = " " * len(hanging.group(0)) if hanging else line[: len(line) - len(line.lstrip())]
    return textwrap.wrap(
        line, WIDTH, subsequent_indent=indent, break_long_words=False, break_on_hyphens=False
    )


def _help(*args: str) -> str:
    """What ``softstaking ARGS --help`` prints, at a fixed width."""
    out = io.StringIO()
    saved = os.environ.get("COLUMNS")
    os.environ["COLUMNS"] = str(WIDTH)
    try:
        with contextlib.redirect_stdout(out):
            cli.main([*args, "--help"])
    finally:
        if saved is None:
            del os.environ["COLUMNS"]
        else:
            os.environ["COLUMNS"] = saved
    return "\n".join(part for line in out.getvalue().rstrip().splitlines() for part in _fit(line))


def reference() -> str:
    """The Markdown for the reference: the top-level help, then each subcommand's."""
    parts = ["### softstaking", "", "```text", _help(), "```"]
    for command in COMMANDS:
        parts += ["", f"### softstaking {command}", "", "```text", _help(command), "```"]
    return "\n".join(parts)


def on_page_markdown(markdown: str, page: Any, **_: Any) -> str:  # noqa: ANN401  (MkDocs' types)
    """Replace the marker on the command's page with the generated reference."""
    if MARKER not in markdown:
        return markdown
    return markdown.replace(MARKER, reference())
