"""The computation graph drawn as the notes draw it: their names, a layered left-to-right layout
no wider than 1,600 px, text at least 10 px high, edges that end at their boxes and run through
no box; with Graphviz where it is installed, with matplotlib everywhere."""

from __future__ import annotations

import shutil

import numpy as np
import pydot
import pytest

from picture_checks import assert_not_blank, file_format, png_pixels, regions_of_colour
from single_neuron.graph import Value
from single_neuron.io.figure_writer import save
from single_neuron.teaching.explain import explain_logistic, explain_notes, to_dot
from single_neuron.teaching.graph_drawing import (DPI, INPUT_FILL, VALUE_FILL, draw, graph_layout, picture_graph,
                                                  picture_of)


def micrograd_graph():
    a, b = Value(2.0, label="a"), Value(-3.0, label="b")
    c = a * b
    c.label = "c"
    d = c + a
    d.label = "d"
    e = d.tanh() * c
    e.label = "e"
    f = (e + a) / b
    f.label = "f"
    f.backward()
    return f


def unnamed_graph():
    x = Value(1.5)
    y = (x * x + x.exp()).log() - x
    y.backward()
    return y


# The notes' graphs as their descriptions place them; any other graph placed from its shape.
GRAPHS = {
    "notes": lambda: explain_notes()[1],
    "logistic": lambda: explain_logistic([1.0, 2.0], [0.5, -0.3], 0.1, 1)[1],
    "logistic-6": lambda: explain_logistic([1.0] * 6, [0.2] * 6, 0.0, 0)[1],
    "micrograd": lambda: picture_of(micrograd_graph(), "f"),
    "unnamed": lambda: picture_of(unnamed_graph()),
}


def test_the_boxes_carry_the_notes_names_and_formulas():
    nodes = GRAPHS["notes"]().nodes
    assert [n.name for n in nodes if n.is_input] and {n.name for n in nodes} == {"a", "b", "c", "u", "v", "J"}
    shown = {n.name: n for n in nodes}
    assert shown["u"].lines() == ["u = bc", "data 6", "grad 3"]
    assert shown["J"].lines() == ["J = 3v", "data 33", "grad 1"] and shown["b"].lines() == ["b", "data 3", "grad 6"]
    assert {nodes[i].name for i in shown["v"].inputs} == {"a", "u"}
    nodes = GRAPHS["logistic"]().nodes
    assert {n.name for n in nodes} == {"x1", "w1", "x2", "w2", "b", "z", "a", "L"}
    assert {n.name: n.formula for n in nodes if not n.is_input} == {"z": "w1x1 + w2x2 + b", "a": "σ(z)",
                                                                   "L": "L(a, y)"}
    assert GRAPHS["logistic-6"]().nodes[-3].formula == "w1x1 + ... + w6x6 + b"


def test_formulas_are_written_from_the_graph_where_none_is_given():
    a, b, c = Value(2.0, label="a"), Value(3.0, label="b"), Value(4.0, label="c")
    cases = [(a * b, "a·b"), (3 * a, "3·a"), (a - b, "a - b"), (a / b, "a / b"), (a ** 2, "a^2"),
             (-a, "-a"), (a.sigmoid(), "σ(a)"), ((a + b) * c, "(a + b)·c"), (a * (b + c).log(), "a·log(b + c)"),
             ((a - b) - (b - c), "a - b - (b - c)"), (1 / a, "1 / a")]
    for value, formula in cases:
        value.label = "out"
        assert picture_graph(value)[-1].formula == formula
    # unnamed nodes: every one shown, named t1, t2, ... in the order they are computed
    nodes = picture_graph(unnamed_graph())
    assert [n.name for n in nodes if not n.is_input] == ["t1", "t2", "t3", "t4", "t5", "t6"]
    assert all(len(n.inputs) <= 2 for n in nodes)


@pytest.mark.parametrize("which", sorted(GRAPHS))
def test_the_layout_is_layered_readable_and_no_edge_crosses_a_box(which):
    placed = graph_layout(GRAPHS[which]())
    nodes, boxes = placed.nodes, placed.boxes
    if which != "logistic-6":
        assert placed.width <= 1600
    for i, (x0, y0, x1, y1) in enumerate(boxes):                       # boxes apart
        for j in range(i):
            p0, q0, p1, q1 = boxes[j]
            assert x1 <= p0 or p1 <= x0 or y1 <= q0 or q1 <= y0, (nodes[i].name, nodes[j].name)
    centre = [(b[0] + b[2]) / 2 for b in boxes]
    assert len(placed.edges) == sum(len(n.inputs) for n in nodes)
    for source, target, points in placed.edges:
        assert centre[source] < centre[target]                          # left to right
        (sx, sy), (tx, ty) = points[0], points[-1]
        assert sx == boxes[source][2] and boxes[source][1] < sy < boxes[source][3]   # out of its right side
        assert tx == boxes[target][0] and boxes[target][1] < ty < boxes[target][3]   # into its value's left side
        for (ax, ay), (bx, by) in zip(points, points[1:]):
            for t in np.linspace(0, 1, 200):
                x, y = ax + t * (bx - ax), ay + t * (by - ay)
                for k, (x0, y0, x1, y1) in enumerate(boxes):
                    assert not (x0 + 0.5 < x < x1 - 0.5 and y0 + 0.5 < y < y1 - 0.5), \
                        f"edge {nodes[source].name} -> {nodes[target].name} runs through box {nodes[k].name}"


def test_text_is_at_least_10_px_high_and_the_figure_is_its_layout():
    placed = graph_layout(GRAPHS["logistic"]())
    fig = draw(placed)
    width, height = fig.get_size_inches() * DPI
    assert (round(width), round(height)) == (round(placed.width), round(placed.height))
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    renderer = FigureCanvasAgg(fig).get_renderer()
    texts = fig.axes[0].texts
    assert len(texts) == len(placed.nodes) + 2                          # the boxes, the title, the caption
    for text in texts:
        lines = text.get_text().count("\n") + 1
        assert text.get_window_extent(renderer).height / lines >= 10
        assert text.get_fontsize() * DPI / 72 >= 10


@pytest.mark.parametrize("graph, inputs, values", [("notes", 3, 3), ("logistic", 5, 3)])
def test_explain_png_is_readable(tmp_path, run_cli, graph, inputs, values):
    path = tmp_path / "g.png"
    code, out, err = run_cli("explain", graph, "--png", path)
    assert code == 0, err
    how = "graphviz" if shutil.which("dot") else "matplotlib"
    assert f"graph drawn to {path} (with {how})" in out
    pixels = png_pixels(path)
    height, width, _ = pixels.shape
    assert 400 <= width <= 1600 and 200 <= height <= 900
    assert_not_blank(pixels)
    assert regions_of_colour(pixels, INPUT_FILL) == inputs and regions_of_colour(pixels, VALUE_FILL) == values


@pytest.mark.parametrize("graph, inputs, values", [("notes", 3, 3), ("logistic", 5, 3)])
def test_the_matplotlib_drawing_without_graphviz(tmp_path, graph, inputs, values):
    path = tmp_path / "g.png"
    save(draw(graph_layout(GRAPHS[graph]())), path, dpi=DPI)
    pixels = png_pixels(path)
    height, width, _ = pixels.shape
    assert 500 <= width <= 1600 and 250 <= height <= 700
    assert_not_blank(pixels)
    assert regions_of_colour(pixels, INPUT_FILL) == inputs and regions_of_colour(pixels, VALUE_FILL) == values


@pytest.mark.parametrize("name", ["g.svg", "g.pdf"])
def test_explain_draws_svg_and_pdf_by_name(tmp_path, run_cli, name):
    code, _, err = run_cli("explain", "--png", tmp_path / name)
    assert code == 0, err
    assert file_format(tmp_path / name) == name[-3:]
    assert [p.name for p in tmp_path.iterdir()] == [name]


def test_the_dot_file_is_the_picture(tmp_path, run_cli):
    code, _, err = run_cli("explain", "logistic", "--dot", tmp_path / "g.dot")
    assert code == 0, err
    graph = pydot.graph_from_dot_data((tmp_path / "g.dot").read_text())[0]
    labels = [n.get_label().strip('"').split("\\n")[0] for n in graph.get_nodes() if n.get_label()]
    assert labels == ["w1", "x1", "w2", "x2", "b", "z = w1x1 + w2x2 + b", "a = σ(z)", "L = L(a, y)"]
    assert len(graph.get_edges()) == 7


@pytest.mark.skipif(not shutil.which("dot"), reason="Graphviz's dot is not installed (optional: "
                                                    "apt-get install graphviz); the matplotlib drawing is tested")
def test_graphviz_draws_the_same_boxes(tmp_path):
    import subprocess

    done = subprocess.run(["dot", "-Tpng"], input=to_dot(GRAPHS["notes"]()).encode(), capture_output=True,
                          check=True)
    (tmp_path / "g.png").write_bytes(done.stdout)
    pixels = png_pixels(tmp_path / "g.png")
    assert pixels.shape[1] <= 1600
    assert regions_of_colour(pixels, INPUT_FILL) == 3 and regions_of_colour(pixels, VALUE_FILL) == 3


def test_a_graph_too_large_to_read_is_refused_in_one_line():
    from single_neuron.errors import OutputError

    picture = explain_logistic([1.0] * 150, [0.001] * 150, 0.0, 1)[1]
    with pytest.raises(OutputError, match=r"the graph has 304 boxes, .* too large to draw \(at most 16000 px"):
        graph_layout(picture)
