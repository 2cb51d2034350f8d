"""The notes' formulas, each written once, for any array namespace.

Every route (NumPy in memory, the Gram form, PyTorch, CuPy, array-api-strict, Dask,
an HDF5 stream) computes the neuron with these functions. Shapes as in the notes:
X (n_x, m), Y (1, m), w (n_x, 1), b a scalar, Z and A (1, m).

    X = images unrolled into columns / 255          (the course's pre-processing)
    Z = w.T X + b
    A = sigmoid(Z) = 1 / (1 + exp(-Z))
    L(a, y) = -(y log a + (1 - y) log(1 - a))
    dZ = A - Y
    y_hat = 1 where A > 0.5

The plain sigmoid overflows (``exp(-z)`` for z < -709) and ``log(a)`` of a
saturated activation is ``-inf``. Both are rewritten through ``e = exp(-|z|)``,
which lies in (0, 1] and never overflows:

    sigmoid(z) = 1 / (1 + e)        for z >= 0
               = e / (1 + e)        for z <  0
    L(sigmoid(z), y) = max(z, 0) - y z + log(1 + e)

the same numbers as the plain formulas wherever those are finite, and large
finite numbers where they would be inf.

Functions whose names end in ``_into`` are the NumPy forms the training loops
use: they write into buffers allocated once, so a step allocates nothing.
"""

from __future__ import annotations

import numpy as np

PIXEL_SCALE = 255.0            # 8-bit pixels are divided by this to give X
THRESHOLD = 0.5                # y_hat = 1 where A > THRESHOLD


def namespace(*arrays):
    """The array namespace of `arrays`: NumPy itself for NumPy arrays and scalars, else the
    array-API namespace of their engine (through array-api-compat)."""
    if all(isinstance(a, (np.ndarray, np.generic, int, float)) for a in arrays):
        return np
    from array_api_compat import array_namespace

    return array_namespace(*(a for a in arrays if not isinstance(a, (int, float))))


def to_numpy(A) -> np.ndarray:
    """An array of any engine as a NumPy array (a view for NumPy, a copy from a device,
    computed for Dask)."""
    if isinstance(A, (np.ndarray, np.generic, int, float, list, tuple)):
        return np.asarray(A)
    if hasattr(A, "compute"):                  # Dask
        return np.asarray(A.compute())
    if hasattr(A, "get"):                      # CuPy
        return A.get()
    if hasattr(A, "detach"):                   # PyTorch
        return A.detach().cpu().numpy()
    return np.asarray(A)


def unroll(images, dtype=np.float64, pixel_scale: float = PIXEL_SCALE) -> np.ndarray:
    """(m, h, w, c) pixels -> X of shape (h*w*c, m), divided by `pixel_scale`: the course's
    ``x.reshape(m, -1).T / 255``, row-major over height, width, channel.

    The division writes straight into `dtype`, so the result is the only float copy.
    """
    images = np.asarray(images)
    return np.divide(images.reshape(images.shape[0], -1).T, pixel_scale, dtype=dtype)


def scale_rows_into(pixels: np.ndarray, out: np.ndarray, pixel_scale: float = PIXEL_SCALE) -> np.ndarray:
    """(rows, n_x) pixels -> `out` (rows, n_x) floats divided by `pixel_scale`, in place: the
    chunk form of `unroll` (X_k is ``out.T``)."""
    return np.divide(pixels, pixel_scale, out=out)


def logits(w, b, X):
    """Z = w.T X + b, (1, m), for w (n_x, 1), b a scalar and X (n_x, m): refused (InputValueError)
    unless every z is finite. A product that overflows float64 (X of 1e308, or terms of w of both
    signs reaching inf - inf) would otherwise give a cost, a probability or a prediction of nan,
    silently; the stable formulas below are exact for every finite z."""
    from ..errors import InputValueError

    xp = namespace(X)
    with np.errstate(over="ignore", invalid="ignore"):
        Z = w.T @ X + b
    finite = xp.isfinite(Z)
    if not bool(xp.all(finite)):
        j = int(np.argmin(to_numpy(finite)[0]))
        z = float(to_numpy(Z)[0, j])
        raise InputValueError(f"z = w.T X + b is {z} for example {j}: the products overflow float64 (the largest "
                              f"|X| is {largest(X)}, the largest |w| {largest(w)}); scale X (the course divides "
                              "pixels by 255) or start from smaller weights")
    return Z


def largest(A) -> str:
    """The largest |value| of `A`, for a message."""
    xp = namespace(A)
    return f"{float(xp.max(xp.abs(A))):g}"


def sigmoid(z):
    """Return sigmoid(z) = 1 / (1 + exp(-z)) elementwise, finite for every finite z.

    NumPy: floats keep their precision (float32 in, float32 out), anything else is
    computed in float64, and a scalar gives a NumPy scalar back. Arrays of another
    engine stay on it.
    """
    xp = namespace(z)
    if xp is np:
        z = np.asarray(z)
        if z.dtype.kind != "f":
            z = z.astype(np.float64)
    e = xp.exp(-xp.abs(z))
    s = 1.0 / (1.0 + e)
    s = xp.where(z < 0, e * s, s)
    return s[()] if xp is np and s.ndim == 0 else s


def loss(Z, Y):
    """L(sigmoid(Z), Y) elementwise, (1, m): max(z, 0) - y z + log(1 + exp(-|z|))."""
    xp = namespace(Z, Y)
    return xp.maximum(Z, 0.0) - Y * Z + xp.log1p(xp.exp(-xp.abs(Z)))


def cost(Z, Y, weights=None):
    """J = mean over examples of L(sigmoid(Z), Y); with `weights` (1, m) the weighted mean
    sum(s L) / sum(s). NumPy gives a Python float, another engine a 0-d array on its device."""
    xp = namespace(Z, Y)
    L = loss(Z, Y)
    if weights is None:
        J = xp.sum(L) / L.shape[1] if xp is not np else float(np.add.reduce(L, axis=None, dtype=np.float64)) / L.size
    else:
        J = xp.sum(L * weights) / xp.sum(weights)
    return float(J) if xp is np else J


def residual(Z, Y):
    """dZ = A - Y = sigmoid(Z) - Y, (1, m)."""
    return sigmoid(Z) - Y


def decide(A, threshold: float = THRESHOLD):
    """y_hat: 1 where A > threshold (the notes' 0.5), else 0, as booleans of A's shape."""
    return A > threshold


# ------------------------------------------------------------------- NumPy forms for the loops


def residual_into(Z: np.ndarray, half_minus_Y: np.ndarray, dZ: np.ndarray) -> np.ndarray:
    """Write dZ = sigmoid(Z) - Y into `dZ` without allocating.

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


def loss_sum_into(Z: np.ndarray, Y: np.ndarray, weights: np.ndarray | None,
                  scratch: tuple[np.ndarray, np.ndarray]) -> float:
    """sum over examples of L(sigmoid(Z), Y) (times `weights` if given), as a Python float,
    computed in the two `scratch` arrays shaped like Z: the form of `loss` a loop uses."""
    L, T = scratch
    np.abs(Z, out=L)
    np.negative(L, out=L)
    np.exp(L, out=L)
    np.log1p(L, out=L)
    np.maximum(Z, 0.0, out=T)
    L += T
    np.multiply(Y, Z, out=T)
    L -= T
    if weights is None:
        return float(np.add.reduce(L, axis=None, dtype=np.float64))
    return float(np.vdot(L, weights))


def curvature_product(X, s, v, v_b):
    """X_aug diag(s) X_aug.T [v; v_b], X_aug = X with a row of ones: (X (s z).T, sum(s z)) with
    z = v.T X + v_b, for v (n_x, 1) on X's engine and v_b a number (s (1, m) or None for ones).
    4 M times the cost's Hessian is X_aug diag(s sigmoid'(Z)) X_aug.T, and sigmoid' <= 1/4."""
    z = v.T @ X + v_b
    if s is not None:
        z = z * s
    return X @ z.T, namespace(z).sum(z)
