"""Where a pass over the data runs: NumPy in memory (the primal step or the Gram form),
any array-API engine (PyTorch, CuPy, array-api-strict), Dask, or an HDF5 file streamed
within a memory limit. Each module knows arrays, never a file format.

Importing this package registers the in-memory engines with `neuron.passes`, so that
the course's functions run on whatever arrays they are given; each engine's module is
imported only when its arrays arrive.
"""

from __future__ import annotations

import numpy as np

from ..errors import InputValueError
from ..neuron import passes


def _numpy_pass(X, Y, *, solver="auto", num_iterations=0, sample_weight=None, batch_size=None):
    from .in_memory import in_memory_pass

    return in_memory_pass(X, Y, solver, num_iterations, sample_weight, batch_size)


def _primal_only(engine: str, solver: str) -> None:
    if solver not in ("auto", "primal"):
        raise InputValueError(f"solver {solver!r}: the {engine} engine runs the primal form only; the Gram form "
                              "needs NumPy arrays in memory (use solver auto or primal)")


def _array_api_pass(X, Y, *, solver="auto", num_iterations=0, sample_weight=None, batch_size=None):
    from .array_api import ArrayPass

    _primal_only("array-API", solver)
    return ArrayPass(X, Y, sample_weight)


def _dask_pass(X, Y, *, solver="auto", num_iterations=0, sample_weight=None, batch_size=None):
    from .dask_cluster import DaskPass

    _primal_only("dask", solver)
    return DaskPass(X, Y, sample_weight)


def _is_array(X) -> bool:
    from array_api_compat import is_array_api_obj

    return is_array_api_obj(X)


def _is_dask(X) -> bool:
    return type(X).__module__.split(".")[0] == "dask"


passes.register("array-api", _is_array, _array_api_pass)
passes.register("dask", _is_dask, _dask_pass)
passes.register("numpy", lambda X: isinstance(X, np.ndarray), _numpy_pass)
