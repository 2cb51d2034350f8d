"""The pass on Dask: the data stays in chunks on the workers, each step is one reduction.

X is a Dask array of shape (n_x, m), chunked along the examples; w (n_x, 1) and b
live here, in NumPy. Each step sends w, lets every chunk compute its share,

    Z_k = w.T X_k + b,  dZ_k = sigmoid(Z_k) - Y_k,  g_k = X_k dZ_k.T,  db_k = sum(dZ_k)

and brings back the sums over the chunks (and the loss, at a record) in one
`dask.compute`: exactly the full-batch sums, as on one machine. With a
`dask.distributed` client the chunks are computed on its workers.
"""

from __future__ import annotations

import contextlib
import logging
import signal
import threading

import numpy as np

from ..neuron.curvature import augmented_times
from ..neuron.formulas import curvature_product, loss, residual, unroll


class DaskPass:
    """X (n_x, m) a Dask array chunked along m; Y and optional weights s (1, m), Dask or NumPy."""

    solver = "dask"

    def __init__(self, X, Y, sample_weight=None):
        import dask.array as da

        def chunked(A):
            A = A if isinstance(A, da.Array) else da.from_array(np.asarray(A), chunks=(1, X.chunks[1]))
            return A.astype(X.dtype).rechunk((1, X.chunks[1]))

        self.X, self.Y = X, chunked(Y)
        self.s = None if sample_weight is None else chunked(sample_weight)
        self.n_x, self.m = (int(d) for d in X.shape)
        self.total_weight = float(self.m if self.s is None else self.s.sum().compute())

    def start(self, w0, b0, plan):
        w0 = w0.compute() if hasattr(w0, "compute") else w0
        return np.array(w0, dtype=self.X.dtype).reshape(-1, 1), float(b0)

    def _examples(self, index):
        if index is None:
            return self.X, self.Y, self.s
        return self.X[:, index], self.Y[:, index], None if self.s is None else self.s[:, index]

    def gradient(self, w, b, index, want_loss):
        import dask

        X, Y, s = self._examples(index)
        Z = w.T @ X + b
        dZ = residual(Z, Y)
        total = None
        if want_loss:
            L = loss(Z, Y)
            total = (L if s is None else L * s).sum()
        if s is not None:
            dZ = dZ * s
        batch_weight = s.sum() if (index is not None and s is not None) else None
        g, db, total, batch_weight = dask.compute(X @ dZ.T, dZ.sum(), total, batch_weight)
        if index is None:
            weight = self.total_weight
        else:
            weight = float(index.size if batch_weight is None else batch_weight)
        return np.asarray(g), float(db), None if total is None else float(total), weight

    def loss(self, w, b):
        L = loss(w.T @ self.X + b, self.Y)
        return float((L if self.s is None else L * self.s).sum().compute())

    def norm_sq(self, w):
        return float(np.vdot(w, w))

    def dot(self, v, w):
        return float(np.vdot(v, w))

    def curvature_operator(self):
        """X_aug diag(s) X_aug.T on [v; v_b] (n_x + 1,): one reduction over the chunks a product."""
        import dask

        def product(v, v_b):
            return dask.compute(*curvature_product(self.X, self.s, v.astype(self.X.dtype), v_b))

        return self.n_x + 1, augmented_times(product)

    def weights(self, w):
        import dask.array as da

        return da.from_array(w)                 # back on the engine X came in on


def _columns(read_rows, start: int, stop: int, dtype: str) -> np.ndarray:
    """Examples start..stop from `read_rows` (uint8 images) as columns of X, on a worker."""
    return unroll(read_rows(start, stop), dtype=dtype)


def chunked(read_rows, m: int, n_x: int, chunk_rows: int, dtype: str = "float64"):
    """X as a Dask array (n_x, m) in chunks of `chunk_rows` examples, each chunk read by
    the worker that computes it: `read_rows(start, stop)` (picklable) gives the uint8
    images of examples start..stop."""
    import dask
    import dask.array as da

    blocks = []
    for start in range(0, m, chunk_rows):
        stop = min(m, start + chunk_rows)
        block = dask.delayed(_columns)(read_rows, start, stop, dtype)
        blocks.append(da.from_delayed(block, shape=(n_x, stop - start), dtype=dtype))
    return da.concatenate(blocks, axis=1)


@contextlib.contextmanager
def session(address: str | None = None, workers: int = 2, *, security=None, dashboard: str | None = None):
    """A dask.distributed client for the block: to the scheduler at `address`, or to a new
    local cluster that is ours alone.

    The local cluster listens on loopback only and speaks TLS with credentials made for it
    alone (distributed's `Security.temporary()`: a key and a self-signed certificate held
    in memory and handed to its workers, never written to disk), so no other process can
    connect to it and run code on its workers. It serves no HTTP at all (no dashboard, no
    metrics) unless `dashboard` gives an address for the scheduler's dashboard.

    To a scheduler at `address`: `security` (a distributed `Security`) if given, else
    distributed's own configuration (``distributed.comm.tls.*``: a ``tls://`` address
    needs the CA file and the client's certificate and key there; see docs/security.md).
    """
    import dask
    from dask.distributed import Client

    from ..errors import InputValueError

    if address is not None and not str(address).strip():
        raise InputValueError("scheduler: expected the address of a Dask scheduler (tls://HOST:PORT), got an "
                              "empty one; leave it out to start a local cluster")
    if address:
        options = {} if security is None else {"security": security}
        try:
            client = Client(address, timeout="3s", **options)
        except (OSError, TimeoutError, ValueError, TypeError) as exc:
            raise InputValueError(_unreachable(address, exc)) from None
        with client:
            yield client
        return
    http = {"distributed.worker.http.routes": []}
    if dashboard is None:
        http["distributed.scheduler.http.routes"] = []
    with dask.config.set(http), _quiet_teardown(), _local_cluster(workers, dashboard) as cluster, \
            Client(cluster) as client:
        # distributed starts an HTTP server on every node even with its routes emptied; close them,
        # so that nothing but the TLS ports listens.
        if dashboard is None:
            cluster.scheduler.http_server.stop()
        client.run(_close_http)
        yield client


def _local_cluster(workers: int, dashboard: str | None):
    """The LocalCluster of `session`, started with Ctrl-C kept from its worker processes.

    A terminal's Ctrl-C goes to every process of the command, the workers included; they
    would each print a traceback. SIGINT is blocked in this thread while the cluster starts:
    the threads and processes started meanwhile inherit the block (across exec too), so the
    workers never see it, and this process, once the cluster is up, handles a Ctrl-C that
    came meanwhile as usual, closing the cluster on its way out.
    """
    from dask.distributed import LocalCluster

    block = hasattr(signal, "pthread_sigmask") and threading.current_thread() is threading.main_thread()
    if block:
        signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    # Without a dashboard the scheduler's HTTP server (which distributed always starts, on 8787 by
    # default) takes any free loopback port, so that it meets no other cluster's, and is closed.
    http = {} if dashboard is not None else {"dashboard": False, "dashboard_address": "127.0.0.1:0"}
    try:
        return LocalCluster(n_workers=workers, threads_per_worker=1, host="127.0.0.1", processes=True,
                            security=True, dashboard_address=dashboard, silence_logs=logging.ERROR,
                            scheduler_kwargs=http)
    finally:
        if block:
            signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})


@contextlib.contextmanager
def _quiet_teardown():
    """A cluster closed while a client still waits (an interrupted run) makes asyncio log
    "Task exception was never retrieved" for each pending wait: noise after the one line."""
    log = logging.getLogger("asyncio")
    level = log.level
    log.setLevel(logging.CRITICAL)
    try:
        yield
    finally:
        log.setLevel(level)


def _close_http(dask_worker) -> None:
    """Run on each worker by `session`: stop listening for HTTP."""
    dask_worker.http_server.stop()


def _unreachable(address: str, exc: Exception) -> str:
    reason = str(exc).split("\n")[0] or type(exc).__name__
    if address.startswith("tls://") and isinstance(exc, TypeError):
        return (f"scheduler {address}: TLS needs the scheduler's certificates: set distributed.comm.tls.ca-file, "
                "distributed.comm.tls.client.cert and distributed.comm.tls.client.key in Dask's configuration "
                "(see docs/security.md)")
    return f"scheduler {address}: cannot reach the Dask scheduler ({reason})"
