"""Show a computation graph at work: values forward, derivatives backward, as text, DOT or PNG.

Text follows the notes' naming, where "dv" in code means dJ/dv (or dL/dv for the
loss of one example). DOT is Graphviz's language: one box per value with its
data and grad (named values as the notes name them, each with its formula; see
`graph_picture`). Pictures (PNG, SVG or PDF) use Graphviz's `dot` when it is
installed and matplotlib's layered drawing otherwise, so a missing optional tool
is never an error.
"""

from __future__ import annotations

import shutil
import subprocess

from ..io.atomic import atomic_write
from .graph import Value, logistic_example, notes_example
from .graph_picture import DPI, INPUT_FILL, VALUE_FILL, caption_of, graph_figure, picture_graph, reading_order


def _n(x: float) -> str:
    return f"{x:.6g}"


def explain_notes(a: float = 5.0, b: float = 3.0, c: float = 2.0) -> tuple[list[str], Value]:
    """Lines explaining J = 3(a + bc) forward and backward, and the graph's output node."""
    g = notes_example(a, b, c)
    A, B, C, u, v, J = (g[k] for k in ("a", "b", "c", "u", "v", "J"))
    lines = [
        f"Computation graph J = 3(a + bc) with a = {_n(A.data)}, b = {_n(B.data)}, c = {_n(C.data)}",
        "",
        "Forward pass (left to right):",
        f"  u = bc      = {_n(B.data)} * {_n(C.data)} = {_n(u.data)}",
        f"  v = a + u   = {_n(A.data)} + {_n(u.data)} = {_n(v.data)}",
        f"  J = 3v      = 3 * {_n(v.data)} = {_n(J.data)}",
        "",
        "Backward pass (right to left, by the chain rule; dx means dJ/dx):",
        f"  dv = dJ/dv                = {_n(v.grad)}",
        f"  da = dv * dv/da = dv * 1  = {_n(A.grad)}",
        f"  du = dv * dv/du = dv * 1  = {_n(u.grad)}",
        f"  db = du * du/db = du * c  = {_n(u.grad)} * {_n(C.data)} = {_n(B.grad)}",
        f"  dc = du * du/dc = du * b  = {_n(u.grad)} * {_n(B.data)} = {_n(C.grad)}",
    ]
    return lines, J


def explain_logistic(x, w, b: float, y: int) -> tuple[list[str], Value]:
    """Lines explaining one example of logistic regression forward and backward, and its loss node."""
    g = logistic_example(x, w, b, y)
    z, a, L = g["z"], g["a"], g["L"]
    n = len(x)
    terms = " + ".join(f"w{i} x{i}" for i in range(1, n + 1))
    numbers = " + ".join(f"{_n(w[i])} * {_n(x[i])}" for i in range(n))
    one_minus_a = Value(-z.data).sigmoid().data           # 1 - a without rounding to 0
    da_formula = (-y / a.data if y else 0.0) + ((1 - y) / one_minus_a if y != 1 else 0.0)
    lines = [
        "One example of logistic regression: "
        f"x = ({', '.join(_n(v) for v in x)}), w = ({', '.join(_n(v) for v in w)}), b = {_n(b)}, y = {y}",
        "",
        "Forward pass (left to right):",
        f"  z = {terms} + b = {numbers} + {_n(b)} = {_n(z.data)}",
        f"  a = sigmoid(z) = 1 / (1 + exp(-z)) = {_n(a.data)}",
        f"  L(a, y) = -(y log a + (1 - y) log(1 - a)) = {_n(L.data)}",
        "",
        "Backward pass (right to left, by the chain rule; dx means dL/dx):",
        f"  da = -y/a + (1-y)/(1-a)   = {_n(da_formula)}   (graph: {_n(a.grad)})",
        f"  dz = da * a(1 - a) = a - y = {_n(a.data if y == 0 else -one_minus_a)}   (graph: {_n(z.grad)})",
    ]
    for i in range(1, n + 1):
        lines.append(f"  dw{i} = x{i} dz = {_n(x[i - 1])} * {_n(z.grad)} = {_n(x[i - 1] * z.grad)}"
                     f"   (graph: {_n(g[f'w{i}'].grad)})")
    lines.append(f"  db = dz = {_n(z.grad)}   (graph: {_n(g['b'].grad)})")
    return lines, L


# ------------------------------------------------------------------------ DOT and pictures

# The formulas the notes write in the boxes of their two graphs.
NOTES_FORMULAS = {"u": "bc", "v": "a + u", "J": "3v"}


def logistic_formulas(n: int) -> dict[str, str]:
    """The notes' formulas for the graph of one example with n features."""
    terms = [f"w{i}x{i}" for i in range(1, n + 1)]
    if n > 3:
        terms = [terms[0], "...", terms[-1]]
    return {"z": " + ".join(terms) + " + b", "a": "σ(z)", "L": "L(a, y)"}


def to_dot(root: Value, title: str = "", formulas: dict[str, str] | None = None) -> str:
    """The graph of `root` in Graphviz DOT, left to right: the boxes of the picture (named values,
    each with its formula, data and grad; see `graph_picture`)."""
    nodes = picture_graph(root, formulas)
    lines = ["digraph computation {", "  rankdir=LR;", '  size="16.5,100";',
             '  node [shape=box, style="rounded,filled", fontname="Helvetica", fontsize=14];',
             '  edge [color="#595959"];']
    caption = _escape(caption_of(nodes))
    label = f"{_escape(title)}\\n{caption}" if title else caption
    lines.append(f'  label="{label}"; labelloc=t; fontname="Helvetica"; fontsize=14;')
    order = reading_order(nodes)
    for k in order:                     # Graphviz keeps the order in which it first meets the boxes
        fill = INPUT_FILL if nodes[k].is_input else VALUE_FILL
        label = "\\n".join(_escape(line) for line in nodes[k].lines())
        lines.append(f'  n{k} [label="{label}", fillcolor="{fill}"];')
    for k in order:
        lines.extend(f"  n{source} -> n{k};" for source in sorted(nodes[k].inputs, key=order.index))
    lines.append("}")
    return "\n".join(lines) + "\n"


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def write_dot(path, root: Value, title: str = "", formulas: dict[str, str] | None = None) -> None:
    with atomic_write(path) as f:
        f.write(to_dot(root, title, formulas).encode("utf-8"))


def write_png(path, root: Value, title: str = "", formulas: dict[str, str] | None = None) -> str:
    """Draw the graph to `path` as PNG, SVG or PDF (by its name), with Graphviz's `dot` where it is
    installed and matplotlib otherwise; returns "graphviz" or "matplotlib", whichever drew it."""
    from ..io.figure_files import check_figure_path, figure_format, save

    check_figure_path(path, "picture")
    fmt = figure_format(path)
    dot = shutil.which("dot")
    if dot:
        done = subprocess.run([dot, f"-T{fmt}"], input=to_dot(root, title, formulas).encode("utf-8"),
                              capture_output=True, timeout=60)
        if done.returncode == 0 and done.stdout:
            with atomic_write(path) as f:
                f.write(done.stdout)
            return "graphviz"
    save(graph_figure(root, title, formulas), path, dpi=DPI)
    return "matplotlib"
