"""A computation graph drawn as the notes draw it: named values in boxes, left to right.

The notes name the values of a graph (a, b, c, u, v, J; x1, w1, b, z, a, L) and write
each computed one as a formula of the others (u = bc). `picture_graph` keeps the
named values and folds the unnamed steps between them (constants, the pieces of a
formula) into those formulas; a graph with no names at all keeps every node.

A `Picture` is what a drawing shows: the boxes, a title and, where the graph's
description says so (the notes' two graphs, `graph_examples`), the column each box
sits in and its place there. `layout` places the boxes there, or, for any other
graph, in layers of its own, inputs on the left and the output on the right (each
value one layer after its latest input, each input just before its first use),
ordered to follow their neighbours (barycentres). It routes every edge
through the gaps between boxes: out of its box's right side, across the columns
between, into its target's left side, so that no edge runs through a box.
Everything is in pixels of the finished picture, so the sizes can be checked.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ..errors import InputValueError, OutputError
from .graph import Value, topological_order

FONT_SIZE = 11.0        # points; at 100 dpi a line of text is about 15 px high
LINE_SPACING = 1.3
DPI = 100
PAD_X, PAD_Y = 10.0, 6.0            # text to box border
GAP_X, GAP_Y = 64.0, 22.0           # between columns, between boxes of a column
MARGIN = 12.0
# Past this many pixels a side a picture is no longer one a person reads (and Agg draws at most
# 2**16): such a graph is refused in one line; its DOT file still holds it.
MAX_PICTURE_SIDE = 16000
LANE = 6.0                          # height of a long edge's passage through a column
INPUT_FILL, VALUE_FILL = "#dbe9f7", "#fbe3c4"


@dataclass
class Node:
    """One box: a named value with its formula (empty for an input), data and grad."""

    name: str
    formula: str
    data: float
    grad: float
    inputs: list[int] = field(default_factory=list)     # indices of the boxes it is computed from

    @property
    def is_input(self) -> bool:
        return not self.inputs

    def lines(self) -> list[str]:
        head = self.name if self.is_input else f"{self.name} = {self.formula}"
        return [head, f"data {_n(self.data)}", f"grad {_n(self.grad)}"]


def _n(x: float) -> str:
    return f"{x:.6g}"


@dataclass
class Picture:
    """What a drawing of a graph shows: the boxes (the output last), a title, and where each box
    sits: `columns` lists the boxes' indices column by column, left to right, each column top to
    bottom; None lets `layout` place them from the graph's shape."""

    nodes: list[Node]
    title: str = ""
    columns: list[list[int]] | None = None

    def order(self) -> list[int]:
        """The boxes in the order a reader meets them: column by column where they are placed,
        else `reading_order`."""
        return [k for column in self.columns for k in column] if self.columns else reading_order(self.nodes)


def picture_of(root: Value, title: str = "") -> Picture:
    """The picture of any graph: its named values (see `picture_graph`), placed from its shape."""
    return Picture(picture_graph(root), title)


# ------------------------------------------------------------------------ which nodes, which formulas


def picture_graph(root: Value) -> list[Node]:
    """The boxes of `root`'s graph, inputs first and `root` last, each with its formula written
    from the graph's operations in the names of the boxes."""
    order = topological_order(root)
    labelled = any(node.label for node in order if node is not root)
    shown = [node for node in order if node is root or node.label or not labelled]
    index = {id(node): k for k, node in enumerate(shown)}
    names = _names(shown)
    return [Node(names[id(node)], _expression(node, names, top=True)[0] if node.parents else "", node.data,
                 node.grad, [index[id(p)] for p in shown_inputs(node, lambda p: id(p) in index)])
            for node in shown]


def _names(shown: list[Value]) -> dict[int, str]:
    """Each shown node's name: its label; else a constant's number, or t1, t2, ... in order."""
    names: dict[int, str] = {}
    temporaries = 0
    for node in shown:
        if node.label:
            names[id(node)] = node.label
        elif not node.parents:
            names[id(node)] = _n(node.data)
        else:
            temporaries += 1
            names[id(node)] = f"t{temporaries}"
    return names


def shown_inputs(node: Value, is_shown) -> list[Value]:
    """The nearest nodes that `node` is computed from and that `is_shown(node)` keeps, looking
    through the others (the steps inside one formula); in order, each once, without recursion."""
    found: list[Value] = []
    seen: set[int] = set()
    stack = list(reversed(node.parents))
    while stack:
        parent = stack.pop()
        if id(parent) in seen:
            continue
        seen.add(id(parent))
        if is_shown(parent):
            found.append(parent)
        else:
            stack.extend(reversed(parent.parents))
    return found


# Precedence: a sum binds least, then products, then powers, then names and calls.
_SUM, _PRODUCT, _NEGATION, _POWER, _ATOM = range(5)
_CALLS = {"sigmoid": "σ", "log": "log", "exp": "exp", "tanh": "tanh", "relu": "relu"}


def _expression(node: Value, names: dict, top: bool = False) -> tuple[str, int]:
    """The formula of `node` in the names of the shown nodes, and its precedence."""
    if not top and id(node) in names:
        name = names[id(node)]
        return name, (_NEGATION if name.startswith("-") else _ATOM)
    if not node.parents:
        text = _n(node.data)
        return text, (_NEGATION if node.data < 0 else _ATOM)
    if node.op in _CALLS:
        return f"{_CALLS[node.op]}({_expression(node.parents[0], names)[0]})", _ATOM
    if node.op.startswith("**"):
        k = node.op[2:]
        base = _wrap(node.parents[0], names, _ATOM)
        return (f"1/{base}", _PRODUCT) if k == "-1" else (f"{base}^{k}", _POWER)
    if node.op == "+":
        return _sum(*node.parents, names)
    if node.op == "*":
        return _product(*node.parents, names)
    return f"{node.op}({', '.join(_expression(p, names)[0] for p in node.parents)})", _ATOM


def _sum(left: Value, right: Value, names: dict) -> tuple[str, int]:
    """left + right, written left - x where right is -x."""
    if _is_negation(right, names):
        return f"{_wrap(left, names, _SUM)} - {_wrap(right.parents[0], names, _PRODUCT)}", _SUM
    return f"{_wrap(left, names, _SUM)} + {_wrap(right, names, _SUM)}", _SUM


def _product(left: Value, right: Value, names: dict) -> tuple[str, int]:
    """left * right, written -left, 3·v (the constant first) or left / x where right is 1/x."""
    if _is_constant(right, names) and right.data == -1.0:
        return f"-{_wrap(left, names, _POWER)}", _NEGATION
    if _is_constant(right, names) and not _is_constant(left, names):
        left, right = right, left                       # 3·v, as written, not v·3
    if right.op == "**-1" and id(right) not in names:
        return f"{_wrap(left, names, _PRODUCT)} / {_wrap(right.parents[0], names, _POWER)}", _PRODUCT
    return f"{_wrap(left, names, _PRODUCT)}·{_wrap(right, names, _POWER)}", _PRODUCT


def _wrap(node: Value, names: dict, at_least: int) -> str:
    text, precedence = _expression(node, names)
    return text if precedence >= at_least else f"({text})"


def _is_constant(node: Value, names: dict) -> bool:
    return not node.parents and id(node) not in names


def _is_negation(node: Value, names: dict) -> bool:
    return (id(node) not in names and node.op == "*" and _is_constant(node.parents[1], names)
            and node.parents[1].data == -1.0)


# ------------------------------------------------------------------------ layout, in pixels


@dataclass
class Layout:
    """Where everything goes, in pixels (y downwards): one rectangle (x0, y0, x1, y1) per box,
    one polyline per edge (from its input's box to its value's box), the title lines."""

    nodes: list[Node]
    boxes: list[tuple[float, float, float, float]]
    edges: list[tuple[int, int, list[tuple[float, float]]]]
    title: list[tuple[str, float, float]]       # (text, font size in points, height in pixels)
    width: float
    height: float


def layout(nodes: list[Node], title: list[tuple[str, float]], measure,
           columns: list[list[int]] | None = None) -> Layout:
    """Place `nodes` (from `picture_graph`, or a description's) under the title's lines, (text, font
    size) each, in `columns` where given (see `Picture`), else in layers of the graph's shape;
    measure(text, font size) -> (width, height) in pixels."""
    title = [(text, size, *measure(text, size)) for text, size in title]
    sizes = []
    for node in nodes:
        w, h = measure("\n".join(node.lines()), FONT_SIZE)
        sizes.append((w + 2 * PAD_X, h + 2 * PAD_Y))
    layer = _layers(nodes) if columns is None else _columns_of(columns, len(nodes))
    item_layer, item_size, chains, links = _lanes(nodes, layer, sizes)
    members = _members(nodes, item_layer, links, columns)
    centre_y = _centres(members, links, item_size)
    widths = [max(item_size[i][0] for i in column) for column in members]
    left = [MARGIN]
    for c in range(1, len(members)):
        left.append(left[-1] + widths[c - 1] + GAP_X)
    title_height = sum(h for _, _, _, h in title) + 8.0
    top = min(centre_y[i] - item_size[i][1] / 2 for i in range(len(item_layer)))
    shift = MARGIN + title_height - top
    rects = []
    for i, c in enumerate(item_layer):
        w, h = item_size[i]
        x0 = left[c] + (widths[c] - w) / 2
        y0 = centre_y[i] + shift - h / 2
        rects.append((x0, y0, x0 + w, y0 + h))
    edges = _route(nodes, chains, rects, left, widths, layer)
    width = max(left[-1] + widths[-1] + MARGIN, max(w for _, _, w, _ in title) + 2 * MARGIN)
    height = max(r[3] for r in rects) + MARGIN
    return Layout(nodes, rects[:len(nodes)], edges, [(text, size, h) for text, size, _, h in title],
                  width, height)


def _columns_of(columns: list[list[int]], n: int) -> list[int]:
    """Each box's column, from columns that hold every box once."""
    if sorted(k for column in columns for k in column) != list(range(n)):
        raise InputValueError(f"columns: expected each of the {n} boxes once, got {columns}")
    return [c for k in range(n) for c, column in enumerate(columns) if k in column]


def _lanes(nodes: list[Node], layer: list[int], sizes: list[tuple[float, float]]):
    """The items to place: the boxes, then one "lane" for each column that a long edge crosses (a
    passage of small height, placed like a box, so that the edge runs between the boxes there).
    Returns each item's layer and size, each edge's lanes by (source, target), and the links
    between items of adjacent layers."""
    item_layer = list(layer)
    item_size = list(sizes)
    chains: dict[tuple[int, int], list[int]] = {}
    for target, node in enumerate(nodes):
        for source in node.inputs:
            chain = []
            for between in range(layer[source] + 1, layer[target]):
                item_layer.append(between)
                item_size.append((0.0, LANE))
                chain.append(len(item_layer) - 1)
            chains[source, target] = chain
    links = []
    for (source, target), chain in chains.items():
        path = [source, *chain, target]
        links.extend(zip(path, path[1:]))
    return item_layer, item_size, chains, links


def _members(nodes, item_layer, links, columns) -> list[list[int]]:
    """Each column's items, top to bottom: the given columns' boxes in their order (lanes below),
    or the items in reading order, then reordered to follow their neighbours."""
    if columns is not None:
        members = [list(column) for column in columns]
        for i in range(len(nodes), len(item_layer)):
            members[item_layer[i]].append(i)
        return members
    first = {k: rank for rank, k in enumerate(reading_order(nodes))}
    members = [sorted((i for i, l in enumerate(item_layer) if l == c), key=lambda i: first.get(i, i))
               for c in range(max(item_layer) + 1)]
    _order(members, links)
    return members


def _layers(nodes: list[Node]) -> list[int]:
    """Each computed value one layer after its latest input; each input just before its first use."""
    layer = [0] * len(nodes)
    for k, node in enumerate(nodes):                # inputs come before the values computed from them
        if node.inputs:
            layer[k] = 1 + max(layer[i] for i in node.inputs)
    for k, node in enumerate(nodes):
        if node.is_input:
            uses = [layer[t] for t, other in enumerate(nodes) if k in other.inputs]
            layer[k] = min(uses) - 1 if uses else 0
    return layer


def reading_order(nodes: list[Node]) -> list[int]:
    """The boxes' indices in a first order: by their first use, and there in the order its
    formula names them (x1, w1, ..., b as "w1x1 + w2x2 + b" reads; a before u in "a + u")."""
    key = {k: (len(nodes), 0, k) for k in range(len(nodes))}
    for k, node in enumerate(nodes):
        for source in node.inputs:
            if key[source][0] == len(nodes):
                found = re.search(rf"(?<![A-Za-z_]){re.escape(nodes[source].name)}(?![0-9])", node.formula)
                key[source] = (k, found.start() if found else len(node.formula), source)
    return sorted(key, key=key.get)


def _order(members: list[list[int]], links: list[tuple[int, int]], sweeps: int = 4) -> None:
    """Reorder each column by the mean position of its neighbours in the next column (barycentres),
    sweeping right and left; fewer crossings, in place."""
    up = {i: [a for a, b in links if b == i] for column in members for i in column}
    down = {i: [b for a, b in links if a == i] for column in members for i in column}
    for sweep in range(sweeps):
        forward = sweep % 2 == 0
        columns = range(1, len(members)) if forward else range(len(members) - 2, -1, -1)
        for c in columns:
            fixed = members[c - 1] if forward else members[c + 1]
            members[c] = _by_barycentre(members[c], fixed, up if forward else down)


def _by_barycentre(column: list[int], fixed: list[int], neighbours: dict) -> list[int]:
    """`column` sorted by the mean rank of each item's neighbours in `fixed`; an item with none
    there keeps its place."""
    rank = {i: k for k, i in enumerate(fixed)}
    here = {i: k for k, i in enumerate(column)}

    def key(item):
        near = [rank[j] for j in neighbours[item] if j in rank]
        return sum(near) / len(near) if near else here[item]

    return sorted(column, key=key)


def _centres(members, links, item_size, rounds: int = 12) -> list[float]:
    """Vertical centres: each item pulled towards its neighbours, items of a column kept in order
    and apart."""
    n = sum(len(column) for column in members)
    y = [0.0] * n
    for column in members:
        _stack(column, item_size, {i: 0.0 for i in column}, y)
    near = {i: [] for i in range(n)}
    for a, b in links:
        near[a].append(b)
        near[b].append(a)
    for _ in range(rounds):
        for column in members:
            wanted = {i: (sum(y[j] for j in near[i]) / len(near[i]) if near[i] else y[i]) for i in column}
            _stack(column, item_size, wanted, y)
    return y


def _stack(column, item_size, wanted, y) -> None:
    """Place a column's items in order, each at least its half-heights plus a gap below the one
    above, then shift the column so that on average each is where it wants to be."""
    placed = []
    for k, i in enumerate(column):
        target = wanted[i]
        if k:
            prev = column[k - 1]
            floor = placed[-1] + (item_size[prev][1] + item_size[i][1]) / 2 + GAP_Y
            target = max(target, floor)
        placed.append(target)
    offset = sum(wanted[i] - p for i, p in zip(column, placed)) / len(column)
    for i, p in zip(column, placed):
        y[i] = p + offset


def _route(nodes, chains, rects, left, widths, layer):
    """Each edge: out of its input's right side, along its lane through the columns between,
    into its value's left side; ports spread along the sides in the order of what they face."""
    def middle(i):
        return (rects[i][1] + rects[i][3]) / 2

    outgoing: dict[int, list] = {}
    incoming: dict[int, list] = {}
    for (source, target), chain in chains.items():
        first_hop = chain[0] if chain else target
        last_hop = chain[-1] if chain else source
        outgoing.setdefault(source, []).append((middle(first_hop), (source, target)))
        incoming.setdefault(target, []).append((middle(last_hop), (source, target)))

    def ports(groups):
        port = {}
        for box, faced in groups.items():
            faced.sort()
            y0, y1 = rects[box][1], rects[box][3]
            for k, (_, edge) in enumerate(faced):
                port[edge] = y0 + (y1 - y0) * (k + 1) / (len(faced) + 1)
        return port

    out_port, in_port = ports(outgoing), ports(incoming)
    edges = []
    for (source, target), chain in chains.items():
        c = layer[source]
        points = [(rects[source][2], out_port[source, target]),
                  (left[c] + widths[c], out_port[source, target])]
        for k, lane in enumerate(chain):
            c = layer[source] + 1 + k
            points += [(left[c], middle(lane)), (left[c] + widths[c], middle(lane))]
        c = layer[target]
        points += [(left[c], in_port[source, target]), (rects[target][0], in_port[source, target])]
        edges.append((source, target, _without_repeats(points)))
    return edges


def _without_repeats(points):
    kept = [points[0]]
    for p in points[1:]:
        if abs(p[0] - kept[-1][0]) > 1e-9 or abs(p[1] - kept[-1][1]) > 1e-9:
            kept.append(p)
    return kept


# ------------------------------------------------------------------------ the figure


def caption_of(nodes: list[Node]) -> str:
    """What data and grad mean in the boxes of this graph."""
    return (f"data: each value, left to right;  grad: d{nodes[-1].name}/d(that value), right to left "
            "by the chain rule")


def graph_layout(picture: Picture) -> Layout:
    """The picture placed: boxes, edges and title in pixels at 100 dpi."""
    nodes = picture.nodes
    lines = [(picture.title, FONT_SIZE + 2)] if picture.title else []
    lines.append((caption_of(nodes), FONT_SIZE))
    placed = layout(nodes, lines, _measurer(), picture.columns)
    if max(placed.width, placed.height) > MAX_PICTURE_SIDE:
        raise OutputError(f"the graph has {len(nodes)} boxes, a picture of {placed.width:.0f} x "
                          f"{placed.height:.0f} px: too large to draw (at most {MAX_PICTURE_SIDE} px a side); "
                          "--dot writes it for Graphviz")
    return placed


def _measurer():
    """measure(text, points) -> (width, height) in pixels of text drawn at 100 dpi."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(dpi=DPI)
    renderer = FigureCanvasAgg(fig).get_renderer()

    def measure(text, size):
        t = fig.text(0, 0, text, fontsize=size, linespacing=LINE_SPACING, parse_math=False)
        box = t.get_window_extent(renderer)
        t.remove()
        return box.width, box.height

    return measure


def graph_figure(picture: Picture):
    """The picture as a matplotlib Figure: one pixel per unit of `graph_layout` at 100 dpi."""
    return draw(graph_layout(picture))


def draw(placed: Layout):
    """A Figure of exactly placed.width x placed.height pixels at 100 dpi."""
    from matplotlib.figure import Figure
    from matplotlib.patches import FancyArrowPatch, FancyBboxPatch
    from matplotlib.path import Path as Curve

    fig = Figure(figsize=(placed.width / DPI, placed.height / DPI), dpi=DPI)
    ax = fig.add_axes((0, 0, 1, 1))
    ax.set_xlim(0, placed.width)
    ax.set_ylim(placed.height, 0)
    ax.axis("off")
    y = MARGIN
    for text, size, height in placed.title:
        ax.text(placed.width / 2, y, text, ha="center", va="top", fontsize=size, linespacing=LINE_SPACING,
                parse_math=False)
        y += height
    for _, _, points in placed.edges:
        codes = [Curve.MOVETO] + [Curve.LINETO] * (len(points) - 1)
        ax.add_patch(FancyArrowPatch(path=Curve(points, codes), arrowstyle="-|>", mutation_scale=14,
                                     shrinkA=0, shrinkB=0, color="0.35", linewidth=1.2))
    for node, (x0, y0, x1, y1) in zip(placed.nodes, placed.boxes):
        ax.add_patch(FancyBboxPatch((x0, y0), x1 - x0, y1 - y0, boxstyle="round,pad=0,rounding_size=6",
                                    facecolor=INPUT_FILL if node.is_input else VALUE_FILL,
                                    edgecolor="0.25", linewidth=1.0))
        ax.text((x0 + x1) / 2, (y0 + y1) / 2, "\n".join(node.lines()), ha="center", va="center",
                fontsize=FONT_SIZE, linespacing=LINE_SPACING, parse_math=False)
    return fig
