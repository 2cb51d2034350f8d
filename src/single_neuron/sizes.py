"""Numbers and sizes as people write them: '256MB' in, '244.1 MiB' out; one rule for every number read
from text (an option, an environment variable, a size).

Python's own parsers take more than a person means: int() and float() take the digits of every
script ('٣' is 3), float() takes 'nan', 'inf' and '1_0', and str.isdigit() is true for '²', which
int() refuses. Text from outside is read here instead, by one rule: ASCII digits only, an
optional sign, underscores only between digits, and a bounded length, so that no parser
converts a number of a thousand digits and no later step meets one too large for a float or a C
integer.
"""

from __future__ import annotations

import math
import re
from fractions import Fraction

from .errors import InputValueError

UNITS = {"": 1, "b": 1, "k": 1000, "kb": 1000, "kib": 1024, "m": 1000**2, "mb": 1000**2, "mib": 1024**2,
         "g": 1000**3, "gb": 1000**3, "gib": 1024**3, "t": 1000**4, "tb": 1000**4, "tib": 1024**4}
WHOLE = re.compile(r"[+-]?[0-9]+(?:_[0-9]+)*")
DIGITS = 19                     # the most digits a whole number may have: it then fits in 64 bits
LARGEST = 2**63 - 1             # the largest whole number anything takes (a C long, a NumPy int64)
NUMBER_CHARS = 40               # the longest text read as a real number
MAX_SIZE = 2**60                # the largest size in bytes (an exbibyte)


def whole_number(text) -> int:
    """The whole number `text` writes (see the module's rule); ValueError for anything else, or for
    more than DIGITS digits. The caller checks the range it needs."""
    stripped = str(text).strip()
    if not WHOLE.fullmatch(stripped) or len(stripped.lstrip("+-").replace("_", "")) > DIGITS:
        raise ValueError(f"not a whole number: {stripped[:40]!r}")
    return int(stripped)


def real_number(text) -> float:
    """The real number `text` writes: ASCII only, at most NUMBER_CHARS characters, as float() reads
    it; ValueError for anything else (its finiteness is the caller's to check)."""
    stripped = str(text).strip()
    if not stripped.isascii() or len(stripped) > NUMBER_CHARS:
        raise ValueError(f"not a number: {stripped[:40]!r}")
    return float(stripped)


def parse_size(text: str, name: str = "memory_limit", error=InputValueError) -> int:
    """'256MB', '1.5GiB', '500000' -> bytes, from one byte to MAX_SIZE; `error` (named `name`, if
    any) otherwise."""
    where = f"{name}: " if name else ""
    shown = repr(str(text)[:40]) + ("..." if len(str(text)) > 40 else "")
    match = re.fullmatch(r"\s*([0-9]+)(\.[0-9]+)?\s*([a-zA-Z]*)\s*", str(text))
    if not match or match.group(3).lower() not in UNITS:
        raise error(f"{where}expected a size such as 256MB or 2GiB, got {shown}")
    if len(match.group(1).lstrip("0")) > DIGITS:          # whatever the unit, far beyond MAX_SIZE
        raise error(f"{where}expected a size of at most {MAX_SIZE:,} bytes (an EiB), got {shown}")
    exact = Fraction(match.group(1) + (match.group(2) or "")[:31]) * UNITS[match.group(3).lower()]
    if exact.denominator != 1 and exact < 1000:       # 1.5 bytes is no size; 1.5MB is 1,500,000 of them
        raise error(f"{where}expected a whole number of bytes, got {shown}")
    size = math.floor(exact)
    if size < 1:
        raise error(f"{where}expected a size of at least one byte, got {shown}")
    if size > MAX_SIZE:
        raise error(f"{where}expected a size of at most {MAX_SIZE:,} bytes (an EiB), got {shown}")
    return size


def size_text(nbytes: float) -> str:
    """A number of bytes for people: '512 bytes', '1.5 KiB', ..., '2.0 TiB'."""
    for unit in ("bytes", "KiB", "MiB", "GiB", "TiB"):
        if nbytes < 1024 or unit == "TiB":
            return f"{nbytes:.0f} {unit}" if unit == "bytes" else f"{nbytes:.1f} {unit}"
        nbytes /= 1024
    return f"{nbytes:.1f} TiB"
