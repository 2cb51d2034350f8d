"""Sizes in bytes, read from and written for people: '256MB' in, '244.1 MiB' out."""

from __future__ import annotations

import re

from .errors import InputValueError

UNITS = {"": 1, "b": 1, "k": 1000, "kb": 1000, "kib": 1024, "m": 1000**2, "mb": 1000**2, "mib": 1024**2,
         "g": 1000**3, "gb": 1000**3, "gib": 1024**3, "t": 1000**4, "tb": 1000**4, "tib": 1024**4}


def parse_size(text: str, name: str = "memory_limit", error=InputValueError) -> int:
    """'256MB', '1.5GiB', '500000' -> bytes (at least one); `error` (named `name`, if any) otherwise."""
    where = f"{name}: " if name else ""
    match = re.fullmatch(r"\s*([0-9]+(?:\.[0-9]+)?)\s*([a-zA-Z]*)\s*", str(text))
    if not match or match.group(2).lower() not in UNITS:
        raise error(f"{where}expected a size such as 256MB or 2GiB, got {text!r}")
    exact = float(match.group(1)) * UNITS[match.group(2).lower()]
    if not exact.is_integer() and exact < 1000:       # 1.5 bytes is no size; 1.5MB is 1,500,000 of them
        raise error(f"{where}expected a whole number of bytes, got {text!r}")
    size = int(exact)
    if size < 1:
        raise error(f"{where}expected a size of at least one byte, got {text!r}")
    return size


def size_text(nbytes: float) -> str:
    """A number of bytes for people: '512 bytes', '1.5 KiB', ..., '2.0 TiB'."""
    for unit in ("bytes", "KiB", "MiB", "GiB", "TiB"):
        if nbytes < 1024 or unit == "TiB":
            return f"{nbytes:.0f} {unit}" if unit == "bytes" else f"{nbytes:.1f} {unit}"
        nbytes /= 1024
    return f"{nbytes:.1f} TiB"
