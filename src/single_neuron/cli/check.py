"""`check`: a learner's own functions of the week, judged one by one and each mistake named."""

from __future__ import annotations

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
    check.add_argument("--timeout", type=positive, metavar="S", default=None,
                       help="seconds all of your code may run, definitions and checks together (default 10)")
    check.add_argument("--memory-limit", type=size, metavar="SIZE", default=None,
                       help="memory your code may use, as 512MB or 2GiB (default 1GiB)")
    check.set_defaults(run=run)


def run(args) -> int:
    from .output import print_json
    from ..app.check import DEFAULT_MEMORY, DEFAULT_TIMEOUT, check

    report = check(args.file, timeout=DEFAULT_TIMEOUT if args.timeout is None else args.timeout,
                   memory_limit=DEFAULT_MEMORY if args.memory_limit is None else args.memory_limit)
    if args.json:
        print_json(report.to_dict())
    else:
        print(report)
    return 0 if report.ok else 1
