"""The notes' two computation graphs, with a page's inputs, as nodes and edges to draw.

The numbers are the graph engine's (`teaching.graph.Value`): its forward values and
the derivatives its backward pass leaves in each node. The engine also makes nodes
for constants and for the steps inside one formula (3 * v, 1 - a, ...); the page
draws the notes' picture instead: the named nodes, each linked to the named nodes
it is computed from.
"""

from __future__ import annotations

import math

from ..errors import InputValueError
from ..teaching.graph import logistic_example, notes_example, topological_order
from ..teaching.graph_picture import shown_inputs

LARGEST = 1e6            # inputs beyond this make no clearer picture, only overflow
FEATURES = 2             # the notes draw logistic regression with two features

EXAMPLES = {
    "notes": {
        "inputs": {"a": 5.0, "b": 3.0, "c": 2.0},
        "formulas": {"a": "input", "b": "input", "c": "input", "u": "u = b c", "v": "v = a + u", "J": "J = 3 v"},
        "output": "J",
        "leaves": ("a", "b", "c"),
    },
    "logistic": {
        "inputs": {"x1": 1.0, "x2": 2.0, "w1": 0.5, "w2": -0.25, "b": 0.1, "y": 1.0},
        "formulas": {"x1": "feature", "x2": "feature", "w1": "weight", "w2": "weight", "b": "bias",
                     "z": "z = w1 x1 + w2 x2 + b", "a": "a = sigmoid(z)",
                     "L": "L = -(y log a + (1 - y) log(1 - a))"},
        "output": "L",
        "leaves": ("w1", "x1", "w2", "x2", "b"),
    },
}


def graph(example: str, query: dict[str, str]) -> dict:
    """The graph `example` ("notes" or "logistic") with the inputs in `query` (the others at their
    defaults): {"example", "output", "inputs", "nodes": [{"name", "value", "grad", "formula",
    "inputs"}]}, each grad the derivative of the output with respect to that node."""
    if example not in EXAMPLES:
        raise InputValueError(f"example: expected one of {', '.join(EXAMPLES)}, got {example!r}")
    spec = EXAMPLES[example]
    unknown = sorted(set(query) - set(spec["inputs"]))
    if unknown:
        raise InputValueError(f"unknown input {unknown[0]!r} for the {example} graph "
                              f"(its inputs: {', '.join(spec['inputs'])})")
    inputs = {name: _number(name, query[name]) if name in query else default
              for name, default in spec["inputs"].items()}
    if example == "notes":
        nodes = notes_example(inputs["a"], inputs["b"], inputs["c"])
    else:
        if inputs["y"] not in (0.0, 1.0):
            raise InputValueError(f"y: expected 0 or 1, got {inputs['y']:g}")
        x = [inputs[f"x{i}"] for i in range(1, FEATURES + 1)]
        w = [inputs[f"w{i}"] for i in range(1, FEATURES + 1)]
        nodes = logistic_example(x, w, inputs["b"], inputs["y"])
    output = nodes[spec["output"]]
    named = [node for node in topological_order(output) if node.label]
    # The inputs in the notes' order, then every other node after the nodes it is computed from.
    drawn = [nodes[name] for name in spec["leaves"]] + [node for node in named if node.label not in spec["leaves"]]
    return {"example": example, "output": spec["output"], "inputs": inputs,
            "nodes": [{"name": node.label, "value": node.data, "grad": node.grad,
                       "formula": spec["formulas"].get(node.label, node.label),
                       "inputs": [p.label for p in shown_inputs(node, lambda p: bool(p.label))]}
                      for node in drawn]}


def _number(name: str, text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise InputValueError(f"{name}: expected a number, got {text[:40]!r}") from None
    if not math.isfinite(value) or abs(value) > LARGEST:
        raise InputValueError(f"{name}: expected a number between {-LARGEST:g} and {LARGEST:g}, got {text[:40]}")
    return value
