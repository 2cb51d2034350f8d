"""Passes over NumPy arrays in memory: the notes' vectorized step, and the Gram form.

primal: Z = w.T X + b, dZ = A - Y, g = X dZ.T, db = sum(dZ): two passes over X per
    step, O(n_x m), into buffers allocated once and in one dtype (a product that
    mixes float32 and float64 leaves BLAS), so a step allocates nothing.

gram: gradient descent from w0 only ever adds combinations of the columns of X to
    w, so its iterates are w = shrink * w0 + X c.T, with c of shape (1, m) and shrink
    the product of the L2 decays. With K = X.T X (m x m, computed once) and
    z0 = w0.T X, Z = shrink * z0 + c K + b, and the gradient in these coordinates
    is dZ itself: O(m^2) a step instead of O(n_x m), the same iterates up to
    rounding. It needs every example at every step (no mini-batches).

    Rounding is where the two forms differ: c K adds m terms of size |c_j| K_ij that
    cancel down to Z, so float64 errors in K, in c and in that sum land in Z far
    larger than the primal form's. For float64 data with m <= n_x / WIDE (K and its
    parts then take under a tenth of X's memory), `ExtendedGram` removes them: K
    exact (`gram_matrix.exact_gram`), c and b kept in extended precision, Z computed
    exactly from them every few steps, and every step in extended precision while
    steps overshoot. `Gram` is the plain form, for float32 and wide data. See
    docs/solvers.md for the measurements.
"""

from __future__ import annotations

import numpy as np

from ..errors import InputValueError
from ..neuron.formulas import loss_sum_into, residual_into
from .gram_matrix import EXTENDED, ExactProduct, curvature_bound, exact_gram

SOLVERS = ("auto", "primal", "gram")

# The extended Gram form holds K in three m x m float64 arrays: at most a tenth of X's memory
# when m * WIDE <= n_x.
WIDE = 30


def choose_solver(n_x: int, m: int, num_iterations: int) -> str:
    """Pick "gram" when it needs less arithmetic and its K parts are small beside X.

    Work estimates in multiply-adds: primal 2 n_x m per iteration; gram 1.5 n_x m^2
    once for the exact K (three symmetric products' worth, see `exact_gram`) plus
    about 4 m^2 per iteration. Gram must also win by a margin of 2, so that close
    calls keep the plain form of the notes.
    """
    if m * WIDE > n_x or num_iterations == 0:
        return "primal"
    primal = 2.0 * n_x * m * num_iterations
    gram = 1.5 * n_x * m * m + 4.0 * m * m * num_iterations
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
        if X.dtype == np.float64 and X.shape[1] * WIDE <= X.shape[0]:
            return ExtendedGram(X, Y, sample_weight)
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
    """The same steps on the dual coefficients c of w = shrink * w0 + X c.T, all in X's dtype (float32
    data, and float64 data too wide for `ExtendedGram`)."""

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


class ExtendedGram(_Examples):
    """The Gram form without the Gram form's extra rounding (float64 X, m * WIDE <= n_x).

    w = shrink * w0 + X (C + r).T and b = b_C + r_b: C and b_C are anchors in extended
    precision, r and r_b the float64 steps taken since. Every `every` steps (and at every
    recorded cost) C absorbs r and C K is computed exactly (`gram_matrix`); in between,
    Z = (C K + b_C) + [r, r_b] [K; 1], whose rounding scales with the small r.

    Where one step may multiply an error by more than `growth` (the iterates overshoot the
    minimum by more than they approach it), float64 errors are amplified from step to step;
    from there until `calm` checks in a row find the steps contractive, every step is an
    anchor and the residual and the update are taken in extended precision too. The factor is
    bounded by alpha times the curvature bound of `curvature_bound`, minus 1.

    The pass makes its updates itself (`advance`): the loop's coordinates and b are roundings.
    """

    solver = "gram"
    every = 13          # float64 steps between two anchors: odd, so checks see both sides of a swing
    growth = 2.0        # overshoot factor that switches to extended precision
    calm = 16           # contractive checks in a row that switch back

    def __init__(self, X, Y, sample_weight=None):
        super().__init__(X, Y, sample_weight)
        m = self.m
        self.times_K = ExactProduct(exact_gram(X))
        self.K_fast = np.empty((m + 1, m))                    # [K; 1]: r_b rides along with r
        self.K_fast[:m] = self.times_K.rounded
        self.K_fast[m] = 1.0
        self.lam, self.u_sq, self.rest = curvature_bound(self.times_K.rounded)
        self.Y_ext = Y.astype(EXTENDED)
        self.half_ext = self.half_minus_Y.astype(EXTENDED)
        self.s_ext = None if sample_weight is None else sample_weight.astype(EXTENDED)
        self.r = np.zeros((1, m + 1))                           # [r, r_b]
        self.r_w = self.r[:, :m]
        self.step_buf = np.empty((1, m))
        self.ZK, self.base = np.zeros((1, m)), np.zeros((1, m))  # C K, and C K + b_C, rounded
        self.E = np.empty_like(Y)

    def start(self, w0):
        m = self.m
        self.w0 = np.asarray(w0, dtype=np.float64)
        self.has_start = bool(np.any(self.w0))
        self.z0 = (self.w0.T @ self.X) if self.has_start else None
        self.z0_ext = self.z0.astype(EXTENDED) if self.has_start else None
        self.w0_sq = float(np.vdot(self.w0, self.w0)) if self.has_start else 0.0
        self.C, self.b_C, self.b_C_float, self.r_b = np.zeros((1, m), EXTENDED), EXTENDED(0), 0.0, 0.0
        self.r[...] = 0.0
        self.b_float = None                                     # b as the loop last had it from us
        self.since = self.every                                 # an anchor at the first step
        self.careful, self.hot, self.calm_checks = True, False, 0
        self.alpha, self.decay, self.rate_key, self.rate = None, 1.0, None, EXTENDED(0)
        self.coords = np.zeros_like(self.Y)
        return self.coords

    # ------------------------------------------------------------------ anchors

    def _anchor(self):
        """Fold the float64 steps into the anchors and compute C K exactly."""
        if self.since:
            self.C += self.r_w
            self.b_C += EXTENDED(self.r_b)
            self.b_C_float, self.r_b = float(self.b_C), 0.0
            self.r[...] = 0.0
        self.ZK_ext = self.times_K(self.C)
        self.ZK[...] = self.ZK_ext
        np.add(self.ZK, self.b_C_float, out=self.base)
        self.since = 0

    def _exact_logits(self, shrink):
        """Z at the anchor, extended: C K + b_C (+ shrink z0)."""
        Z = self.ZK_ext + self.b_C
        if self.has_start:
            Z += EXTENDED(shrink) * self.z0_ext
        return Z

    def _needs_care(self) -> bool:
        """Whether the next step runs in extended precision, from the logits of the last anchor
        (in self.base, rounded: the bound needs no more). The factor by which a step may multiply
        an error is at most alpha (lam sum(d u^2) + rest max(d)) / M + (1 - decay) - 1, with
        d = s sigmoid'(Z) = s (1 - tanh(Z / 2)^2) / 4."""
        if self.alpha is None:                                   # the first step: no rate yet
            return True
        t = np.multiply(self.base, 0.5, out=self.E)
        if self.has_start:
            t += (0.5 * self.shrink) * self.z0
        np.tanh(t, out=t)
        np.multiply(t, t, out=t)
        np.subtract(1.0, t, out=t)
        if self.s is not None:
            t *= self.s
        curvature = 0.25 * (self.lam * float(np.vdot(t, self.u_sq)) + self.rest * float(t.max()))
        factor = self.alpha * curvature / self.total_weight - self.decay
        if factor > self.growth:
            self.hot, self.calm_checks = True, 0
        elif factor > 1.0:
            self.calm_checks = 0
        else:
            self.calm_checks += 1
        if self.calm_checks >= self.calm:
            self.hot = False
        return self.hot

    # ------------------------------------------------------------------ the pass

    def _sync_b(self, b):
        if b != self.b_float:                                   # a b the loop set, not our rounding
            self.b_C, self.b_C_float, self.r_b = EXTENDED(b), float(b), 0.0
            self.r[0, self.m] = 0.0
            self.b_float = float(b)

    def gradient(self, c, shrink, b, index, want_loss):
        self._sync_b(b)
        self.b = self.b_float
        anchored = self.careful or self.since >= self.every or want_loss   # a recorded cost is exact too
        if anchored:
            self.shrink = shrink
            self._anchor()
            self.careful = self._needs_care()
            if self.careful:
                return self._careful_gradient(self._exact_logits(shrink), want_loss)
        Z = self.Z
        np.matmul(self.r, self.K_fast, out=Z)
        Z += self.base
        if self.has_start:
            np.multiply(self.z0, shrink, out=self.E)
            Z += self.E
        self.since += 1
        loss = self._loss(self._exact_logits(shrink)) if want_loss else None      # anchored: exact
        residual_into(Z, self.half_minus_Y, self.dZ)
        if self.s is not None:
            self.dZ *= self.s
        self.db = float(np.add.reduce(self.dZ, axis=None))
        return self.dZ, self.db, loss, self.total_weight

    def _careful_gradient(self, Z, want_loss):
        self.Z[...] = Z
        loss = self._loss(Z) if want_loss else None
        dZ = np.tanh(Z * EXTENDED(0.5))
        dZ *= EXTENDED(0.5)
        dZ += self.half_ext
        if self.s_ext is not None:
            dZ *= self.s_ext
        self.dZ_ext, self.db_ext = dZ, np.sum(dZ)
        self.dZ[...] = dZ
        return self.dZ, float(self.db_ext), loss, self.total_weight

    def _loss(self, Z):
        """sum of s L(sigmoid(Z), Y) in extended precision, Z (1, m) extended; the loop divides by
        M and rounds once."""
        L = np.maximum(Z, 0) - self.Y_ext * Z + np.log1p(np.exp(-np.abs(Z)))
        return np.sum(L) if self.s_ext is None else np.sum(L * self.s_ext)

    def advance(self, alpha, weight, decay):
        """w := decay w - alpha X (s dZ).T / weight, b := b - alpha sum(s dZ) / weight."""
        if (alpha, weight) != self.rate_key:
            self.rate_key, self.rate = (alpha, weight), EXTENDED(alpha) / EXTENDED(weight)
            self.step = float(self.rate)
        first = self.alpha is None
        self.alpha, self.decay = alpha, decay
        if first:
            self._needs_care()                     # the first step's own curvature, now that alpha is known
        if decay != 1.0:
            self.C *= EXTENDED(decay)
            self.r_w *= decay
            self.ZK *= decay
            np.add(self.ZK, self.b_C_float, out=self.base)
        if self.careful:
            self.C -= self.rate * self.dZ_ext
            self.b_C -= self.rate * self.db_ext
            self.b_C_float = float(self.b_C)
        else:
            np.multiply(self.dZ, self.step, out=self.step_buf)
            self.r_w -= self.step_buf
            self.r_b -= self.step * self.db
            self.r[0, self.m] = self.r_b
        if decay != 1.0:
            self._write_coords()
        self.b_float = self.b_C_float + self.r_b
        return self.b_float

    def _write_coords(self):
        np.copyto(self.coords, self.C + self.r_w, casting="unsafe")

    def loss(self, c, shrink, b):
        self._sync_b(b)
        self._anchor()
        return self._loss(self._exact_logits(shrink))

    def norm_sq(self, c, shrink):
        """||shrink w0 + X c.T||^2 as in `Gram.norm_sq`, from this step's logits (only L2 runs ask,
        and they keep the coordinates written)."""
        out = float(np.vdot(c, self.Z)) - self.b * float(np.add.reduce(c, axis=None))
        if self.has_start:
            out += shrink * shrink * self.w0_sq + shrink * float(np.vdot(c, self.z0))
        return out

    def weights(self, coords, start):
        if coords is self.coords:
            self._write_coords()
        w = self.X @ coords.T
        if self.has_start:
            w += start * self.w0
        return w
