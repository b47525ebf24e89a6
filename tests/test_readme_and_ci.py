"""The README's set-up commands: exactly two, and CI runs the test one as written."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _softstaking(*args: str) -> str:
    """Run ``python -m softstaking ARGS`` and return what it printed."""
    done = subprocess.run(
        [sys.executable, "-m", "softstaking", *args],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    return done.stdout


def _console_blocks() -> list[str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    setup = text.split("## Set up", 1)[1].split("\n## ", 1)[0]
    return [b.strip() for b in re.findall(r"```console\n(.*?)```", setup, flags=re.S)]


class TestReadme:
    def test_exactly_two_setup_commands(self) -> None:
        """The Set up section has exactly two one-line commands: the demo and the tests."""
        blocks = _console_blocks()
        assert len(blocks) == 2
        assert all("\n" not in b for b in blocks)
        assert blocks[0].endswith("-m softstaking demo")
        assert blocks[1].endswith("-m pytest")

    def test_ci_runs_the_readme_test_command(self) -> None:
        """.ci/run runs the README's test command, character for character."""
        ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
        assert _console_blocks()[1] in ci.splitlines()


class TestDemo:
    def test_demo_prints_the_seed_scenario(self) -> None:
        """`python -m softstaking demo` prints one line per day of the seed's scenario."""
        lines = _softstaking("demo").splitlines()
        days = [line for line in lines if line.startswith("2019-07-")]
        assert len(days) == 8
        # 15 July: 50,000 IOTX deposited at 14:23, seen by the 23:59:59 snapshot, at
        # 6.80 %: 50,000 × 0.068 / 365 = 9.315068493150684931506849...; paid rounds down.
        assert days[0].split()[:5] == [
            "2019-07-15",
            "50000",
            "0.0680",
            "9.315068493150684932~",  # shown to the base unit, half-even, marked
            "9.315068493150684931",
        ]
        # 19 July: 0.005 IOTX × 6.88 % / 365 = 0.00000094246575…, under the 0.000001 floor:
        # nothing is paid and it all carries.
        assert days[4].split()[4] == "0"

    def test_demo_fits_a_terminal_and_says_what_it_rounded(self) -> None:
        """The demo's lines stay readable (gross and carry to the base unit, marked ~)."""
        lines = _softstaking("demo").splitlines()
        assert max(len(line) for line in lines) <= 130
        assert lines[-1].startswith("~ shown to 18 decimals")

    def test_help_lists_demo(self) -> None:
        """`--help` names the demo command and shows an example."""
        shown = _softstaking("--help")
        assert "demo" in shown
        assert "examples:" in shown
