"""The command line's grammar: one argparse parser, each command declared by its own module.

Declaring the commands imports nothing heavy: each command module imports the
library only when it runs. Option values are checked as they are parsed (see
`options`), so a bad value is a usage error before any work starts.
"""

from __future__ import annotations

import argparse

from .output import PROG, UsageError


class Parser(argparse.ArgumentParser):
    """argparse, but a usage error is one line (argparse prints the usage block too) and
    nothing calls sys.exit: `main` returns the status."""

    def error(self, message):
        raise UsageError(f"{message} (see {self.prog} --help)")

    def parse_args(self, args=None, namespace=None):
        # argparse reports an unknown option from the top parser; the help that lists the
        # options one meant is the chosen command's.
        parsed, extras = self.parse_known_args(args, namespace)
        if extras:
            self._chosen(parsed).error(f"unrecognized arguments: {' '.join(extras)}")
        return parsed

    def _chosen(self, parsed) -> argparse.ArgumentParser:
        """The innermost (sub)command parser that `parsed` went through."""
        parser = self
        while True:
            commands = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
            name = getattr(parsed, commands[0].dest, None) if commands else None
            if name not in (commands[0].choices if commands else {}):
                return parser
            parser = commands[0].choices[name]

    def exit(self, status=0, message=None):
        if message:
            (argparse._sys.stderr if status else argparse._sys.stdout).write(message)
        raise Exit(status)


class Exit(Exception):
    """--help or --version has printed; `main` returns this status."""

    def __init__(self, status: int):
        super().__init__(status)
        self.status = status


def build_parser() -> argparse.ArgumentParser:
    from .. import __version__
    from . import bench, check, data, evaluate, explain, inspect, predict, serve, train

    parser = Parser(prog=PROG, description="Logistic regression as a one-neuron neural network.")
    parser.add_argument("--version", action="version", version=f"{PROG} {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=Parser)
    commands.required = True
    for module in (train, predict, evaluate, data, explain, inspect, check, bench, serve):
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
