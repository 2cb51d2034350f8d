"""The pass on Dask: the data stays in chunks on the workers, a step is one call a worker.

X is a Dask array of shape (n_x, m), chunked along the examples (X_k, Y_k, s_k: chunk k);
w (n_x, 1) and b live here, in NumPy. The chunks are computed and kept on the workers once,
when the pass is made. At each step w and b go to every worker holding examples of the step,
which adds its chunks' shares,

    Z_k = w.T X_k + b,  dZ_k = s_k (sigmoid(Z_k) - Y_k),  g_k = X_k dZ_k.T,  db_k = sum(dZ_k)

(and sum(s_k L_k) at a record), and only those sums, n_x + 3 numbers a worker, come back to be
added here: exactly the full-batch sums, as on one machine. With a `dask.distributed` client the
chunks a worker holds are kept by an actor on that worker, so that a step is one call from here
straight to each worker, with no task for the scheduler to place; without a client, a step is
one delayed task a chunk on Dask's local scheduler.
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

    solver = "primal"          # the notes' step; the route (dask) is the run's to report

    def __init__(self, X, Y, sample_weight=None):
        import dask.array as da

        X = X.rechunk({0: -1})                  # a chunk holds whole examples

        def chunked(A):
            A = A if isinstance(A, da.Array) else da.from_array(np.asarray(A), chunks=(1, X.chunks[1]))
            return A.astype(X.dtype).rechunk((1, X.chunks[1]))

        self.X, self.Y = X, chunked(Y)
        self.s = None if sample_weight is None else chunked(sample_weight)
        self.n_x, self.m = (int(d) for d in X.shape)
        self.bounds = np.cumsum((0,) + X.chunks[1])          # chunk k holds examples bounds[k]..bounds[k + 1]
        self.chunks = _Chunks(self.X, self.Y, self.s)
        self.X, self.Y, self.s = self.chunks.arrays
        self.total_weight = float(self.m if self.s is None else self.s.sum().compute())

    def start(self, w0, b0, plan):
        w0 = w0.compute() if hasattr(w0, "compute") else w0
        return np.array(w0, dtype=self.X.dtype).reshape(-1, 1), float(b0)

    def _shares(self, index):
        """[(k, the indices of `index` within chunk k)] for the chunks holding examples of the sorted
        `index`; every chunk, with None for all its examples, when `index` is None."""
        if index is None:
            return [(k, None) for k in range(len(self.bounds) - 1)]
        cut = np.searchsorted(index, self.bounds)
        return [(k, index[cut[k]:cut[k + 1]] - self.bounds[k]) for k in range(len(cut) - 1) if cut[k + 1] > cut[k]]

    def gradient(self, w, b, index, want_loss):
        g, db, total, weight = self.chunks.sums(self._shares(index), w, float(b), True, want_loss)
        return g, db, total, self.total_weight if index is None else weight

    def loss(self, w, b):
        return self.chunks.sums(self._shares(None), w, float(b), False, True)[2]

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

    def close(self) -> None:
        """Release the actors and the chunks on the workers (see `_Chunks.close`)."""
        self.chunks.close()


class _Chunks:
    """The chunks of X, Y and s where a step finds them, and the step's calls over them."""

    def __init__(self, X, Y, s):
        self.client = _client()
        arrays = [A for A in (X, Y, s) if A is not None]
        if self.client is not None:
            arrays = self.client.persist(arrays)
        self.arrays = (*arrays, None) if s is None else tuple(arrays)
        if self.client is None:
            blocks = [A.to_delayed().ravel() for A in arrays]
        else:
            blocks = [_futures(A) for A in arrays]
        if s is None:
            blocks.append([None] * len(blocks[0]))
        self.blocks = list(zip(*blocks))                # chunk k: (X_k, Y_k, s_k)
        self.holders, self.place, self.held = [], [], []
        if self.client is not None:
            self._hold()

    def close(self) -> None:
        """Release the actors and the chunks they hold while the client that made them is open: a
        cluster closed under live actors leaves its workers calling a scheduler that is gone
        ("Failed to communicate with scheduler during heartbeat" on stderr)."""
        if self.client is None or not self.blocks:
            return
        futures = [*self.held, *(f for chunk in self.blocks for f in chunk if f is not None)]
        self.holders, self.held, self.place, self.blocks = [], [], [], []
        self.client.cancel(futures)

    def _hold(self) -> None:
        """An actor on each worker holding the chunks it computed; place[k] = (its holder, where in it)."""
        from distributed import wait

        X = [chunk[0] for chunk in self.blocks]
        wait(X)
        held = self.client.who_has(X)
        by_worker: dict[str, list[int]] = {}
        for k, f in enumerate(X):
            by_worker.setdefault(min(held[f.key]), []).append(k)
        self.place = [None] * len(X)
        for worker in sorted(by_worker):
            chunks = by_worker[worker]
            for j, k in enumerate(chunks):
                self.place[k] = (len(self.holders), j)
            holder = self.client.submit(_Holder, [self.blocks[k] for k in chunks], actor=True, workers=[worker],
                                        allow_other_workers=True)
            self.held.append(holder)
            self.holders.append(holder.result())

    def sums(self, shares, w, b, want_grad, want_loss):
        """(dw_sum, db_sum, loss_sum or None, weight) over the examples of `shares` (see DaskPass._shares)."""
        if self.client is None:
            import dask

            task = dask.delayed(_chunk_sums, pure=True)
            return _total(dask.compute(*(task(*self.blocks[k], w, b, index, want_grad, want_loss)
                                         for k, index in shares)))
        asked = [[] for _ in self.holders]
        for k, index in shares:
            holder, j = self.place[k]
            asked[holder].append((j, index))
        calls = [self.holders[h].sums(chunks, w, b, want_grad, want_loss) for h, chunks in enumerate(asked) if chunks]
        return _total([call.result() for call in calls])


class _Holder:
    """The chunks [(X_k, Y_k, s_k)] one worker holds, kept there by an actor for the pass's life."""

    def __init__(self, chunks):
        # A chunk sent from the client arrives in a buffer of the message it came in, at any byte
        # offset; BLAS takes a misaligned float64 array four times as long (cats: 7 ms against 1.7
        # for each product of a step). Such chunks are copied once into memory of their own.
        self.chunks = [tuple(A if A is None or A.flags.aligned else np.array(A) for A in chunk) for chunk in chunks]

    def sums(self, asked, w, b, want_grad, want_loss):
        """The sum of `_chunk_sums` over [(j, index)]: the examples `index` of the j-th chunk held."""
        return _total([_chunk_sums(*self.chunks[j], w, b, index, want_grad, want_loss) for j, index in asked])


def _client():
    """The current dask.distributed client, or None."""
    try:
        from distributed import default_client
    except ImportError:
        return None
    try:
        return default_client()
    except ValueError:
        return None


def _futures(A) -> list:
    """The futures of a persisted array's chunks, in order along the examples."""
    from distributed import futures_of

    held = {f.key: f for f in futures_of(A)}
    return [held[key] for key in A.__dask_keys__()[0]]


def _chunk_sums(X, Y, s, w, b, index, want_grad, want_loss):
    """One chunk's share of a step, on a worker: X (n_x, m_k), Y and s (1, m_k) or None, w (n_x, 1),
    `index` the chunk's examples to use (None: all of them). Returns (X dZ.T or None, sum(dZ), sum(s L)
    or None, sum(s)) with dZ = s (sigmoid(Z) - Y), Z = w.T X + b; the scalars summed in float64."""
    if index is not None:
        X, Y, s = X[:, index], Y[:, index], None if s is None else s[:, index]
    Z = w.T @ X + b
    total = None
    if want_loss:
        L = loss(Z, Y)
        total = float(np.add.reduce(L if s is None else L * s, axis=None, dtype=np.float64))
    dZ = residual(Z, Y)
    if s is not None:
        dZ *= s
    weight = float(Z.shape[1] if s is None else np.add.reduce(s, axis=None, dtype=np.float64))
    g = X @ dZ.T if want_grad else None
    return g, float(np.add.reduce(dZ, axis=None, dtype=np.float64)), total, weight


def _total(parts):
    """The sum of shares (dw_sum, db_sum, loss_sum or None, weight), added in the order given (chunk
    order on a worker, then the workers in address order: the same sum at every step)."""
    g, db, total, weight = parts[0]
    g = None if g is None else g.copy()
    for g_k, db_k, total_k, weight_k in parts[1:]:
        if g is not None:
            g += g_k
        db, weight = db + db_k, weight + weight_k
        total = None if total is None else total + total_k
    return g, db, total, weight


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
