"""The documentation: the site builds strictly, and every code example in it runs.

``pycon`` examples in README.md and docs/ run as doctests (pytest collects ``*.md`` with
``--doctest-glob``). ``python`` blocks run here, each in a fresh namespace. Any other
fenced block must be one of the languages that do not run, such as ``console``.
"""

from __future__ import annotations

import importlib.util
import os
import re
import subprocess
import sys
from pathlib import Path

from softstaking.samples import kucoin_2019_path

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


# What a code block on the site shows without scrolling, in characters. Measured on the
# built site (`mkdocs build`, mkdocs-material's default layout, both sidebars shown) with
# headless Chromium at `--window-size=1280,900`: every `pre > code` is 688 px wide, 16 px
# padding each side, and its 13.6 px monospace font sets 8.18 px a character, so
# 656 / 8.18 = 80 characters fit; a block whose longest line has 81 characters has a
# scrollWidth of 695 px > 688 px, so it scrolls.
WIDTH = 80

# Lines that stay longer, each for a reason a test states:
#   README's two set-up commands are one line each (tests/test_readme_and_ci.py), and
#   README is GitHub's front page, not a page of the site;
#   docs/guides/program-file.md shows the packaged sample program file exactly as it is
#   (tests/test_program_file.py), so its lines are the file's.
README_SETUP = ("python3 -m venv .venv && ",)


def _overlong(text: str, width: int = WIDTH, exempt: frozenset[str] = frozenset()) -> list[str]:
    """The lines longer than `width` inside fenced code blocks of a Markdown text."""
    return [
        line
        for found in FENCE.finditer(text)
        if found.group(2) not in exempt
        for line in found.group(2).splitlines()
        if len(line) > width and not line.startswith(README_SETUP)
    ]


class TestWidth:
    def test_no_code_line_is_wider_than_the_page_shows(self) -> None:
        """No line of a fenced code block is longer than 80 characters (see WIDTH)."""
        sample = frozenset({kucoin_2019_path().read_text(encoding="utf-8")})
        found = {
            str(page.relative_to(ROOT)): lines
            for page in PAGES
            if (lines := _overlong(page.read_text(encoding="utf-8"), exempt=sample))
        }
        assert not found, f"code lines over {WIDTH} characters, cut off at 1280 px: {found}"

    def test_a_long_line_is_found(self) -> None:
        """The check above can fail: an 81-character line in a block is reported."""
        line = "x" * (WIDTH + 1)
        assert _overlong(f"text {line}\n\n```python\n{'x' * WIDTH}\n{line}\n```\n") == [line]

    def test_the_command_reference_fits_too(self) -> None:
        """The --help text docs/hooks/cli_help.py puts on the command's page fits as well."""
        spec = importlib.util.spec_from_file_location("cli_help", ROOT / "docs/hooks/cli_help.py")
        assert spec is not None
        assert spec.loader is not None
        hook = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(hook)
        assert hook.WIDTH == WIDTH
        assert _overlong(hook.reference()) == []


# The API reference renders signatures and docstring examples from the source, where an
# attrs class's generated signature and an example's output (a Decimal of 100 digits) run
# longer than 80 characters. docs/stylesheets/reference.css wraps both kinds of block.
# Measured as above (headless Chromium, 1280 px, scrollWidth > clientWidth of every
# `pre > code`): without the rule 37 blocks of the six reference pages scrolled, 2 of them
# signatures (RewardCalculator's was 4149 px wide); with it none does.
WRAPPED = frozenset({".doc-signature code", ".doc-contents pre > code"})


def _wrapping_selectors(css: str) -> set[str]:
    """The selectors of the CSS rules that wrap long lines instead of scrolling."""
    css = re.sub(r"/\*.*?\*/", "", css, flags=re.S)
    return {
        selector.strip()
        for selectors, body in re.findall(r"([^{}]+)\{([^}]*)\}", css)
        if re.search(r"white-space:\s*pre-wrap", body)
        and re.search(r"overflow-wrap:\s*anywhere", body)
        for selector in selectors.split(",")
    }


class TestReferenceWidth:
    def test_the_reference_wraps_its_signatures_and_examples(self) -> None:
        """The site loads a stylesheet that wraps the reference's signatures and examples."""
        config = (ROOT / "mkdocs.yml").read_text(encoding="utf-8")
        listed = re.search(r"^extra_css:\n((?:  - .*\n)+)", config, re.M)
        assert listed, "mkdocs.yml lists no extra_css"
        sheets = [line.removeprefix("  - ").strip() for line in listed.group(1).splitlines()]
        wrapping = set().union(
            *(_wrapping_selectors((ROOT / "docs" / s).read_text(encoding="utf-8")) for s in sheets)
        )
        assert wrapping >= WRAPPED, f"not wrapped at 1280 px: {sorted(WRAPPED - wrapping)}"

    def test_a_rule_that_does_not_wrap_is_not_counted(self) -> None:
        """The check above can fail: a scrolling or commented-out rule wraps nothing."""
        assert _wrapping_selectors(".doc-signature code { overflow: auto; }") == set()
        commented = "/* .doc-contents pre > code { white-space: pre-wrap; } */"
        assert _wrapping_selectors(commented) == set()
        rule = ".a, .b pre { white-space: pre-wrap; overflow-wrap: anywhere; }"
        assert _wrapping_selectors(rule) == {".a", ".b pre"}
