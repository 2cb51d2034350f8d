"""The week's two assignments as exercises to check: each function's reference, signature, the
notes' formula and the probes a learner's version is run on.

"Python Basics with NumPy" asks for basic_sigmoid, sigmoid, sigmoid_derivative, image2vector,
normalize_rows (normalizeRows in the first notebook), softmax, L1 and L2; "Logistic
Regression with a Neural Network mindset" for sigmoid, initialize_with_zeros, propagate,
optimize, predict and model. The references are the library's own functions.

Probes are the course's own test inputs and inputs that tell the catalogued mistakes
apart (see `mistakes`): non-square X, m = 1, n_x = 1, other learning rates and iteration
counts, z = 0 exactly, shapes where a rank-1 array broadcasts wrongly. They are kept small
and moderate (|z| <= 10), so that every correct way of writing a function, the notes'
plain formulas included, gives the reference's numbers to rounding.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

import numpy as np

from ..neuron import course, practice
from ..neuron.formulas import sigmoid
from ..validation import shape_text

PRACTICE = "Python Basics with NumPy"
LOGISTIC_ASSIGNMENT = "Logistic Regression with a Neural Network mindset"


@dataclass(frozen=True)
class Probe:
    """One call: positional `args`, keyword `kwargs`, and how to say it ("w (2, 1), b = 1.5, ...")."""

    args: tuple
    kwargs: dict = field(default_factory=dict)
    label: str = ""
    edge: bool = False          # a degenerate case (m = 1, n_x = 1): telling, but a poor example to show

    @property
    def size(self) -> int:
        """How many numbers the probe holds: the smallest probe shows a difference best."""
        return sum(np.size(a) for a in (*self.args, *self.kwargs.values()))


@dataclass(frozen=True)
class Exercise:
    name: str
    parameters: tuple[str, ...]
    outputs: tuple[str, ...]              # the names of what it returns; one name: a single value
    formula: str                          # the notes' formula, with shapes
    reference: Callable
    probes: tuple[Probe, ...]
    strict_floats: tuple[str, ...] = ()   # outputs that must be numbers, not arrays of shape ()
    aliases: tuple[str, ...] = ()
    keys: tuple[str, ...] = ()            # of a dict it returns: the course's keys (the library adds others)

    @property
    def signature(self) -> str:
        return f"{self.name}({', '.join(self.parameters)})"


def _label(parameters, args, kwargs) -> str:
    parts = []
    for name, value in [*zip(parameters, args), *kwargs.items()]:
        if name == "print_cost":
            continue
        if isinstance(value, np.ndarray):
            parts.append(f"{name} {shape_text(value.shape)}")
        else:
            parts.append(f"{name} = {value!r}")
    return ", ".join(parts)


def _probes(parameters, *calls, edges=()) -> tuple[Probe, ...]:
    """Probes from (args, kwargs) pairs or bare argument tuples, labelled with the parameter names;
    `edges`: the positions of the degenerate ones."""
    out = []
    for i, call in enumerate(calls):
        args, kwargs = call if isinstance(call, list) else (call, {})
        out.append(Probe(tuple(args), dict(kwargs), _label(parameters, args, kwargs), edge=i in edges))
    return tuple(out)


def _a(*rows) -> np.ndarray:
    return np.array(rows, dtype=np.float64)


# The course's inputs (graders and notebooks) and a few more; each list starts with a cheap one.
_IMAGE = np.array([[[0.67826139, 0.29380381], [0.90714982, 0.52835647], [0.4215251, 0.45017551]],
                   [[0.92814219, 0.96677647], [0.85304703, 0.52351845], [0.19981397, 0.27417313]],
                   [[0.60659855, 0.00533165], [0.10820313, 0.49978937], [0.34144279, 0.94630077]]])
_RNG = np.random.RandomState(0)                  # the later model grader's inputs, drawn as it draws them
_MODEL_Y = np.array([[1, 0, 0, 1, 0, 0, 1]])
_MODEL_X = _RNG.randn(4, 7)
_MODEL_X_TEST = _RNG.randn(4, 3)
_FIRST_MODEL_X = np.random.RandomState(0).randn(4, 3)
_X2 = _a([1., -2., -1.], [3., 0.5, -3.2])
_X34 = _a([1., 2., -1., 0], [3., 4., -3.2, 1], [3., 4., -3.2, -3.5])

_ARRAYS = (np.array([0, 2]), np.array([1, 2, 3]), _a([0.5, 0., -2.0], [3., -1., 4.]))
_LOSS_PAIRS = ((np.array([.9, 0.2, 0.1, .4, .9]), np.array([1, 0, 0, 1, 1])),
               (np.array([0.2, 0.7, 0.4]), np.array([0, 1, 1])))
_ROWS = (np.array([[0, 3, 4], [1, 6, 4]]), _a([1., 2., 2.], [0., 3., 4.], [2., -1., 2.]),
         _a([3., 4.], [1., 0.], [-2., 2.]))

_w = ("w", "b", "X", "Y")
_opt = ("w", "b", "X", "Y", "num_iterations", "learning_rate", "print_cost")
_model = ("X_train", "Y_train", "X_test", "Y_test", "num_iterations", "learning_rate", "print_cost")

_EXERCISES = [
    Exercise("basic_sigmoid", ("x",), ("s",),
             "s = 1 / (1 + e^(-x)), x one real number (math.exp works on numbers)",
             practice.basic_sigmoid, _probes(("x",), (1,), (0.5,), (-2.0,), (0,))),
    Exercise("sigmoid", ("z",), ("s",),
             "s = 1 / (1 + e^(-z)), element by element: the shape of z (np.exp works on arrays)",
             sigmoid, _probes(("z",), *[(a,) for a in _ARRAYS])),
    Exercise("sigmoid_derivative", ("x",), ("ds",),
             "ds = s (1 - s) with s = sigmoid(x), element by element: the shape of x",
             practice.sigmoid_derivative, _probes(("x",), *[(a,) for a in _ARRAYS[1:]])),
    Exercise("image2vector", ("image",), ("v",),
             "v = the image unrolled: (length, height, depth) -> (length * height * depth, 1), "
             "row by row, the depth (channels) of each pixel together",
             practice.image2vector,
             _probes(("image",), (np.arange(24.).reshape(2, 3, 4) / 10,), (_IMAGE,),
                     (np.arange(24.).reshape(4, 2, 3) / 7,))),
    Exercise("normalize_rows", ("x",), ("x",),
             "x / ||x|| with ||x|| = sqrt(sum of x^2 over axis 1), kept as a column: (n, d) / (n, 1) -> (n, d)",
             practice.normalize_rows, _probes(("x",), *[(a,) for a in _ROWS]), aliases=("normalizeRows",)),
    Exercise("softmax", ("x",), ("s",),
             "s = exp(x) / (sum of exp(x) over axis 1, kept as a column): (n, d) / (n, 1) -> (n, d)",
             practice.softmax,
             _probes(("x",), (np.array([[9, 2, 5, 0, 0], [7, 5, 0, 0, 0]]),), *[(a,) for a in _ROWS[1:]])),
    Exercise("L1", ("yhat", "y"), ("loss",), "L1(yhat, y) = sum over i of |y(i) - yhat(i)|",
             practice.L1, _probes(("yhat", "y"), *_LOSS_PAIRS)),
    Exercise("L2", ("yhat", "y"), ("loss",), "L2(yhat, y) = sum over i of (y(i) - yhat(i))^2",
             practice.L2, _probes(("yhat", "y"), *_LOSS_PAIRS)),
    Exercise("initialize_with_zeros", ("dim",), ("w", "b"),
             "w = a column of zeros, shape (dim, 1); b = 0.0, one real number",
             course.initialize_with_zeros, _probes(("dim",), (2,), (3,), (1,), edges=(2,)), strict_floats=("b",)),
    Exercise("propagate", _w, ("grads", "cost"),
             "A = sigmoid(w^T X + b): (1, n_x) (n_x, m) -> (1, m); "
             "J = -1/m sum(Y log A + (1 - Y) log(1 - A)), a number; dZ = A - Y: (1, m); "
             "dw = 1/m X dZ^T: (n_x, m) (m, 1) -> (n_x, 1); db = 1/m sum(dZ), a number",
             course.propagate,
             _probes(_w, (_a([1.], [2.]), 1.5, _X2, np.array([[1, 1, 0]])),
                     (_a([0.5], [-1.], [2.]), 0.5, _a([1.], [0.5], [-1.]), np.array([[1]])),
                     (_a([0.8]), -0.4, _a([1., -2., 0.5, 3.]), np.array([[1, 0, 0, 1]])),
                     (_a([1.], [2.], [-1]), 2.5, _X34, np.array([[1, 1, 0, 0]])), edges=(1, 2))),
    Exercise("optimize", _opt, ("params", "grads", "costs"),
             "repeat num_iterations times: grads, cost = propagate(w, b, X, Y); w := w - alpha dw; "
             "b := b - alpha db (alpha = learning_rate); record the cost when i % 100 == 0, before that step",
             course.optimize,
             _probes(_opt, [(_a([0.5], [-0.5]), 0.25, _a([1., 2., -1.], [0.5, -1.5, 2.]), np.array([[1, 0, 1]])),
                            {"num_iterations": 7, "learning_rate": 0.7, "print_cost": False}],
                     [(_a([0.3], [-0.2], [0.1]), -0.5, _a([1.], [2.], [-1.]), np.array([[1]])),
                      {"num_iterations": 3, "learning_rate": 0.25, "print_cost": False}],
                     [(_a([1.], [2.]), 1.5, _X2, np.array([[1, 1, 0]])),
                      {"num_iterations": 100, "learning_rate": 0.009, "print_cost": False}],
                     [(_a([1.], [2.]), 2., _a([1., 2., -1.], [3., 4., -3.2]), np.array([[1, 0, 1]])),
                      {"num_iterations": 101, "learning_rate": 0.1, "print_cost": False}],
                     [(_a([0.5], [-0.5], [0.25]), -0.5, _X34 / 2, np.array([[1, 0, 1, 0]])),
                      {"num_iterations": 201, "learning_rate": 0.3, "print_cost": False}], edges=(1,))),
    Exercise("predict", ("w", "b", "X"), ("Y_prediction",),
             "A = sigmoid(w^T X + b); Y_prediction = 1 where A > 0.5, else 0: a (1, m) row",
             course.predict,
             _probes(("w", "b", "X"), (_a([1.], [-1.]), 0., _a([1., 2., 0.5, 3.], [1., 1., 3., 0.])),
                     (_a([0.1124579], [0.23106775]), -0.3, _a([1., -1.1, -3.2], [1.2, 2., 0.1])),
                     (_a([0.3], [0.5], [-0.2]), -0.33333, _a([1., -0.3, 1.5], [2, 0, 1], [0, -1.5, 2])),
                     (_a([0.5], [-1.]), 0.25, _a([2.], [0.5])), edges=(3,))),
    Exercise("model", _model,
             ("d",), "w, b = zeros; params, grads, costs = optimize(w, b, X_train, Y_train, num_iterations, "
             "learning_rate); Y_prediction_test = predict(w, b, X_test); Y_prediction_train = predict(w, b, "
             "X_train); d = {costs, Y_prediction_test, Y_prediction_train, w, b, learning_rate, num_iterations}",
             course.model,
             _probes(_model,
                     [(_a([1., -1., 0.5, 2., -2.], [0.5, 1., -1., 0., 1.]), np.array([[1, 0, 1, 1, 0]]),
                       _a([1., -1.], [2., 0.]), np.array([[1, 0]])),
                      {"num_iterations": 120, "learning_rate": 0.2, "print_cost": False}],
                     [(_MODEL_X, _MODEL_Y, _MODEL_X_TEST, np.array([[0, 1, 0]])),
                      {"num_iterations": 50, "learning_rate": 0.01, "print_cost": False}],
                     [(_FIRST_MODEL_X, np.array([[1, 0, 1]]), _FIRST_MODEL_X * 0.5, np.array([1, 0, 1])),
                      {"num_iterations": 50, "learning_rate": 1e-4, "print_cost": False}]),
             keys=("costs", "Y_prediction_test", "Y_prediction_train", "w", "b", "learning_rate", "num_iterations")),
]

EXERCISES: dict[str, Exercise] = {e.name: e for e in _EXERCISES}
# The name each function may have in a learner's file: its own, or an alias of the course's.
NAMES: dict[str, str] = {**{e.name: e.name for e in _EXERCISES},
                         **{alias: e.name for e in _EXERCISES for alias in e.aliases}}
ASSIGNMENTS: dict[str, tuple[str, ...]] = {
    PRACTICE: ("basic_sigmoid", "sigmoid", "sigmoid_derivative", "image2vector", "normalize_rows", "softmax",
               "L1", "L2"),
    LOGISTIC_ASSIGNMENT: ("sigmoid", "initialize_with_zeros", "propagate", "optimize", "predict", "model"),
}
