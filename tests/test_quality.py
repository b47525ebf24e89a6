"""Static checks run as tests, so that CI enforces them: mypy --strict and ruff."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

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


class TestLayers:
    def test_the_layers_contract_is_kept(self) -> None:
        """import-linter finds no import from a lower layer into a higher one, and no cycle."""
        done = subprocess.run(
            [str(Path(sys.executable).with_name("lint-imports"))],
            check=False,
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=600,
        )
        assert done.returncode == 0, done.stdout + done.stderr
        assert "0 broken" in done.stdout

    @pytest.mark.parametrize("higher", ["programs.program", "io.readers", "cli.app"])
    def test_a_core_module_importing_a_higher_layer_breaks_the_contract(
        self, tmp_path: Path, higher: str
    ) -> None:
        """A copy of the package whose core imports programs, io or cli fails lint-imports."""
        shutil.copytree(ROOT / "src", tmp_path / "src")
        shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
        tokens = tmp_path / "src" / "softstaking" / "core" / "tokens.py"
        tokens.write_text(tokens.read_text() + f"\nimport softstaking.{higher}  # noqa\n")
        done = subprocess.run(
            [str(Path(sys.executable).with_name("lint-imports"))],
            check=False,
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=600,
            env={**os.environ, "PYTHONPATH": str(tmp_path / "src")},
        )
        assert done.returncode != 0
        assert f"softstaking.core.tokens -> softstaking.{higher}" in done.stdout


def test_import_softstaking_defers_what_a_run_may_not_need() -> None:
    """``import softstaking`` defers the modules a run may not need, and loses no name.

    Reconcile, distribution, apy, explain, programs and the engine load on first use; every
    public name still resolves, and ``dir`` lists it.
    """
    code = (
        "import sys, softstaking\n"
        "deferred = ['softstaking.apy', 'softstaking.programs.reconcile',\n"
        "            'softstaking.programs.distribution', 'softstaking.core.explain',\n"
        "            'softstaking.columns.engine', 'softstaking.programs.program',\n"
        "            'pyarrow', 'numpy', 'pandas']\n"
        "loaded = [m for m in deferred if m in sys.modules]\n"
        "assert not loaded, loaded\n"
        "missing = [n for n in softstaking.__all__ if not hasattr(softstaking, n)]\n"
        "assert not missing, missing\n"
        "assert set(softstaking.__all__) <= set(dir(softstaking))\n"
        "assert softstaking.reconcile.__module__ == 'softstaking.programs.reconcile'\n"
        "try:\n"
        "    softstaking.no_such_name\n"
        "except AttributeError as error:\n"
        "    assert 'no_such_name' in str(error)\n"
        "else:\n"
        "    raise AssertionError('no AttributeError')\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
