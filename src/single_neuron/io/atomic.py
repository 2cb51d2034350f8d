"""Write files and folders so that readers see the old version or the new one, never half of one.

Every output of the package goes through here, so the rules for outputs live here:

- `check_writable` refuses, before any work, a destination that is not a regular
  file (a device such as /dev/null, a FIFO, a socket, a folder, or a link to one
  of these: replacing them would replace the system's node or swallow the output),
  a name under /proc or a link through one (/dev/stdout: a process's open file),
  a name the file system cannot hold, a folder that cannot be written, and any
  destination that is one of the command's own inputs (after links), so that an
  output never overwrites the data it was made from.
- `atomic_write` writes a file's content to an anonymous file in the destination's
  folder (Linux's O_TMPFILE: it has no name until it is complete, so a writer killed
  mid-way leaves nothing behind), flushes it to disk, links it under a temporary name
  and renames it over the destination, atomically, on the same file system. Where
  O_TMPFILE is not available the temporary file is named from the start. Named
  temporaries carry the writer's process id, and a later write to the same
  destination removes those whose writer is gone. A link is written through: its
  target is replaced, the link stays.
- `atomic_folder` builds a new folder under a temporary name and renames it into place.

Every failure is an OutputError naming the path and the system's reason (no space
left, read-only file system, permission denied, name too long, ...).
"""

from __future__ import annotations

import contextlib
import errno
import os
import secrets
import shutil
import stat
from dataclasses import dataclass
from fnmatch import fnmatchcase
from pathlib import Path
from typing import BinaryIO, Iterable, Iterator

from ..errors import OutputError

TEMP_SUFFIX = ".tmp"
NAME_MAX = 255                      # bytes in one name on Linux file systems (asked of the system when it says)
_TEMP_EXTRA = 1 + 1 + 10 + 1 + 8 + len(TEMP_SUFFIX)   # ".", ".", pid, ".", random, ".tmp"


def _kind(mode: int) -> str | None:
    """What a file that is not a regular file is, in words; None for a regular file."""
    for test, words in ((stat.S_ISDIR, "a folder"), (stat.S_ISCHR, "a character device"),
                        (stat.S_ISBLK, "a block device"), (stat.S_ISFIFO, "a FIFO (named pipe)"),
                        (stat.S_ISSOCK, "a socket")):
        if test(mode):
            return words
    return None if stat.S_ISREG(mode) else "not a regular file"


def _reason(exc: OSError) -> str:
    return exc.strerror or str(exc)


def destination(path, what: str = "output") -> Path:
    """The file a write to `path` replaces: `path` itself, or the end of its chain of links.

    Refuses an empty name and anything that is not (or would not be) a regular file.
    """
    if str(path) == "":
        raise OutputError(f"expected a file name for the {what}, got an empty one")
    path = Path(path)
    try:
        st = os.stat(path)                       # follows links: what a write would reach
    except FileNotFoundError:
        st = None
    except OSError as exc:
        raise OutputError(f"{path}: cannot write the {what} here ({_reason(exc)})") from None
    if st is not None:
        kind = _kind(st.st_mode)
        if kind == "a folder":
            raise OutputError(f"{path}: is a folder, expected a file name for the {what}")
        if kind is not None:
            via = " (through a link)" if path.is_symlink() else ""
            raise OutputError(f"{path}: is {kind}{via}, not a regular file; the {what} is written to a "
                              "regular file only")
    special = _special_hop(path)
    if special is not None:
        how = "is" if special == os.path.abspath(path) else f"leads through links to {special},"
        raise OutputError(f"{path}: {how} the system's name for a process's open file (under /proc), "
                          f"not a file of its own; the {what} is written to a regular file only")
    real = Path(os.path.realpath(path))
    return real if path.is_symlink() else path


_SYSTEM_NAMES = ("/proc",)


def _special_hop(path: Path) -> str | None:
    """The first name under /proc that `path` is or that its chain of links passes through
    (/proc/self/fd/1, /dev/stdout, a link to either): those name a process's open files, whatever
    regular file they may reach today (stdout sent to a file: the model would replace the log)."""
    name = os.path.abspath(path)
    for _ in range(40):                          # the system's own limit on links in a row
        if any(name == root or name.startswith(root + "/") for root in _SYSTEM_NAMES):
            return name
        if not os.path.islink(name):
            return None
        name = os.path.normpath(os.path.join(os.path.dirname(name), os.readlink(name)))
    return None


def check_writable(path, what: str = "output", inputs: Iterable = ()) -> Path:
    """Refuse, before any work is done for it, a destination that cannot take the file, or that
    is one of `inputs`. Returns the path the file will be written to (links followed).

    inputs: the files the same command reads, and folders whose existing files it reads
    (an image folder's class folders): an output that is one of them, or an existing file
    under one of them, is refused.
    """
    target = destination(path, what)
    folder = target.parent
    if not folder.is_dir():
        raise OutputError(f"{path}: the folder {folder} does not exist")
    limit = _name_max(folder)
    if len(os.fsencode(target.name)) > limit:
        raise OutputError(f"{path}: cannot write the {what} here ({os.strerror(errno.ENAMETOOLONG)}: "
                          f"a name holds at most {limit} bytes)")
    _refuse_inputs(path, target, what, inputs)
    _probe(folder, path, what)
    return target


def check_outputs(outputs: dict, inputs: Iterable = ()) -> None:
    """`check_writable` for each of a command's outputs ({what: path}), against each other too."""
    inputs = list(inputs)
    seen: dict[Path, str] = {}
    for what, path in outputs.items():
        target = Path(os.path.realpath(check_writable(path, what, inputs)))
        if target in seen:
            raise OutputError(f"{path}: named for both the {seen[target]} and the {what}; give each its own file")
        seen[target] = what


@dataclass(frozen=True)
class NamesRead:
    """A folder in which a reader finds its files by their names (glob patterns): a new file of
    such a name there changes what the folder holds as data the next time it is read."""

    folder: Path
    patterns: tuple[str, ...]


def check_new_names(outputs: dict, names: Iterable[NamesRead]) -> None:
    """Refuse an output ({what: path}) that would be a file of a name a data folder's reader looks
    for (see `NamesRead`): a second training file, a test twin, a classes.txt."""
    names = list(names)
    for what, path in outputs.items():
        target = Path(os.path.realpath(path))
        for item in names:
            if (target.parent == Path(os.path.realpath(item.folder))
                    and any(fnmatchcase(target.name, pattern) for pattern in item.patterns)):
                raise OutputError(f"{path}: refused, a file of this name would change what a data folder of "
                                  f"this command holds the next time it is read ({item.folder}); choose another "
                                  f"name for the {what}")


def _refuse_inputs(path, target: Path, what: str, inputs: Iterable) -> None:
    real = Path(os.path.realpath(target))
    exists = real.exists()
    for item in inputs:
        if item is None or str(item) == "":
            continue
        source = Path(os.path.realpath(item))
        same = real == source or (exists and os.path.exists(source) and os.path.samefile(real, source))
        # A new file inside a folder the command reads would be read as data the next time.
        inside = source.is_dir() and source in real.parents
        if same or inside:
            where = "is" if same else "lies inside"
            harm = "would destroy the data" if same else "would add it to the data read the next time"
            raise OutputError(f"{path}: {where} an input of this command ({item}); writing the {what} there "
                              f"{harm}; choose another name")


def _name_max(folder: Path) -> int:
    try:
        return int(os.pathconf(folder, "PC_NAME_MAX"))
    except (OSError, ValueError):
        return NAME_MAX


def _probe(folder: Path, path, what: str, room: int = 0) -> None:
    """Ask the file system whether a file can be created in `folder` (read-only file systems,
    permissions, special folders), and, with `room`, whether that many bytes of it can be written
    (a full disk, ENOSPC; the process's limit on file sizes, EFBIG), with a file that is gone again
    before this returns."""
    fd = named = None
    try:
        fd = _anonymous_file(folder, probing=True)
        if fd is None:
            named = temporary_name(Path(folder) / "probe")
            fd = os.open(named, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        if room:
            reserve(fd, room)
    except OSError as exc:
        needs = f"; it needs {room:,} bytes" if room else ""
        raise OutputError(f"{path}: cannot write the {what} {'here ' if not room else ''}({_reason(exc)}{needs})") \
            from None
    finally:
        if fd is not None:
            os.close(fd)
        if named is not None:
            with contextlib.suppress(OSError):
                os.unlink(named)


def check_room(path, nbytes: int, what: str = "output") -> None:
    """Refuse, before any of it is written, an output of `nbytes` that the disk or the process's
    limit on file sizes cannot hold: for writers (HDF5) that meet a full disk in a flush where they
    cannot report it."""
    _probe(Path(path).parent, path, what, room=nbytes)


def reserve(fd: int, nbytes: int) -> None:
    """Give the open file `fd` disk blocks for its first `nbytes` bytes (raises ENOSPC or EFBIG
    when they cannot be had); a file system without the call reserves nothing."""
    try:
        os.posix_fallocate(fd, 0, max(1, nbytes))
    except OSError as exc:
        if exc.errno not in (errno.EOPNOTSUPP, errno.EINVAL, errno.ENOSYS):
            raise


def _stem(path: Path) -> str:
    """The start of the destination's name that temporaries carry, short enough that a temporary
    name fits where the destination's name fits."""
    room = max(1, _name_max(path.parent) - _TEMP_EXTRA)
    return os.fsencode(path.name)[:room].decode("utf-8", "ignore") or "x"


def temporary_name(path: Path) -> Path:
    """A hidden name beside `path` that records this process: .NAME.PID.RANDOM.tmp"""
    return path.with_name(f".{_stem(path)}.{os.getpid()}.{secrets.token_hex(4)}{TEMP_SUFFIX}")


def sweep_stale(path: Path) -> None:
    """Remove temporaries left beside `path` by writers that no longer run."""
    prefix = f".{_stem(path)}."
    try:
        names = os.listdir(path.parent)
    except OSError:
        return
    for name in names:
        if not (name.startswith(prefix) and name.endswith(TEMP_SUFFIX)):
            continue
        parts = name[len(prefix):].split(".")
        if len(parts) == 3 and parts[0].isdigit() and not _alive(int(parts[0])):
            stale = path.parent / name
            if stale.is_dir() and not stale.is_symlink():
                shutil.rmtree(stale, ignore_errors=True)
            else:
                with contextlib.suppress(OSError):
                    stale.unlink()


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError):
        return True
    return True


def _anonymous_file(folder: Path, probing: bool = False) -> int | None:
    flag = getattr(os, "O_TMPFILE", None)
    if flag is None or not os.path.isdir("/proc/self/fd"):
        return None
    try:
        return os.open(folder, flag | os.O_WRONLY, 0o666)
    except OSError as exc:
        # EOPNOTSUPP / EISDIR / EINVAL: a file system without O_TMPFILE; anything else is a real
        # refusal (EROFS, EACCES, ...) that the probe reports.
        if probing and exc.errno not in (errno.EOPNOTSUPP, errno.EISDIR, errno.EINVAL):
            raise
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
def atomic_write(path, what: str = "output") -> Iterator[BinaryIO]:
    """Yield a binary file object whose content replaces `path` when the block exits cleanly.

    An OSError while writing (no space left, an I/O error) is an OutputError naming `path`;
    the destination then keeps its old content and no temporary file is left.
    """
    shown = path
    path = check_writable(path, what)
    sweep_stale(path)
    named = None
    try:
        fd = _anonymous_file(path.parent)
        if fd is None:
            named = temporary_name(path)
            fd = os.open(named, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    except OSError as exc:
        raise OutputError(f"{shown}: cannot write the {what} here ({_reason(exc)})") from None
    try:
        with os.fdopen(fd, "wb") as f:
            yield f
            f.flush()
            os.fsync(f.fileno())
            if named is None:
                named = temporary_name(path)
                _link_anonymous(f.fileno(), named)
        os.replace(named, path)
    except BaseException as exc:
        if named is not None:
            with contextlib.suppress(OSError):
                os.unlink(named)
        if isinstance(exc, OSError):
            raise OutputError(f"{shown}: cannot write the {what} ({_reason(exc)})") from None
        raise
    _sync_folder(path.parent)


def check_new_folder(path, what: str = "folder", inputs: Iterable = ()) -> Path:
    """Refuse, before any work, a new folder that cannot be made where it is asked for: an empty
    name, a link, something there already (an empty folder is fine), a missing parent, a name too
    long, or a place inside one of `inputs` (files or folders the command reads: what it writes
    there would be read back as input the next time)."""
    if str(path) == "":
        raise OutputError(f"expected a name for the {what}, got an empty one")
    shown, path = path, Path(path)
    if path.is_symlink():
        raise OutputError(f"{shown}: is a link; give the name of a new folder")
    if path.exists() and not path.is_dir():
        raise OutputError(f"{shown}: already exists and is not a folder; give the name of a new folder")
    if path.exists() and any(path.iterdir()):
        raise OutputError(f"{shown}: already exists and is not an empty folder; choose a new name")
    if not path.parent.is_dir():
        raise OutputError(f"{shown}: the folder {path.parent} does not exist")
    if len(os.fsencode(path.name)) > _name_max(path.parent):
        raise OutputError(f"{shown}: cannot write here ({os.strerror(errno.ENAMETOOLONG)})")
    special = _special_hop(path.parent)
    if special is not None:
        raise OutputError(f"{shown}: lies under {special}, the system's names for a process's files (under "
                          f"/proc), not a folder of its own; give the name of a new folder elsewhere")
    _refuse_inputs(shown, path, what, inputs)
    return path


@contextlib.contextmanager
def atomic_folder(path, what: str = "folder") -> Iterator[Path]:
    """Yield a new temporary folder that becomes `path` when the block exits cleanly.

    `path` must not exist, or be an empty folder (not a link). An OSError inside the
    block (no space left, ...) is an OutputError naming `path`, and nothing is left.
    """
    shown, path = path, check_new_folder(path, what)
    sweep_stale(path)
    tmp = temporary_name(path)
    try:
        tmp.mkdir()
    except OSError as exc:
        raise OutputError(f"{shown}: cannot write here ({_reason(exc)})") from None
    try:
        yield tmp
        if path.exists():
            path.rmdir()
        os.replace(tmp, path)
    except BaseException as exc:
        shutil.rmtree(tmp, ignore_errors=True)
        if isinstance(exc, OSError):
            raise OutputError(f"{shown}: cannot write the {what} ({_reason(exc)})") from None
        if isinstance(exc, OutputError) and str(tmp) in str(exc):
            # A file of the folder failed: say where it was to go, not the name it was built under.
            raise OutputError(str(exc).replace(str(tmp), str(path))) from None
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
