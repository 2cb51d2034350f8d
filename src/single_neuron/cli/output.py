"""What the command line prints: data-derived text escaped, strict JSON, one-line errors and notes.

Names come from files anyone may have written: class names inside a model or an
HDF5 file, folder and file names. Printed raw, a newline in one would forge a
result or error line and an ANSI escape would reach the terminal. `shown` escapes
every character that is not printable (control characters, line and paragraph
separators, bidirectional overrides, ...) the way Python writes them in a string
literal (``\\n``, ``\\x1b``, ``\\u202e``); everything else is left as it is, so
ordinary names in any script read as they are. Every string the command line
prints that came from data or from the command line goes through it (`io.text.shown`,
the same function the readers use in their messages); JSON is escaped by the JSON
encoder itself (ASCII only).
"""

from __future__ import annotations

import json
import math
import sys

from ..io.text import shown

PROG = "single-neuron"


class UsageError(Exception):
    """A malformed command line: one line, exit status 2."""


def fail(message) -> int:
    """Print `message` as one error line on stderr; return the exit status 1."""
    print(f"{PROG}: error: {shown(message)}", file=sys.stderr)
    return 1


def note(message) -> None:
    """Print `message` as one line on stderr (warnings, skipped files)."""
    print(f"{PROG}: {shown(message)}", file=sys.stderr)


def cost_text(cost: float) -> str:
    """A cost as the command line prints it beside others: six decimals, as the course's cost lines,
    or four significant digits from 10,000 on (a diverging run's 1e300 in ten places)."""
    return f"{cost:.6f}" if cost < 1e4 else f"{cost:.4g}"


def print_json(report) -> None:
    """Print `report` as one line of strict JSON (RFC 8259: no NaN or Infinity, ASCII only).

    A number that is not finite becomes null, and the top-level field "non_finite" says
    which, by JSON Pointer (RFC 6901), and what it was ({"/costs/3": "inf"}), so a reader
    never meets a bare NaN and never loses the reason.
    """
    reasons: dict[str, str] = {}
    clean = _finite_only(report, "", reasons)
    if reasons and isinstance(clean, dict):
        clean["non_finite"] = reasons
    print(json.dumps(clean, allow_nan=False))


def _finite_only(value, where: str, reasons: dict):
    if hasattr(value, "item") and getattr(value, "ndim", None) == 0:
        value = value.item()                               # NumPy scalars as Python numbers
    if isinstance(value, float):
        if math.isfinite(value):
            return value
        reasons[where] = str(value)                        # "nan", "inf" or "-inf"
        return None
    if isinstance(value, dict):
        return {str(k): _finite_only(v, f"{where}/{_token(k)}", reasons) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_finite_only(v, f"{where}/{i}", reasons) for i, v in enumerate(value)]
    if hasattr(value, "tolist"):                           # NumPy arrays
        return _finite_only(value.tolist(), where, reasons)
    return value


def _token(key) -> str:
    return str(key).replace("~", "~0").replace("/", "~1")
