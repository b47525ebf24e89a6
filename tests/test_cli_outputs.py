"""An output is never an input: the command refuses before reading or writing (issue 12)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from softstaking.cli import EXIT_BAD_INPUT
from tests.test_cli import EVENTS, PAYOUTS, RATES, _run


@pytest.fixture
def inputs(tmp_path: Path) -> dict[str, Path]:
    """Copies of the sample inputs, so that a failure cannot clobber the shipped ones."""
    return {
        name: Path(shutil.copy(source, tmp_path / Path(source).name))
        for name, source in (("events", EVENTS), ("rates", RATES), ("payouts", PAYOUTS))
    }


def _refused_keeping(path: Path, *args: str) -> str:
    before = path.read_bytes()
    done = _run(*args)
    assert done.returncode == EXIT_BAD_INPUT, done
    assert "Traceback" not in done.stderr
    assert path.read_bytes() == before
    return done.stderr


class TestOutputIsNotAnInput:
    @pytest.mark.parametrize("which", ["events", "rates"])
    def test_compute_refuses_an_output_that_is_an_input(
        self, inputs: dict[str, Path], which: str
    ) -> None:
        """`compute -o EVENTS` (or RATES) exits 2 naming -o and the input, which is unchanged."""
        events, rates = str(inputs["events"]), str(inputs["rates"])
        message = _refused_keeping(
            inputs[which], "compute", events, rates, "-o", str(inputs[which])
        )
        assert "-o" in message
        assert f"the {which} input" in message

    @pytest.mark.parametrize("which", ["events", "rates", "payouts"])
    def test_reconcile_refuses_an_output_that_is_an_input(
        self, inputs: dict[str, Path], which: str
    ) -> None:
        """`reconcile -o PAYOUTS` (or another input) exits 2 and leaves it as it was."""
        files = [str(inputs[n]) for n in ("events", "rates", "payouts")]
        message = _refused_keeping(inputs[which], "reconcile", *files, "-o", str(inputs[which]))
        assert f"the {which} input" in message

    def test_a_link_to_an_input_counts_as_the_input(
        self, inputs: dict[str, Path], tmp_path: Path
    ) -> None:
        """-o through a symbolic link to the events file is refused too."""
        link = tmp_path / "link.csv"
        os.symlink(inputs["events"], link)
        events, rates = str(inputs["events"]), str(inputs["rates"])
        message = _refused_keeping(inputs["events"], "compute", events, rates, "-o", str(link))
        assert "the events input" in message
