"""The pass over a data set larger than the memory allowed: examples streamed in chunks.

Each full-batch step reads the data once, chunk by chunk, into buffers allocated
once within `memory_limit` bytes, and adds up each chunk's share,

    Z_k = w.T X_k + b,  dZ_k = sigmoid(Z_k) - Y_k,  g += X_k dZ_k.T,  db += sum(dZ_k)

(the loss too, in the same pass, at a record), so the sums are exactly the
full-batch ones: the same iterates as in memory, up to the order of the additions.
A mini-batch step reads just its examples.

The examples come from a row source, which knows the file format (see
`single_neuron.io.h5.CourseRows`): `read(start, stop, pixels, labels)` and
`gather(index, pixels, labels)` fill uint8 buffers; this module knows only arrays.
"""

from __future__ import annotations

import numpy as np

from ..errors import InputValueError
from ..sizes import size_text
from ..neuron.curvature import augmented_times
from ..neuron.formulas import curvature_product, decide, loss_sum_into, residual_into, scale_rows_into, sigmoid

# Room kept for what the pass cannot size: HDF5's own buffers, Python objects, small temporaries.
SLACK = 4 * 2**20


def chunk_rows(n_x: int, memory_limit: int, itemsize: int, m: int = 0, batch_size: int | None = None,
               weighted: bool = False, overhead: int = 0) -> int:
    """How many examples fit in one chunk within `memory_limit` bytes.

    Per example in a chunk: its pixels (1 byte a value), their float copy (itemsize a
    value), its label twice (a byte and a float) and six float rows of the step (Z,
    dZ, 0.5 - Y, two scratch, its weight). Off the top: w, g and a step buffer (n_x
    floats each), the shuffled order of a mini-batch run (8 bytes an example), the
    sample weights (itemsize an example), the row source's own `overhead` (its file
    library's buffers, the labels it holds) and SLACK.
    """
    fixed = (3 * n_x * itemsize + (8 * m if batch_size else 0) + (itemsize * m if weighted else 0) + overhead
             + SLACK)
    per_row = n_x * (1 + itemsize) + 1 + 7 * itemsize
    rows = (memory_limit - fixed) // per_row
    if rows < 1:
        raise InputValueError(f"memory_limit {size_text(memory_limit)} is too small for {m} examples of "
                              f"{n_x} values: at least {size_text(fixed + per_row)} is needed")
    return int(rows)


class StreamPass:
    """The examples of `source` read in chunks into buffers sized to `memory_limit` bytes."""

    solver = "primal"          # the notes' step; the route (stream) is the run's to report

    def __init__(self, source, memory_limit: int, dtype=np.float64, sample_weight=None):
        self.dtype = np.dtype(dtype)
        self.source, self.memory_limit = source, memory_limit
        self.n_x, self.m = int(np.prod(source.image_shape)), int(source.m)
        self.s = sample_weight
        self.total_weight = float(self.m if sample_weight is None else np.sum(sample_weight, dtype=np.float64))
        self.rows = 0
        self._chunk_rows(None)           # a limit too small for one example is refused before any work

    def _chunk_rows(self, batch_size: int | None) -> int:
        rows = chunk_rows(self.n_x, self.memory_limit, self.dtype.itemsize, self.m, batch_size, self.s is not None,
                          getattr(self.source, "overhead", 0))
        return min(self.m, rows, batch_size or self.m)

    def start(self, w0, b0, plan):
        """Buffers for chunks of as many examples as fit (and no more than a mini-batch holds)."""
        self._buffers(self._chunk_rows(plan.batch_size))
        return np.array(w0, dtype=self.dtype, copy=True), float(b0)

    def _buffers(self, rows: int) -> None:
        if rows == self.rows:
            return
        self.rows, dtype, source = rows, self.dtype, self.source
        self.pixels = np.empty((rows, *source.image_shape), np.uint8)
        self.flat = self.pixels.reshape(rows, self.n_x)
        self.rows_X = np.empty((rows, self.n_x), dtype)     # row-major; X_k is its transposed view
        self.labels = np.empty(rows, np.uint8)
        self.Y, self.Z, self.dZ, self.half, self.sb = (np.empty((1, rows), dtype) for _ in range(5))
        self.scratch = (np.empty((1, rows), dtype), np.empty((1, rows), dtype))
        self.g, self.step = np.empty((self.n_x, 1), dtype), np.empty((self.n_x, 1), dtype)

    def _chunks(self, index):
        """(X_k, Y_k, s_k) for every chunk of the data, or of the mini-batch `index`."""
        if index is None:
            for start in range(0, self.m, self.rows):
                stop = min(self.m, start + self.rows)
                self.source.read(start, stop, self.pixels[:stop - start], self.labels[:stop - start])
                yield self._scaled(stop - start, None if self.s is None else self.s[:, start:stop])
            return
        for start in range(0, index.size, self.rows):
            part = index[start:start + self.rows]
            n = part.size
            self.source.gather(part, self.pixels[:n], self.labels[:n])
            s = None
            if self.s is not None:
                s = self.sb[:, :n]
                np.take(self.s, part, axis=1, out=s)
            yield self._scaled(n, s)

    def _scaled(self, n, s):
        scale_rows_into(self.flat[:n], self.rows_X[:n])
        np.copyto(self.Y[0, :n], self.labels[:n])
        return self.rows_X[:n].T, self.Y[:, :n], s

    def gradient(self, w, b, index, want_loss):
        self.g[...] = 0.0
        db, total, weight = 0.0, 0.0, 0.0
        for X_k, Y_k, s_k in self._chunks(index):
            n = X_k.shape[1]
            z, dz, h = self.Z[:, :n], self.dZ[:, :n], self.half[:, :n]
            np.matmul(w.T, X_k, out=z)
            z += b
            if want_loss:
                total += loss_sum_into(z, Y_k, s_k, (self.scratch[0][:, :n], self.scratch[1][:, :n]))
            np.subtract(0.5, Y_k, out=h)
            residual_into(z, h, dz)
            if s_k is not None:
                dz *= s_k
                weight += float(np.add.reduce(s_k, axis=None, dtype=np.float64))
            else:
                weight += n
            np.matmul(X_k, dz.T, out=self.step)
            self.g += self.step
            db += float(np.add.reduce(dz, axis=None))
        return self.g, db, total if want_loss else None, self.total_weight if index is None else weight

    def loss(self, w, b):
        total = 0.0
        for X_k, Y_k, s_k in self._chunks(None):
            n = X_k.shape[1]
            z = self.Z[:, :n]
            np.matmul(w.T, X_k, out=z)
            z += b
            total += loss_sum_into(z, Y_k, s_k, (self.scratch[0][:, :n], self.scratch[1][:, :n]))
        return total

    def norm_sq(self, w):
        return float(np.vdot(w, w))

    def dot(self, v, w):
        return float(np.vdot(v, w))

    def weights(self, w):
        return w

    def curvature_operator(self):
        """X_aug diag(s) X_aug.T on [v; v_b] (n_x + 1,): one read of the data a product."""
        self._buffers(self.rows or self._chunk_rows(None))

        def product(v, v_b):
            v, g, g_b = v.astype(self.dtype), np.zeros((self.n_x, 1)), 0.0
            for X_k, _, s_k in self._chunks(None):
                g_k, g_b_k = curvature_product(X_k, s_k, v, v_b)
                g += g_k
                g_b += float(g_b_k)
            return g, g_b

        return self.n_x + 1, augmented_times(product)

    def accuracy(self, w, b) -> float:
        """Percent of the examples that (w, b) labels correctly, read in chunks: the course's
        100 - mean(|Y_prediction - Y|) * 100, with the mean taken as wrong / m."""
        self._buffers(self.rows or self._chunk_rows(None))
        w = np.asarray(w, dtype=self.dtype)
        wrong = 0
        for X_k, Y_k, _ in self._chunks(None):
            wrong += int(np.count_nonzero(decide(sigmoid(w.T @ X_k + b)) != (Y_k > 0.5)))
        return float(100 - (wrong / self.m) * 100)
