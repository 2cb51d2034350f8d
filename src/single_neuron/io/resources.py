"""Refuse work that cannot fit in memory before starting it, with the size it would need.

Running out of memory half-way is the worst way for a large input to fail: slow,
and on Linux often a kill with no message. Loaders ask here first.
"""

from __future__ import annotations

import os

from ..errors import DataError
from ..sizes import size_text


def available_memory() -> int | None:
    """Bytes of memory available now, or None where the system does not say.

    On Linux this is MemAvailable, which counts the page cache the kernel would give back;
    the free pages alone (the fallback elsewhere) would refuse data that fits.
    """
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


def require_memory(nbytes: float, where: str, what: str) -> None:
    """Raise DataError if `nbytes` (for `what`) exceed the memory available now."""
    free = available_memory()
    if free is not None and nbytes > free:
        raise DataError(f"{where}: {what} would need {size_text(nbytes)} of memory, "
                        f"but only {size_text(free)} is available")
