"""Gradient checking: compare an analytic gradient with central finite differences.

    numeric_j = (f(theta + h e_j) - f(theta - h e_j)) / (2 h)
    relative error = ||numeric - analytic|| / (||numeric|| + ||analytic||)

A correct gradient gives a relative error around 1e-7 or less with h = 1e-6
in float64; a wrong one gives something near 1.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

from .. import validation as check
from ..errors import ShapeError


@dataclass(frozen=True)
class GradientCheck:
    analytic: np.ndarray
    numeric: np.ndarray
    relative_error: float

    def passed(self, tolerance: float = 1e-7) -> bool:
        return self.relative_error <= tolerance


def numeric_gradient(f: Callable[[np.ndarray], float], theta, h: float = 1e-6) -> np.ndarray:
    """Central differences of the scalar function f at theta (any shape); returns theta's shape."""
    theta = np.array(theta, dtype=np.float64)
    grad = np.zeros_like(theta)
    flat, out = theta.reshape(-1), grad.reshape(-1)
    for j in range(flat.size):
        keep = flat[j]
        flat[j] = keep + h
        up = f(theta)
        flat[j] = keep - h
        down = f(theta)
        flat[j] = keep
        out[j] = (up - down) / (2 * h)
    return grad


def gradient_check(f: Callable[[np.ndarray], float], theta, analytic, h: float = 1e-6) -> GradientCheck:
    """Compare `analytic` (theta's shape) with central differences of f at theta."""
    analytic = np.asarray(analytic, dtype=np.float64)
    theta = np.asarray(theta, dtype=np.float64)
    if analytic.shape != theta.shape:
        raise ShapeError(f"analytic: expected the shape of theta {theta.shape}, got {analytic.shape}")
    numeric = numeric_gradient(f, theta, check.positive_number("h", h))
    scale = np.linalg.norm(numeric) + np.linalg.norm(analytic)
    error = float(np.linalg.norm(numeric - analytic) / scale) if scale > 0 else 0.0
    return GradientCheck(analytic=analytic, numeric=numeric, relative_error=error)


def check_propagate(w, b, X, Y, h: float = 1e-6) -> GradientCheck:
    """Gradient check of `propagate` over theta = (w1, ..., w_nx, b)."""
    from ..neuron.course import propagate

    grads, _ = propagate(w, b, X, Y)
    n_x = np.asarray(w).shape[0]
    theta = np.append(np.asarray(w, dtype=np.float64).reshape(-1), float(b))
    analytic = np.append(grads["dw"].reshape(-1), grads["db"])
    return gradient_check(lambda t: propagate(t[:n_x].reshape(n_x, 1), t[n_x], X, Y)[1], theta, analytic, h)
