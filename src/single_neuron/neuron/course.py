"""Logistic regression as one neuron: the course's functions, in the notes' names and layout.

Shapes, as in the notes: X is (n_x, m), one example per column; Y is (1, m) of
0s and 1s; w is (n_x, 1); b is a scalar.

    Z = w.T X + b                      (1, m)
    A = sigmoid(Z)                     (1, m), y_hat for every example
    J = -(1/m) sum(Y log A + (1 - Y) log(1 - A))
    dZ = A - Y                         (1, m)
    dw = (1/m) X dZ.T                  (n_x, 1)
    db = (1/m) sum(dZ)

Gradient descent repeats w := w - alpha dw, b := b - alpha db (see `descent`).

The signatures, defaults and return types are the course's, so its own tests run
against these functions unchanged: `db`, the cost and the recorded costs are NumPy
float64 scalars, `b` a Python float from `initialize_with_zeros` and a NumPy float
after training. Options the course does not have are keyword-only. Arrays of
another engine (PyTorch, CuPy, Dask, array-api-strict) run there, and the arrays
returned are on that engine.
"""

from __future__ import annotations

import numpy as np

from .. import validation as check
from ..errors import InputValueError
from . import passes
from .descent import descend
from .formulas import cost as cost_of, decide, largest, logits, namespace, sigmoid, to_numpy

__all__ = ["sigmoid", "initialize_with_zeros", "propagate", "optimize", "predict", "accuracy", "model"]


def initialize_with_zeros(dim: int, dtype=np.float64) -> tuple[np.ndarray, float]:
    """Return w = zeros((dim, 1)) and b = 0.0, the starting point of the notes."""
    dim = check.count("dim", dim, minimum=1)
    dtype = check.check_dtype(dtype)
    try:
        return np.zeros((dim, 1), dtype=dtype), 0.0
    except (ValueError, MemoryError):               # more than NumPy can address, or than memory holds
        raise InputValueError(f"dim: {dim:,} weights of {dtype} do not fit in memory") from None


def _inputs(w, b, X, Y=None, dtype=None, x_name="X", y_name="Y", n_x=None):
    """Checked w, b, X (and Y), with the float dtype of the run: `dtype`, or X's own if it is
    a float, else float64. `n_x`, if given, is the number of rows X must have."""
    X = check.matrix(x_name, X, n_x)
    xp = namespace(X)
    if dtype is not None:
        dtype = check.check_dtype(dtype)
    if xp is np:
        dtype = dtype or (X.dtype if X.dtype in check.FLOAT_DTYPES else np.float64)
        X = X.astype(dtype, copy=False)
    elif not xp.isdtype(X.dtype, "real floating"):
        X = xp.astype(X, xp.float64)
    n_x, m = X.shape
    w = check.matrix("w", w, n_x, 1, col_name="1", dtype=X.dtype if xp is np else None)
    if xp is not np:
        from array_api_compat import device

        w = xp.astype(xp.asarray(w, device=device(X)), X.dtype)   # a NumPy start moves to X's engine
    if Y is not None:
        Y = check.labels(y_name, Y, m, dtype=X.dtype if xp is np else None)
        if xp is not np:
            Y = xp.astype(Y, X.dtype)
    return w, check.scalar("b", b), X, Y


def _column(w, n_x):
    """The course's predict reshapes w to (n_x, 1): a flat w of exactly n_x numbers is that column."""
    if getattr(w, "ndim", None) == 1 and w.shape[0] == n_x:
        xp = namespace(w)
        return xp.reshape(w, (n_x, 1))
    if isinstance(w, (list, tuple)) and np.ndim(w) == 1 and len(w) == n_x:
        return np.asarray(w).reshape(n_x, 1)
    return w


def propagate(w, b, X, Y) -> tuple[dict, np.float64]:
    """Forward and backward propagation over all m examples at once.

    w: (n_x, 1), b: scalar, X: (n_x, m), Y: (1, m) (or (m,)).
    Returns grads = {"dw": (n_x, 1) array, "db": float64} and the cost J (float64).
    """
    w, b, X, Y = _inputs(w, b, X, Y)
    m = X.shape[1]
    Z = logits(w, b, X)
    A = sigmoid(Z)
    dZ = A - Y
    with np.errstate(over="ignore", invalid="ignore"):
        cost = cost_of(Z, Y)
        dw = (X @ dZ.T) / m
    xp = namespace(dZ)
    db = float(xp.sum(dZ)) / m
    if not np.isfinite(float(cost)):
        raise InputValueError(f"the cost J = {float(cost)} overflows float64: the losses of examples with logits as "
                              f"large as {largest(Z)} add up to more than a float holds; scale X (the course divides "
                              "pixels by 255) or start from smaller weights")
    if not bool(xp.all(xp.isfinite(dw))):
        raise InputValueError(f"dw = X dZ.T / m overflows float64: X holds numbers too large to add up "
                              f"({largest(X)}); scale X (the course divides pixels by 255)")
    return {"dw": dw, "db": np.float64(db)}, np.float64(float(cost))


def optimize(w, b, X, Y, num_iterations=100, learning_rate=0.009, print_cost=False, *,
             print_every=100, l2=0.0, solver="auto", dtype=None, on_record=None, accelerated=False):
    """Run `num_iterations` steps of batch gradient descent from (w, b).

    w: (n_x, 1), b: scalar, X: (n_x, m), Y: (1, m). The cost is recorded every
    `print_every` iterations, before that iteration's update (iteration 0 is the
    cost at the start). `solver` is "auto", "primal" or "gram" (the same iterates,
    see docs/solvers.md); `dtype` float32 or float64 (default: X's float type, else
    float64) is used for every array in the loop; `l2` adds l2 / (2 m) ||w||^2 to
    the cost. `on_record(i, cost)` is called at each record. `learning_rate` "auto" takes the
    step 1/L from the cost's curvature, L = (largest eigenvalue of X X.T) / (4 m) with X's row of
    ones for b (+ the L2 term); `accelerated` makes Nesterov's steps (see `descent.Momentum`).

    Returns params = {"w", "b"}, grads = {"dw", "db"} of the last step, and the
    list of recorded costs.
    """
    w, b, X, Y = _inputs(w, b, X, Y, dtype)
    num_iterations, learning_rate, print_every, l2, accelerated = _run_settings(
        num_iterations, learning_rate, print_every, l2, accelerated)
    run = _descend(w, b, X, Y, num_iterations, learning_rate, print_cost, print_every, l2, solver, on_record,
                   accelerated)
    return ({"w": run.w, "b": np.float64(run.b)}, {"dw": run.dw, "db": np.float64(run.db)},
            [np.float64(c) for c in run.costs])


def _run_settings(num_iterations, learning_rate, print_every, l2, accelerated):
    # The checks of these settings in the one table of a run's settings (app.setting_table), which
    # this layer may not import: a test holds the two to the same functions.
    return (check.iterations("num_iterations", num_iterations),
            check.learning_rate("learning_rate", learning_rate),
            check.at_least_one("print_every", print_every), check.non_negative_number("l2", l2),
            check.flag("accelerated", accelerated))


def _descend(w, b, X, Y, num_iterations, learning_rate, print_cost, print_every, l2, solver, on_record,
             accelerated):
    def record(i, cost):
        if print_cost:
            print(f"Cost after iteration {i}: {cost:f}")
        if on_record is not None:
            on_record(i, cost)

    with passes.opened(X, Y, solver=solver, num_iterations=num_iterations) as data:
        return descend(data, w, b, num_iterations, learning_rate, l2=l2, record_every=print_every, on_record=record,
                       accelerated=accelerated)


def predict(w, b, X):
    """Return Y_prediction, a (1, m) array of 0.0 and 1.0: 1 where sigmoid(w.T X + b) > 0.5.

    w: (n_x, 1) (or n_x numbers, as the course's predict reshapes it), b: scalar, X: (n_x, m).
    """
    n_x = getattr(X, "shape", np.shape(X))[0] if np.ndim(X) == 2 or hasattr(X, "shape") else None
    w, b, X, _ = _inputs(_column(w, n_x), b, X)
    return _predict(w, b, X)


def _predict(w, b, X):
    xp = namespace(X)
    return xp.astype(decide(sigmoid(logits(w, b, X))), X.dtype if xp is not np else xp.float64)


def accuracy(Y_prediction, Y) -> float:
    """Percent of predictions equal to the labels, computed as the course does:
    100 - mean(|Y_prediction - Y|) * 100, the mean in float64 whatever the labels' dtype (a float32
    mean of 2 / 209 would show 99.04306030273438 where the course shows 99.04306220095694).

    Y_prediction and Y: (1, m) (or (m,)) of 0s and 1s, the same m; anything else is refused
    (a (1, 3) against a (3, 1) would broadcast to nine differences, a label of 2 count as more
    than one mistake)."""
    Y = check.labels("Y", to_numpy(Y))
    Y_prediction = check.labels("Y_prediction", to_numpy(Y_prediction), Y.shape[1])
    return float(100 - np.mean(np.abs(Y_prediction - Y), dtype=np.float64) * 100)


def model(X_train, Y_train, X_test, Y_test, num_iterations=2000, learning_rate=0.5, print_cost=False, *,
          print_every=100, l2=0.0, solver="auto", dtype=None, on_record=None, accelerated=False):
    """Train from zeros on (X_train, Y_train) and predict on both sets, as the course's model.

    X_train: (n_x, m_train), Y_train: (1, m_train) (or (m_train,)), X_test: (n_x, m_test),
    Y_test: (1, m_test) (or (m_test,)). Returns a dict with costs, Y_prediction_test,
    Y_prediction_train, w, b, learning_rate, num_iterations, plus train_accuracy,
    test_accuracy (percent) and the solver used; with learning_rate "auto" (see `optimize`),
    learning_rate_used, the step 1/L taken. With print_cost, prints the cost lines and the
    accuracies (and auto's step).
    """
    X_train = check.matrix("X_train", X_train)
    w0 = np.zeros((X_train.shape[0], 1))
    w0, b, X_train, Y_train = _inputs(w0, 0.0, X_train, Y_train, dtype, "X_train", "Y_train")
    _, _, X_test, Y_test = _inputs(w0, 0.0, X_test, Y_test, X_train.dtype if namespace(X_train) is np else None,
                                   "X_test", "Y_test", n_x=X_train.shape[0])
    num_iterations, learning_rate, print_every, l2, accelerated = _run_settings(
        num_iterations, learning_rate, print_every, l2, accelerated)
    run = _descend(w0, b, X_train, Y_train, num_iterations, learning_rate, print_cost, print_every, l2, solver,
                   on_record, accelerated)
    Y_prediction_train, Y_prediction_test = _predict(run.w, run.b, X_train), _predict(run.w, run.b, X_test)
    train_accuracy = accuracy(Y_prediction_train, Y_train)
    test_accuracy = accuracy(Y_prediction_test, Y_test)
    used = {"learning_rate_used": run.learning_rate} if learning_rate == "auto" else {}
    if print_cost:
        if used:
            print(f"learning rate auto: {run.learning_rate:.3g} (1/L)")
        print(f"train accuracy: {train_accuracy} %")
        print(f"test accuracy: {test_accuracy} %")
    return {"costs": [np.float64(c) for c in run.costs], "Y_prediction_test": Y_prediction_test,
            "Y_prediction_train": Y_prediction_train, "w": run.w, "b": np.float64(run.b),
            "learning_rate": learning_rate, "num_iterations": num_iterations,
            "train_accuracy": train_accuracy, "test_accuracy": test_accuracy, "solver": run.solver, **used}
