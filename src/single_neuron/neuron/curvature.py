"""The largest step that plain gradient descent can take on the notes' cost, from its curvature.

The cost's Hessian in (w, b) is X_aug diag(s sigmoid'(Z)) X_aug.T / M, with X_aug = X with a
row of ones (b is a parameter too), and sigmoid' <= 1/4, so for every w and b it is at most

    L = lambda_max(X_aug diag(s) X_aug.T) / (4 M) + l2 / M

and the step 1/L makes the cost fall at every step (the classical bound for a function
whose gradient is L-Lipschitz). lambda_max is found in a few passes over the data: each
route gives an operator with the same largest eigenvalue (`Pass.curvature_operator`:
X_aug diag(s) X_aug.T in w-space, or diag(s)^1/2 (K + 1 1.T) diag(s)^1/2 for the Gram
form, whose nonzero eigenvalues are the same), and Lanczos (ARPACK, through scipy) finds
its largest eigenvalue in six products (passes) on standardized and on pixel data: ARPACK's
tolerance EIGEN_RTOL bounds the residual, and the eigenvalue's error is about its square
(3e-3 at most, measured on standardized data, whose top eigenvalues lie closest; 0 on pixel
data, whose top one stands far above the rest). Operators of at most SMALL rows are written out
and solved exactly. A step a little too large is harmless: plain descent stays stable up to 2/L,
and accelerated descent restarts when the cost rises.
"""

from __future__ import annotations

from typing import Callable

import numpy as np

from .formulas import to_numpy

SMALL = 24          # rows up to which the operator is written out column by column (one pass each)
EIGEN_RTOL = 3e-2   # ARPACK's relative bound on the residual
LANCZOS = 5         # Lanczos vectors kept between restarts: fewer products than ARPACK's default 20


def largest_eigenvalue(size: int, times: Callable[[np.ndarray], np.ndarray]) -> float:
    """lambda_max of the symmetric positive semi-definite operator v -> times(v) (float64, (size,))."""
    if size <= SMALL:
        A = np.column_stack([times(e) for e in np.eye(size)])
        return float(np.linalg.eigvalsh((A + A.T) / 2.0)[-1])
    from scipy.sparse.linalg import LinearOperator, eigsh

    operator = LinearOperator((size, size), matvec=lambda v: times(np.ravel(v)), dtype=np.float64)
    # A fixed start vector: the same step on every run.
    start = np.full(size, 1.0 / np.sqrt(size))
    return float(eigsh(operator, k=1, which="LA", tol=EIGEN_RTOL, ncv=min(LANCZOS, size - 1), v0=start,
                       return_eigenvectors=False)[0])


def lipschitz(data, l2: float = 0.0) -> float:
    """L = lambda_max(X_aug diag(s) X_aug.T) / (4 M) + l2 / M for a pass `data` (see the module)."""
    lam = largest_eigenvalue(*data.curvature_operator())
    return lam / (4.0 * data.total_weight) + l2 / data.total_weight


def augmented_times(product: Callable, to_engine: Callable = np.asarray) -> Callable[[np.ndarray], np.ndarray]:
    """times(v) on [v_w; v_b] (n_x + 1,) in NumPy, from product(v_w (n_x, 1) on the engine, v_b) ->
    (g (n_x, 1), g_b) on the engine: the w-space operator of a primal pass."""
    def times(v: np.ndarray) -> np.ndarray:
        g, g_b = product(to_engine(v[:-1].reshape(-1, 1)), float(v[-1]))
        return np.append(to_numpy(g).reshape(-1).astype(np.float64), float(to_numpy(g_b)))

    return times
