"""The documentation: the site builds strictly, and every code example in it runs.

``pycon`` examples in README.md and docs/ run as doctests (pytest collects ``*.md`` with
``--doctest-glob``). ``python`` blocks run here, each in a fresh namespace. Any other
fenced block must be one of the languages that do not run, such as ``console``.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PAGES = sorted([ROOT / "README.md", *(ROOT / "docs").rglob("*.md")])
FENCE = re.compile(r"^```(\w*)[^\n]*\n(.*?)^```", re.S | re.M)
NOT_RUN = {"console", "text", "toml", "csv", "json", "yaml", "mermaid", "ini"}


def _blocks(language: str) -> list[tuple[str, str]]:
    return [
        (str(page.relative_to(ROOT)), found.group(2))
        for page in PAGES
        for found in FENCE.finditer(page.read_text(encoding="utf-8"))
        if found.group(1) == language
    ]


class TestSite:
    def test_mkdocs_build_strict_succeeds(self, tmp_path: Path) -> None:
        """`mkdocs build --strict` builds the site with no warning."""
        done = subprocess.run(
            [sys.executable, "-m", "mkdocs", "build", "--strict", "-d", str(tmp_path / "site")],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=False,
            timeout=300,
            env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},
        )
        assert done.returncode == 0, done.stdout + done.stderr


class TestExamples:
    def test_every_fenced_block_either_runs_or_is_not_code(self) -> None:
        """Each fenced block is pycon (doctested), python (run below) or a non-code language."""
        for page in PAGES:
            for found in FENCE.finditer(page.read_text(encoding="utf-8")):
                language = found.group(1)
                assert language in NOT_RUN | {"pycon", "python"}, (
                    f"{page.relative_to(ROOT)}: a ```{language or '(no language)'} block; "
                    "write examples as pycon or python so that they run"
                )

    def test_every_python_block_runs(self) -> None:
        """Each ```python example in README and docs runs, in a fresh namespace, without error."""
        for page, source in _blocks("python"):
            exec(compile(source, page, "exec"), {"__name__": "__docs__"})
