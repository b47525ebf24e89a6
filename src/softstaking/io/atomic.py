"""Atomic writes: a file appears whole, or the one it replaces stays as it was.

Every file the library or the command writes goes through ``atomic_text`` (or
``atomic_bytes``, for Parquet). It writes a
temporary file in the target's folder, flushes and fsyncs it, then renames it over the
target (``os.replace``, atomic on POSIX and Windows) and fsyncs the folder. A run killed,
interrupted or failing at any point leaves the previous file intact and no half-written
file under the target's name; the temporary file is removed when Python can still do so.
"""

from __future__ import annotations

import contextlib
import errno
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO, TextIO, cast

__all__ = ["atomic_bytes", "atomic_text"]


def _fsync_folder(folder: Path) -> None:
    """Make the rename durable: fsync the folder, where the platform allows it."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:  # Windows cannot open a folder; its rename is durable enough
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


@contextlib.contextmanager
def atomic_bytes(path: str | os.PathLike[str]) -> Iterator[BinaryIO]:
    """Open ``path`` for writing bytes that replace it only when the block succeeds.

    The same guarantees as ``atomic_text``, for binary files such as Parquet.

    Raises:
        OSError: If the folder cannot be written or the disk fills; the error names
            ``path``, and the previous file at ``path`` is unchanged.

    Examples:
        >>> import tempfile, pathlib
        >>> folder = pathlib.Path(tempfile.mkdtemp())
        >>> with atomic_bytes(folder / "out.bin") as stream:
        ...     _ = stream.write(b"PAR1")
        >>> (folder / "out.bin").read_bytes()
        b'PAR1'
    """
    with _atomic(path, binary=True) as stream:
        yield cast("BinaryIO", stream)


@contextlib.contextmanager
def atomic_text(path: str | os.PathLike[str]) -> Iterator[TextIO]:
    r"""Open ``path`` for writing UTF-8 text that replaces it only when the block succeeds.

    Raises:
        OSError: If the folder cannot be written or the disk fills; the error names
            ``path``, and the previous file at ``path`` is unchanged.

    Examples:
        >>> import tempfile, pathlib
        >>> folder = pathlib.Path(tempfile.mkdtemp())
        >>> with atomic_text(folder / "out.csv") as stream:
        ...     _ = stream.write("a,b\n")
        >>> (folder / "out.csv").read_text()
        'a,b\n'
    """
    with _atomic(path, binary=False) as stream:
        yield cast("TextIO", stream)


@contextlib.contextmanager
def _atomic(path: str | os.PathLike[str], *, binary: bool) -> Iterator[TextIO | BinaryIO]:
    """The temporary file, its fsync and its rename over ``path``."""
    target = Path(path)
    folder = target.parent
    if target.is_dir():
        raise IsADirectoryError(errno.EISDIR, os.strerror(errno.EISDIR), str(target))
    try:
        fd, temporary = tempfile.mkstemp(dir=folder, prefix=f".{target.name}.", suffix=".tmp")
    except OSError as err:
        raise OSError(err.errno, err.strerror, str(target)) from err
    try:
        opened = (
            open(fd, "wb")  # noqa: SIM115 (closed by the with below)
            if binary
            else open(fd, "w", encoding="utf-8", newline="")  # noqa: SIM115
        )
        with opened as stream:
            yield stream
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temporary, target)
    except BaseException as err:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        if isinstance(err, OSError) and err.filename != str(target):
            # The temporary file's name means nothing to the user: name the target.
            raise OSError(err.errno, err.strerror, str(target)) from err
        raise
    _fsync_folder(folder)
