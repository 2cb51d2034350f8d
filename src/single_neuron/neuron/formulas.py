"""The neuron's activation and loss, in forms that stay finite for any finite z.

The plain formulas overflow: ``1 / (1 + exp(-z))`` warns for z < -709, and
``log(a)`` of a saturated activation is ``-inf``. Both are rewritten through
``e = exp(-|z|)``, which lies in (0, 1] and never overflows:

    sigmoid(z) = 1 / (1 + e)        for z >= 0
               = e / (1 + e)        for z <  0

    L(a, y) = -(y log a + (1 - y) log(1 - a))
            = max(z, 0) - y z + log(1 + e)          (a = sigmoid(z))

The second line is the same number as the first wherever the first is finite,
and a large finite number where the first would be inf.
"""

from __future__ import annotations

import numpy as np


def sigmoid(z):
    """Return sigmoid(z) = 1 / (1 + exp(-z)) elementwise, for a scalar or an array.

    Floats keep their precision (float32 in, float32 out); anything else is
    computed in float64. A Python or NumPy scalar gives a NumPy scalar back.
    """
    z = np.asarray(z)
    if z.dtype.kind != "f":
        z = z.astype(np.float64)
    e = np.exp(-np.abs(z))
    s = 1.0 / (1.0 + e)
    s = np.where(z < 0, e * s, s)
    return s[()] if s.ndim == 0 else s


def residual_into(Z: np.ndarray, half_minus_Y: np.ndarray, dZ: np.ndarray) -> np.ndarray:
    """Write dZ = sigmoid(Z) - Y into `dZ` without allocating, for the training loops.

    Z, half_minus_Y (= 0.5 - Y, computed once per fit), dZ: arrays of shape (1, m).
    Uses sigmoid(z) = (1 + tanh(z / 2)) / 2, so dZ = tanh(Z / 2) / 2 + (0.5 - Y):
    four passes over m numbers, finite for every finite Z (tanh saturates at +-1
    instead of overflowing), exact to a few units of 1e-16 in absolute terms,
    which is what a gradient needs.
    """
    np.multiply(Z, 0.5, out=dZ)
    np.tanh(dZ, out=dZ)
    np.multiply(dZ, 0.5, out=dZ)
    np.add(dZ, half_minus_Y, out=dZ)
    return dZ


def cost_from_logits(Z: np.ndarray, Y: np.ndarray, weights: np.ndarray | None = None,
                     scratch: tuple[np.ndarray, np.ndarray] | None = None) -> float:
    """Return J = mean over examples of L(sigmoid(Z), Y), as a Python float.

    Z, Y: arrays of shape (1, m). Uses L = max(z, 0) - y z + log1p(exp(-|z|)),
    the cross-entropy of the notes written so that it is finite for every finite z.
    `weights` (1, m), summing to 1, turns the mean into a weighted mean; `scratch`,
    two arrays shaped like Z, lets a training loop evaluate it without allocating.
    """
    L, T = scratch if scratch is not None else (np.empty_like(Z), np.empty_like(Z))
    np.abs(Z, out=L)
    np.negative(L, out=L)
    np.exp(L, out=L)
    np.log1p(L, out=L)
    np.maximum(Z, 0.0, out=T)
    L += T
    np.multiply(Y, Z, out=T)
    L -= T
    if weights is None:
        return float(np.add.reduce(L, axis=None, dtype=np.float64)) / L.size
    return float(np.vdot(L, weights))
