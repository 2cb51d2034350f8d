"""What the command line prints besides results: one-line errors and notes, on stderr."""

from __future__ import annotations

import sys

PROG = "single-neuron"


def fail(message) -> int:
    """Print `message` as one error line; return the exit status 1."""
    print(f"{PROG}: error: {message}", file=sys.stderr)
    return 1


def note(message: str) -> None:
    print(f"{PROG}: {message}", file=sys.stderr)
