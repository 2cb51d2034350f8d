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


def sigmoid_into(Z: np.ndarray, A: np.ndarray, E: np.ndarray, negative: np.ndarray) -> np.ndarray:
    """Write sigmoid(Z) into A without allocating, for the training loops.

    Z, A, E: float arrays of one shape (E is scratch); negative: a bool array of
    that shape (scratch). Computes s = 1 / (1 + e) with e = exp(-|Z|), then
    A = e * s where Z < 0, so that neither branch can overflow.
    """
    np.abs(Z, out=E)
    np.negative(E, out=E)
    np.exp(E, out=E)
    np.add(E, 1.0, out=A)
    np.divide(1.0, A, out=A)
    np.less(Z, 0.0, out=negative)
    np.multiply(A, E, out=A, where=negative)
    return A


def cost_from_logits(Z: np.ndarray, Y: np.ndarray) -> float:
    """Return J = mean over examples of L(sigmoid(Z), Y), as a Python float.

    Z, Y: arrays of shape (1, m). Uses L = max(z, 0) - y z + log1p(exp(-|z|)),
    the cross-entropy of the notes written so that it is finite for every finite z.
    """
    L = np.maximum(Z, 0.0) - Y * Z + np.log1p(np.exp(-np.abs(Z)))
    return float(np.mean(L, dtype=np.float64))
