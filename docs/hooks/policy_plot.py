"""MkDocs hook: the chart of rewards under each policy, drawn when the site is built.

It runs the ```python block of ``docs/plots.md`` (the same code readers see, and the
test suite runs), takes its ``rewards`` (policy name to daily records) and writes
``plots/policies.svg`` into the site: a small hand-written SVG, no plotting library. It
also fills the page's ``<!-- policy totals -->`` marker with a table of totals. The image
is never committed; only this code is.
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from itertools import accumulate
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from mkdocs.structure.files import File, Files

from softstaking import CONTEXT, DailyReward

PAGE = "plots.md"
IMAGE = "plots/policies.svg"
MARKER = "<!-- policy totals -->"
COLOURS = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e")
DASHES = ("", "", "", "", ' stroke-dasharray="7 5"')
"""Later series are dashed where they may lie on an earlier one, so both stay visible."""
WIDTH, PANEL, LEFT, TOP, GAP = 760, 220, 100, 40, 70


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


def _number(value: Decimal) -> str:
    return f"{value.quantize(Decimal('0.1'), context=CONTEXT):f}"


def _panel(title: str, days: list[date], series: dict[str, list[Decimal]], top: int) -> list[str]:
    """One line chart: a frame, a scale, and one polyline per series."""
    width = WIDTH - LEFT - 20
    peak = max((v for values in series.values() for v in values), default=Decimal(0))
    peak = peak or Decimal(1)
    step = Decimal(width) / max(len(days) - 1, 1)
    out = [
        f'<text x="{LEFT}" y="{top - 12}" font-weight="bold">{escape(title)}</text>',
        f'<rect x="{LEFT}" y="{top}" width="{width}" height="{PANEL}" fill="none" stroke="#999"/>',
        f'<text x="{LEFT - 6}" y="{top + 4}" text-anchor="end">{peak.normalize():f}</text>',
        f'<text x="{LEFT - 6}" y="{top + PANEL}" text-anchor="end">0</text>',
    ]
    for i, day in enumerate(days):
        if i % 2 == 0:
            x = _number(LEFT + step * i)
            out.append(
                f'<text x="{x}" y="{top + PANEL + 16}" text-anchor="middle">{day:%d %b}</text>'
            )
    for colour, dash, values in zip(COLOURS, DASHES, series.values(), strict=False):
        points = " ".join(
            f"{_number(LEFT + step * i)},{_number(top + PANEL - PANEL * v / peak)}"
            for i, v in enumerate(values)
        )
        out.append(
            f'<polyline points="{points}" fill="none" stroke="{colour}" stroke-width="2"{dash}/>'
        )
    return out


def svg(rewards: dict[str, list[DailyReward]]) -> str:
    """The chart: daily rewards above, cumulative rewards below, and a legend."""
    days = [r.day for r in next(iter(rewards.values()))]
    daily = {name: [r.paid for r in records] for name, records in rewards.items()}
    total = {name: list(accumulate(values)) for name, values in daily.items()}
    second = TOP + PANEL + GAP
    legend_top = second + PANEL + 50
    height = legend_top + 20 * len(rewards)
    body = [
        f'<rect width="{WIDTH}" height="{height}" fill="white"/>',
        *_panel("Paid each day (USDT)", days, daily, TOP),
        *_panel("Paid so far (USDT)", days, total, second),
    ]
    for i, (colour, dash, name) in enumerate(zip(COLOURS, DASHES, rewards, strict=False)):
        y = legend_top + 20 * i
        body.append(
            f'<line x1="{LEFT}" y1="{y - 4}" x2="{LEFT + 30}" y2="{y - 4}" stroke="{colour}" '
            f'stroke-width="3"{dash}/>'
        )
        body.append(f'<text x="{LEFT + 40}" y="{y}">{escape(name)}</text>')
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height}" '
        f'viewBox="0 0 {WIDTH} {height}" font-family="sans-serif" font-size="12">\n'
        + "\n".join(body)
        + "\n</svg>\n"
    )


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
