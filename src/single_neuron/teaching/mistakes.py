"""The catalogue of the week's usual mistakes, each applied to the course's own code.

For every function of the two assignments there is one transcription of the course's
solution, written as the notes write it (np.dot, np.exp, np.log, np.sum), in which each
catalogued mistake can be switched on: `SLIPPED["propagate"](w, b, X, Y, slips={"dw-no-mean":
""})` computes what a learner who forgot the 1/m of dw computes, including the failure such
code raises (math.exp on an array, np.dot of shapes that do not fit). A mistake may have
several forms that are the same error written differently (db as a (1, 1) or a (1,) array;
a fixed learning rate of 0.009 or of 0.01); the key of each form is its value in `slips`.

Each entry says, in plain words, what the learner did, the notes' formula it breaks and a
fix in words and formulas (never the solution's code), and for mistakes that make a wrong
shape by broadcasting, which operands broadcast. With no slips each transcription is a
second route to the library's reference (the tests hold them equal on every probe), and on
the probes of `exercises` every two entries of the catalogue behave differently (the tests
prove that too), so a mistake is named only when it reproduces what the learner's function
does on every probe.
"""

from __future__ import annotations

import copy
import math
from dataclasses import dataclass, field
from typing import Callable

import numpy as np

from ..neuron import course


@dataclass(frozen=True)
class Mistake:
    id: str                                   # "function.what", part of the interface (--json prints it)
    words: str                                # what the learner did; {form} stands for the form's own words
    formula: str                              # the notes' formula it breaks, in their notation
    fix: str                                  # how to put it right, in words and formulas
    forms: dict[str, str] = field(default_factory=lambda: {"": ""})   # key -> words; the first is the usual one
    broadcast: Callable | None = None         # (probe args, form) -> ((name, shape), op, (name, shape))

    @property
    def function(self) -> str:
        return self.id.split(".", 1)[0]

    @property
    def key(self) -> str:
        """The name of the switch in the function's transcription."""
        return self.id.split(".", 1)[1]

    def said(self, form: str = "") -> str:
        """The mistake in words, with its form's words."""
        return self.words.format(form=self.forms.get(form, "") or next(iter(self.forms.values())))


# ------------------------------------------------------------------------------ the transcriptions


def _basic_sigmoid(x, *, slips):
    return 1 / (1 + math.exp(x if "sign" in slips else -x))


def _sigmoid(z, *, slips):
    exp = math.exp if "math-exp" in slips else np.exp
    return 1 / (1 + exp(z if "sign" in slips else -z))


def _sigmoid_derivative(x, *, slips):
    s = 1 / (1 + np.exp(-x))
    base = x if "of-x" in slips else s
    return base * (1 + base) if "plus" in slips else base * (1 - base)


_ORDERS = {"F": None, "channels-first": (2, 0, 1), "columns-first": (1, 0, 2)}


def _image2vector(image, *, slips):
    length, height, depth = image.shape
    order = slips.get("order")
    if order == "F":
        v = image.reshape(length * height * depth, 1, order="F")
    elif order is not None:
        v = np.transpose(image, _ORDERS[order]).reshape(length * height * depth, 1)
    else:
        v = image.reshape(length * height * depth, 1)
    return v.reshape(length * height * depth) if "rank1" in slips else v


_AXIS = {"0": 0, "all": None}


def _normalize_rows(x, *, slips):
    x_norm = np.linalg.norm(x, axis=_AXIS.get(slips.get("axis"), 1), keepdims="no-keepdims" not in slips)
    return x / x_norm


def _softmax(x, *, slips):
    x_exp = np.exp(x)
    x_sum = np.sum(x_exp, axis=_AXIS.get(slips.get("axis"), 1), keepdims="no-keepdims" not in slips)
    return x_exp / x_sum


def _L1(yhat, y, *, slips):
    sign = slips.get("no-abs")
    d = np.abs(y - yhat) if sign is None else (y - yhat if sign == "y - yhat" else yhat - y)
    return np.mean(d) if "mean" in slips else np.sum(d)


def _L2(yhat, y, *, slips):
    d = np.abs(y - yhat) if "abs" in slips else (y - yhat) ** 2
    return np.sqrt(np.sum(d)) if "sqrt" in slips else np.sum(d)


def _initialize_with_zeros(dim, *, slips):
    w = np.zeros((dim,) if "rank1" in slips else (1, dim) if "row" in slips else (dim, 1))
    if "b-int" in slips:
        b = 0
    elif "b-array" in slips:
        form = slips["b-array"]
        b = np.float64(0.) if form == "scalar" else np.zeros({"(1, 1)": (1, 1), "(1,)": (1,), "()": ()}[form])
    else:
        b = 0.
    return w, b


def _propagate(w, b, X, Y, *, slips):
    n_x, m = X.shape
    misused = slips.get("m-features", "").split(", ")      # where m = X.shape[0] is divided by
    m_cost, m_dw, m_db = (n_x if where in misused else m for where in ("cost", "dw", "db"))
    wX = np.dot(w, X) if "forward-no-transpose" in slips else np.dot(w.T, X)
    A = 1 / (1 + np.exp(-(wX if "forward-no-bias" in slips else wX + b)))
    cost = _cost(A, Y, m_cost, slips)
    dZ = A * (1 - A) if "dz-sigmoid-derivative" in slips else A - Y
    if "dw-elementwise" in slips:
        dw = X * dZ
    else:
        dw = np.dot(X, dZ) if "dw-no-transpose" in slips else np.dot(X, dZ.T)
    dw = dw if "dw-no-mean" in slips else dw / m_dw
    db_shape = slips.get("db-array")
    db = np.sum(dZ) if db_shape is None else np.sum(dZ, axis=1, keepdims=db_shape == "(1, 1)")
    db = db if "db-no-mean" in slips else db / m_db
    return {"dw": dw, "db": db}, cost


def _cost(A, Y, m, slips):
    """J = -1/m sum(Y log A + (1 - Y) log(1 - A)), squeezed to a number as the course's template does."""
    if "cost-swapped" in slips:
        L = Y * np.log(1 - A) + (1 - Y) * np.log(A)
    else:
        L = Y * np.log(A) + (1 - Y) * np.log(1 - A)
    shape = slips.get("cost-array")
    total = np.sum(L) if shape is None else np.sum(L, axis=1, keepdims=shape == "(1, 1)")
    cost = total if "cost-sign" in slips else -total
    cost = cost if "cost-no-mean" in slips else cost / m
    return cost if shape else np.squeeze(np.array(cost))


_RECORDED = {"": lambda i, n: i % 100 == 0, "every": lambda i, n: True, "not-0": lambda i, n: i % 100 == 0 and i > 0,
             "99": lambda i, n: i % 100 == 99, "none": lambda i, n: False, "last": lambda i, n: i == n - 1}


def _optimize(w, b, X, Y, num_iterations=100, learning_rate=0.009, print_cost=False, *, slips):
    if "modifies-input" not in slips:
        w = copy.deepcopy(w)
    num_iterations = int(slips.get("ignores-num-iterations", num_iterations))
    learning_rate = float(slips.get("ignores-learning-rate", learning_rate))
    step = learning_rate if "ascent" in slips else -learning_rate
    recorded = _RECORDED[slips.get("costs-record", "")]
    costs = []
    grads, cost = course.propagate(w, b, X, Y)
    for i in range(num_iterations):
        if "stale-gradient" not in slips and i:
            grads, cost = course.propagate(w, b, X, Y)
        dw, db = grads["dw"], grads["db"]
        if "modifies-input" in slips:
            w += step * dw
        else:
            w = w + step * dw
        b = b + step * db
        if recorded(i, num_iterations):
            costs.append(cost)
    return {"w": w, "b": b}, {"dw": dw, "db": db}, costs


def _predict(w, b, X, *, slips):
    m = X.shape[1]
    w = w.reshape(X.shape[0], 1)
    A = 1 / (1 + np.exp(-(np.dot(w.T, X) + b)))
    inverted = slips.get("inverted")
    if "probabilities" in slips:
        Y_prediction = A
    elif inverted is not None:
        Y_prediction = (A <= 0.5 if inverted == "<=" else A < 0.5) * 1.0
    else:
        Y_prediction = (A >= 0.5 if "threshold-inclusive" in slips else A > 0.5) * 1.0
    return Y_prediction.reshape(m) if "rank1" in slips else Y_prediction


def _model(X_train, Y_train, X_test, Y_test, num_iterations=2000, learning_rate=0.5, print_cost=False, *, slips):
    w, b = course.initialize_with_zeros(X_train.shape[0])
    left_out = slips.get("ignores-arguments", "")
    passed = {name: value for name, value in (("num_iterations", num_iterations), ("learning_rate", learning_rate))
              if left_out not in ("both", name)}
    params, grads, costs = course.optimize(w, b, X_train, Y_train, print_cost=print_cost, **passed)
    w, b = params["w"], params["b"]
    Y_prediction_test = course.predict(w, b, X_train if "test-on-train" in slips else X_test)
    Y_prediction_train = course.predict(w, b, X_train)
    return {"costs": costs, "Y_prediction_test": Y_prediction_test, "Y_prediction_train": Y_prediction_train,
            "w": w, "b": b, "learning_rate": learning_rate, "num_iterations": num_iterations}


SLIPPED: dict[str, Callable] = {
    "basic_sigmoid": _basic_sigmoid, "sigmoid": _sigmoid, "sigmoid_derivative": _sigmoid_derivative,
    "image2vector": _image2vector, "normalize_rows": _normalize_rows, "softmax": _softmax, "L1": _L1, "L2": _L2,
    "initialize_with_zeros": _initialize_with_zeros, "propagate": _propagate, "optimize": _optimize,
    "predict": _predict, "model": _model,
}

# ------------------------------------------------------------------------------ the catalogue


def _rows_over(name):
    """The broadcast of x (n, d) divided by what was summed or normed over the wrong axis."""
    def operands(args, form):
        x = args[0]
        return ("x" if name == "x_norm" else "x_exp", x.shape), "/", (name, {"0": (1, x.shape[1]), "all": (1, 1),
                                                                           "": (x.shape[0],)}[form])
    return operands


_RATES = {c: f"{c}, whatever learning_rate is given" for c in ("0.009", "0.005", "0.01", "0.5", "0.1", "0.001",
                                                                "0.0001", "0.05", "1")}
_COUNTS = {c: f"{c}, whatever num_iterations is given" for c in ("100", "2000", "1000", "101", "1500", "50", "10", "1")}

_ENTRIES = [
    Mistake("basic_sigmoid.sign", "1 / (1 + e^x): the minus sign of the exponent is missing, which gives "
            "sigmoid(-x) = 1 - sigmoid(x)", "s = 1 / (1 + e^(-x))",
            "Put the minus back, e^(-x): sigmoid(0) is 0.5 and sigmoid(x) grows towards 1 as x grows."),
    Mistake("sigmoid.math-exp", "math.exp where the notes use np.exp: math works on one number at a time, so "
            "it fails on an array (TypeError)", "s = 1 / (1 + e^(-z)) for every element of z",
            "Use NumPy's exp, which works element by element on a whole array (and on a number too)."),
    Mistake("sigmoid.sign", "1 / (1 + e^z): the minus sign of the exponent is missing, which gives "
            "sigmoid(-z) = 1 - sigmoid(z)", "s = 1 / (1 + e^(-z))",
            "Put the minus back, e^(-z): sigmoid(0) is 0.5 and sigmoid(z) grows towards 1 as z grows."),
    Mistake("sigmoid_derivative.of-x", "x (1 - x): the derivative's formula applied to x itself instead of "
            "to s = sigmoid(x)", "ds = s (1 - s), s = sigmoid(x)",
            "First compute s = sigmoid(x), then s (1 - s)."),
    Mistake("sigmoid_derivative.plus", "s (1 + s) instead of s (1 - s)", "ds = s (1 - s), s = sigmoid(x)",
            "The sigmoid's slope is s (1 - s): largest, 0.25, at x = 0, and falling towards 0 on both sides."),
    Mistake("image2vector.rank1", "a rank-1 array of shape (length * height * depth,), neither a row nor a column",
            "v: a column, shape (length * height * depth, 1)",
            "Reshape to two dimensions, (length * height * depth, 1): one row per value, one column."),
    Mistake("image2vector.order", "the values unrolled in another order ({form}), where the course unrolls "
            "row by row with the depth (channels) of each pixel together, as reshape does by default",
            "v = image.reshape(length * height * depth, 1), row-major",
            "Reshape the image as it is, without transposing it first or order='F': the pixels then come "
            "out in the order the course's X has them.",
            forms={"F": "column by column, order='F'", "channels-first": "channel by channel, the depth first",
                   "columns-first": "with height and length swapped"}),
    Mistake("normalize_rows.axis", "the norms taken over the wrong axis ({form}): each row must be divided "
            "by its own length", "||x|| = sqrt(sum of x^2 over axis 1): one norm per row, (n, 1)",
            "Take the norm over axis 1 (across each row), keeping it as a column (keepdims=True).",
            forms={"0": "over axis 0, one norm per column", "all": "over the whole matrix at once"},
            broadcast=_rows_over("x_norm")),
    Mistake("normalize_rows.no-keepdims", "the row norms kept as a rank-1 array of shape (n,) (keepdims "
            "dropped): broadcasting reads it as a row, so column j is divided by the norm of row j, or the "
            "shapes do not fit when n != d", "x / ||x||: (n, d) / (n, 1) -> (n, d)",
            "Keep the norms as a column of shape (n, 1): keepdims=True (or reshape them to (n, 1)).",
            broadcast=_rows_over("x_norm")),
    Mistake("softmax.axis", "the sum taken over the wrong axis ({form}): each row is one vector, and its "
            "exponentials must add up to 1", "s = exp(x) / (sum of exp(x) over axis 1, kept as (n, 1))",
            "Sum over axis 1 (across each row), keeping the sums as a column (keepdims=True).",
            forms={"0": "over axis 0, one sum per column", "all": "over the whole matrix at once"},
            broadcast=_rows_over("x_sum")),
    Mistake("softmax.no-keepdims", "the row sums kept as a rank-1 array of shape (n,) (keepdims dropped): "
            "broadcasting reads it as a row, so column j is divided by the sum of row j, or the shapes do not "
            "fit when n != d", "s = exp(x) / x_sum: (n, d) / (n, 1) -> (n, d)",
            "Keep the sums as a column of shape (n, 1): keepdims=True.", broadcast=_rows_over("x_sum")),
    Mistake("L1.no-abs", "the differences summed without their absolute value ({form}): errors of opposite "
            "signs cancel", "L1 = sum over i of |y(i) - yhat(i)|",
            "Take the absolute value of each difference before summing.",
            forms={"y - yhat": "sum of y - yhat", "yhat - y": "sum of yhat - y"}),
    Mistake("L1.mean", "the mean of |y - yhat| instead of the sum", "L1 = sum over i of |y(i) - yhat(i)|",
            "Sum the absolute differences; do not divide by their number."),
    Mistake("L2.sqrt", "the square root of the sum of squares (the Euclidean norm of y - yhat) instead of the "
            "sum itself", "L2 = sum over i of (y(i) - yhat(i))^2", "Leave out the square root."),
    Mistake("L2.abs", "absolute values instead of squares (that is L1)", "L2 = sum over i of (y(i) - yhat(i))^2",
            "Square each difference (or take the dot product of y - yhat with itself) before summing."),
    Mistake("initialize_with_zeros.rank1", "w of shape (dim,): a rank-1 array, neither a row nor a column",
            "w: a column of zeros, shape (dim, 1)",
            "Give the shape as a pair, (dim, 1), so that w is a column and w^T X is the (1, m) row."),
    Mistake("initialize_with_zeros.row", "w of shape (1, dim): a row where the notes have a column",
            "w: a column of zeros, shape (dim, 1)", "w has one row per feature: shape (dim, 1)."),
    Mistake("initialize_with_zeros.b-int", "b = 0, an int, where the notes start from the real number 0.0",
            "b = 0.0, a float", "Start b as a float, 0.0: the course's own checks require one."),
    Mistake("initialize_with_zeros.b-array", "b an array ({form}), where b is one real number that "
            "broadcasting adds to every example", "b = 0.0, a float",
            "Make b a plain number, 0.0: broadcasting stretches it over the (1, m) row w^T X.",
            forms={"(1, 1)": "of shape (1, 1)", "(1,)": "of shape (1,)", "()": "of shape ()",
                   "scalar": "a NumPy scalar such as np.float64(0), not a Python float"}),
    Mistake("propagate.forward-no-bias", "Z = w^T X without + b",
            "Z = w^T X + b: (1, n_x) (n_x, m) -> (1, m), b broadcast over the m examples",
            "Add b to w^T X; broadcasting adds it to every example."),
    Mistake("propagate.forward-no-transpose", "np.dot(w, X) where the notes have w^T X: w is a column "
            "(n_x, 1), so the inner sizes of the product, 1 and n_x, differ (it works only when n_x = 1)",
            "Z = w^T X + b: (1, n_x) (n_x, m) -> (1, m)",
            "Transpose w first: the row w^T (1, n_x) times X (n_x, m) is the (1, m) row of the z's."),
    Mistake("propagate.dw-elementwise", "dw = X * dZ: an elementwise product, which broadcasting stretches to "
            "(n_x, m), one number per feature and example, where the notes' matrix product sums over the m "
            "examples", "dw = 1/m X dZ^T: (n_x, m) (m, 1) -> (n_x, 1)",
            "Multiply X by dZ^T as matrices (a matrix product, not *): it adds up x(i) dz(i) over the "
            "examples, one number per feature.",
            broadcast=lambda args, form: (("X", args[2].shape), "*", ("dZ", (1, args[2].shape[1])))),
    Mistake("propagate.dw-no-transpose", "the matrix product X dZ without the transpose of dZ: (n_x, m) (1, m) "
            "has inner sizes m and 1 that differ (it works only when m = 1)",
            "dw = 1/m X dZ^T: (n_x, m) (m, 1) -> (n_x, 1)",
            "Transpose dZ: X (n_x, m) times dZ^T (m, 1) gives dw, (n_x, 1)."),
    Mistake("propagate.dw-no-mean", "dw without 1/m: the sum over the examples instead of their average",
            "dw = 1/m X dZ^T", "Divide X dZ^T by m, the number of examples."),
    Mistake("propagate.db-no-mean", "db without 1/m: the sum of dZ instead of its average", "db = 1/m sum(dZ)",
            "Divide sum(dZ) by m, the number of examples."),
    Mistake("propagate.cost-no-mean", "the cost without 1/m: the total loss instead of the average",
            "J = -1/m sum(Y log A + (1 - Y) log(1 - A))", "Divide the sum of the losses by m."),
    Mistake("propagate.m-features", "m = X.shape[0], the number of features n_x, where m is the number of "
            "examples: the 1/m {form} divides by n_x instead", "X: (n_x, m), one column per example",
            "m is the number of columns of X: its second dimension.",
            forms={"cost, dw, db": "of the cost, dw and db", "dw, db": "of dw and db", "cost, dw": "of the cost and dw",
                   "cost, db": "of the cost and db", "dw": "of dw", "db": "of db", "cost": "of the cost"}),
    Mistake("propagate.cost-sign", "the cost without its minus sign: it comes out negative (the log of a "
            "probability is negative), and descent on it would climb the real cost",
            "J = -1/m sum(Y log A + (1 - Y) log(1 - A))",
            "Put the minus in front: the loss -(y log a + (1 - y) log(1 - a)) is positive, and small when a "
            "is close to y."),
    Mistake("propagate.cost-swapped", "y log(1 - a) + (1 - y) log a: the two logs swapped, so the loss is small "
            "where the prediction is wrong", "L(a, y) = -(y log a + (1 - y) log(1 - a))",
            "y goes with log a (for y = 1 the loss is -log a) and 1 - y with log(1 - a)."),
    Mistake("propagate.dz-sigmoid-derivative", "dZ = A (1 - A): the sigmoid's own slope, where the chain rule "
            "gives dL/dz = a - y for the cross-entropy loss (da/dz = a (1 - a) times dL/da = -y/a + (1 - y)/(1 - a))",
            "dZ = A - Y", "Use dZ = A - Y: the a (1 - a) cancels against dL/da."),
    Mistake("propagate.db-array", "db returned as an array ({form}), where the notes have one number",
            "db = 1/m sum(dZ): a number",
            "Sum dZ over all its elements (a sum without an axis), which gives one number.",
            forms={"(1, 1)": "of shape (1, 1)", "(1,)": "of shape (1,)"}),
    Mistake("propagate.cost-array", "the cost returned as an array ({form}), where the notes have one number",
            "J = -1/m sum(Y log A + (1 - Y) log(1 - A)): a number",
            "Sum without an axis, or squeeze the (1, 1) result to a number, as the course's template does "
            "(np.squeeze).", forms={"(1, 1)": "of shape (1, 1)", "(1,)": "of shape (1,)"}),
    Mistake("optimize.ascent", "w + alpha dw: a step up the slope, so the cost grows",
            "w := w - alpha dw; b := b - alpha db", "Subtract: the gradient points uphill, descent goes the "
            "other way."),
    Mistake("optimize.ignores-learning-rate", "the steps use a fixed rate ({form})",
            "w := w - alpha dw with alpha = learning_rate", "Use the argument learning_rate in both updates.",
            forms=_RATES),
    Mistake("optimize.ignores-num-iterations", "a fixed number of iterations ({form})",
            "num_iterations steps of gradient descent", "Loop num_iterations times.", forms=_COUNTS),
    Mistake("optimize.costs-record", "the costs are not recorded at iterations 0, 100, 200, ... (recorded: "
            "{form})", "costs: the cost at each iteration i with i % 100 == 0, before that iteration's update",
            "Append the cost when i % 100 == 0, on every run (not only when print_cost is set).",
            forms={"every": "the cost of every iteration", "not-0": "from iteration 100, without iteration 0",
                   "99": "at iterations 99, 199, ...", "none": "none at all",
                   "last": "only the last iteration's cost"}),
    Mistake("optimize.modifies-input", "w updated in place (w -= ...) on the caller's own array, which "
            "changes too", "w := w - alpha dw, on a copy of w",
            "Copy w before the loop (the course's template deep-copies it), or write w = w - alpha dw, which "
            "makes a new array."),
    Mistake("optimize.stale-gradient", "the gradients computed once, before the loop, and every step "
            "reusing them", "each iteration: grads, cost = propagate(w, b, X, Y) at the current w and b; "
            "then the update", "Call propagate inside the loop, at the start of each iteration."),
    Mistake("predict.probabilities", "A, the probabilities, returned instead of the 0/1 predictions",
            "Y_prediction = 1 where A > 0.5, else 0", "Turn each probability into 0 or 1 with the 0.5 threshold."),
    Mistake("predict.threshold-inclusive", "A >= 0.5: a probability of exactly 0.5 (z = 0) predicts 1, where "
            "the notes predict 1 only above 0.5", "Y_prediction = 1 where A > 0.5, else 0",
            "Use a strict >: 1 where A > 0.5."),
    Mistake("predict.inverted", "1 where A {form} 0.5: the labels are the wrong way round",
            "Y_prediction = 1 where A > 0.5, else 0", "Predict 1 where the probability of class 1 is above 0.5.",
            forms={"<=": "<=", "<": "<"}),
    Mistake("predict.rank1", "Y_prediction of shape (m,), a rank-1 array, where the notes have a (1, m) row",
            "Y_prediction: (1, m), like Y", "Keep Y_prediction a (1, m) row."),
    Mistake("model.test-on-train", "the test predictions made on X_train",
            "Y_prediction_test = predict(w, b, X_test)", "Predict the test set from X_test."),
    Mistake("model.ignores-arguments", "{form} passed on to optimize, which then runs with its own default "
            "(100 iterations, learning rate 0.009)",
            "optimize(w, b, X_train, Y_train, num_iterations, learning_rate, print_cost)",
            "Pass num_iterations and learning_rate on to optimize.",
            forms={"both": "neither num_iterations nor learning_rate", "num_iterations": "num_iterations not",
                   "learning_rate": "learning_rate not"}),
]

CATALOGUE: dict[str, Mistake] = {m.id: m for m in _ENTRIES}


def mistakes_of(function: str) -> list[Mistake]:
    """The catalogued mistakes of `function` (its course name), in the catalogue's order."""
    return [m for m in _ENTRIES if m.function == function]
