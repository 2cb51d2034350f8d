"""The gradient-descent loops, in two equivalent forms.

Both run the notes' batch gradient descent on the (optionally weighted and
L2-regularised) cost

    J(w, b) = sum_i s_i L(sigmoid(w.T x_i + b), y_i) / sum_i s_i + l2 / (2 m) * ||w||^2

(s_i = 1 and m the number of examples by default; with weights, m = sum_i s_i,
so weight 2 is the same as the example written twice), with the updates
w := w - alpha dw, b := b - alpha db, and record J every `record_every`
iterations before that iteration's update, as the course does.

primal: the notes' vectorized step, Z = w.T X + b, dZ = A - Y, dw = X dZ.T / m,
    db = sum(dZ) / m; two passes over X per iteration, O(n_x m).

gram: every update adds a combination of the columns of X to w, so from a start
    w0 the iterates are w = s w0 + X c.T with c of shape (1, m) and s a scalar
    (s = 1 without L2). With K = X.T X (m x m, computed once) and z0 = w0.T X,
    Z = s z0 + c K + b and c := (1 - alpha l2 / m) c - alpha dZ / m: O(m^2) per
    iteration, the same iterates up to rounding. It is the faster choice when
    m is well below n_x and there are many iterations. See docs/solvers.md.

The loops allocate their buffers once and keep one dtype (the dtype of X)
throughout: a product that mixes float32 and float64 leaves BLAS.

Early stopping (`tol`): the cost is then evaluated at every iteration, and the
run stops when it has failed to fall by more than `tol` below the best cost so
far for `n_iter_no_change` iterations in a row.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

import numpy as np

from .formulas import cost_from_logits, residual_into
from ..errors import InputValueError

SOLVERS = ("auto", "primal", "gram")

RecordHook = Callable[[int, float], None]


@dataclass
class Trajectory:
    """What a gradient-descent run leaves: final parameters, last gradients, costs."""

    w: np.ndarray            # (n_x, 1)
    b: float
    dw: np.ndarray           # (n_x, 1), gradient at the last iteration (before its update)
    db: float
    n_iter: int = 0          # updates made (fewer than asked when early stopping ends the run)
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


class _Monitor:
    """Records the cost every `every` iterations and decides on early stopping."""

    def __init__(self, Y, weights, every, tol, patience, on_record):
        self.Y, self.weights, self.every = Y, weights, every
        self.tol, self.patience, self.on_record = tol, patience, on_record
        self.scratch = (np.empty_like(Y), np.empty_like(Y))
        self.costs: list[float] = []
        self.best, self.stale = np.inf, 0

    def due(self, i: int) -> bool:
        return self.tol is not None or i % self.every == 0

    def stop(self, i: int, Z: np.ndarray, penalty: float) -> bool:
        """Note the cost at iteration i (before its update); True if the run should end here."""
        cost = cost_from_logits(Z, self.Y, self.weights, self.scratch) + penalty
        if i % self.every == 0:
            self.costs.append(cost)
            self.on_record(i, cost)
        if self.tol is None:
            return False
        if cost > self.best - self.tol:
            self.stale += 1
        else:
            self.stale = 0
        self.best = min(self.best, cost)
        return self.stale >= self.patience


def gradient_descent(w: np.ndarray, b: float, X: np.ndarray, Y: np.ndarray,
                     num_iterations: int, learning_rate: float, *, l2: float = 0.0,
                     record_every: int = 100, solver: str = "auto",
                     on_record: RecordHook | None = None, sample_weight: np.ndarray | None = None,
                     tol: float | None = None, n_iter_no_change: int = 5) -> Trajectory:
    """Run batch gradient descent from (w, b); inputs are already validated.

    w: (n_x, 1), X: (n_x, m), Y: (1, m), sample_weight: None or (1, m) of
    non-negative numbers with a positive sum, all of one float dtype; b: float.
    `on_record(i, cost)` is called each time a cost is recorded.
    """
    if solver not in SOLVERS:
        raise InputValueError(f"solver: expected one of {', '.join(SOLVERS)}, got {solver!r}")
    n_x, m = X.shape
    if solver == "auto":
        solver = choose_solver(n_x, m, num_iterations)
    weights, m_eff = None, float(m)
    if sample_weight is not None:
        m_eff = float(np.sum(sample_weight, dtype=np.float64))
        weights = (sample_weight / m_eff).astype(X.dtype)
    monitor = _Monitor(Y, weights, record_every, tol, n_iter_no_change,
                       on_record or (lambda i, cost: None))
    run = _gram if solver == "gram" else _primal
    out = run(w, float(b), X, Y, weights, m_eff, num_iterations, float(learning_rate), float(l2), monitor)
    out.costs, out.solver = monitor.costs, solver
    return out


def _buffers(Y: np.ndarray):
    """Z, dZ and a scratch row, plus 0.5 - Y for `residual_into`."""
    Z, dZ, E = (np.empty_like(Y) for _ in range(3))
    return Z, dZ, E, 0.5 - Y


def _primal(w0, b, X, Y, weights, m_eff, T, alpha, l2, monitor) -> Trajectory:
    Z, dZ, _, half_minus_Y = _buffers(Y)
    w = w0.copy()
    dw = np.zeros_like(w)
    step = np.empty_like(w)
    wT, dZT = w.T, dZ.T
    scale = 1.0 / m_eff if weights is None else 1.0     # weights already sum to 1
    db, done = 0.0, 0
    for i in range(T):
        np.matmul(wT, X, out=Z)
        Z += b
        if monitor.due(i) and monitor.stop(i, Z, l2 / (2 * m_eff) * float(np.vdot(w, w)) if l2 else 0.0):
            break
        residual_into(Z, half_minus_Y, dZ)
        if weights is not None:
            dZ *= weights
        np.matmul(X, dZT, out=dw)
        if scale != 1.0:
            np.multiply(dw, scale, out=dw)
        if l2:
            np.multiply(w, l2 / m_eff, out=step)
            dw += step
        db = float(np.add.reduce(dZ, axis=None)) * scale
        np.multiply(dw, alpha, out=step)
        w -= step
        b = b - alpha * db
        done += 1
    return Trajectory(w=w, b=b, dw=dw, db=db, n_iter=done)


def _gram(w0, b, X, Y, weights, m_eff, T, alpha, l2, monitor) -> Trajectory:
    dt = X.dtype
    Z, dZ, E, half_minus_Y = _buffers(Y)
    K = X.T @ X                               # NumPy uses a symmetric rank-k update here
    has_start = bool(np.any(w0))
    z0 = (w0.T @ X) if has_start else None
    w0_sq = float(np.vdot(w0, w0)) if has_start else 0.0
    c = np.zeros_like(Y)
    s = 1.0                                   # w = s w0 + X c.T
    scale = 1.0 / m_eff if weights is None else 1.0
    decay = 1.0 - alpha * l2 / m_eff
    c_prev, s_prev = np.empty_like(c), s      # c and s before the last update, for the last dw
    db, done = 0.0, 0
    for i in range(T):
        np.matmul(c, K, out=Z)
        if has_start:
            np.multiply(z0, s, out=E)
            Z += E
        Z += b
        if monitor.due(i) and monitor.stop(i, Z, l2 / (2 * m_eff) * _norm_sq(c, s, b, Z, z0, w0_sq) if l2 else 0.0):
            break
        residual_into(Z, half_minus_Y, dZ)
        if weights is not None:
            dZ *= weights
        db = float(np.add.reduce(dZ, axis=None)) * scale
        if l2:
            np.copyto(c_prev, c)
            s_prev = s
            c *= decay
            s *= decay
        np.multiply(dZ, alpha * scale, out=E)
        c -= E
        b = b - alpha * db
        done += 1
    w = X @ c.T
    if has_start:
        w += s * w0
    dw = np.zeros_like(w0)
    if done:
        dw = X @ dZ.T * scale
        if l2:
            w_prev = X @ c_prev.T
            if has_start:
                w_prev += s_prev * w0
            dw += l2 / m_eff * w_prev
    return Trajectory(w=w.astype(dt, copy=False), b=b, dw=dw.astype(dt, copy=False), db=db, n_iter=done)


def _norm_sq(c, s, b, Z, z0, w0_sq) -> float:
    """||s w0 + X c.T||^2 without touching X or allocating.

    = s^2 w0.w0 + 2 s c.z0 + c K c.T, and c K = Z - b - s z0 is already in Z.
    """
    out = float(np.vdot(c, Z)) - b * float(np.add.reduce(c, axis=None))
    if z0 is not None:
        out += s * s * w0_sq + s * float(np.vdot(c, z0))
    return out


def minibatch_descent(w: np.ndarray, b: float, X: np.ndarray, Y: np.ndarray, epochs: int, learning_rate: float,
                      batch_size: int, *, seed: int = 0, l2: float = 0.0, record_every: int = 100,
                      on_record: RecordHook | None = None) -> Trajectory:
    """Mini-batch gradient descent: each epoch visits the examples in an order shuffled from `seed`.

    Every step uses the mean gradient of one batch of `batch_size` examples (the last may be
    smaller) plus l2 / m * w; batch_size 1 is stochastic gradient descent. The cost over all
    examples is recorded at the start of every `record_every`-th epoch. X (n_x, m), Y (1, m)
    of one float dtype; nothing is allocated per step.
    """
    n_x, m = X.shape
    rows = min(batch_size, m)
    X_rows = X.T                                   # (m, n_x): gathering examples reads whole rows
    batch = np.empty((rows, n_x), X.dtype)
    Yb, Z, dZ, half = (np.empty((1, rows), X.dtype) for _ in range(4))
    Z_all = np.empty_like(Y)
    w = w.copy()
    dw, step = np.zeros_like(w), np.empty_like(w)
    rng = np.random.default_rng(seed)
    costs: list[float] = []
    db, done = 0.0, 0
    for epoch in range(epochs):
        if epoch % record_every == 0:
            np.matmul(w.T, X, out=Z_all)
            Z_all += b
            cost = cost_from_logits(Z_all, Y) + (l2 / (2 * m) * float(np.vdot(w, w)) if l2 else 0.0)
            costs.append(cost)
            if on_record is not None:
                on_record(epoch, cost)
        order = rng.permutation(m)
        for start in range(0, m, rows):
            index = np.sort(order[start:start + rows])
            n = index.size
            np.take(X_rows, index, axis=0, out=batch[:n])
            np.take(Y, index, axis=1, out=Yb[:, :n])
            X_b, z, dz, h = batch[:n].T, Z[:, :n], dZ[:, :n], half[:, :n]
            np.matmul(w.T, X_b, out=z)
            z += b
            np.subtract(0.5, Yb[:, :n], out=h)
            residual_into(z, h, dz)
            np.matmul(X_b, dz.T, out=dw)
            np.multiply(dw, 1.0 / n, out=dw)
            if l2:
                np.multiply(w, l2 / m, out=step)
                dw += step
            db = float(np.add.reduce(dz, axis=None)) / n
            np.multiply(dw, learning_rate, out=step)
            w -= step
            b = b - learning_rate * db
        done += 1
    return Trajectory(w=w, b=b, dw=dw, db=db, n_iter=done, costs=costs, solver="minibatch")
