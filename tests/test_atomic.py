"""Every write is atomic: a file appears whole, or the previous one stays (issue 12)."""

from __future__ import annotations

import errno
import os
import signal
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

import pytest

from softstaking.io import write_records
from softstaking.io.atomic import atomic_text
from softstaking.samples import seed_rewards

OLD = "the previous output\n"


def _leftovers(folder: Path, name: str) -> list[str]:
    return [p.name for p in folder.iterdir() if p.name != name]


class TestAtomicText:
    def test_a_failing_block_leaves_the_previous_file_and_no_temporary(
        self, tmp_path: Path
    ) -> None:
        """An exception inside the block keeps the old file and removes the temporary one."""
        target = tmp_path / "out.csv"
        target.write_text(OLD)

        def fail_midway() -> None:
            with atomic_text(target) as stream:
                stream.write("half a row")
                raise RuntimeError

        with pytest.raises(RuntimeError):
            fail_midway()
        assert target.read_text() == OLD
        assert _leftovers(tmp_path, "out.csv") == []

    def test_a_full_disk_names_the_path_and_keeps_the_previous_file(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """ENOSPC while syncing is an OSError naming the target; the old file stays."""
        target = tmp_path / "out.csv"
        target.write_text(OLD)

        def full(fd: int) -> None:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

        monkeypatch.setattr(os, "fsync", full)
        with pytest.raises(OSError, match="No space") as caught:
            write_records(seed_rewards(), target)
        assert caught.value.filename == str(target)
        assert target.read_text() == OLD
        assert _leftovers(tmp_path, "out.csv") == []

    def test_a_folder_that_cannot_be_written_names_the_path(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """A read-only folder (simulated: tests may run as root) is an OSError naming it."""

        def refused(**_: object) -> tuple[int, str]:
            raise PermissionError(errno.EACCES, os.strerror(errno.EACCES))

        monkeypatch.setattr(tempfile, "mkstemp", refused)
        target = tmp_path / "out.csv"
        with pytest.raises(PermissionError) as caught, atomic_text(target):
            pass
        assert caught.value.filename == str(target)
        assert not target.exists()

    @pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGINT])
    def test_a_run_killed_mid_write_leaves_the_previous_output(
        self, tmp_path: Path, sig: signal.Signals
    ) -> None:
        """A writer killed (or interrupted) after some rows leaves the old file, whole."""
        target = tmp_path / "rewards.csv"
        target.write_text(OLD)
        script = textwrap.dedent(
            f"""
            import sys, time
            from softstaking.io import write_records
            from softstaking.samples import seed_rewards

            def slow():
                records = seed_rewards()
                yield from records[:3]
                print("written", flush=True)
                time.sleep(60)
                yield from records[3:]

            write_records(slow(), {str(target)!r})
            """
        )
        with subprocess.Popen(
            [sys.executable, "-c", script],
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        ) as child:
            assert child.stdout is not None
            assert child.stdout.readline() == "written\n"
            child.send_signal(sig)
            child.wait(timeout=60)
        assert child.returncode != 0
        assert target.read_text() == OLD
        if sig == signal.SIGINT:  # Python unwinds: the temporary file is removed too
            assert _leftovers(tmp_path, "rewards.csv") == []
