"""Which pass runs over the arrays handed to the course's functions.

The course's functions take arrays of any engine (NumPy, PyTorch, CuPy, Dask,
array-api-strict) and run the one descent loop over them. Where the pass runs is
the engines' business, not the math's: each engine registers the kind of array it
takes when `single_neuron.engines` is imported (the package does so on import),
and the last registered engine that accepts the arrays makes the pass.
"""

from __future__ import annotations

from typing import Callable

from ..errors import InputValueError

_ROUTES: list[tuple[str, Callable[[object], bool], Callable]] = []


def register(name: str, accepts: Callable[[object], bool], make: Callable) -> None:
    """`accepts(X)` says whether the engine takes X; `make(X, Y, **options)` returns its pass."""
    _ROUTES.append((name, accepts, make))


def for_arrays(X, Y, **options):
    """The pass over X (n_x, m) and Y (1, m), checked, on the engine they live on.

    options: solver, num_iterations, sample_weight, batch_size (an engine refuses
    what it cannot do, in one error that says why).
    """
    for name, accepts, make in reversed(_ROUTES):
        if accepts(X):
            return make(X, Y, **options)
    raise InputValueError(f"X: no engine takes arrays of type {type(X).__name__}")
