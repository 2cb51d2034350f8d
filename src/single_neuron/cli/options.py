"""Types of option values, checked as argparse parses them: finite, in range, or a usage error.

Each raises argparse.ArgumentTypeError with what was expected, so the message reads
"argument --learning-rate: expected a number > 0, got -1" and the exit status is 2,
before any work starts.
"""

from __future__ import annotations

import argparse
import math


def _number(text: str) -> float:
    from ..sizes import real_number

    try:
        value = real_number(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    if not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"expected a finite number, got {text}")
    return value


def number(text: str) -> float:
    """Any finite number."""
    return _number(text)


def positive(text: str) -> float:
    """A finite number > 0."""
    value = _number(text)
    if value <= 0:
        raise argparse.ArgumentTypeError(f"expected a number > 0, got {text}")
    return value


def non_negative(text: str) -> float:
    """A finite number >= 0."""
    value = _number(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"expected a number >= 0, got {text}")
    return value


def fraction(text: str) -> float:
    """A finite number strictly between 0 and 1."""
    value = _number(text)
    if not 0 < value < 1:
        raise argparse.ArgumentTypeError(f"expected a number between 0 and 1 (both excluded), got {text}")
    return value


def probability(text: str) -> float:
    """A finite number from 0 to 1."""
    value = _number(text)
    if not 0 <= value <= 1:
        raise argparse.ArgumentTypeError(f"expected a number from 0 to 1, got {text}")
    return value


def whole(minimum: int = 0, maximum: int = 2**63 - 1):
    """A whole number in [minimum, maximum], written in ASCII digits (no fractions, no 1e30, no '٣')."""

    def parse(text: str) -> int:
        from ..sizes import whole_number

        value = whole_number(text)                  # a ValueError: argparse's "invalid int value: 'text'"
        if value < minimum:
            raise argparse.ArgumentTypeError(f"expected a whole number >= {minimum}, got {value}")
        if value > maximum:
            raise argparse.ArgumentTypeError(f"expected a whole number <= {maximum}, got {value}")
        return value

    parse.__name__ = "int"
    return parse


def size(text: str) -> int:
    """A size in bytes written as 256MB, 1.5GiB or 500000."""
    from ..sizes import parse_size

    return parse_size(text, "", argparse.ArgumentTypeError)


def label(text: str) -> int:
    """A label: 0 or 1."""
    if text.strip() not in ("0", "1"):
        raise argparse.ArgumentTypeError(f"expected 0 or 1, got {text}")
    return int(text)
