"""The gradient-descent loops, in two equivalent forms.

Both run the notes' batch gradient descent on the (optionally L2-regularised) cost

    J(w, b) = mean L(sigmoid(w.T X + b), Y) + l2 / (2 m) * ||w||^2

with the updates w := w - alpha dw, b := b - alpha db, and record J every
`record_every` iterations before that iteration's update, as the course does.

primal: the notes' vectorized step, Z = w.T X + b, dZ = A - Y, dw = X dZ.T / m,
    db = sum(dZ) / m; two passes over X per iteration, O(n_x m).

gram: every update adds a combination of the columns of X to w, so from a start
    w0 the iterates are w = s w0 + X c.T with c of shape (1, m) and s a scalar
    (s = 1 without L2). With K = X.T X (m x m, computed once) and z0 = w0.T X,
    Z = s z0 + c K + b and c := (1 - alpha l2 / m) c - alpha dZ / m: O(m^2) per
    iteration, the same iterates up to rounding. It is the faster choice when
    m is well below n_x and there are many iterations.

The loops allocate their buffers once and keep one dtype (the dtype of X)
throughout: a product that mixes float32 and float64 leaves BLAS.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

import numpy as np

from .activation import cost_from_logits, residual_into
from .errors import InputValueError

SOLVERS = ("auto", "primal", "gram")

RecordHook = Callable[[int, float], None]


@dataclass
class Trajectory:
    """What a gradient-descent run leaves: final parameters, last gradients, costs."""

    w: np.ndarray            # (n_x, 1)
    b: float
    dw: np.ndarray           # (n_x, 1), gradient at the last iteration (before its update)
    db: float
    costs: list[float] = field(default_factory=list)
    solver: str = "primal"


def choose_solver(n_x: int, m: int, num_iterations: int) -> str:
    """Pick "gram" when it needs less arithmetic and its K is no larger than X.

    Work estimates in multiply-adds: primal 2 n_x m per iteration; gram n_x m^2 / 2
    once for K (a symmetric product) plus m^2 per iteration. Gram must also win
    by a margin of 2, so that close calls keep the plain form of the notes.
    """
    if m > n_x or num_iterations == 0:
        return "primal"
    primal = 2.0 * n_x * m * num_iterations
    gram = 0.5 * n_x * m * m + float(m) * m * num_iterations
    return "gram" if 2.0 * gram < primal else "primal"


def gradient_descent(w: np.ndarray, b: float, X: np.ndarray, Y: np.ndarray,
                     num_iterations: int, learning_rate: float, *, l2: float = 0.0,
                     record_every: int = 100, solver: str = "auto",
                     on_record: RecordHook | None = None) -> Trajectory:
    """Run batch gradient descent from (w, b); inputs are already validated.

    w: (n_x, 1), X: (n_x, m), Y: (1, m), all of one float dtype; b: float.
    `on_record(i, cost)` is called each time a cost is recorded.
    """
    if solver not in SOLVERS:
        raise InputValueError(f"solver: expected one of {', '.join(SOLVERS)}, got {solver!r}")
    n_x, m = X.shape
    if solver == "auto":
        solver = choose_solver(n_x, m, num_iterations)
    costs: list[float] = []

    def record(i: int, cost: float) -> None:
        costs.append(cost)
        if on_record is not None:
            on_record(i, cost)

    run = _gram if solver == "gram" else _primal
    out = run(w, float(b), X, Y, num_iterations, float(learning_rate), float(l2), record_every, record)
    out.costs, out.solver = costs, solver
    return out


def _buffers(Y: np.ndarray):
    """Z, dZ and a scratch row, plus 0.5 - Y for `residual_into`."""
    Z, dZ, E = (np.empty_like(Y) for _ in range(3))
    return Z, dZ, E, 0.5 - Y


def _primal(w0, b, X, Y, T, alpha, l2, every, on_record) -> Trajectory:
    n_x, m = X.shape
    Z, dZ, _, half_minus_Y = _buffers(Y)
    w = w0.copy()
    dw = np.zeros_like(w)
    step = np.empty_like(w)
    wT, dZT = w.T, dZ.T
    db = 0.0
    inv_m = 1.0 / m
    for i in range(T):
        np.matmul(wT, X, out=Z)
        Z += b
        if i % every == 0:
            cost = cost_from_logits(Z, Y)
            if l2:
                cost += l2 * inv_m / 2 * float(np.vdot(w, w))
            on_record(i, cost)
        residual_into(Z, half_minus_Y, dZ)
        np.matmul(X, dZT, out=dw)
        np.multiply(dw, inv_m, out=dw)
        if l2:
            np.multiply(w, l2 * inv_m, out=step)
            dw += step
        db = float(np.add.reduce(dZ, axis=None)) * inv_m
        np.multiply(dw, alpha, out=step)
        w -= step
        b = b - alpha * db
    return Trajectory(w=w, b=b, dw=dw, db=db)


def _gram(w0, b, X, Y, T, alpha, l2, every, on_record) -> Trajectory:
    n_x, m = X.shape
    dt = X.dtype
    Z, dZ, E, half_minus_Y = _buffers(Y)
    K = X.T @ X                               # NumPy uses a symmetric rank-k update here
    has_start = bool(np.any(w0))
    z0 = (w0.T @ X) if has_start else None
    w0_sq = float(np.vdot(w0, w0)) if has_start else 0.0
    c = np.zeros((1, m), dt)
    s = 1.0                                   # w = s w0 + X c.T
    inv_m = 1.0 / m
    decay = 1.0 - alpha * l2 * inv_m
    c_prev, s_prev = c, s
    db = 0.0
    for i in range(T):
        np.matmul(c, K, out=Z)
        if has_start:
            np.multiply(z0, s, out=E)
            Z += E
        Z += b
        if i % every == 0:
            cost = cost_from_logits(Z, Y)
            if l2:
                cost += l2 * inv_m / 2 * _gram_norm_sq(c, s, K, z0, w0_sq)
            on_record(i, cost)
        residual_into(Z, half_minus_Y, dZ)
        db = float(np.add.reduce(dZ, axis=None)) * inv_m
        if i == T - 1 and l2:
            c_prev, s_prev = c.copy(), s    # the last gradient needs the weights before the update
        if l2:
            c *= decay
            s *= decay
        np.multiply(dZ, alpha * inv_m, out=E)
        c -= E
        b = b - alpha * db
    w = X @ c.T
    if has_start:
        w += s * w0
    dw = X @ dZ.T * inv_m if T else np.zeros_like(w0)
    if l2 and T:
        w_prev = X @ c_prev.T
        if has_start:
            w_prev += s_prev * w0
        dw += l2 * inv_m * w_prev
    return Trajectory(w=w.astype(dt, copy=False), b=b, dw=dw.astype(dt, copy=False), db=db)


def _gram_norm_sq(c, s, K, z0, w0_sq) -> float:
    """||s w0 + X c.T||^2 = s^2 w0.w0 + 2 s c z0.T + c K c.T, without touching X."""
    out = float((c @ K @ c.T)[0, 0])
    if z0 is not None:
        out += s * s * w0_sq + 2.0 * s * float((c @ z0.T)[0, 0])
    return out
