"""Passes over NumPy arrays in memory: the notes' vectorized step, and the Gram form.

primal: Z = w.T X + b, dZ = A - Y, g = X dZ.T, db = sum(dZ): two passes over X per
    step, O(n_x m), into buffers allocated once and in one dtype (a product that
    mixes float32 and float64 leaves BLAS), so a step allocates nothing.

gram: gradient descent from w0 only ever adds combinations of the columns of X to
    w, so its iterates are w = shrink * w0 + X c.T, with c of shape (1, m) and shrink
    a number (1 at the start; L2 shrinks it with c): the pass holds w as its
    coordinates u = [shrink, c]. With K = X.T X (m x m, computed once) and z0 =
    w0.T X, Z = shrink * z0 + c K + b, and the gradient's sums in these coordinates
    are [0, dZ]: O(m^2) a step instead of O(n_x m), the same iterates up to rounding.
    It needs every example at every step (no mini-batches).

    Rounding is where the two forms differ: c K adds m terms of size |c_j| K_ij that
    cancel down to Z, so float64 errors in K, in c and in that sum land in Z far
    larger than the primal form's. For float64 data with m <= n_x / WIDE (K and its
    parts then take under a tenth of X's memory), `ExtendedGram` removes them: K
    exact (`gram_matrix.exact_gram`), u and b held as extended-precision anchors plus
    float64 residuals (`anchored`), Z computed exactly from the anchors every few
    steps, and every step in extended precision while steps overshoot
    (`gram_matrix.Overshoot`). `Gram` is the plain form, for float32 and wide data.
    See docs/solvers.md for the measurements.

Every pass here only computes: the descent loop makes the steps.
"""

from __future__ import annotations

import numpy as np

from ..errors import InputValueError
from ..neuron.curvature import augmented_times
from ..neuron.formulas import curvature_product, loss_sum_into, residual_into
from ..neuron.passes import SOLVERS
from .anchored import Anchored, AnchoredScalar
from .gram_matrix import EXTENDED, ExactProduct, Overshoot, exact_gram

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
                   sample_weight: np.ndarray | None = None, batch_size: int | None = None, centered: bool = False):
    """The pass for checked NumPy arrays X (n_x, m), Y and sample_weight (1, m) of one float dtype.

    batch_size only says whether the run will use mini-batches, and centered whether it will step
    in centred coordinates (the Gram form can do neither): the loop tells the pass the size
    itself, when it starts."""
    if solver not in SOLVERS:
        raise InputValueError(f"solver: expected one of {', '.join(SOLVERS)}, got {solver!r}")
    if solver == "gram":
        _whole_batches(batch_size)
    if solver == "auto":
        solver = "primal" if batch_size or centered else choose_solver(*X.shape, num_iterations)
    if solver == "gram":
        if X.dtype == np.float64 and X.shape[1] * WIDE <= X.shape[0]:
            return ExtendedGram(X, Y, sample_weight)
        return Gram(X, Y, sample_weight)
    return Primal(X, Y, sample_weight)


COPY_BLOCK_BYTES = 1 << 20      # a block of the copy below: read and written within the caches


def features_by_examples(X: np.ndarray, dtype=None) -> np.ndarray:
    """X (n_x, m) copied C-contiguous, the notes' layout, in `dtype` (X's by default), a block of
    examples at a time.

    Data held as examples by features, (m, n_x) row-major (scikit-learn's layout, seen through
    X.T), makes BLAS's two products of a full-batch step about twice as slow as the notes'
    layout does (float64 and float32 alike; 1e6 x 100: 120 ms against 46 ms in float64). The
    loops never copy X, so the copy is made where a caller converts anyway (a change of dtype)
    or asks for it. A plain transposing copy is several times slower than this blocked one,
    which moves cache-sized blocks."""
    out = np.empty(X.shape, X.dtype if dtype is None else dtype)
    step = max(1, COPY_BLOCK_BYTES // max(1, X.shape[0] * out.itemsize))
    for j in range(0, X.shape[1], step):
        out[:, j:j + step] = X[:, j:j + step]
    return out


def _whole_batches(batch_size: int | None) -> None:
    if batch_size:
        raise InputValueError("solver gram needs every example at every step; it cannot run mini-batches "
                              "(use solver primal or auto)")


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
    """The notes' vectorized step over X in memory; w is held as itself, b as a float."""

    solver = "primal"

    def __init__(self, X, Y, sample_weight=None):
        super().__init__(X, Y, sample_weight)
        self.g = np.empty((self.n_x, 1), X.dtype)

    def start(self, w0, b0, plan):
        if plan.batch_size:
            rows = min(plan.batch_size, self.m)
            self.X_rows = self.X.T                  # (m, n_x): gathering examples reads whole rows
            self.batch = np.empty((rows, self.n_x), self.X.dtype)
            self.Yb, self.half_b, self.sb = (np.empty((1, rows), self.X.dtype) for _ in range(3))
        return np.array(w0, dtype=self.X.dtype, copy=True), float(b0)

    def _batch(self, index):
        """X, Y, 0.5 - Y, s of the examples of `index`, gathered into the batch buffers, and their weight."""
        n = index.size
        np.take(self.X_rows, index, axis=0, out=self.batch[:n])
        Y, half = self.Yb[:, :n], self.half_b[:, :n]
        np.take(self.Y, index, axis=1, out=Y)
        np.subtract(0.5, Y, out=half)
        s = None
        if self.s is not None:
            s = self.sb[:, :n]
            np.take(self.s, index, axis=1, out=s)
        weight = float(n) if s is None else float(np.add.reduce(s, axis=None, dtype=np.float64))
        return self.batch[:n].T, Y, half, s, weight

    def gradient(self, w, b, index, want_loss):
        if index is None:
            X, Y, half, s, weight = self.X, self.Y, self.half_minus_Y, self.s, self.total_weight
            Z, dZ = self.Z, self.dZ
        else:
            X, Y, half, s, weight = self._batch(index)
            Z, dZ = self.Z[:, :index.size], self.dZ[:, :index.size]
        np.matmul(w.T, X, out=Z)
        Z += b
        loss = self._residual(Z, Y, half, dZ, s, want_loss)
        np.matmul(X, dZ.T, out=self.g)
        return self.g, float(np.add.reduce(dZ, axis=None)), loss, weight

    def loss(self, w, b):
        np.matmul(w.T, self.X, out=self.Z)
        self.Z += b
        return loss_sum_into(self.Z, self.Y, self.s, self.scratch)

    def norm_sq(self, w):
        return float(np.vdot(w, w))

    def dot(self, v, w):
        return float(np.vdot(v, w))

    def weights(self, w):
        return w

    def curvature_operator(self):
        """X_aug diag(s) X_aug.T on [v; v_b] (n_x + 1,): one pass over X a product."""
        dtype = self.X.dtype
        return self.n_x + 1, augmented_times(lambda v, v_b: curvature_product(self.X, self.s, v.astype(dtype), v_b))


class _Span(_Examples):
    """The Gram forms' coordinates: gradient descent from w0 only adds combinations of the columns
    of X to w, so w = shrink * w0 + X c.T, held as u = [shrink, c] (1, m + 1), and the sums of a
    gradient in these coordinates are [0, s dZ] (in `self.g`; `self.dZ` is its view)."""

    solver = "gram"

    def __init__(self, X, Y, sample_weight, K, dtype):
        super().__init__(X, Y, sample_weight)
        self.K = K                                         # X.T X (m, m), rounded to X's dtype
        self.g = np.zeros((1, self.m + 1), dtype)
        self.dZ = self.g[:, 1:]
        self.E = np.empty_like(Y)

    def _origin(self, w0, plan) -> None:
        """The start w0, and z0 = w0.T X, its logits, computed once."""
        _whole_batches(plan.batch_size)
        self.w0 = np.asarray(w0, dtype=self.X.dtype)
        self.has_start = bool(np.any(self.w0))
        self.z0 = (self.w0.T @ self.X) if self.has_start else None
        self.w0_sq = float(np.vdot(self.w0, self.w0)) if self.has_start else 0.0

    def _u0(self, dtype) -> np.ndarray:
        u = np.zeros((1, self.m + 1), dtype)
        u[0, 0] = 1.0
        return u

    def norm_sq(self, u):
        """||shrink w0 + X c.T||^2 without touching X: shrink^2 w0.w0 + 2 shrink c.z0 + c K c.T."""
        u = np.asarray(u, dtype=self.X.dtype)
        c, shrink = u[:, 1:], float(u[0, 0])
        out = float(np.vdot(c @ self.K, c))
        if self.has_start:
            out += shrink * shrink * self.w0_sq + 2.0 * shrink * float(np.vdot(c, self.z0))
        return out

    def dot(self, u, v):
        """The dot product of the w that u and v stand for, without touching X: u_0 v_0 w0.w0 +
        u_0 c_v.z0 + v_0 c_u.z0 + c_u K c_v.T (an m x m product: it rounds like the Gram form)."""
        # c K in K's dtype: a float64 c would make NumPy cast all of a float32 K, an m x m copy a call.
        out = float(np.vdot(np.asarray(u[:, 1:], dtype=self.K.dtype) @ self.K, np.asarray(v[:, 1:], dtype=np.float64)))
        u, v = np.asarray(u, dtype=np.float64), np.asarray(v, dtype=np.float64)
        if self.has_start:
            out += (u[0, 0] * v[0, 0] * self.w0_sq + u[0, 0] * float(np.vdot(v[:, 1:], self.z0))
                    + v[0, 0] * float(np.vdot(u[:, 1:], self.z0)))
        return out

    def curvature_operator(self):
        """diag(s)^1/2 (K + 1 1.T) diag(s)^1/2 (m, m), whose nonzero eigenvalues are those of
        X_aug diag(s) X_aug.T: no pass over X."""
        K = np.asarray(self.K, dtype=np.float64)
        root = np.ones(self.m) if self.s is None else np.sqrt(np.asarray(self.s, dtype=np.float64).reshape(-1))

        def times(x):
            y = root * x
            return root * (K @ y + y.sum())

        return self.m, times

    def weights(self, u):
        u = np.asarray(u, dtype=self.X.dtype)
        w = self.X @ u[:, 1:].T
        if self.has_start:
            w += u[0, 0] * self.w0
        return w


class Gram(_Span):
    """The same steps on the coordinates u = [shrink, c] of w = shrink * w0 + X c.T, all in X's
    dtype (float32 data, and float64 data too wide for `ExtendedGram`)."""

    def __init__(self, X, Y, sample_weight=None):
        super().__init__(X, Y, sample_weight, X.T @ X, X.dtype)    # NumPy uses a symmetric rank-k update

    def start(self, w0, b0, plan):
        self._origin(w0, plan)
        return self._u0(self.X.dtype), float(b0)

    def _logits(self, u, b):
        """Z = c K + shrink z0 + b."""
        np.matmul(u[:, 1:], self.K, out=self.Z)
        if self.has_start:
            np.multiply(self.z0, u[0, 0], out=self.E)
            self.Z += self.E
        self.Z += b
        return self.Z

    def gradient(self, u, b, index, want_loss):
        Z = self._logits(u, b)
        loss = self._residual(Z, self.Y, self.half_minus_Y, self.dZ, self.s, want_loss)
        return self.g, float(np.add.reduce(self.dZ, axis=None)), loss, self.total_weight

    def loss(self, u, b):
        return loss_sum_into(self._logits(u, b), self.Y, self.s, self.scratch)


class ExtendedGram(_Span):
    """The Gram form without the Gram form's extra rounding (float64 X, m * WIDE <= n_x).

    u and b are `Anchored` numbers: an extended-precision anchor [shrink_A, C], b_A and a
    float64 residual [r_shrink, r], r_b holding the loop's float64 steps since the last fold.
    At an anchor (every `every` steps, at every recorded cost, and at every careful step)
    the residuals are folded in and C K is computed exactly (`ExactProduct`); in between,
    Z = (C K + b_A) + [r, r_b] [K; 1] (+ shrink z0), whose rounding scales with the small r.
    At each anchor `Overshoot` judges whether steps may amplify errors; from there on, until
    they calm down, every step is careful: an anchor, with dZ and the sums in extended
    precision, which the loop's step then takes in extended precision too.
    """

    every = 13          # float64 steps between two anchors: odd, so checks see both sides of a swing

    def __init__(self, X, Y, sample_weight=None):
        m = X.shape[1]
        self.times_K = ExactProduct(exact_gram(X))
        self.K_fast = np.empty((m + 1, m))                  # [K; 1]: r_b rides along with r
        self.K_fast[:m] = self.times_K.rounded
        self.K_fast[m] = 1.0
        super().__init__(X, Y, sample_weight, self.K_fast[:m], np.float64)
        self.overshoot = Overshoot(self.times_K.rounded, sample_weight, self.total_weight)
        self.Y_ext = Y.astype(EXTENDED)
        self.half_ext = self.half_minus_Y.astype(EXTENDED)
        self.s_ext = None if sample_weight is None else sample_weight.astype(EXTENDED)
        self.R = np.zeros((1, m + 2))                       # [r_shrink, r, r_b]: u's residual, then b's
        self.R_u, self.R_fast = self.R[:, :m + 1], self.R[:, 1:]             # [r_shrink, r] and [r, r_b]
        self.g_ext = np.zeros((1, m + 1), EXTENDED)         # a careful step's sums [0, s dZ]
        self.ZK, self.base = np.zeros((1, m)), np.zeros((1, m))     # C K, and C K + b_A, rounded

    def start(self, w0, b0, plan):
        self._origin(w0, plan)
        self.z0_ext = self.z0.astype(EXTENDED) if self.has_start else None
        self.overshoot.start(plan.learning_rate, plan.l2)
        self.R[...] = 0.0
        u, b = Anchored(self._u0(EXTENDED), self.R_u), AnchoredScalar(b0)
        self.anchored = None                                # the (u, b) of the last anchor
        self.since, self.careful, self.first = 0, True, True
        return u, b

    def gradient(self, u, b, index, want_loss):
        if self.careful or want_loss or self.since >= self.every or self.anchored != (u, b):
            self._anchor(u, b)
            self.careful = self._overshooting(u) or self.first      # the first step is always careful
            self.first = False
            if self.careful:
                return self._careful_gradient(u, b, want_loss)
        loss = self._loss(self._exact_logits(u, b)) if want_loss else None     # at the anchor: exact
        return self._fast_gradient(u, b, loss)

    def _anchor(self, u, b) -> None:
        """Fold the residuals into the anchors, and compute C K exactly."""
        if self.since or self.anchored != (u, b):
            u.fold()
            b.fold()
        self.anchored, self.since = (u, b), 0
        self.ZK_ext = self.times_K(u.anchor[:, 1:])
        self.ZK[...] = self.ZK_ext
        np.add(self.ZK, b.anchor_float, out=self.base)

    def _exact_logits(self, u, b):
        """Z at the anchor, extended: C K + b_A (+ shrink z0)."""
        Z = self.ZK_ext + b.anchor
        if self.has_start:
            Z += u.anchor[0, 0] * self.z0_ext
        return Z

    def _overshooting(self, u) -> bool:
        """`Overshoot`'s judgement at the anchor's logits (rounded: the bound needs no more)."""
        half_Z = np.multiply(self.base, 0.5, out=self.E)
        if self.has_start:
            half_Z += (0.5 * float(u.anchor[0, 0])) * self.z0
        return self.overshoot.check(half_Z)

    def _fast_gradient(self, u, b, loss):
        if u.residual is not self.R_u:                      # a u that the pass did not start
            np.copyto(self.R_u, u.residual)
        self.R[0, self.m + 1] = b.residual
        Z = self.Z
        np.matmul(self.R_fast, self.K_fast, out=Z)
        Z += self.base
        if self.has_start:
            np.multiply(self.z0, float(u.anchor[0, 0] + u.residual[0, 0]), out=self.E)
            Z += self.E
        self.since += 1
        residual_into(Z, self.half_minus_Y, self.dZ)
        if self.s is not None:
            self.dZ *= self.s
        return self.g, float(np.add.reduce(self.dZ, axis=None)), loss, self.total_weight

    def _careful_gradient(self, u, b, want_loss):
        """The sums in extended precision, with the weight in extended precision, so that the loop's
        step is extended too."""
        Z = self._exact_logits(u, b)
        loss = self._loss(Z) if want_loss else None
        dZ = self.g_ext[:, 1:]
        np.multiply(Z, EXTENDED(0.5), out=dZ)
        np.tanh(dZ, out=dZ)
        dZ *= EXTENDED(0.5)
        dZ += self.half_ext
        if self.s_ext is not None:
            dZ *= self.s_ext
        return self.g_ext, np.sum(dZ), loss, EXTENDED(self.total_weight)

    def _loss(self, Z):
        """sum of s L(sigmoid(Z), Y) in extended precision, Z (1, m) extended; the loop divides by
        M and rounds once."""
        L = np.maximum(Z, 0) - self.Y_ext * Z + np.log1p(np.exp(-np.abs(Z)))
        return np.sum(L) if self.s_ext is None else np.sum(L * self.s_ext)

    def loss(self, u, b):
        self._anchor(u, b)
        return self._loss(self._exact_logits(u, b))
