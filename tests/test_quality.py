"""Static checks run as tests, so that CI enforces them: mypy --strict and ruff."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", *args],
        check=False,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )


class TestQuality:
    def test_mypy_strict_is_clean(self) -> None:
        """Running mypy --strict finds no error in src, tests or benchmarks."""
        done = _run("mypy", "--strict")
        assert done.returncode == 0, done.stdout + done.stderr

    def test_ruff_check_is_clean(self) -> None:
        """Running ruff check finds no lint error."""
        done = _run("ruff", "check", ".")
        assert done.returncode == 0, done.stdout + done.stderr

    def test_ruff_format_is_clean(self) -> None:
        """Every file is formatted as ruff formats it."""
        done = _run("ruff", "format", "--check", ".")
        assert done.returncode == 0, done.stdout + done.stderr
