"""The notes' loop versions of one gradient step, kept as references for the vectorized code.

Both compute what `neuron.course.propagate` computes, for X (n_x, m), Y (1, m), w (n_x, 1)
and b, one example at a time:

    z(i) = w.T x(i) + b,  a(i) = sigmoid(z(i)),
    J  += -(y(i) log a(i) + (1 - y(i)) log(1 - a(i)))
    dz(i) = a(i) - y(i),  dw += x(i) dz(i),  db += dz(i)

and finally divide J, dw and db by m. They are slow on purpose: they are the
notes' first version, written as the notes write it, to check the fast one against.
"""

from __future__ import annotations

import math

import numpy as np

from .. import validation as check


def _inputs(w, b, X, Y):
    X = check.matrix("X", X, dtype=np.float64)
    w = check.matrix("w", w, X.shape[0], 1, col_name="1", dtype=np.float64)
    Y = check.labels("Y", Y, X.shape[1], dtype=np.float64)
    return w, check.scalar("b", b), X, Y


def _sigmoid(z: float) -> float:
    return 1.0 / (1.0 + math.exp(-z)) if z >= 0 else math.exp(z) / (1.0 + math.exp(z))


def _loss(z: float, y: float) -> float:
    # L(sigmoid(z), y) in its finite form: max(z, 0) - y z + log(1 + exp(-|z|))
    return max(z, 0.0) - y * z + math.log1p(math.exp(-abs(z)))


def propagate_two_loops(w, b, X, Y) -> tuple[dict, float]:
    """The notes' first version: a loop over the m examples and, inside, over the n_x features."""
    w, b, X, Y = _inputs(w, b, X, Y)
    n_x, m = X.shape
    J, db = 0.0, 0.0
    dw = [0.0] * n_x
    for i in range(m):
        z = b
        for j in range(n_x):
            z += w[j, 0] * X[j, i]
        a = _sigmoid(z)
        J += _loss(z, Y[0, i])
        dz = a - Y[0, i]
        for j in range(n_x):
            dw[j] += X[j, i] * dz
        db += dz
    return {"dw": np.array(dw).reshape(n_x, 1) / m, "db": db / m}, J / m


def propagate_one_loop(w, b, X, Y) -> tuple[dict, float]:
    """The notes' second version: the feature loop vectorized (dw a vector), one loop over examples."""
    w, b, X, Y = _inputs(w, b, X, Y)
    n_x, m = X.shape
    J, db = 0.0, 0.0
    dw = np.zeros((n_x, 1))
    for i in range(m):
        x = X[:, i : i + 1]                 # (n_x, 1), a column, not a rank-1 array
        z = (w.T @ x).item() + b
        a = _sigmoid(z)
        J += _loss(z, Y[0, i])
        dz = a - Y[0, i]
        dw += x * dz
        db += dz
    return {"dw": dw / m, "db": db / m}, J / m
