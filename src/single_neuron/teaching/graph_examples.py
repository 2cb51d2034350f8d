"""The notes' two computation graphs, each described once: J = 3(a + bc), and the loss of one
example of logistic regression.

A description holds what every drawing of its graph shows apart from the numbers: the values the
notes name (one box each), the formula the notes write in each computed box, the definitions of
the functions those formulas call, the default inputs, and the layout: the column each box sits
in and its row there (inputs on the left, the output on the right, every edge from one column to
the next). The numbers are the graph engine's alone: `evaluate` builds the graph in `Value` and
runs both passes, and `picture` gives the boxes with the values and derivatives the engine left
in them. `single-neuron explain` (its text, `--dot` and `--png`) and the web page (through
`/api/graph`) all draw from here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from ..errors import InputValueError
from .graph import Value, logistic_example, notes_example
from .graph_drawing import Node, Picture, shown_inputs


@dataclass(frozen=True)
class Box:
    """One value the notes name, and where it sits: its column (0 at the left) and its row in that
    column (0 at the top). A computed value has the formula the notes write for it, in the names of
    other boxes; an input has a role instead (input, feature, weight, bias)."""

    name: str
    column: int
    row: int
    formula: str = ""
    role: str = ""


@dataclass(frozen=True)
class GraphDescription:
    """One of the notes' graphs.

    name: "notes" or "logistic". title: the drawing's title, a format string of the inputs.
    defaults: each input by name, in the order a form lists them, with its default (None: it must be
    given). boxes: the named values, inputs first, the output last. build: the inputs -> the
    engine's nodes by name, backward pass done. choices: the inputs that take one of a few values
    (the label y). definitions: by the call a formula writes ("σ(z)"), what the notes define it as.
    """

    name: str
    title: str
    defaults: dict[str, float | None]
    boxes: tuple[Box, ...]
    build: Callable[[dict[str, float]], dict[str, Value]]
    choices: dict[str, tuple[float, ...]] = field(default_factory=dict)
    definitions: dict[str, str] = field(default_factory=dict)

    @property
    def output(self) -> str:
        return self.boxes[-1].name

    def inputs(self, given: dict[str, float] | None = None) -> dict[str, float]:
        """Every input: the defaults, with the `given` ones in their place. An unknown name, an input
        with neither a value nor a default, and a value outside its choices are refused."""
        given = dict(given or {})
        unknown = [name for name in given if name not in self.defaults]
        if unknown:
            raise InputValueError(f"unknown input {unknown[0]!r} for the {self.name} graph "
                                  f"(its inputs: {', '.join(self.defaults)})")
        values = {name: given.get(name, default) for name, default in self.defaults.items()}
        missing = [name for name, value in values.items() if value is None]
        if missing:
            raise InputValueError(f"{missing[0]}: expected a number (the {self.name} graph has no default for it)")
        for name, allowed in self.choices.items():
            if values[name] not in allowed:
                raise InputValueError(f"{name}: expected {' or '.join(f'{v:g}' for v in allowed)}, "
                                      f"got {values[name]:g}")
        return values

    def evaluate(self, given: dict[str, float] | None = None) -> tuple[dict[str, float], dict[str, Value]]:
        """The inputs (see `inputs`) and the engine's graph for them, both passes done."""
        inputs = self.inputs(given)
        return inputs, self.build(inputs)

    def picture(self, values: dict[str, Value], inputs: dict[str, float]) -> Picture:
        """The boxes with the engine's numbers (`values`, from `evaluate` or the engine itself),
        each linked to the boxes the engine computed it from, placed where the description says."""
        index = {id(values[box.name]): k for k, box in enumerate(self.boxes)}
        nodes = [Node(box.name, box.formula, values[box.name].data, values[box.name].grad,
                      [index[id(p)] for p in shown_inputs(values[box.name], lambda p: id(p) in index)])
                 for box in self.boxes]
        columns: list[list[int]] = [[] for _ in range(1 + max(box.column for box in self.boxes))]
        for k, box in sorted(enumerate(self.boxes), key=lambda item: item[1].row):
            columns[box.column].append(k)
        return Picture(nodes, self.title.format(**inputs), columns)


NOTES = GraphDescription(
    name="notes",
    title="J = 3(a + bc)",
    defaults={"a": 5.0, "b": 3.0, "c": 2.0},
    boxes=(Box("a", 1, 0, role="input"), Box("b", 0, 0, role="input"), Box("c", 0, 1, role="input"),
           Box("u", 1, 1, "bc"), Box("v", 2, 0, "a + u"), Box("J", 3, 0, "3v")),
    build=lambda inputs: notes_example(inputs["a"], inputs["b"], inputs["c"]),
)

# The notes' example of one example, drawn with two features: the logistic graph's defaults.
LOGISTIC_EXAMPLE = {"x": (1.0, 2.0), "w": (0.5, -0.3), "b": 0.1, "y": 1.0}
FEATURES = len(LOGISTIC_EXAMPLE["x"])


def logistic_graph(features: int = FEATURES) -> GraphDescription:
    """The loss of one example with `features` features: z = w1 x1 + ... + b, a = σ(z), L(a, y).
    Its defaults are the notes' example (x = (1, 2), w = (0.5, -0.3), b = 0.1, y = 1) for two
    features; with any other number, x and w have none."""
    if features < 1:
        raise InputValueError(f"features: expected at least 1, got {features}")
    terms = [f"w{i}x{i}" for i in range(1, features + 1)]
    if features > 3:
        terms = [terms[0], "...", terms[-1]]
    example = features == FEATURES
    defaults: dict[str, float | None] = {
        **{f"x{i}": LOGISTIC_EXAMPLE["x"][i - 1] if example else None for i in range(1, features + 1)},
        **{f"w{i}": LOGISTIC_EXAMPLE["w"][i - 1] if example else None for i in range(1, features + 1)},
        "b": LOGISTIC_EXAMPLE["b"], "y": LOGISTIC_EXAMPLE["y"]}
    inputs = [box for i in range(1, features + 1)
              for box in (Box(f"w{i}", 0, 2 * i - 2, role="weight"), Box(f"x{i}", 0, 2 * i - 1, role="feature"))]
    return GraphDescription(
        name="logistic",
        title="L(a, y) for one example, y = {y:g}",
        defaults=defaults,
        boxes=(*inputs, Box("b", 0, 2 * features, role="bias"), Box("z", 1, 0, " + ".join(terms) + " + b"),
               Box("a", 2, 0, "σ(z)"), Box("L", 3, 0, "L(a, y)")),
        build=lambda given: logistic_example([given[f"x{i}"] for i in range(1, features + 1)],
                                             [given[f"w{i}"] for i in range(1, features + 1)], given["b"], given["y"]),
        choices={"y": (0.0, 1.0)},
        definitions={"σ(z)": "1 / (1 + exp(-z))", "L(a, y)": "-(y log a + (1 - y) log(1 - a))"},
    )


LOGISTIC = logistic_graph()
GRAPHS = {"notes": NOTES, "logistic": LOGISTIC}
