"""Logistic regression as one neuron, in the notes' names and layout.

Shapes, as in the notes: X is (n_x, m), one example per column; Y is (1, m) of
0s and 1s; w is (n_x, 1); b is a scalar.

    Z = w.T X + b                      (1, m)
    A = sigmoid(Z)                     (1, m), y_hat for every example
    J = -(1/m) sum(Y log A + (1 - Y) log(1 - A))
    dZ = A - Y                         (1, m)
    dw = (1/m) X dZ.T                  (n_x, 1)
    db = (1/m) sum(dZ)

Gradient descent repeats w := w - alpha dw, b := b - alpha db.
"""

from __future__ import annotations

import numpy as np

from ..engines import array_api as arrays
from .. import validation as check
from .formulas import cost_from_logits, sigmoid
from .descent import Trajectory, gradient_descent

__all__ = ["sigmoid", "initialize_with_zeros", "propagate", "optimize", "predict", "accuracy", "model"]


def initialize_with_zeros(dim: int, dtype=np.float64) -> tuple[np.ndarray, float]:
    """Return w = zeros((dim, 1)) and b = 0.0, the starting point of the notes."""
    dim = check.count("dim", dim, minimum=1)
    return np.zeros((dim, 1), dtype=check.check_dtype(dtype)), 0.0


def _check_parameters(w, b, X, dtype=None, x_name="X"):
    X = check.matrix(x_name, X, dtype=dtype)
    if X.dtype.kind != "f":
        X = X.astype(np.float64)
    w = check.matrix("w", w, X.shape[0], 1, col_name="1", dtype=X.dtype)
    return w, check.scalar("b", b), X


def propagate(w, b, X, Y) -> tuple[dict, float]:
    """Forward and backward propagation over all m examples at once.

    w: (n_x, 1), b: scalar, X: (n_x, m), Y: (1, m).
    Returns grads = {"dw": (n_x, 1) array, "db": float} and the cost J (a float).
    Arrays of another engine (PyTorch, CuPy, ...) run there; dw comes back on it.
    """
    if arrays.is_foreign(w, X, Y):
        return arrays.propagate(w, b, X, Y)
    w, b, X = _check_parameters(w, b, X)
    Y = check.labels("Y", Y, X.shape[1], dtype=X.dtype)
    m = X.shape[1]
    Z = w.T @ X + b
    A = sigmoid(Z)
    cost = cost_from_logits(Z, Y)
    dZ = A - Y
    dw = (X @ dZ.T) / m
    db = float(np.sum(dZ)) / m
    return {"dw": dw, "db": db}, cost


def optimize(w, b, X, Y, num_iterations=100, learning_rate=0.009, print_cost=False, *,
             print_every=100, l2=0.0, solver="auto", dtype=None, on_record=None):
    """Run `num_iterations` steps of batch gradient descent from (w, b).

    w: (n_x, 1), b: scalar, X: (n_x, m), Y: (1, m). The cost is recorded every
    `print_every` iterations, before that iteration's update (iteration 0 is the
    cost at the start). `solver` is "auto", "primal" or "gram" (same iterates, see
    `single_neuron.solvers`); `dtype` float32 or float64 (default: float32 if X is
    float32, else float64) is used for every array in the loop; `l2` adds
    l2 / (2 m) ||w||^2 to the cost. `on_record(i, cost)` is called at each record.

    Returns params = {"w", "b"}, grads = {"dw", "db"} of the last iteration, and
    the list of recorded costs. Arrays of another engine (PyTorch, CuPy, Dask, ...)
    run the same steps on that engine (see `arrays`), and w, dw come back on it.
    """
    if arrays.is_foreign(w, X, Y):
        run = _descend_foreign(w, b, X, Y, num_iterations, learning_rate, print_cost, print_every, l2, on_record)
        return {"w": run.w, "b": run.b}, {"dw": run.dw, "db": run.db}, run.costs
    run, _ = _descend(w, b, X, Y, num_iterations, learning_rate, print_cost, print_every=print_every,
                      l2=l2, solver=solver, dtype=dtype, on_record=on_record)
    return {"w": run.w, "b": run.b}, {"dw": run.dw, "db": run.db}, run.costs


def _descend(w, b, X, Y, num_iterations, learning_rate, print_cost, *, print_every, l2, solver,
             dtype, on_record, x_name="X", y_name="Y") -> tuple[Trajectory, np.ndarray]:
    """Validate the arguments of `optimize` once, run the chosen solver; return it and the checked X."""
    if dtype is not None:
        dtype = check.check_dtype(dtype)
    else:
        dtype = np.float32 if np.asarray(X).dtype == np.float32 else np.float64
    w, b, X = _check_parameters(w, b, X, dtype=dtype, x_name=x_name)
    Y = check.labels(y_name, Y, X.shape[1], dtype=dtype)
    num_iterations, learning_rate, print_every, l2, record = _run_settings(
        num_iterations, learning_rate, print_every, l2, print_cost, on_record)
    run = gradient_descent(w, b, X, Y, num_iterations, learning_rate, l2=l2,
                           record_every=print_every, solver=solver, on_record=record)
    return run, X


def _run_settings(num_iterations, learning_rate, print_every, l2, print_cost, on_record):
    """The checked settings of a run, and the hook that prints and reports each recorded cost."""

    def record(i, cost):
        if print_cost:
            print(f"Cost after iteration {i}: {cost:f}")
        if on_record is not None:
            on_record(i, cost)

    return (check.count("num_iterations", num_iterations), check.positive_number("learning_rate", learning_rate),
            check.count("print_every", print_every, minimum=1), check.non_negative_number("l2", l2), record)


def _descend_foreign(w, b, X, Y, num_iterations, learning_rate, print_cost, print_every, l2, on_record):
    num_iterations, learning_rate, print_every, l2, record = _run_settings(
        num_iterations, learning_rate, print_every, l2, print_cost, on_record)
    run = arrays.gradient_descent(w, b, X, Y, num_iterations, learning_rate, l2=l2,
                                  record_every=print_every, on_record=record)
    if run.solver == "dask":                   # the parameters come back as Dask arrays, like X
        import dask.array as da

        run.w, run.dw = da.from_array(run.w), da.from_array(run.dw)
    return run


def predict(w, b, X) -> np.ndarray:
    """Return Y_prediction, a (1, m) array of 0.0 and 1.0: 1 where sigmoid(w.T X + b) > 0.5."""
    if arrays.is_foreign(w, X):
        return arrays.predict(w, b, X)
    w, b, X = _check_parameters(w, b, X)
    return _predict(w, b, X)


def _predict(w, b, X) -> np.ndarray:
    return (sigmoid(w.T @ X + b) > 0.5).astype(np.float64)


def accuracy(Y_prediction, Y) -> float:
    """Percent of predictions equal to the labels, computed as the course does."""
    return float(100 - np.mean(np.abs(np.asarray(Y_prediction) - np.asarray(Y))) * 100)


def model(X_train, Y_train, X_test, Y_test, num_iterations=2000, learning_rate=0.005,
          print_cost=False, *, print_every=100, l2=0.0, solver="auto", dtype=None, on_record=None):
    """Train from zeros on (X_train, Y_train) and predict on both sets, as the course's model.

    X_train: (n_x, m_train), Y_train: (1, m_train), X_test: (n_x, m_test), Y_test:
    (1, m_test). Returns a dict with costs, Y_prediction_test, Y_prediction_train,
    w, b, learning_rate, num_iterations, plus train_accuracy, test_accuracy (percent)
    and the solver used. With print_cost, prints the cost lines and the accuracies.
    Arrays of another engine (PyTorch, CuPy, Dask, ...) train on that engine.
    """
    if arrays.is_foreign(X_train, Y_train, X_test, Y_test):
        return _model_foreign(X_train, Y_train, X_test, Y_test, num_iterations, learning_rate, print_cost,
                              print_every, l2, on_record)
    n_x = np.shape(X_train)[0] if np.ndim(X_train) == 2 else None
    X_test = check.matrix("X_test", X_test, n_x, row_name="n_x")
    Y_test = check.labels("Y_test", Y_test, X_test.shape[1])
    w, b = initialize_with_zeros(X_test.shape[0])
    run, X_train = _descend(w, b, X_train, Y_train, num_iterations, learning_rate, print_cost,
                            print_every=print_every, l2=l2, solver=solver, dtype=dtype, on_record=on_record,
                            x_name="X_train", y_name="Y_train")
    return _result(run, _predict(run.w, run.b, X_train), Y_train, _predict(run.w, run.b, X_test), Y_test,
                   learning_rate, num_iterations, print_cost)


def _result(run, Y_prediction_train, Y_train, Y_prediction_test, Y_test, learning_rate, num_iterations,
            print_cost) -> dict:
    """The course's model() dictionary (plus accuracies and solver), printed as the course does."""
    from ..engines.devices import to_numpy

    train_accuracy = accuracy(to_numpy(Y_prediction_train), to_numpy(Y_train))
    test_accuracy = accuracy(to_numpy(Y_prediction_test), to_numpy(Y_test))
    if print_cost:
        print(f"train accuracy: {train_accuracy} %")
        print(f"test accuracy: {test_accuracy} %")
    return {"costs": run.costs, "Y_prediction_test": Y_prediction_test, "Y_prediction_train": Y_prediction_train,
            "w": run.w, "b": run.b, "learning_rate": learning_rate, "num_iterations": num_iterations,
            "train_accuracy": train_accuracy, "test_accuracy": test_accuracy, "solver": run.solver}


def _model_foreign(X_train, Y_train, X_test, Y_test, num_iterations, learning_rate, print_cost, print_every,
                   l2, on_record):
    xp = arrays.array_namespace(X_train)
    w = xp.zeros((X_train.shape[0], 1), dtype=X_train.dtype, device=arrays.device(X_train))
    run = _descend_foreign(w, 0.0, X_train, Y_train, num_iterations, learning_rate, print_cost, print_every,
                           l2, on_record)
    return _result(run, predict(run.w, run.b, X_train), Y_train, predict(run.w, run.b, X_test), Y_test,
                   learning_rate, num_iterations, print_cost)
