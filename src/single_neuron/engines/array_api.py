"""The neuron's math on any array engine that follows the Python array API standard.

The same vectorized steps as `core` and `solvers`, written against the standard
through array-api-compat, so that PyTorch (CPU or CUDA), CuPy, array-api-strict
and NumPy arrays all run them unchanged, and the results come back on the engine
and device they came in on. Nothing is copied to NumPy inside the loop: the bias
stays a 0-d array on the device, and the only values read back are the costs,
every `record_every` iterations.

NumPy arrays take the faster NumPy-only path of `solvers`; Dask arrays take the
chunked path of `dask_engine`, which needs one reduction per step.

Shapes as in the notes: X (n_x, m), Y (1, m), w (n_x, 1), b a scalar.
"""

from __future__ import annotations

from array_api_compat import array_namespace, device, is_array_api_obj, is_dask_array, is_numpy_array

from ..errors import InputValueError, ShapeError
from ..neuron.descent import Trajectory


def is_foreign(*values) -> bool:
    """True if any argument is an array of an engine other than NumPy."""
    return any(is_array_api_obj(v) and not is_numpy_array(v) for v in values)


def _shape_text(shape) -> str:
    return "(" + ", ".join(str(int(s)) for s in shape) + ")"


def check(name: str, A, xp, rows=None, cols=None, labels: bool = False):
    """Shape, dtype and value checks of `core`'s validation, for any engine (one sync each)."""
    if A.ndim != 2:
        raise ShapeError(f"{name}: expected a 2-D array, got shape {_shape_text(A.shape)}")
    if (rows is not None and A.shape[0] != rows) or (cols is not None and A.shape[1] != cols):
        want = f"({'n_x' if rows is None else rows}, {'m' if cols is None else cols})"
        raise ShapeError(f"{name}: expected shape {want}, got {_shape_text(A.shape)}")
    if labels:
        if not bool(xp.all((A == 0) | (A == 1))):
            raise InputValueError(f"{name}: expected labels 0 or 1")
    elif not xp.isdtype(A.dtype, "real floating"):
        raise InputValueError(f"{name}: expected float32 or float64 values, got dtype {A.dtype}")
    elif not bool(xp.all(xp.isfinite(A))):
        raise InputValueError(f"{name}: expected finite numbers, got nan or inf")
    return A


def sigmoid(z, xp):
    """1 / (1 + exp(-z)) through e = exp(-|z|), finite for every finite z."""
    e = xp.exp(-xp.abs(z))
    s = 1.0 / (1.0 + e)
    return xp.where(z < 0, e * s, s)


def cost(Z, Y, xp):
    """J = mean of max(z, 0) - y z + log(1 + exp(-|z|)), as a 0-d array on Z's device."""
    return xp.mean(xp.maximum(Z, 0.0) - Y * Z + xp.log1p(xp.exp(-xp.abs(Z))))


def prepare(w, b, X, Y=None):
    """Check the arguments on their engine; return (xp, w, b as a 0-d array, X, Y in X's dtype)."""
    xp = array_namespace(*(a for a in (w, X, Y) if is_array_api_obj(a)))
    X = check("X", X, xp)
    w = check("w", xp.asarray(w, dtype=X.dtype, device=device(X)), xp, X.shape[0], 1)
    b = xp.asarray(float(b), dtype=X.dtype, device=device(X))
    if Y is not None:
        Y = check("Y", xp.asarray(Y, device=device(X)), xp, 1, X.shape[1], labels=True)
        Y = xp.astype(Y, X.dtype)
    return xp, w, b, X, Y


def propagate(w, b, X, Y) -> tuple[dict, float]:
    """`core.propagate` on any engine: grads {"dw": array of X's engine, "db": float}, cost."""
    xp, w, b, X, Y = prepare(w, b, X, Y)
    m = X.shape[1]
    Z = w.T @ X + b
    dZ = sigmoid(Z, xp) - Y
    return {"dw": (X @ dZ.T) / m, "db": float(xp.sum(dZ)) / m}, float(cost(Z, Y, xp))


def predict(w, b, X):
    """(1, m) of 0.0 / 1.0 on X's engine: 1 where sigmoid(w.T X + b) > 0.5."""
    xp, w, b, X, _ = prepare(w, b, X)
    return xp.astype(sigmoid(w.T @ X + b, xp) > 0.5, X.dtype)


def gradient_descent(w, b, X, Y, num_iterations: int, learning_rate: float, *, l2: float = 0.0,
                     record_every: int = 100, on_record=None) -> Trajectory:
    """Batch gradient descent (the primal form) on X's engine; see `solvers` for the maths."""
    if is_dask_array(X):
        from .dask_cluster import gradient_descent as on_dask

        return on_dask(w, b, X, Y, num_iterations, learning_rate, l2=l2, record_every=record_every,
                       on_record=on_record)
    xp, w, b, X, Y = prepare(w, b, X, Y)
    m = X.shape[1]
    costs: list[float] = []
    dw, db, done = xp.zeros_like(w), xp.zeros_like(b), 0
    for i in range(num_iterations):
        Z = w.T @ X + b
        if i % record_every == 0:
            J = float(cost(Z, Y, xp)) + (l2 / (2 * m) * float(xp.sum(w * w)) if l2 else 0.0)
            costs.append(J)
            if on_record is not None:
                on_record(i, J)
        dZ = sigmoid(Z, xp) - Y
        dw = (X @ dZ.T) / m
        if l2:
            dw = dw + (l2 / m) * w
        db = xp.sum(dZ) / m
        w = w - learning_rate * dw
        b = b - learning_rate * db
        done += 1
    return Trajectory(w=w, b=float(b), dw=dw, db=float(db), n_iter=done, costs=costs, solver="primal")
