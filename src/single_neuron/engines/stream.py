"""Out-of-core training: an HDF5 file larger than the memory allowed, streamed in chunks.

Each gradient step reads the file chunk by chunk into buffers allocated once,
within `memory_limit` bytes, and adds up each chunk's share,

    Z_k = w.T X_k + b,  dZ_k = sigmoid(Z_k) - Y_k,  dw += X_k dZ_k.T,  db += sum(dZ_k)

so dw / m and db / m are exactly the full-batch gradient: the same iterates as in
memory, up to the order of the additions. With `batch_size`, each step instead
reads one mini-batch of examples, in an order shuffled every epoch from `seed`.
"""

from __future__ import annotations

import re

import h5py
import numpy as np

from ..neuron.formulas import cost_from_logits, residual_into
from ..errors import InputValueError
from ..io.h5 import H5Description, describe_h5
from ..io.resources import size_text
from ..neuron.descent import Trajectory

UNITS = {"": 1, "b": 1, "k": 1000, "kb": 1000, "kib": 1024, "m": 1000**2, "mb": 1000**2, "mib": 1024**2,
         "g": 1000**3, "gb": 1000**3, "gib": 1024**3, "t": 1000**4, "tb": 1000**4, "tib": 1024**4}


def parse_size(text: str) -> int:
    """'256MB', '1.5GiB', '500000' -> bytes."""
    match = re.fullmatch(r"\s*([0-9]+(?:\.[0-9]+)?)\s*([a-zA-Z]*)\s*", str(text))
    if not match or match.group(2).lower() not in UNITS:
        raise InputValueError(f"--memory-limit: expected a size such as 256MB or 2GiB, got {text!r}")
    return int(float(match.group(1)) * UNITS[match.group(2).lower()])


class ChunkReader:
    """Reads examples of a course file as columns of X (n_x, rows), scaled by 1/255, and their
    labels as a (1, rows) float row, into buffers allocated once."""

    def __init__(self, info: H5Description, rows: int, dtype):
        self.info = info
        self.n_x = int(np.prod(info.image_shape))
        self.file = h5py.File(info.path, "r")
        self.x = self.file[f"{info.split}_set_x"]
        self.pixels = np.empty((rows, *self.x.shape[1:]), np.uint8)
        self.flat = self.pixels.reshape(rows, self.n_x)
        self.rows_X = np.empty((rows, self.n_x), dtype)   # row-major; X_k is its transposed view
        self.labels = np.empty(rows, np.uint8)
        self.Y = np.empty((1, rows), dtype)

    def close(self) -> None:
        self.file.close()

    def read(self, start: int, stop: int) -> tuple[np.ndarray, np.ndarray]:
        n = stop - start
        self.x.read_direct(self.pixels, np.s_[start:stop], np.s_[0:n])
        np.copyto(self.Y[0, :n], self.info.y[start:stop])
        return self._scaled(n)

    def gather(self, index: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The examples at sorted `index` (a mini-batch)."""
        n = index.size
        self.pixels[:n] = self.x[index]
        np.take(self.info.y, index, out=self.labels[:n])
        np.copyto(self.Y[0, :n], self.labels[:n])
        return self._scaled(n)

    def _scaled(self, n: int) -> tuple[np.ndarray, np.ndarray]:
        np.divide(self.flat[:n], 255.0, out=self.rows_X[:n])
        return self.rows_X[:n].T, self.Y[:, :n]


# Room kept for what the loop cannot size: HDF5's own buffers, Python objects, small temporaries.
SLACK = 4 * 2**20


def chunk_rows(n_x: int, memory_limit: int, itemsize: int, m: int = 0) -> int:
    """How many examples fit in one chunk within `memory_limit` bytes.

    Per example: its pixels (1 byte a value), their float copy (itemsize a value), its label
    twice (a byte and a float) and six float rows of the step (Z, dZ, 0.5 - Y, two scratch).
    Off the top: w, dw and a step buffer (n_x floats each), the m one-byte labels, and SLACK.
    """
    fixed = 3 * n_x * itemsize + m + SLACK
    per_row = n_x * (1 + itemsize) + 1 + 7 * itemsize
    rows = (memory_limit - fixed) // per_row
    if rows < 1:
        raise InputValueError(f"--memory-limit {size_text(memory_limit)} is too small for {m} examples of "
                              f"{n_x} values: at least {size_text(fixed + per_row)} is needed")
    return int(rows)


def gradient_descent(path, num_iterations: int, learning_rate: float, *, memory_limit: int,
                     record_every: int = 100, l2: float = 0.0, dtype=np.float64, batch_size: int | None = None,
                     seed: int = 0, on_record=None, prefer: str = "train") -> tuple[Trajectory, H5Description]:
    """Train from zeros on the course file at `path` without holding it in memory."""
    info = describe_h5(path, prefer)
    dtype = np.dtype(dtype)
    n_x, m = int(np.prod(info.image_shape)), info.y.size
    rows = min(m, chunk_rows(n_x, memory_limit, dtype.itemsize, m), batch_size or m)
    reader = ChunkReader(info, rows, dtype)
    w, dw, step = (np.zeros((n_x, 1), dtype) for _ in range(3))
    Z, dZ, half = (np.empty((1, rows), dtype) for _ in range(3))
    scratch = (np.empty((1, rows), dtype), np.empty((1, rows), dtype))
    b, db, costs, done = 0.0, 0.0, [], 0

    def pass_over(chunks, want_cost: bool) -> float:
        """Set dw, db to the sums over the given chunks; return the summed loss if asked."""
        nonlocal db
        dw[...] = 0.0
        db, loss = 0.0, 0.0
        for X_k, Y_k in chunks:
            n = X_k.shape[1]
            z, dz, h = Z[:, :n], dZ[:, :n], half[:, :n]
            np.matmul(w.T, X_k, out=z)
            z += b
            if want_cost:
                loss += cost_from_logits(z, Y_k, scratch=(scratch[0][:, :n], scratch[1][:, :n])) * n
            np.subtract(0.5, Y_k, out=h)
            residual_into(z, h, dz)
            np.matmul(X_k, dz.T, out=step)
            np.add(dw, step, out=dw)
            db += float(np.add.reduce(dz, axis=None))
        return loss

    def full_chunks():
        for start in range(0, m, rows):
            yield reader.read(start, min(m, start + rows))

    rng = np.random.default_rng(seed)
    try:
        for i in range(num_iterations):
            record = i % record_every == 0
            loss = pass_over(full_chunks(), record) if (record or batch_size is None) else 0.0
            if record:
                J = loss / m + (l2 / (2 * m) * float(np.vdot(w, w)) if l2 else 0.0)
                costs.append(J)
                if on_record is not None:
                    on_record(i, J)
            if batch_size is None:
                _update(w, dw, step, 1.0 / m, learning_rate, l2, m)
                db /= m
                b -= learning_rate * db
            else:
                order = rng.permutation(m)
                for start in range(0, m, batch_size):
                    index = np.sort(order[start:start + batch_size])
                    pass_over([reader.gather(index)], False)
                    _update(w, dw, step, 1.0 / index.size, learning_rate, l2, m)
                    db /= index.size
                    b -= learning_rate * db
            done += 1
    finally:
        reader.close()
    return Trajectory(w=w, b=b, dw=dw, db=db, n_iter=done, costs=costs, solver="streaming"), info


def _update(w, dw, step, scale, learning_rate, l2, m):
    """dw := dw * scale (+ l2 / m * w); w := w - learning_rate * dw, in place."""
    np.multiply(dw, scale, out=dw)
    if l2:
        np.multiply(w, l2 / m, out=step)
        dw += step
    np.multiply(dw, learning_rate, out=step)
    w -= step


def accuracy_streaming(info: H5Description, w: np.ndarray, b: float, memory_limit: int) -> float:
    """Percent of the file's examples that (w, b) labels correctly, read in chunks; the course's
    formula 100 - mean(|prediction - y|) * 100, with the mean taken as wrong / m."""
    n_x, m = int(np.prod(info.image_shape)), info.y.size
    rows = min(m, chunk_rows(n_x, memory_limit, w.dtype.itemsize, m))
    reader = ChunkReader(info, rows, w.dtype)
    wrong = 0
    try:
        for start in range(0, m, rows):
            X_k, Y_k = reader.read(start, min(m, start + rows))
            wrong += int(np.count_nonzero(((w.T @ X_k + b) > 0) != (Y_k > 0.5)))
    finally:
        reader.close()
    return float(100 - (wrong / m) * 100)
