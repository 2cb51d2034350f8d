"""The pass on any array engine that follows the Python array API standard.

PyTorch (CPU or CUDA), CuPy and array-api-strict arrays run the notes' vectorized
step through array-api-compat, with the formulas of `neuron.formulas`, and stay on
their device: w and b live there, and the only numbers read back are the costs,
at each record. The standard has no ``out=``, so each step makes new arrays; the
NumPy pass (`in_memory`) is the one that allocates nothing.
"""

from __future__ import annotations

from array_api_compat import array_namespace, device

from ..neuron.curvature import augmented_times
from ..neuron.formulas import curvature_product, loss, residual


class ArrayPass:
    """X (n_x, m), Y and optional sample weights s (1, m), all on one engine and device."""

    solver = "primal"

    def __init__(self, X, Y, sample_weight=None):
        self.xp = array_namespace(X)
        self.X, self.Y, self.s = X, Y, sample_weight
        self.n_x, self.m = (int(d) for d in X.shape)
        self.total_weight = float(self.m if sample_weight is None else self.xp.sum(sample_weight))

    def start(self, w0, b0, plan):
        # A copy: the loop changes w in place.
        return self.xp.asarray(w0, dtype=self.X.dtype, device=device(self.X), copy=True), float(b0)

    def _examples(self, index):
        if index is None:
            return self.X, self.Y, self.s
        xp = self.xp
        i = xp.asarray(index, device=device(self.X))
        pick = (lambda A: xp.take(A, i, axis=1))
        return pick(self.X), pick(self.Y), None if self.s is None else pick(self.s)

    def gradient(self, w, b, index, want_loss):
        X, Y, s = self._examples(index)
        Z = w.T @ X + b
        dZ = residual(Z, Y)
        total = None
        if want_loss:
            L = loss(Z, Y)
            total = float(self.xp.sum(L if s is None else L * s))
        if s is not None:
            dZ = dZ * s
        weight = float(X.shape[1] if s is None else self.xp.sum(s)) if index is not None else self.total_weight
        return X @ dZ.T, self.xp.sum(dZ), total, weight

    def loss(self, w, b):
        L = loss(w.T @ self.X + b, self.Y)
        return float(self.xp.sum(L if self.s is None else L * self.s))

    def norm_sq(self, w):
        return float(self.xp.sum(w * w))

    def dot(self, v, w):
        return float(self.xp.sum(v * w))

    def weights(self, w):
        return w

    def curvature_operator(self):
        """X_aug diag(s) X_aug.T on [v; v_b] (n_x + 1,): one pass on the device a product, and
        n_x + 1 numbers each way."""
        xp, where = self.xp, device(self.X)
        to_engine = (lambda v: xp.asarray(v, dtype=self.X.dtype, device=where))
        return self.n_x + 1, augmented_times(lambda v, v_b: curvature_product(self.X, self.s, v, v_b), to_engine)
