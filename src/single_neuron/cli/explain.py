"""`explain`: a computation graph walked forward and backward with numbers, as the notes do."""

from __future__ import annotations

from ..teaching.graph_examples import GRAPHS, LOGISTIC_EXAMPLE, NOTES
from .options import label, number


def _defaults(name: str) -> str:
    return " ".join(f"{v:g}" for v in LOGISTIC_EXAMPLE[name])


def declare(commands) -> None:
    explain = commands.add_parser(
        "explain", help="show a computation graph forward and backward, with numbers",
        description="Walk a computation graph as the notes do: each value on the way forward, each "
                    "derivative on the way back by the chain rule. 'notes' is J = 3(a + bc); "
                    "'logistic' is the loss of one example of logistic regression.")
    explain.add_argument("graph", nargs="?", choices=tuple(GRAPHS), default="notes",
                         help="which graph (default notes)")
    explain.add_argument("--a", type=number, help=f"notes: a (default {NOTES.defaults['a']:g})")
    explain.add_argument("--b", type=number, help=f"notes: b (default {NOTES.defaults['b']:g}); "
                                                  f"logistic: the bias (default {LOGISTIC_EXAMPLE['b']:g})")
    explain.add_argument("--c", type=number, help=f"notes: c (default {NOTES.defaults['c']:g})")
    explain.add_argument("--x", type=number, nargs="+", metavar="X",
                         help=f"logistic: features (default {_defaults('x')})")
    explain.add_argument("--w", type=number, nargs="+", metavar="W",
                         help=f"logistic: weights (default {_defaults('w')})")
    explain.add_argument("--y", type=label, help=f"logistic: the label, 0 or 1 (default {LOGISTIC_EXAMPLE['y']:g})")
    explain.add_argument("--dot", metavar="FILE", help="also write the graph in Graphviz DOT")
    explain.add_argument("--png", metavar="FILE", help="also draw the graph to FILE (.png, .svg or .pdf)")
    explain.set_defaults(run=run, outputs={"dot": "graph", "png": "picture"})


def _options(graph: str) -> list[str]:
    """The options of a graph's inputs: its inputs' names, x1 and x2 both --x."""
    return list(dict.fromkeys(name.rstrip("0123456789") for name in GRAPHS[graph].defaults))


def run(args) -> int:
    from .output import UsageError, shown
    from ..io.atomic import check_writable
    from ..teaching.explain import explain_logistic, explain_notes, write_dot, write_png

    if args.dot:
        check_writable(args.dot, "output")
    if args.png:
        from ..io.figure_writer import check_figure_path

        check_figure_path(args.png, "picture")
    own = _options(args.graph)
    foreign = [f"--{name}" for name in ("a", "b", "c", "x", "w", "y")
               if name not in own and getattr(args, name) is not None]
    if foreign:
        raise UsageError(f"{', '.join(foreign)}: not an input of the {args.graph} graph (its inputs: "
                         f"{', '.join('--' + name for name in own)})")
    if args.graph == "notes":
        lines, picture = explain_notes(args.a, args.b, args.c)
    else:
        lines, picture = explain_logistic(args.x, args.w, args.b, args.y)
    print("\n".join(lines))
    if args.dot:
        write_dot(args.dot, picture)
        print(f"graph written to {shown(args.dot)}")
    if args.png:
        how = write_png(args.png, picture)
        print(f"graph drawn to {shown(args.png)} (with {how})")
    return 0
