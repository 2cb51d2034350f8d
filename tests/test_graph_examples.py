"""The notes' two graphs, described once (teaching/graph_examples), drawn three times from that
description: the picture `explain --png` draws, the DOT text of `explain --dot` and the page's
API show the same boxes, formulas, places and numbers for the same inputs, with one set of
defaults; every number is the graph engine's and equals the notes' closed-form derivatives."""

from __future__ import annotations

import math

import numpy as np
import pydot
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from starlette.testclient import TestClient

from picture_checks import png_pixels
from single_neuron.io.figure_writer import save
from single_neuron.io.modelfile import load_model
from single_neuron.teaching.explain import explain_logistic, explain_notes
from single_neuron.teaching.graph import logistic_example, notes_example
from single_neuron.teaching.graph_examples import GRAPHS, LOGISTIC, NOTES, logistic_graph
from single_neuron.teaching.graph_drawing import DPI, draw, graph_layout, picture_graph
from single_neuron.web.app import create_app
from single_neuron.web.graphs import graph
from single_neuron.web.guard import host_names
from single_neuron.web.state import ServerState, Served

BASE = "http://127.0.0.1:8000"

# The same inputs as the page asks for them and as the command line takes them.
CASES = [
    ("notes", {}, []),
    ("notes", {"a": -1.5, "b": 0.25, "c": 4.0}, ["--a", "-1.5", "--b", "0.25", "--c", "4"]),
    ("logistic", {}, []),
    ("logistic", {"x1": 1.5, "x2": -2.0, "w1": 0.3, "w2": 0.7, "b": -0.2, "y": 0.0},
     ["--x", "1.5", "-2", "--w", "0.3", "0.7", "--b", "-0.2", "--y", "0"]),
]


@pytest.fixture(scope="module")
def client(cat_model, cat_sets):
    state = ServerState(Served(load_model(cat_model), "the test's model"), *cat_sets, grace=0.5)
    with TestClient(create_app(state, hosts=host_names("127.0.0.1", 8000), upload_limit=10**6),
                    base_url=BASE) as client:
        yield client


def _n(x: float) -> str:
    return f"{x:.6g}"


def box_lines(node: dict) -> list[str]:
    """What the picture and the DOT text write in a box, from the page's answer for it."""
    head = f"{node['name']} = {node['formula']}" if node["formula"] else node["name"]
    return [head, f"data {_n(node['value'])}", f"grad {_n(node['grad'])}"]


def page_edges(nodes: list[dict]) -> set[tuple[str, str]]:
    return {(source, node["name"]) for node in nodes for source in node["inputs"]}


def page_columns(nodes: list[dict]) -> list[list[str]]:
    """The page's boxes, column by column, each column top to bottom."""
    columns: list[list[str]] = [[] for _ in range(1 + max(node["column"] for node in nodes))]
    for node in sorted(nodes, key=lambda node: node["row"]):
        columns[node["column"]].append(node["name"])
    return columns


def explained(example: str, inputs: dict[str, float]):
    """explain's picture for the page's inputs, through the library's own functions."""
    if example == "notes":
        return explain_notes(inputs["a"], inputs["b"], inputs["c"])[1]
    return explain_logistic([inputs["x1"], inputs["x2"]], [inputs["w1"], inputs["w2"]], inputs["b"], inputs["y"])[1]


# ---------------------------------------------------------------------- the description


@pytest.mark.parametrize("description, given", [
    (NOTES, {}), (LOGISTIC, {}), (logistic_graph(1), {"x1": 2.0, "w1": -0.5}),
    (logistic_graph(3), {"x1": 1.0, "x2": 2.0, "x3": -1.0, "w1": 0.5, "w2": -0.3, "w3": 0.2}),
    (logistic_graph(6), {**{f"x{i}": float(i) for i in range(1, 7)}, **{f"w{i}": 0.1 for i in range(1, 7)}}),
], ids=["notes", "logistic", "logistic-1", "logistic-3", "logistic-6"])
def test_each_description_is_the_engines_graph_laid_out_in_columns(description, given):
    inputs, values = description.evaluate(given)
    boxes = {box.name: box for box in description.boxes}
    # the boxes are the values the engine's graph names, the output last
    assert {node.name for node in picture_graph(values[description.output])} == set(boxes)
    assert values[description.output].grad == 1.0 and description.boxes[-1].name == description.output
    picture = description.picture(values, inputs)
    for node, box in zip(picture.nodes, description.boxes):
        assert (node.name, node.formula, node.data, node.grad) == (box.name, box.formula, values[box.name].data,
                                                                    values[box.name].grad)
        assert bool(box.formula) != bool(box.role)              # a formula, or what an input is
        assert (box.role in {"input", "feature", "weight", "bias"}) == node.is_input
        for source in node.inputs:                              # every edge from one column to the next
            assert description.boxes[source].column + 1 == box.column
            if "..." not in box.formula:                        # the formula names what it is computed from
                assert picture.nodes[source].name in box.formula
    for column in picture.columns:                              # one box per place, rows from 0
        assert sorted(description.boxes[k].row for k in column) == list(range(len(column)))
    assert sorted(k for column in picture.columns for k in column) == list(range(len(description.boxes)))


def test_an_input_that_is_not_given_or_not_the_graphs_is_refused():
    from single_neuron import InputValueError

    with pytest.raises(InputValueError, match=r"unknown input 'x1' for the notes graph \(its inputs: a, b, c\)"):
        NOTES.inputs({"x1": 1.0})
    with pytest.raises(InputValueError, match=r"x3: expected a number \(the logistic graph has no default for it\)"):
        logistic_graph(3).inputs({"x1": 1.0, "x2": 2.0, "w1": 0.5, "w2": 0.5, "w3": 0.5})
    with pytest.raises(InputValueError, match=r"y: expected 0 or 1, got 0.5"):
        LOGISTIC.inputs({"y": 0.5})


# ---------------------------------------------------------------------- three drawings, one description


@pytest.mark.parametrize("example, query, argv", CASES, ids=["notes", "notes-given", "logistic", "logistic-given"])
def test_the_picture_the_dot_text_and_the_page_show_the_same_graph(client, run_cli, tmp_path, monkeypatch,
                                                                    example, query, argv):
    monkeypatch.setenv("PATH", "")          # no Graphviz: the picture is the library's own drawing
    code, out, err = run_cli("explain", example, *argv, "--dot", tmp_path / "g.dot", "--png", tmp_path / "g.png")
    assert code == 0, err
    answer = client.get("/api/graph", params={"example": example, **query}).json()
    nodes = answer["nodes"]
    assert [node["name"] for node in nodes] == [box.name for box in GRAPHS[example].boxes]
    expected = {node["name"]: box_lines(node) for node in nodes}

    # the DOT text: the same boxes, edges and columns
    dot = pydot.graph_from_dot_data((tmp_path / "g.dot").read_text())[0]
    name_of, dot_lines = {}, {}
    for node in dot.get_nodes():
        if node.get_label():
            lines = node.get_label().strip('"').split("\\n")
            name_of[node.get_name()] = lines[0].split(" = ")[0]
            dot_lines[name_of[node.get_name()]] = lines
    assert dot_lines == expected
    assert {(name_of[e.get_source()], name_of[e.get_destination()]) for e in dot.get_edges()} == page_edges(nodes)
    ranks = sorted(sorted(name_of[n.get_name()] for n in sub.get_nodes()) for sub in dot.get_subgraphs())
    assert ranks == sorted(sorted(column) for column in page_columns(nodes) if len(column) > 1)
    assert dot.get_label().strip('"').split("\\n")[0] == answer["title"]

    # the picture: what the command drew is this figure, pixel for pixel, and its boxes say the same
    placed = graph_layout(explained(example, answer["inputs"]))
    save(draw(placed), tmp_path / "same.png", dpi=DPI)
    np.testing.assert_array_equal(png_pixels(tmp_path / "same.png"), png_pixels(tmp_path / "g.png"))
    assert {node.name: node.lines() for node in placed.nodes} == expected
    assert {(placed.nodes[s].name, placed.nodes[t].name) for s, t, _ in placed.edges} == page_edges(nodes)
    centre = {node.name: ((x0 + x1) / 2, (y0 + y1) / 2) for node, (x0, y0, x1, y1) in zip(placed.nodes, placed.boxes)}
    columns = page_columns(nodes)
    for c, column in enumerate(columns):                # the page's columns and rows, left to right, top down
        assert len({centre[name][0] for name in column}) == 1
        assert [centre[name][1] for name in column] == sorted(centre[name][1] for name in column)
        if c:
            assert centre[columns[c - 1][0]][0] < centre[column[0]][0]


def test_one_set_of_defaults_everywhere(client, run_cli):
    """explain logistic's w2 = -0.3 (L = 0.693147) in the text, the help and the page's API."""
    code, out, _ = run_cli("explain", "logistic")
    assert code == 0
    assert "x = (1, 2), w = (0.5, -0.3), b = 0.1, y = 1" in out
    assert "L = L(a, y) = -(y log a + (1 - y) log(1 - a)) = 0.693147" in out
    answer = client.get("/api/graph", params={"example": "logistic"}).json()
    assert answer["inputs"] == {"x1": 1.0, "x2": 2.0, "w1": 0.5, "w2": -0.3, "b": 0.1, "y": 1.0}
    L = {node["name"]: node for node in answer["nodes"]}["L"]
    assert _n(L["value"]) == "0.693147" and L["value"] == pytest.approx(math.log(2), rel=1e-15)
    code, out, _ = run_cli("explain", "notes")
    assert "with a = 5, b = 3, c = 2" in out and "J = 3v      = 3 * 11 = 33" in out
    assert client.get("/api/graph").json()["inputs"] == {"a": 5.0, "b": 3.0, "c": 2.0}
    code, out, _ = run_cli("explain", "--help")
    assert code == 0 and "weights (default 0.5 -0.3)" in " ".join(out.split())


# ---------------------------------------------------------------------- the numbers


finite = st.floats(-5, 5, allow_nan=False).map(lambda v: round(v, 3))


@settings(max_examples=60, deadline=None)
@given(a=finite, b=finite, c=finite)
def test_the_notes_graph_is_the_engines_and_the_chain_rule(a, b, c):
    nodes = {n["name"]: n for n in graph("notes", {"a": str(a), "b": str(b), "c": str(c)})["nodes"]}
    engine = notes_example(a, b, c)
    assert {name: (n["value"], n["grad"]) for name, n in nodes.items()} == \
        {name: (v.data, v.grad) for name, v in engine.items()}
    # J = 3(a + bc): dJ/dv = 3, dJ/du = 3, dJ/da = 3, dJ/db = 3c, dJ/dc = 3b
    assert nodes["J"]["value"] == pytest.approx(3 * (a + b * c), rel=1e-15, abs=1e-12)
    assert [nodes[k]["grad"] for k in ("J", "v", "u", "a")] == [1, 3, 3, 3]
    assert nodes["b"]["grad"] == pytest.approx(3 * c, rel=1e-15)
    assert nodes["c"]["grad"] == pytest.approx(3 * b, rel=1e-15)


@settings(max_examples=60, deadline=None)
@given(x1=finite, x2=finite, w1=finite, w2=finite, b=finite, y=st.sampled_from([0, 1]))
def test_the_loss_graph_is_the_engines_and_the_notes_derivatives(x1, x2, w1, w2, b, y):
    query = {"x1": x1, "x2": x2, "w1": w1, "w2": w2, "b": b, "y": y}
    nodes = {n["name"]: n for n in graph("logistic", {k: str(v) for k, v in query.items()})["nodes"]}
    engine = logistic_example([x1, x2], [w1, w2], b, y)
    assert {name: (n["value"], n["grad"]) for name, n in nodes.items()} == \
        {name: (v.data, v.grad) for name, v in engine.items()}
    z = w1 * x1 + w2 * x2 + b
    a, one_minus_a = 1 / (1 + math.exp(-z)), 1 / (1 + math.exp(z))
    dz = a - y if y == 0 else -one_minus_a                      # a - y, without cancelling where a is near 1
    close = dict(rel=1e-12, abs=1e-300)
    assert nodes["z"]["value"] == pytest.approx(z, rel=1e-15, abs=1e-14)
    assert nodes["a"]["value"] == pytest.approx(a, rel=1e-15)
    assert nodes["L"]["value"] == pytest.approx(-math.log(a) if y else -math.log(one_minus_a), rel=1e-12)
    assert nodes["a"]["grad"] == pytest.approx(-y / a + (1 - y) / one_minus_a, rel=1e-12)
    assert nodes["z"]["grad"] == pytest.approx(dz, **close)
    for i, (xi, wi) in enumerate([(x1, w1), (x2, w2)], start=1):
        assert nodes[f"w{i}"]["grad"] == pytest.approx(xi * dz, **close)
        assert nodes[f"x{i}"]["grad"] == pytest.approx(wi * dz, **close)
    assert nodes["b"]["grad"] == pytest.approx(dz, **close)
