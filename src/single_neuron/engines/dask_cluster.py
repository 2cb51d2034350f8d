"""Training on Dask: the data stays in chunks on the workers, each step is one reduction.

X is a Dask array of shape (n_x, m), chunked along the examples; w (n_x, 1) and b
live here. Each gradient step sends w, lets every chunk compute its share,

    Z_k = w.T X_k + b,  dZ_k = sigmoid(Z_k) - Y_k,  dw_k = X_k dZ_k.T,  db_k = sum(dZ_k)

and brings back the sums dw = sum_k dw_k / m and db = sum_k db_k / m in one
`dask.compute`: exactly the full-batch gradient, as on one machine. With a
`dask.distributed` client the chunks are computed on its workers.
"""

from __future__ import annotations

import contextlib
import logging
from pathlib import Path

import numpy as np

from array_api_compat import array_namespace

from .array_api import cost, sigmoid
from ..neuron.descent import Trajectory


@contextlib.contextmanager
def session(address: str | None = None, workers: int = 2):
    """A dask.distributed client for the block: to `address`, or to a new local cluster on loopback."""
    from dask.distributed import Client, LocalCluster

    from ..errors import InputValueError

    if address:
        try:
            client = Client(address, timeout="3s")
        except (OSError, TimeoutError) as exc:
            raise InputValueError(f"--scheduler {address}: cannot reach the Dask scheduler ({exc})") from None
        with client:
            yield client
        return
    with LocalCluster(n_workers=workers, threads_per_worker=1, host="127.0.0.1", dashboard_address=None,
                      processes=True, silence_logs=logging.ERROR) as cluster, Client(cluster) as client:
        yield client


def gradient_descent(w, b, X, Y, num_iterations: int, learning_rate: float, *, l2: float = 0.0,
                     record_every: int = 100, on_record=None) -> Trajectory:
    """Batch gradient descent over a chunked X; w, dw come back as NumPy arrays."""
    import dask
    import dask.array as da

    xp = array_namespace(X)
    w = np.asarray(w.compute() if hasattr(w, "compute") else w, dtype=X.dtype).reshape(-1, 1)
    Y = Y if isinstance(Y, da.Array) else da.from_array(np.asarray(Y, dtype=X.dtype), chunks=(1, X.chunks[1]))
    Y = Y.astype(X.dtype)
    b, m = float(b), X.shape[1]
    costs: list[float] = []
    dw, db, done = np.zeros_like(w), 0.0, 0
    for i in range(num_iterations):
        Z = w.T @ X + b
        dZ = sigmoid(Z, xp) - Y
        wanted = [X @ dZ.T, dZ.sum()]
        record = i % record_every == 0
        if record:
            wanted.append(cost(Z, Y, xp))
        results = dask.compute(*wanted)
        if record:
            J = float(results[2]) + (l2 / (2 * m) * float(np.vdot(w, w)) if l2 else 0.0)
            costs.append(J)
            if on_record is not None:
                on_record(i, J)
        dw = np.asarray(results[0]) / m
        if l2:
            dw = dw + (l2 / m) * w
        db = float(results[1]) / m
        w = w - learning_rate * dw
        b = b - learning_rate * db
        done += 1
    return Trajectory(w=w, b=b, dw=dw, db=db, n_iter=done, costs=costs, solver="dask")


def _read_columns(path: str, key: str, start: int, stop: int, dtype: str) -> np.ndarray:
    """Rows start..stop of a course HDF5 pixel dataset as (n_x, stop - start) floats / 255."""
    import h5py

    with h5py.File(path, "r") as f:
        x = f[key][start:stop]
    return np.divide(x.reshape(stop - start, -1).T, 255.0, dtype=dtype)


def chunked_h5(path, chunk_rows: int, dtype: str = "float64", prefer: str = "train"):
    """A course HDF5 file as (X, Y, classes, image_shape): X a Dask array (n_x, m) in chunks of
    `chunk_rows` examples, each read by the worker that computes it; Y (1, m) in NumPy."""
    import dask
    import dask.array as da

    from ..io.h5 import describe_h5

    path = str(Path(path))
    info = describe_h5(path, prefer)
    key, y, classes, shape = f"{info.split}_set_x", info.y, info.classes, info.image_shape
    m, n_x = y.size, int(np.prod(shape))
    blocks = []
    for start in range(0, m, chunk_rows):
        stop = min(m, start + chunk_rows)
        block = dask.delayed(_read_columns)(path, key, start, stop, dtype)
        blocks.append(da.from_delayed(block, shape=(n_x, stop - start), dtype=dtype))
    X = da.concatenate(blocks, axis=1)
    return X, y.reshape(1, -1), classes, shape
