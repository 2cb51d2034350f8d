"""Opening an untrusted input file: regular files only, opened so that nothing can block.

A path given as a data set, a model or an image may name a FIFO (opening it for
reading waits for a writer, forever), a device (/dev/zero never ends), a folder or a
socket. `open_regular` looks at the path with stat(2) first, which never blocks,
refuses anything that is not a regular file, then opens it with O_NONBLOCK (so that a
FIFO swapped in meanwhile cannot block either) and checks with fstat(2) that what it
opened is the file it looked at. Only then is a byte read.
"""

from __future__ import annotations

import contextlib
import errno
import os
import stat
from typing import BinaryIO, Iterator

from .resources import size_text
from .text import shown

_KINDS = ((stat.S_ISDIR, "a folder"), (stat.S_ISFIFO, "a FIFO (named pipe)"), (stat.S_ISCHR, "a character device"),
          (stat.S_ISBLK, "a block device"), (stat.S_ISSOCK, "a socket"))


def _kind(mode: int) -> str:
    for test, name in _KINDS:
        if test(mode):
            return name
    return "not a regular file"


def refuse_missing(path, error, where: str, kind: str = "file"):
    """Raise `error` for a path that leads to nothing: missing, or a link that dangles or loops."""
    if os.path.islink(path):
        try:
            os.stat(path)
            reason = "it changed meanwhile"
        except OSError as exc:
            reason = exc.strerror or str(exc)
        raise error(f"{where}: a link that leads nowhere ({reason})")
    raise error(f"{where}: no such {kind}")


def _stat(path, error, where: str) -> os.stat_result:
    try:
        return os.stat(path)
    except (FileNotFoundError, NotADirectoryError):
        refuse_missing(path, error, where)
    except PermissionError:
        raise error(f"{where}: permission denied") from None
    except (OSError, ValueError) as exc:         # a symlink loop, a name too long, a NUL byte in it
        if isinstance(exc, OSError) and exc.errno == errno.ELOOP:
            refuse_missing(path, error, where)
        reason = getattr(exc, "strerror", None) or str(exc)
        raise error(f"{where}: cannot open ({reason})") from None


def check_regular(path, error, what: str, max_bytes: int | None = None, limit_hint: str = "") -> os.stat_result:
    """stat(2) `path` and refuse anything but a regular file of at most `max_bytes` bytes.

    error: the exception class to raise (DataError, ImageError, ModelFileError);
    what: what the file should be, for the message ("an image file").
    """
    where = shown(path)
    st = _stat(path, error, where)
    if not stat.S_ISREG(st.st_mode):
        kind = _kind(st.st_mode)
        raise error(f"{where}: is {kind}, expected {what}")
    if max_bytes is not None and st.st_size > max_bytes:
        raise error(f"{where}: refused, {size_text(st.st_size)} is more than {what} may hold "
                    f"({size_text(max_bytes)}{'; ' + limit_hint if limit_hint else ''})")
    return st


@contextlib.contextmanager
def open_regular(path, error, what: str, max_bytes: int | None = None,
                 limit_hint: str = "") -> Iterator[BinaryIO]:
    """Yield the regular file at `path` open for binary reading, checked as `check_regular` does.

    The file is opened with O_NONBLOCK and checked again with fstat(2): the object read
    is the one that was checked, and a FIFO put in its place meanwhile is refused
    without blocking.
    """
    where = shown(path)
    before = check_regular(path, error, what, max_bytes, limit_hint)
    flags = os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_NOCTTY", 0)
    try:
        fd = os.open(path, flags)
    except OSError as exc:
        raise error(f"{where}: cannot open ({exc.strerror or exc})") from None
    try:
        now = os.fstat(fd)
        if not stat.S_ISREG(now.st_mode) or (now.st_dev, now.st_ino) != (before.st_dev, before.st_ino):
            raise error(f"{where}: the file changed while it was being opened; try again")
        if max_bytes is not None and now.st_size > max_bytes:
            raise error(f"{where}: refused, {size_text(now.st_size)} is more than {what} may hold "
                        f"({size_text(max_bytes)})")
        f = os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise
    with f:
        try:
            yield f
        except BrokenPipeError:
            raise
        except OSError as exc:
            if exc.filename is not None:         # another file's error names that file already
                raise
            # A read of this file failed (EIO on a failing disk, or a /proc file that is "regular").
            raise error(f"{where}: cannot read ({exc.strerror or exc})") from None


def require_inside(path, folder, error) -> None:
    """Refuse `path` (found inside the data folder `folder`) if it leads, through links, out of
    `folder`: a data set from elsewhere may hold links, and one that leads out of it would read
    (and put into a model, a message or an output) a file of this machine that it does not hold."""
    real, top = os.path.realpath(path), os.path.realpath(folder)
    if not (real == top or real.startswith(top.rstrip(os.sep) + os.sep)):
        raise error(f"{shown(path)}: refused, a link that leads out of the data folder {shown(folder)}")


def read_regular(path, error, what: str, max_bytes: int, limit_hint: str = "") -> bytes:
    """The whole content of the regular file at `path`, at most `max_bytes` bytes (see `open_regular`)."""
    with open_regular(path, error, what, max_bytes, limit_hint) as f:
        try:
            data = f.read(max_bytes + 1)
        except OSError as exc:
            raise error(f"{shown(path)}: cannot read ({exc.strerror or exc})") from None
    if len(data) > max_bytes:                   # it grew after it was checked
        raise error(f"{shown(path)}: refused, more than {what} may hold ({size_text(max_bytes)})")
    return data
