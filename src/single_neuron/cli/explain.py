"""`explain`: a computation graph walked forward and backward with numbers, as the notes do."""

from __future__ import annotations

from .options import label, number


def declare(commands) -> None:
    explain = commands.add_parser(
        "explain", help="show a computation graph forward and backward, with numbers",
        description="Walk a computation graph as the notes do: each value on the way forward, each "
                    "derivative on the way back by the chain rule. 'notes' is J = 3(a + bc); "
                    "'logistic' is the loss of one example of logistic regression.")
    explain.add_argument("graph", nargs="?", choices=("notes", "logistic"), default="notes",
                         help="which graph (default notes)")
    explain.add_argument("--a", type=number, help="notes: a (default 5)")
    explain.add_argument("--b", type=number, help="notes: b (default 3); logistic: the bias (default 0.1)")
    explain.add_argument("--c", type=number, help="notes: c (default 2)")
    explain.add_argument("--x", type=number, nargs="+", metavar="X", help="logistic: features (default 1 2)")
    explain.add_argument("--w", type=number, nargs="+", metavar="W", help="logistic: weights (default 0.5 -0.3)")
    explain.add_argument("--y", type=label, help="logistic: the label, 0 or 1 (default 1)")
    explain.add_argument("--dot", metavar="FILE", help="also write the graph in Graphviz DOT")
    explain.add_argument("--png", metavar="FILE", help="also draw the graph to FILE (.png, .svg or .pdf)")
    explain.set_defaults(run=run, outputs={"dot": "graph", "png": "picture"})


# Each graph's own inputs and their defaults; --b belongs to both.
INPUTS = {"notes": {"a": 5.0, "b": 3.0, "c": 2.0}, "logistic": {"x": [1.0, 2.0], "w": [0.5, -0.3], "b": 0.1, "y": 1}}


def run(args) -> int:
    from .output import UsageError, shown
    from ..io.atomic import check_writable
    from ..teaching.explain import (NOTES_FORMULAS, explain_logistic, explain_notes, logistic_formulas,
                                    write_dot, write_png)

    if args.dot:
        check_writable(args.dot, "output")
    if args.png:
        from ..io.figure_files import check_figure_path

        check_figure_path(args.png, "picture")
    own = INPUTS[args.graph]
    foreign = [f"--{name}" for name in ("a", "c", "x", "w", "y") if name not in own and getattr(args, name) is not None]
    if foreign:
        raise UsageError(f"{', '.join(foreign)}: not an input of the {args.graph} graph (its inputs: "
                         f"{', '.join('--' + name for name in own)})")
    given = {name: default if getattr(args, name) is None else getattr(args, name) for name, default in own.items()}
    if args.graph == "notes":
        lines, root = explain_notes(given["a"], given["b"], given["c"])
        title = "J = 3(a + bc)"
        formulas = NOTES_FORMULAS
    else:
        lines, root = explain_logistic(given["x"], given["w"], given["b"], given["y"])
        title = f"L(a, y) for one example, y = {given['y']}"
        formulas = logistic_formulas(len(given["x"]))
    print("\n".join(lines))
    if args.dot:
        write_dot(args.dot, root, title, formulas)
        print(f"graph written to {shown(args.dot)}")
    if args.png:
        how = write_png(args.png, root, title, formulas)
        print(f"graph drawn to {shown(args.png)} (with {how})")
    return 0
