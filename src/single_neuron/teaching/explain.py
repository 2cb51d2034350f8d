"""Show a computation graph at work: values forward, derivatives backward, as text, DOT or PNG.

Text follows the notes' naming, where "dv" in code means dJ/dv (or dL/dv for the
loss of one example). Its inputs, formulas and pictures come from the graphs'
descriptions (`graph_examples`), its numbers from the graph engine. DOT is
Graphviz's language: one box per value with its data and grad, in the columns the
description gives (see `graph_drawing`). Pictures (PNG, SVG or PDF) use Graphviz's
`dot` when it is installed and matplotlib's drawing otherwise, so a missing
optional tool is never an error.
"""

from __future__ import annotations

import shutil
import subprocess

from ..io.atomic import atomic_write
from .graph import Value, logistic_example
from .graph_examples import LOGISTIC_EXAMPLE, NOTES, GraphDescription, logistic_graph
from .graph_drawing import DPI, INPUT_FILL, VALUE_FILL, Picture, caption_of, graph_figure


def _n(x: float) -> str:
    return f"{x:.6g}"


def explain_notes(a: float | None = None, b: float | None = None, c: float | None = None) -> tuple[list[str], Picture]:
    """Lines explaining J = 3(a + bc) forward and backward, and its picture (inputs left None take
    the description's defaults, a = 5, b = 3, c = 2)."""
    given = {name: value for name, value in (("a", a), ("b", b), ("c", c)) if value is not None}
    inputs, g = NOTES.evaluate(given)
    A, B, C, u, v, J = (g[k] for k in ("a", "b", "c", "u", "v", "J"))
    shown = _forward(NOTES)
    lines = [
        f"Computation graph {NOTES.title} with a = {_n(A.data)}, b = {_n(B.data)}, c = {_n(C.data)}",
        "",
        "Forward pass (left to right):",
        f"  {shown['u']:<12}= {_n(B.data)} * {_n(C.data)} = {_n(u.data)}",
        f"  {shown['v']:<12}= {_n(A.data)} + {_n(u.data)} = {_n(v.data)}",
        f"  {shown['J']:<12}= 3 * {_n(v.data)} = {_n(J.data)}",
        "",
        "Backward pass (right to left, by the chain rule; dx means dJ/dx):",
        f"  dv = dJ/dv                = {_n(v.grad)}",
        f"  da = dv * dv/da = dv * 1  = {_n(A.grad)}",
        f"  du = dv * dv/du = dv * 1  = {_n(u.grad)}",
        f"  db = du * du/db = du * c  = {_n(u.grad)} * {_n(C.data)} = {_n(B.grad)}",
        f"  dc = du * du/dc = du * b  = {_n(u.grad)} * {_n(B.data)} = {_n(C.grad)}",
    ]
    return lines, NOTES.picture(g, inputs)


def explain_logistic(x=None, w=None, b: float | None = None, y: float | None = None) -> tuple[list[str], Picture]:
    """Lines explaining one example of logistic regression forward and backward, and its picture
    (inputs left None take the description's defaults: x = (1, 2), w = (0.5, -0.3), b = 0.1, y = 1)."""
    x, w, b, y = (LOGISTIC_EXAMPLE[name] if given is None else given
                  for name, given in (("x", x), ("w", w), ("b", b), ("y", y)))
    x, w = list(x), list(w)
    g = logistic_example(x, w, b, y)                    # first: it says what is wrong with x and w
    description = logistic_graph(len(x))
    inputs = description.inputs({**{f"x{i}": v for i, v in enumerate(x, 1)},
                                 **{f"w{i}": v for i, v in enumerate(w, 1)}, "b": b, "y": y})
    z, a, L = g["z"], g["a"], g["L"]
    n = len(x)
    numbers = " + ".join(f"{_n(w[i])} * {_n(x[i])}" for i in range(n))
    one_minus_a = Value(-z.data).sigmoid().data           # 1 - a without rounding to 0
    da_formula = (-y / a.data if y else 0.0) + ((1 - y) / one_minus_a if y != 1 else 0.0)
    shown = _forward(description)
    lines = [
        "One example of logistic regression: "
        f"x = ({', '.join(_n(v) for v in x)}), w = ({', '.join(_n(v) for v in w)}), b = {_n(b)}, y = {_n(y)}",
        "",
        "Forward pass (left to right):",
        f"  {shown['z']} = {numbers} + {_n(b)} = {_n(z.data)}",
        f"  {shown['a']} = {_n(a.data)}",
        f"  {shown['L']} = {_n(L.data)}",
        "",
        "Backward pass (right to left, by the chain rule; dx means dL/dx):",
        f"  da = -y/a + (1-y)/(1-a)   = {_n(da_formula)}   (graph: {_n(a.grad)})",
        f"  dz = da * a(1 - a) = a - y = {_n(a.data if y == 0 else -one_minus_a)}   (graph: {_n(z.grad)})",
    ]
    for i in range(1, n + 1):
        lines.append(f"  dw{i} = x{i} dz = {_n(x[i - 1])} * {_n(z.grad)} = {_n(x[i - 1] * z.grad)}"
                     f"   (graph: {_n(g[f'w{i}'].grad)})")
    lines.append(f"  db = dz = {_n(z.grad)}   (graph: {_n(g['b'].grad)})")
    return lines, description.picture(g, inputs)


def _forward(description: GraphDescription) -> dict[str, str]:
    """Each computed box as the forward pass writes it: "u = bc", and, where its formula calls a
    function the notes define, "a = σ(z) = 1 / (1 + exp(-z))"."""
    shown = {}
    for box in description.boxes:
        if box.formula:
            definition = description.definitions.get(box.formula)
            shown[box.name] = f"{box.name} = {box.formula}" + (f" = {definition}" if definition else "")
    return shown


# ------------------------------------------------------------------------ DOT and pictures


def to_dot(picture: Picture) -> str:
    """The picture in Graphviz DOT, left to right: its boxes (named values, each with its formula,
    data and grad; see `graph_drawing`), in its columns where it places them."""
    nodes = picture.nodes
    lines = ["digraph computation {", "  rankdir=LR;", '  size="16.5,100";',
             '  node [shape=box, style="rounded,filled", fontname="Helvetica", fontsize=14];',
             '  edge [color="#595959"];']
    caption = _escape(caption_of(nodes))
    label = f"{_escape(picture.title)}\\n{caption}" if picture.title else caption
    lines.append(f'  label="{label}"; labelloc=t; fontname="Helvetica"; fontsize=14;')
    order = picture.order()
    for k in order:                     # Graphviz keeps the order in which it first meets the boxes
        fill = INPUT_FILL if nodes[k].is_input else VALUE_FILL
        label = "\\n".join(_escape(line) for line in nodes[k].lines())
        lines.append(f'  n{k} [label="{label}", fillcolor="{fill}"];')
    for column in picture.columns or []:
        if len(column) > 1:             # the description's columns, kept by Graphviz's ranks
            lines.append(f"  {{rank=same; {' '.join(f'n{k};' for k in column)}}}")
    for k in order:
        lines.extend(f"  n{source} -> n{k};" for source in sorted(nodes[k].inputs, key=order.index))
    lines.append("}")
    return "\n".join(lines) + "\n"


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def write_dot(path, picture: Picture) -> None:
    with atomic_write(path) as f:
        f.write(to_dot(picture).encode("utf-8"))


def write_png(path, picture: Picture) -> str:
    """Draw the picture to `path` as PNG, SVG or PDF (by its name), with Graphviz's `dot` where it is
    installed and matplotlib otherwise; returns "graphviz" or "matplotlib", whichever drew it."""
    from ..io.figure_writer import check_figure_path, figure_format, save

    check_figure_path(path, "picture")
    fmt = figure_format(path)
    dot = shutil.which("dot")
    if dot:
        done = subprocess.run([dot, f"-T{fmt}"], input=to_dot(picture).encode("utf-8"),
                              capture_output=True, timeout=60)
        if done.returncode == 0 and done.stdout:
            with atomic_write(path) as f:
                f.write(done.stdout)
            return "graphviz"
    save(graph_figure(picture), path, dpi=DPI)
    return "matplotlib"
