"""Descent in centred coordinates: the intercept measured at the examples' mean.

With mu = X s.T / sum(s) (n_x,), the examples' weighted mean, and c = b + w.mu,

    Z = w.T X + b = w.T (X - mu 1.T) + c,

the same logits, so the same cost, model and minimum; only the coordinates (w, c) in which
the loop steps differ. In them the gradient is (dw - mu db, db), and the cost's Hessian is
T.T H T with T [v; v_b] = [v; v_b - mu.v]: the curvature of the centred features. Where the
features are far from centred (pixels in [0, 1], all positive), the Hessian's largest
eigenvalue lies along the mean, hundreds of times the rest, and the step 1/L of plain
coordinates crawls along every other direction; in centred coordinates that eigenvalue is gone,
the step "auto" is as large as the centred features allow, and the number of steps falls by
the same factor (its square root with accelerated descent).

`Centered` wraps a pass whose coordinates are w itself (the primal form in memory, a streamed
file, Dask, an array-API engine): it hands the loop (w, c) and asks its pass at (w, b); the
loop is unchanged. The Gram form's coordinates are combinations of examples, not w, so it
cannot be wrapped (`centering_refusal`). mu costs one product of the pass's curvature operator
(X_aug diag(s) X_aug.T [0; 1] = [X s.T; sum(s)]), and any mu gives the same cost: its rounding
changes the conditioning, never the answer.
"""

from __future__ import annotations

import numpy as np

from .formulas import to_numpy


def centering_refusal(centered: bool, solver: str) -> str | None:
    """What combines with centred coordinates: every form whose coordinates are w, not the Gram
    form's. The reason a combination cannot run, or None."""
    if centered and solver == "gram":
        return ("solver gram steps in combinations of the examples: centred coordinates need the primal form "
                "(use solver auto or primal)")
    return None


class Centered:
    """The pass `data` in centred coordinates (w, c = b + w.mu): see the module."""

    def __init__(self, data):
        self.data = data
        self.m, self.n_x, self.total_weight, self.solver = data.m, data.n_x, data.total_weight, data.solver
        self.size, self.times = data.curvature_operator()
        ones = np.zeros(self.size)
        ones[-1] = 1.0
        column = self.times(ones)                        # [X s.T; sum(s)]
        self.mu = column[:-1] / column[-1]               # float64 (n_x,)
        self.mu_w = None                                 # mu in the pass's coordinates, from start()
        self.scratch = None

    def intercept(self, w, c) -> float:
        """b = c - w.mu, for w (n_x, 1) as the pass's `weights` give it (on any engine, Dask's too);
        `_b` is the same number on the pass's own coordinates, at every step."""
        return float(c) - float(to_numpy(w).reshape(-1).astype(np.float64) @ self.mu)

    def start(self, w0, b0, plan):
        self.mu_w, _ = self.data.start(self.mu.reshape(-1, 1), 0.0, plan)
        # mu as the loop holds it (rounded to float32 in a float32 run), so that b = c - w.mu is the
        # same number here and in the pass
        self.mu = np.asarray(to_numpy(self.mu_w), np.float64).reshape(-1)
        return self.data.start(w0, float(b0) + float(np.asarray(to_numpy(w0), np.float64).reshape(-1) @ self.mu),
                               plan)

    def _b(self, w, c) -> float:
        return float(c) - self.data.dot(self.mu_w, w)

    def gradient(self, w, c, index, want_loss):
        """(dw_sum - mu db_sum, db_sum, loss, weight): the sums of the gradient in (w, c)."""
        dw_sum, db_sum, loss, weight = self.data.gradient(w, self._b(w, c), index, want_loss)
        if type(dw_sum) is np.ndarray:
            if self.scratch is None or self.scratch.dtype != dw_sum.dtype:
                self.scratch = np.empty_like(dw_sum)
            np.multiply(self.mu_w, db_sum, out=self.scratch)
            return np.subtract(dw_sum, self.scratch, out=self.scratch), db_sum, loss, weight
        return dw_sum - self.mu_w * db_sum, db_sum, loss, weight

    def loss(self, w, c):
        return self.data.loss(w, self._b(w, c))

    def norm_sq(self, w) -> float:
        return self.data.norm_sq(w)

    def dot(self, v, w) -> float:
        return self.data.dot(v, w)

    def weights(self, w):
        return self.data.weights(w)

    def curvature_operator(self) -> tuple:
        """T.T (X_aug diag(s) X_aug.T) T, T [v; v_b] = [v; v_b - mu.v]: the centred features' operator."""
        mu, times = self.mu, self.times

        def centred_times(v: np.ndarray) -> np.ndarray:
            u = v.copy()
            u[-1] -= mu @ v[:-1]
            out = times(u)
            out[:-1] -= mu * out[-1]
            return out

        return self.size, centred_times

    def watching(self, on_weights):
        """The loop's on_weights hook, handed (w, b) rather than (w, c)."""
        if on_weights is None:
            return None

        def hook(i, current):
            def plain():
                w, c = current()
                return w, self.intercept(w, c)

            on_weights(i, plain)

        return hook

    def validating(self, validation):
        """The held-out cost of (w, c), as validation(w, b) measures it."""
        if validation is None:
            return None
        return lambda w, c: validation(w, self.intercept(w, c))

    def finish(self, run):
        """The run's report in plain coordinates: b = c - w.mu, and dw = dw_c + mu db (its gradient's
        norms stay the centred coordinates' own, as the loop measured them)."""
        run.b = self.intercept(run.w, run.b)
        run.dw = run.dw + self.mu_w * run.db                  # in dw's dtype and on its engine
        return run
