"""The notes' vectorization demo: an explicit Python loop against one NumPy call.

Two comparisons:
- the dot product of two random vectors of n elements (1,000,000 in the notes),
  with `for i in range(n): c += a[i] * b[i]` against `np.dot(a, b)`;
- one gradient step of logistic regression, the notes' two loops
  (`loops.propagate_two_loops`) against the vectorized `neuron.course.propagate`.

Both sides are timed alike, the way `timeit` times a statement: a number of loops
found by `timeit.Timer.autorange` (enough calls to take 0.2 s together), that many
calls timed `repeat` times, and the best of those, divided by the number of loops.
The best, not the mean or the median: on a busy machine every other measure adds
the time other work took from the processor, and a BLAS thread that waits for a
core turns microseconds into milliseconds (np.dot on 100,000 elements: about 8
microseconds here when the machine is quiet). The BLAS library NumPy calls, and
the threads it ran with, are reported beside the times.
"""

from __future__ import annotations

import timeit

import numpy as np

from ..neuron.course import propagate
from .loops import propagate_two_loops


def best_time(fn, repeat: int) -> tuple[float, int, object]:
    """(seconds per call, calls per timing, fn's result): the best of `repeat` timings of
    `number` calls each, `number` found as `timeit` finds it (`Timer.autorange`)."""
    result = fn()                        # the answer, and a first call that warms caches up, untimed
    timer = timeit.Timer(fn)
    number, _ = timer.autorange()
    best = min(timer.repeat(repeat=repeat, number=number))
    return best / number, number, result


def blas() -> dict:
    """The BLAS library NumPy calls and the threads it runs with: {"library", "version", "threads"}.

    The thread count is the loaded library's own (read through threadpoolctl, which scikit-learn
    installs); NumPy's build configuration names the library but not its threads."""
    from threadpoolctl import threadpool_info

    pools = [p for p in threadpool_info() if p.get("user_api") == "blas"]
    own = [p for p in pools if "numpy" in str(p.get("filepath", ""))] or pools
    if not own:
        return {"library": None, "version": None, "threads": None}
    pool = own[0]
    return {"library": pool.get("internal_api"), "version": pool.get("version"), "threads": pool.get("num_threads")}


def dot_product(n: int = 1_000_000, repeat: int = 5, seed: int = 0) -> dict:
    """Time the loop and np.dot on vectors of n elements; both give the same number."""
    rng = np.random.default_rng(seed)
    a, b = rng.random(n), rng.random(n)

    def loop():                                 # the notes' loop, indexing the same arrays
        c = 0.0
        for i in range(n):
            c += a[i] * b[i]
        return float(c)

    loop_s, loop_number, c_loop = best_time(loop, repeat)
    dot_s, dot_number, c_dot = best_time(lambda: float(np.dot(a, b)), repeat)
    return {"n": n, "repeat": repeat, "loop_seconds": loop_s, "loop_loops": loop_number,
            "vectorized_seconds": dot_s, "vectorized_loops": dot_number, "ratio": loop_s / dot_s,
            "loop_result": c_loop, "vectorized_result": c_dot}


def gradient_step(n_x: int = 100, m: int = 1000, repeat: int = 5, seed: int = 0) -> dict:
    """Time one propagate with the notes' two loops and vectorized, on random data of (n_x, m)."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n_x, m))
    Y = (rng.random((1, m)) < 0.5).astype(np.int64)
    w = rng.normal(scale=0.1, size=(n_x, 1))
    loop_s, loop_number, (g_loop, cost_loop) = best_time(lambda: propagate_two_loops(w, 0.0, X, Y), repeat)
    vec_s, vec_number, (g_vec, cost_vec) = best_time(lambda: propagate(w, 0.0, X, Y), repeat)
    return {"n_x": n_x, "m": m, "repeat": repeat, "loop_seconds": loop_s, "loop_loops": loop_number,
            "vectorized_seconds": vec_s, "vectorized_loops": vec_number, "ratio": loop_s / vec_s,
            "max_abs_difference_dw": float(np.max(np.abs(g_loop["dw"] - g_vec["dw"]))),
            "cost_difference": abs(cost_loop - cost_vec)}
