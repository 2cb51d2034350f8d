"""The command line's grammar: one argparse parser, each command declared by its own module.

Numbers are checked as they are parsed (finite, in range), so a bad value is a usage
error before any work starts. Declaring the commands imports nothing heavy: each
command module imports the library only when it runs.
"""

from __future__ import annotations

import argparse
import math

PROG = "single-neuron"


class UsageError(Exception):
    """A malformed command line: one line, exit status 2."""


class Parser(argparse.ArgumentParser):
    """argparse, but a usage error is one line (argparse prints the usage block too) and
    nothing calls sys.exit: `main` returns the status."""

    def error(self, message):
        raise UsageError(f"{message} (see {self.prog} --help)")

    def exit(self, status=0, message=None):
        if message:
            (argparse._sys.stderr if status else argparse._sys.stdout).write(message)
        raise Exit(status)


class Exit(Exception):
    """--help or --version has printed; `main` returns this status."""

    def __init__(self, status: int):
        super().__init__(status)
        self.status = status


def _number(text: str) -> float:
    try:
        value = float(text)
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
    """A whole number in [minimum, maximum], written as digits (no fractions, no 1e30)."""

    def parse(text: str) -> int:
        stripped = text.strip()
        if not stripped.lstrip("+-").isdigit() or len(stripped) > 20:
            raise ValueError(text)                  # argparse: "invalid int value: 'text'"
        value = int(stripped)
        if value < minimum:
            raise argparse.ArgumentTypeError(f"expected a whole number >= {minimum}, got {value}")
        if value > maximum:
            raise argparse.ArgumentTypeError(f"expected a whole number <= {maximum}, got {value}")
        return value

    parse.__name__ = "int"
    return parse


def label(text: str) -> int:
    """A label: 0 or 1."""
    if text.strip() not in ("0", "1"):
        raise argparse.ArgumentTypeError(f"expected 0 or 1, got {text}")
    return int(text)


def build_parser() -> argparse.ArgumentParser:
    from .. import __version__
    from . import bench, data, evaluate, explain, predict, train

    parser = Parser(prog=PROG, description="Logistic regression as a one-neuron neural network.")
    parser.add_argument("--version", action="version", version=f"{PROG} {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=Parser)
    commands.required = True
    for module in (train, predict, evaluate, data, explain, bench):
        module.declare(commands)
    complete(parser)
    return parser


def complete(parser: argparse.ArgumentParser) -> None:
    """Answer the shell's tab completion, if that is what this run is for, and exit.

    The shell's completion hook (`eval "$(register-python-argcomplete single-neuron)"`)
    runs the command with _ARGCOMPLETE set; any other run does not even import argcomplete."""
    import os

    if "_ARGCOMPLETE" in os.environ:
        import argcomplete

        argcomplete.autocomplete(parser)
