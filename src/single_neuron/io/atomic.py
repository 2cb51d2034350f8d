"""Write files and folders so that readers see the old version or the new one, never half of one.

A file's content goes to an anonymous file in the destination's folder (Linux's
O_TMPFILE: it has no name until it is complete, so a writer killed mid-way
leaves nothing behind), is flushed to disk, linked under a temporary name and
renamed over the destination, atomically, on the same file system. Where
O_TMPFILE is not available the temporary file is named from the start. Named
temporaries carry the writer's process id, and a later write to the same
destination removes those whose writer is gone.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
import tempfile
from pathlib import Path
from typing import BinaryIO, Iterator

from ..errors import OutputError

TEMP_SUFFIX = ".tmp"


def check_writable(path, what: str = "output") -> None:
    """Refuse a destination that cannot take a file, before any work is done for it."""
    path = Path(path)
    if path.is_dir():
        raise OutputError(f"{path}: is a folder, expected a file name for the {what}")
    if not path.parent.is_dir():
        raise OutputError(f"{path}: the folder {path.parent} does not exist")


def temporary_name(path: Path) -> Path:
    """A hidden name beside `path` that records this process: .NAME.PID.RANDOM.tmp"""
    return path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}{TEMP_SUFFIX}")


def sweep_stale(path: Path) -> None:
    """Remove temporaries left beside `path` by writers that no longer run."""
    for stale in path.parent.glob(f".{path.name}.*{TEMP_SUFFIX}"):
        parts = stale.name[len(path.name) + 2:].split(".")
        if len(parts) == 3 and parts[0].isdigit() and not _alive(int(parts[0])):
            if stale.is_dir():
                shutil.rmtree(stale, ignore_errors=True)
            else:
                with contextlib.suppress(OSError):
                    stale.unlink()


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _anonymous_file(folder: Path) -> int | None:
    flag = getattr(os, "O_TMPFILE", None)
    if flag is None or not os.path.isdir("/proc/self/fd"):
        return None
    try:
        return os.open(folder, flag | os.O_WRONLY, 0o666)
    except OSError:                 # a file system without O_TMPFILE support
        return None


def _link_anonymous(fd: int, name: Path) -> None:
    # linkat(AT_SYMLINK_FOLLOW) through /proc gives the anonymous file a name; os.link uses
    # linkat only when a dir_fd is given, plain link(2) would link the /proc entry itself.
    proc = os.open("/proc/self/fd", os.O_RDONLY)
    try:
        os.link(str(fd), name, src_dir_fd=proc, follow_symlinks=True)
    finally:
        os.close(proc)


@contextlib.contextmanager
def atomic_write(path) -> Iterator[BinaryIO]:
    """Yield a binary file object whose content replaces `path` when the block exits cleanly."""
    path = Path(path)
    check_writable(path)
    sweep_stale(path)
    named = None
    try:
        fd = _anonymous_file(path.parent)
        if fd is None:
            named = temporary_name(path)
            fd = os.open(named, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    except OSError as exc:
        raise OutputError(f"{path}: cannot write here ({exc.strerror or exc})") from None
    try:
        with os.fdopen(fd, "wb") as f:
            yield f
            f.flush()
            os.fsync(f.fileno())
            if named is None:
                named = temporary_name(path)
                _link_anonymous(f.fileno(), named)
        os.replace(named, path)
    except BaseException:
        if named is not None:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(named)
        raise
    _sync_folder(path.parent)


@contextlib.contextmanager
def atomic_folder(path) -> Iterator[Path]:
    """Yield a new temporary folder that becomes `path` when the block exits cleanly.

    `path` must not exist, or be an empty folder.
    """
    path = Path(path)
    if path.exists() and (not path.is_dir() or any(path.iterdir())):
        raise OutputError(f"{path}: already exists and is not an empty folder; choose a new name")
    if not path.parent.is_dir():
        raise OutputError(f"{path}: the folder {path.parent} does not exist")
    sweep_stale(path)
    tmp = temporary_name(path)
    try:
        tmp.mkdir()
    except OSError as exc:
        raise OutputError(f"{path}: cannot write here ({exc.strerror or exc})") from None
    try:
        yield tmp
        if path.exists():
            path.rmdir()
        os.replace(tmp, path)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
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
