"""The command line: parse, call the library, print. Nothing else lives here.

`main(argv) -> int` is the whole program: 0 for success, 1 for bad data or
files, 2 for a malformed command line, 130 when interrupted. Every error a user
can cause becomes one line on stderr, never a traceback.
"""

from __future__ import annotations

import sys

from .output import PROG
from .parser import Exit, UsageError, build_parser


def main(argv=None) -> int:
    """Run the command line with `argv` (default sys.argv[1:]); return the exit status."""
    from ..errors import SingleNeuronError
    from .output import fail

    argv = sys.argv[1:] if argv is None else list(argv)
    parser = build_parser()
    try:
        if not argv:
            parser.print_help()
            return 0
        args = parser.parse_args(argv)
        return args.run(args)
    except Exit as done:
        return done.status
    except UsageError as exc:
        print(f"{PROG}: error: {exc}", file=sys.stderr)
        return 2
    except SingleNeuronError as exc:
        return fail(exc)
    except KeyboardInterrupt:
        print(f"{PROG}: interrupted", file=sys.stderr)
        return 130
