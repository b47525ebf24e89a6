"""MkDocs hook: the chart of rewards under each policy, drawn when the site is built.

It runs the ```python block of ``docs/plots.md`` (the same code readers see, and the
test suite runs), takes its ``rewards`` (policy name to daily records), draws them with
``softstaking.plot.policies`` and writes the figure as ``plots/policies.svg`` into the
site. It also fills the page's ``<!-- policy totals -->`` marker with a table of totals.
The image is never committed; only this code is.
"""

from __future__ import annotations

import io
import re
from decimal import Decimal
from pathlib import Path
from typing import Any

from mkdocs.structure.files import File, Files

from softstaking import DailyReward
from softstaking.plot import policies

PAGE = "plots.md"
IMAGE = "plots/policies.svg"
MARKER = "<!-- policy totals -->"


def _rewards(docs_dir: str) -> dict[str, list[DailyReward]]:
    """Run the page's python block and return its ``rewards``."""
    text = (Path(docs_dir) / PAGE).read_text(encoding="utf-8")
    found = re.search(r"^```python\n(.*?)^```", text, re.S | re.M)
    if found is None:
        msg = f"{PAGE} has no ```python block to draw"
        raise ValueError(msg)
    namespace: dict[str, Any] = {"__name__": "__plots__"}
    exec(compile(found.group(1), PAGE, "exec"), namespace)
    rewards: dict[str, list[DailyReward]] = namespace["rewards"]
    return rewards


def svg(rewards: dict[str, list[DailyReward]]) -> str:
    """The chart: paid each day above, paid so far below, one line per policy."""
    fig = policies(rewards, token="USDT")
    out = io.StringIO()
    # No date in the file's metadata, so that two builds of the same code write the same.
    fig.savefig(out, format="svg", metadata={"Date": None})
    return out.getvalue()


def totals(rewards: dict[str, list[DailyReward]]) -> str:
    """A Markdown table of each policy's total over the run."""
    rows = ["| Policy | Paid over the two weeks (USDT) |", "|---|---:|"]
    for name, records in rewards.items():
        paid = sum((r.paid for r in records), Decimal(0))
        rows.append(f"| {name} | {paid:f} |")
    return "\n".join(rows)


def on_files(files: Files, config: Any) -> Files:  # noqa: ANN401  (MkDocs' types)
    """Add the chart to the site's files, so the page's image link resolves."""
    files.append(File.generated(config, IMAGE, content=svg(_rewards(config["docs_dir"]))))
    return files


def on_page_markdown(markdown: str, page: Any, config: Any, **_: Any) -> str:  # noqa: ANN401
    """Fill the totals marker on the plots page."""
    if MARKER not in markdown:
        return markdown
    return markdown.replace(MARKER, totals(_rewards(config["docs_dir"])))
