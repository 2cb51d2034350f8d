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
    explain.add_argument("--a", type=number, default=5.0, help="notes: a (default 5)")
    explain.add_argument("--b", type=number, default=None, help="notes: b (default 3); logistic: the bias (default 0.1)")
    explain.add_argument("--c", type=number, default=2.0, help="notes: c (default 2)")
    explain.add_argument("--x", type=number, nargs="+", default=[1.0, 2.0], metavar="X", help="logistic: features")
    explain.add_argument("--w", type=number, nargs="+", default=[0.5, -0.3], metavar="W", help="logistic: weights")
    explain.add_argument("--y", type=label, default=1, help="logistic: the label, 0 or 1 (default 1)")
    explain.add_argument("--dot", metavar="FILE", help="also write the graph in Graphviz DOT")
    explain.add_argument("--png", metavar="FILE", help="also draw the graph to FILE (.png, .svg or .pdf)")
    explain.set_defaults(run=run, outputs={"dot": "graph", "png": "picture"})


def run(args) -> int:
    from .output import shown
    from ..io.atomic import check_writable
    from ..teaching.explain import (NOTES_FORMULAS, explain_logistic, explain_notes, logistic_formulas,
                                    write_dot, write_png)

    if args.dot:
        check_writable(args.dot, "output")
    if args.png:
        from ..io.figure_files import check_figure_path

        check_figure_path(args.png, "picture")
    if args.graph == "notes":
        b = 3.0 if args.b is None else args.b
        lines, root = explain_notes(args.a, b, args.c)
        title = "J = 3(a + bc)"
        formulas = NOTES_FORMULAS
    else:
        b = 0.1 if args.b is None else args.b
        lines, root = explain_logistic(args.x, args.w, b, args.y)
        title = f"L(a, y) for one example, y = {args.y}"
        formulas = logistic_formulas(len(args.x))
    print("\n".join(lines))
    if args.dot:
        write_dot(args.dot, root, title, formulas)
        print(f"graph written to {shown(args.dot)}")
    if args.png:
        how = write_png(args.png, root, title, formulas)
        print(f"graph drawn to {shown(args.png)} (with {how})")
    return 0
