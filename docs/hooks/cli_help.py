"""MkDocs hook: the command reference, generated from the command's own ``--help``.

``docs/cli.md`` holds the marker ``<!-- softstaking --help -->``; at build time it is
replaced by the ``--help`` text of the command and of each subcommand, so the page
cannot drift from the code.
"""

from __future__ import annotations

import contextlib
import io
import os
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
WIDTH = "88"


def _help(*args: str) -> str:
    """What ``softstaking ARGS --help`` prints, at a fixed width."""
    out = io.StringIO()
    saved = os.environ.get("COLUMNS")
    os.environ["COLUMNS"] = WIDTH
    try:
        with contextlib.redirect_stdout(out):
            cli.main([*args, "--help"])
    finally:
        if saved is None:
            del os.environ["COLUMNS"]
        else:
            os.environ["COLUMNS"] = saved
    return out.getvalue().rstrip()


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
