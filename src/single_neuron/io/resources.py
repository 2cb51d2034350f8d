"""Refuse work that cannot fit in memory before starting it, with the size it would need.

Running out of memory half-way is the worst way for a large input to fail: slow,
and on Linux often a kill with no message. Readers estimate everything they (and
their caller) will allocate and ask here first.

The memory available is the smallest of what the machine, the process's control
group (a container's limit) and its own resource limits (ulimit -v, -d) leave free.
"""

from __future__ import annotations

import os
from pathlib import Path

from ..errors import DataError
from ..sizes import size_text


def available_memory() -> int | None:
    """Bytes of memory this process can still allocate now, or None where the system does not say."""
    found = [n for n in (_machine(), _control_group(), _resource_limits()) if n is not None]
    return max(0, min(found)) if found else None


def _machine() -> int | None:
    # MemAvailable counts the page cache the kernel would give back; the free pages alone
    # (the fallback elsewhere) would refuse data that fits.
    try:
        with open("/proc/meminfo", encoding="ascii") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    try:
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):
        return None


def _read_number(path: Path) -> int | None:
    try:
        text = path.read_text(encoding="ascii").strip()
    except (OSError, ValueError):
        return None
    return int(text) if text.isdigit() else None        # "max" (no limit) gives None


def _inactive_file(folder: Path, key: str) -> int:
    """Page cache the group could give back: its usage counts it, but it is not in the way."""
    try:
        for line in (folder / "memory.stat").read_text(encoding="ascii").splitlines():
            name, _, value = line.partition(" ")
            if name == key and value.strip().isdigit():
                return int(value)
    except (OSError, ValueError):
        pass
    return 0


def _control_group() -> int | None:
    """What the memory limits of this process's cgroup (v2 or v1) and its ancestors leave free."""
    try:
        lines = Path("/proc/self/cgroup").read_text(encoding="utf-8").splitlines()
    except (OSError, ValueError):
        return None
    free = []
    for line in lines:
        _, controllers, path = line.split(":", 2) if line.count(":") >= 2 else ("", "", "")
        if controllers == "":
            root, files = Path("/sys/fs/cgroup"), ("memory.max", "memory.current", "inactive_file")
        elif "memory" in controllers.split(","):
            root, files = Path("/sys/fs/cgroup/memory"), ("memory.limit_in_bytes", "memory.usage_in_bytes",
                                                           "total_inactive_file")
        else:
            continue
        folder = root / path.lstrip("/")
        while True:
            limit = _read_number(folder / files[0])
            usage = _read_number(folder / files[1])
            if limit is not None and usage is not None and limit < 2**60:
                free.append(limit - usage + _inactive_file(folder, files[2]))
            if folder == root or folder.parent == folder:
                break
            folder = folder.parent
    return min(free) if free else None


def _resource_limits() -> int | None:
    """What `ulimit -v` (address space) and `ulimit -d` (data) leave to this process."""
    try:
        import resource
    except ImportError:                     # not on every platform
        return None
    status = _mapped()
    if status is None:
        return None
    free = []
    for which, used in ((resource.RLIMIT_AS, "VmSize"), (getattr(resource, "RLIMIT_DATA", None), "VmData")):
        if which is None or used not in status:
            continue
        soft, _ = resource.getrlimit(which)
        if soft != resource.RLIM_INFINITY:
            free.append(soft - status[used])
    return min(free) if free else None


def _mapped() -> dict[str, int] | None:
    """VmSize (the address space mapped) and VmData (the data segment) of this process, in bytes."""
    status = {}
    try:
        with open("/proc/self/status", encoding="ascii") as f:
            for line in f:
                key, _, value = line.partition(":")
                if key in ("VmSize", "VmData") and value.split():
                    status[key] = int(value.split()[0]) * 1024
    except (OSError, ValueError):
        return None
    return status


def mapped_memory() -> int | None:
    """Bytes of address space this process has mapped now (what `ulimit -v` counts), or None where
    the system does not say."""
    return (_mapped() or {}).get("VmSize")


def require_memory(nbytes: float, where: str, what: str, error=DataError) -> None:
    """Raise `error` if `nbytes` (for `what`) exceed the memory available now."""
    free = available_memory()
    if free is not None and nbytes > free:
        raise error(f"{where}: {what} would need {size_text(nbytes)} of memory, "
                    f"but only {size_text(free)} is available")
