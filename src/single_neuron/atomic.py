"""Write a file so that readers see the old version or the new one, never half of one.

The content goes to a temporary file in the destination's folder (same file
system, so the final rename is atomic), is flushed to disk, and is renamed over
the destination. On any failure, interruption included, the temporary file is
removed and the destination is untouched.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path
from typing import BinaryIO, Iterator

from .errors import OutputError


def check_writable(path, what: str = "output") -> None:
    """Refuse a destination that cannot take a file, before any work is done for it."""
    path = Path(path)
    if path.is_dir():
        raise OutputError(f"{path}: is a folder, expected a file name for the {what}")
    if not path.parent.is_dir():
        raise OutputError(f"{path}: the folder {path.parent} does not exist")


@contextlib.contextmanager
def atomic_write(path, suffix: str = "") -> Iterator[BinaryIO]:
    """Yield a binary file object whose content replaces `path` when the block exits cleanly."""
    path = Path(path)
    check_writable(path)
    try:
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=suffix + ".tmp")
    except OSError as exc:
        raise OutputError(f"{path}: cannot write here ({exc.strerror or exc})") from None
    try:
        with os.fdopen(fd, "wb") as f:
            yield f
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
    _sync_folder(path.parent)


def _sync_folder(folder: Path) -> None:
    # Makes the rename itself durable; not every platform can open a folder.
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
