"""Show a computation graph at work: values forward, derivatives backward, as text, DOT or PNG.

Text follows the notes' naming, where "dv" in code means dJ/dv (or dL/dv for the
loss of one example). DOT is Graphviz's language: one box per value with its
data and grad, one ellipse per operation. PNG uses Graphviz's `dot` when it is
installed and draws with matplotlib otherwise, so a missing optional tool is
never an error.
"""

from __future__ import annotations

import io
import shutil
import subprocess

from ..io.atomic import atomic_write
from .graph import Value, logistic_example, notes_example, topological_order


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
    da_formula = -y / a.data + (1 - y) / (1 - a.data)
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
        f"  dz = da * a(1 - a) = a - y = {_n(a.data - y)}   (graph: {_n(z.grad)})",
    ]
    for i in range(1, n + 1):
        lines.append(f"  dw{i} = x{i} dz = {_n(x[i - 1])} * {_n(z.grad)} = {_n(x[i - 1] * z.grad)}"
                     f"   (graph: {_n(g[f'w{i}'].grad)})")
    lines.append(f"  db = dz = {_n(z.grad)}   (graph: {_n(g['b'].grad)})")
    return lines, L


# ------------------------------------------------------------------------ DOT and pictures


def _name(node: Value) -> str:
    return node.label or (_n(node.data) if not node.parents else "")


def to_dot(root: Value, title: str = "") -> str:
    """The graph of `root` in Graphviz DOT, left to right, values and gradients on the nodes."""
    order = topological_order(root)
    ids = {id(node): f"n{i}" for i, node in enumerate(order)}
    lines = ["digraph computation {", "  rankdir=LR;", '  node [fontname="Helvetica"];']
    if title:
        lines.append(f'  label="{_escape(title)}"; labelloc=t;')
    for node in order:
        nid = ids[id(node)]
        label = f"{_name(node)} | data {_n(node.data)} | grad {_n(node.grad)}".lstrip(" |")
        lines.append(f'  {nid} [shape=record, label="{{ {_escape(label)} }}"];')
        if node.op:
            lines.append(f'  {nid}_op [shape=ellipse, label="{_escape(node.op)}"];')
            lines.append(f"  {nid}_op -> {nid};")
            for parent in node.parents:
                lines.append(f"  {ids[id(parent)]} -> {nid}_op;")
    lines.append("}")
    return "\n".join(lines) + "\n"


def _escape(text: str) -> str:
    out = text.replace("\\", "\\\\").replace('"', '\\"')
    for ch in "{}<>":
        out = out.replace(ch, "\\" + ch)
    return out


def write_dot(path, root: Value, title: str = "") -> None:
    with atomic_write(path) as f:
        f.write(to_dot(root, title).encode("utf-8"))


def write_png(path, root: Value, title: str = "") -> str:
    """Draw the graph to `path` as PNG, SVG or PDF (by its name); returns "graphviz" or
    "matplotlib", whichever drew it."""
    from ..io.figure_files import figure_format

    fmt = figure_format(path)
    dot = shutil.which("dot")
    if dot:
        done = subprocess.run([dot, f"-T{fmt}"], input=to_dot(root, title).encode("utf-8"),
                              capture_output=True, timeout=60)
        if done.returncode == 0 and done.stdout:
            with atomic_write(path) as f:
                f.write(done.stdout)
            return "graphviz"
    _draw_with_matplotlib(path, root, title)
    return "matplotlib"


def _draw_with_matplotlib(path, root: Value, title: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    order = topological_order(root)
    depth: dict[int, int] = {}
    for node in order:                      # inputs come first, so their depth is known
        depth[id(node)] = 1 + max((depth[id(p)] for p in node.parents), default=-1)
    first_use: dict[int, int] = {}
    for node in order:                      # leaves sit just before their first use, not all at the left
        for p in node.parents:
            if not p.parents:
                first_use[id(p)] = min(first_use.get(id(p), depth[id(node)]), depth[id(node)])
    depth.update({key: d - 1 for key, d in first_use.items()})
    layers: dict[int, list[Value]] = {}
    for node in order:
        layers.setdefault(depth[id(node)], []).append(node)
    place = {}
    for d, nodes in layers.items():
        for k, node in enumerate(nodes):
            place[id(node)] = (d * 3.0, -(k - (len(nodes) - 1) / 2) * 1.4)
    width = 3.0 * (max(layers) + 1)
    height = 1.4 * max(len(n) for n in layers.values()) + 1
    fig = Figure(figsize=(max(6.0, width * 1.1), max(3.0, height)))
    ax = fig.add_subplot()
    for node in order:
        x, y = place[id(node)]
        for parent in node.parents:
            px, py = place[id(parent)]
            ax.annotate("", xy=(x - 0.9, y), xytext=(px + 0.9, py),
                        arrowprops={"arrowstyle": "->", "color": "0.4"})
        if node.op:
            ax.text(x - 1.15, y + 0.32, node.op, ha="center", fontsize=8, color="tab:blue")
        text = f"{_name(node)}\ndata {_n(node.data)}\ngrad {_n(node.grad)}".lstrip("\n")
        ax.text(x, y, text, ha="center", va="center", fontsize=8,
                bbox={"boxstyle": "round", "facecolor": "white", "edgecolor": "0.3"})
    ax.set_xlim(-1.5, width - 1.5)
    ax.set_ylim(-height / 2, height / 2)
    ax.axis("off")
    if title:
        ax.set_title(title)
    from ..io.figure_files import save

    save(fig, path, dpi=110)

