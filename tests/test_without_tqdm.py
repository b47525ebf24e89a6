"""tqdm is an extra (``progress``): the library and the command work without it."""

from __future__ import annotations

import io
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from softstaking.cli.options import progress, progress_bar
from softstaking.samples import kucoin_2019_path, sample_path

BLOCK_TQDM = textwrap.dedent(
    """
    import sys

    class NoTqdm:
        def find_spec(self, name, path=None, target=None):
            if name == "tqdm" or name.startswith("tqdm."):
                raise ModuleNotFoundError(f"No module named {name!r}", name=name)
            return None

    sys.meta_path.insert(0, NoTqdm())
    for name in [m for m in sys.modules if m == "tqdm" or m.startswith("tqdm.")]:
        del sys.modules[name]
    """
)


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_the_library_and_the_commands_run_without_tqdm(tmp_path: Path) -> None:
    """With tqdm unimportable, import softstaking, run and reconcile-program exit 0."""
    state, out = tmp_path / "state.jsonl", tmp_path / "out.csv"
    ledger = tmp_path / "ledger.csv"
    lines = sample_path("seed_ledger.csv").read_text().splitlines()
    ledger.write_text("\n".join([lines[0], *(x for x in lines if "2019-07-15T" in x)]) + "\n")
    payouts = tmp_path / "payouts.csv"
    payouts.write_text("account,token,date,amount\n")
    code = BLOCK_TQDM + textwrap.dedent(
        f"""
        import softstaking
        from softstaking.cli import main

        program = {str(kucoin_2019_path())!r}
        run = main(["run", program, {str(ledger)!r}, "--state", {str(state)!r},
                    "--day", "2019-07-15", "-o", {str(out)!r}])
        check = main(["reconcile-program", program, {str(ledger)!r}, {str(payouts)!r},
                      "--start", "2019-07-15", "--end", "2019-07-16"])
        assert "tqdm" not in sys.modules
        print("exits", run, check)
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr
    # reconcile-program exits 1: the empty export misses every computed day
    assert done.stdout.strip().splitlines()[-1] == "exits 0 1"
    assert out.exists()
    assert state.exists()


def test_without_tqdm_a_terminal_gets_no_bar(monkeypatch: pytest.MonkeyPatch) -> None:
    """On a terminal without tqdm, ``progress`` gives the items and the bar counts silently."""
    terminal = _Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    monkeypatch.setitem(sys.modules, "tqdm", None)  # import tqdm now raises ImportError
    assert list(progress(iter([1, 2, 3]), "rows")) == [1, 2, 3]
    with progress_bar("accounts", " accounts") as bar:
        bar.update(5)
    assert terminal.getvalue() == ""


def test_with_tqdm_a_terminal_gets_a_bar(monkeypatch: pytest.MonkeyPatch) -> None:
    """On a terminal with tqdm installed, the bar is drawn on stderr."""
    pytest.importorskip("tqdm")
    terminal = _Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    assert list(progress(iter([1, 2, 3]), "rows")) == [1, 2, 3]
    with progress_bar("accounts", " accounts") as bar:
        bar.update(5)
    assert "accounts" in terminal.getvalue()
