"""Where a pass over the data runs: NumPy in memory (the primal step or the Gram form),
any array-API engine (PyTorch, CuPy, array-api-strict), Dask, or an HDF5 file streamed
within a memory limit. Each module knows arrays, never a file format.

`open_pass` is the one place that picks a run's pass from the data and the settings, and
closes what it opened (a Dask session). Importing this package imports no engine: each
engine's module is imported when its arrays arrive.
"""

from __future__ import annotations

from contextlib import closing, contextmanager

from ..errors import InputValueError


@contextmanager
def open_pass(X, Y=None, sample_weight=None, *, engine: str | None = None, solver: str = "auto",
              num_iterations: int = 0, batch_size: int | None = None, device: str | None = None,
              scheduler: str | None = None, chunk_rows: int | None = None, memory_limit: int | None = None,
              dtype: str = "float64", centered: bool = False):
    """The pass over X (n_x, m) and Y (1, m), with optional weights (1, m), open for the block.

    X and Y are NumPy arrays in memory, run on `engine` (numpy, torch, cupy, dask; None: where
    they live, NumPy, an array-API engine or Dask); or, with memory_limit or engine dask, X is
    the rows of an HDF5 file (m, h, w, c) with `.y` (m,), read as they are used (Y None).
    solver, num_iterations, batch_size and centered choose the NumPy form (see `in_memory_pass`); device
    the GPU of torch; scheduler and chunk_rows Dask's cluster and chunks. An engine refuses
    what it cannot do, in one error that says why.
    """
    engine = engine or _engine_of(X)
    if engine != "numpy":
        _primal_only(engine, solver)
    if memory_limit is not None:
        from .stream import StreamPass

        yield StreamPass(X, memory_limit, dtype, sample_weight)
    elif engine == "dask":
        with _on_dask(X, Y, sample_weight, scheduler, chunk_rows, dtype) as data_pass:
            yield data_pass
    elif engine == "numpy":
        from .in_memory import in_memory_pass

        yield in_memory_pass(X, Y, solver, num_iterations, sample_weight, batch_size, centered)
    else:
        yield _on_arrays(X, Y, sample_weight, engine, device)


DEFAULT_CHUNK_ROWS = 4096


@contextmanager
def _on_dask(X, Y, sample_weight, scheduler, chunk_rows, dtype):
    """Dask's pass: over a Dask array as it is, or over NumPy arrays or a file's rows sent in
    chunks of `chunk_rows` examples to the workers of a session opened for the run."""
    from .dask_cluster import DaskPass, chunked, session

    if _is_dask(X):
        with closing(DaskPass(X, Y, sample_weight)) as data_pass:
            yield data_pass
        return
    import numpy as np

    rows = chunk_rows or DEFAULT_CHUNK_ROWS
    with session(scheduler):
        if isinstance(X, np.ndarray):
            import dask.array as da

            X = da.from_array(X, chunks=(X.shape[0], rows)).persist()
        else:
            n_x = int(np.prod(X.image_shape))
            X, Y = chunked(X.images, X.m, n_x, rows, dtype).persist(), X.y.reshape(1, -1)
        with closing(DaskPass(X, Y, sample_weight)) as data_pass:   # closed before the session
            yield data_pass


def _on_arrays(X, Y, sample_weight, engine: str, device: str | None):
    """The array-API pass: on the arrays' own engine ("array"), or NumPy arrays moved to torch or cupy."""
    from .array_api import ArrayPass

    if engine == "array":
        return ArrayPass(X, Y, sample_weight)
    import numpy as np

    from .devices import resolve

    moved = resolve(engine, device).to_engine
    return ArrayPass(moved(np.ascontiguousarray(X)), moved(Y), None if sample_weight is None else moved(sample_weight))


def _engine_of(X) -> str:
    """numpy, dask or array (another array-API engine's arrays) for arrays handed to the course's functions."""
    import numpy as np

    if isinstance(X, np.ndarray):
        return "numpy"
    if _is_dask(X):
        return "dask"
    from array_api_compat import is_array_api_obj

    if is_array_api_obj(X):
        return "array"
    raise InputValueError(f"X: no engine takes arrays of type {type(X).__name__}")


def _primal_only(engine: str, solver: str) -> None:
    if solver not in ("auto", "primal"):
        engine = "array-API" if engine == "array" else engine
        raise InputValueError(f"solver {solver!r}: the {engine} engine runs the primal form only; the Gram form "
                              "needs NumPy arrays in memory (use solver auto or primal)")


def _is_dask(X) -> bool:
    return type(X).__module__.split(".")[0] == "dask"
