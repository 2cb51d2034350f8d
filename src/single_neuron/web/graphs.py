"""The notes' two computation graphs, with a page's inputs, as the page draws them.

Everything comes from the graphs' descriptions (`teaching.graph_examples`), the ones that
`single-neuron explain` draws as text, DOT and pictures: the boxes, their formulas, where each
sits (column and row), the inputs with their defaults. The numbers are the graph engine's
(`teaching.graph.Value`): its forward values and the derivatives its backward pass leaves in
each node. The page holds no table of its own: it draws what this answers.
"""

from __future__ import annotations

import math

from ..errors import InputValueError
from ..teaching.graph_examples import GRAPHS, GraphDescription

LARGEST_INPUT = 1e6      # inputs beyond this make no clearer picture, only overflow


def graph(example: str, query: dict[str, str]) -> dict:
    """The graph `example` ("notes" or "logistic") with the inputs in `query` (the others at their
    defaults): {"example", "title", "output", "inputs" (every input's value), "choices" (the inputs
    that take one of a few values), "definitions", "nodes": [{"name", "role", "formula", "column",
    "row", "value", "grad", "inputs"}]}, each grad the derivative of the output with respect to
    that node, the nodes inputs first and the output last."""
    description = _described(example)
    # A name that is no input of the graph goes on as it is, for `evaluate` to refuse by name.
    inputs, values = description.evaluate({name: _number(name, text) if name in description.defaults else text
                                           for name, text in query.items()})
    picture = description.picture(values, inputs)
    nodes = [{"name": box.name, "role": box.role, "formula": box.formula, "column": box.column, "row": box.row,
              "value": node.data, "grad": node.grad, "inputs": [picture.nodes[i].name for i in node.inputs]}
             for box, node in zip(description.boxes, picture.nodes)]
    return {"example": example, "title": picture.title, "output": description.output, "inputs": inputs,
            "choices": description.choices, "definitions": description.definitions, "nodes": nodes}


def _described(example: str) -> GraphDescription:
    if example not in GRAPHS:
        raise InputValueError(f"example: expected one of {', '.join(GRAPHS)}, got {example[:40]!r}")
    return GRAPHS[example]


def _number(name: str, text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise InputValueError(f"{name}: expected a number, got {text[:40]!r}") from None
    if not math.isfinite(value) or abs(value) > LARGEST_INPUT:
        raise InputValueError(f"{name}: expected a number between {-LARGEST_INPUT:g} and {LARGEST_INPUT:g}, got {text[:40]}")
    return value
