"""Passes over NumPy arrays in memory: the notes' vectorized step, and the Gram form.

primal: Z = w.T X + b, dZ = A - Y, g = X dZ.T, db = sum(dZ): two passes over X per
    step, O(n_x m), into buffers allocated once and in one dtype (a product that
    mixes float32 and float64 leaves BLAS), so a step allocates nothing.

gram: gradient descent from w0 only ever adds combinations of the columns of X to
    w, so its iterates are w = shrink * w0 + X c.T, with c of shape (1, m) and shrink
    the product of the L2 decays. With K = X.T X (m x m, computed once) and
    z0 = w0.T X, Z = shrink * z0 + c K + b, and the gradient in these coordinates
    is dZ itself: O(m^2) a step instead of O(n_x m), the same iterates up to
    rounding. It needs every example at every step (no mini-batches). See
    docs/solvers.md.
"""

from __future__ import annotations

import numpy as np

from ..errors import InputValueError
from ..neuron.formulas import loss_sum_into, residual_into

SOLVERS = ("auto", "primal", "gram")


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


def in_memory_pass(X: np.ndarray, Y: np.ndarray, solver: str = "auto", num_iterations: int = 0,
                   sample_weight: np.ndarray | None = None, batch_size: int | None = None):
    """The pass for checked NumPy arrays X (n_x, m), Y and sample_weight (1, m) of one float dtype."""
    if solver not in SOLVERS:
        raise InputValueError(f"solver: expected one of {', '.join(SOLVERS)}, got {solver!r}")
    if solver == "gram" and batch_size:
        raise InputValueError("solver gram needs every example at every step; it cannot run mini-batches "
                              "(use solver primal or auto)")
    if solver == "auto":
        solver = "primal" if batch_size else choose_solver(*X.shape, num_iterations)
    if solver == "gram":
        return Gram(X, Y, sample_weight)
    return Primal(X, Y, sample_weight, batch_size)


class _Examples:
    """X, Y, the optional weights s and the buffers of a full-batch step."""

    def __init__(self, X, Y, sample_weight):
        self.X, self.Y, self.s = X, Y, sample_weight
        self.n_x, self.m = X.shape
        self.total_weight = float(self.m if sample_weight is None else np.sum(sample_weight, dtype=np.float64))
        self.Z, self.dZ = np.empty_like(Y), np.empty_like(Y)
        self.half_minus_Y = 0.5 - Y
        self.scratch = (np.empty_like(Y), np.empty_like(Y))

    def _residual(self, Z, Y, half_minus_Y, dZ, s, want_loss):
        """Loss sum (if asked) and dZ = s (A - Y) from Z, in place."""
        loss = loss_sum_into(Z, Y, s, tuple(t[:, :Z.shape[1]] for t in self.scratch)) if want_loss else None
        residual_into(Z, half_minus_Y, dZ)
        if s is not None:
            dZ *= s
        return loss


class Primal(_Examples):
    """The notes' vectorized step over X in memory."""

    solver = "primal"

    def __init__(self, X, Y, sample_weight=None, batch_size=None):
        super().__init__(X, Y, sample_weight)
        self.g = np.empty((self.n_x, 1), X.dtype)
        if batch_size:
            rows = min(batch_size, self.m)
            self.X_rows = X.T                       # (m, n_x): gathering examples reads whole rows
            self.batch = np.empty((rows, self.n_x), X.dtype)
            self.Yb, self.half_b, self.sb = (np.empty((1, rows), X.dtype) for _ in range(3))

    def start(self, w0):
        return np.array(w0, dtype=self.X.dtype, copy=True)

    def gradient(self, w, shrink, b, index, want_loss):
        if index is None:
            X, Y, half, s, Z, dZ, weight = (self.X, self.Y, self.half_minus_Y, self.s, self.Z, self.dZ,
                                            self.total_weight)
        else:
            n = index.size
            np.take(self.X_rows, index, axis=0, out=self.batch[:n])
            X, Y, half, Z, dZ = self.batch[:n].T, self.Yb[:, :n], self.half_b[:, :n], self.Z[:, :n], self.dZ[:, :n]
            np.take(self.Y, index, axis=1, out=Y)
            np.subtract(0.5, Y, out=half)
            s = None
            if self.s is not None:
                s = self.sb[:, :n]
                np.take(self.s, index, axis=1, out=s)
            weight = float(n) if s is None else float(np.add.reduce(s, axis=None, dtype=np.float64))
        np.matmul(w.T, X, out=Z)
        Z += b
        loss = self._residual(Z, Y, half, dZ, s, want_loss)
        np.matmul(X, dZ.T, out=self.g)
        return self.g, float(np.add.reduce(dZ, axis=None)), loss, weight

    def loss(self, w, shrink, b):
        np.matmul(w.T, self.X, out=self.Z)
        self.Z += b
        return loss_sum_into(self.Z, self.Y, self.s, self.scratch)

    def norm_sq(self, w, shrink):
        return float(np.vdot(w, w))

    def weights(self, coords, start):
        return coords


class Gram(_Examples):
    """The same steps on the dual coefficients c of w = shrink * w0 + X c.T."""

    solver = "gram"

    def __init__(self, X, Y, sample_weight=None):
        super().__init__(X, Y, sample_weight)
        self.K = X.T @ X                           # NumPy uses a symmetric rank-k update here
        self.E = np.empty_like(Y)

    def start(self, w0):
        self.w0 = np.asarray(w0, dtype=self.X.dtype)
        self.has_start = bool(np.any(self.w0))
        self.z0 = (self.w0.T @ self.X) if self.has_start else None
        self.w0_sq = float(np.vdot(self.w0, self.w0)) if self.has_start else 0.0
        return np.zeros_like(self.Y)

    def _logits(self, c, shrink, b):
        self.b = b                                 # norm_sq takes it back out of Z
        np.matmul(c, self.K, out=self.Z)
        if self.has_start:
            np.multiply(self.z0, shrink, out=self.E)
            self.Z += self.E
        self.Z += b
        return self.Z

    def gradient(self, c, shrink, b, index, want_loss):
        Z = self._logits(c, shrink, b)
        loss = self._residual(Z, self.Y, self.half_minus_Y, self.dZ, self.s, want_loss)
        return self.dZ, float(np.add.reduce(self.dZ, axis=None)), loss, self.total_weight

    def loss(self, c, shrink, b):
        return loss_sum_into(self._logits(c, shrink, b), self.Y, self.s, self.scratch)

    def norm_sq(self, c, shrink):
        """||shrink w0 + X c.T||^2 without touching X: shrink^2 w0.w0 + 2 shrink c.z0 + c K c.T,
        where c K = Z - b - shrink z0 is already in Z from this step's logits."""
        out = float(np.vdot(c, self.Z)) - self.b * float(np.add.reduce(c, axis=None))
        if self.has_start:
            out += shrink * shrink * self.w0_sq + shrink * float(np.vdot(c, self.z0))
        return out

    def weights(self, coords, start):
        w = self.X @ coords.T
        if self.has_start:
            w += start * self.w0
        return w
