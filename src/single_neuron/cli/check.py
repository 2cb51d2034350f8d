"""`check`: a learner's own functions of the week, judged one by one and each mistake named."""

from __future__ import annotations

import argparse

from .options import positive, size


def declare(commands) -> None:
    check = commands.add_parser(
        "check", help="check your own functions of the week's assignments, and name each mistake",
        description="Find the functions of the week's two assignments that FILE defines (sigmoid, "
                    "initialize_with_zeros, propagate, optimize, predict, model; basic_sigmoid, "
                    "sigmoid_derivative, image2vector, normalize_rows or normalizeRows, softmax, L1, L2), "
                    "run each on the course's test inputs and on inputs that tell mistakes apart, and say "
                    "for each whether it is correct and, if not, which mistake it makes, in the notes' "
                    "words. Only what the functions need is run (not the cells that load data, train or "
                    "plot), in a child process with a time and a memory limit; what the code prints is not "
                    "shown. Exit status 0 when every function found is correct, 1 otherwise.")
    check.add_argument("file", metavar="FILE", help="your .py file or .ipynb notebook")
    check.add_argument("--json", action="store_true", help="print one JSON object instead of text")
    check.add_argument("--timeout", type=_seconds, metavar="S", default=None,
                       help="seconds all of your code may run, definitions and checks together (default 10)")
    check.add_argument("--memory-limit", type=_memory, metavar="SIZE", default=None,
                       help="memory your code may use, as 512MB or 2GiB (default 1GiB)")
    check.set_defaults(run=run)


def _seconds(text: str) -> float:
    """A time limit: a number > 0, up to the library's largest (a usage error, not a failure, beyond)."""
    from ..app.check import MAX_TIMEOUT

    value = positive(text)
    if value > MAX_TIMEOUT:
        raise argparse.ArgumentTypeError(f"expected a number of seconds > 0 and at most {MAX_TIMEOUT:g}, got {text}")
    return value


def _memory(text: str) -> int:
    """A memory limit: a size, at least the library's smallest."""
    from ..app.check import MIN_MEMORY
    from ..sizes import MAX_SIZE

    value = size(text)
    if value < MIN_MEMORY:
        raise argparse.ArgumentTypeError(f"expected a size from 1 MiB to {MAX_SIZE:,} bytes, got {text} "
                                         f"({value:,} bytes)")
    return value


def run(args) -> int:
    from .output import print_json
    from ..app.check import DEFAULT_MEMORY, DEFAULT_TIMEOUT, check
    from ..errors import LearnerCodeError

    try:
        report = check(args.file, timeout=DEFAULT_TIMEOUT if args.timeout is None else args.timeout,
                       memory_limit=DEFAULT_MEMORY if args.memory_limit is None else args.memory_limit)
    except LearnerCodeError as exc:
        if args.json:                    # a script reading --json still gets one object; the line goes to stderr
            print_json({"file": args.file, "error": str(exc), "functions": [], "correct": 0, "wrong": 0})
        raise
    if args.json:
        print_json(report.to_dict())
    else:
        print(report)
    return 0 if report.ok else 1
