"""The notes' vectorization demo: an explicit Python loop against one NumPy call.

Two comparisons, each timed as the median of a few runs:
- the dot product of two random vectors of n elements (1,000,000 in the notes),
  with `for i in range(n): c += a[i] * b[i]` against `np.dot(a, b)`;
- one gradient step of logistic regression, the notes' two loops
  (`loops.propagate_two_loops`) against the vectorized `core.propagate`.
"""

from __future__ import annotations

import statistics
import time

import numpy as np

from ..neuron.course import propagate
from .loops import propagate_two_loops


def median_seconds(fn, repeat: int) -> tuple[float, object]:
    times, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def dot_product(n: int = 1_000_000, repeat: int = 3, seed: int = 0) -> dict:
    """Time the loop and np.dot on vectors of n elements; both give the same number."""
    rng = np.random.default_rng(seed)
    a, b = rng.random(n), rng.random(n)

    def loop():                                 # the notes' loop, indexing the same arrays
        c = 0.0
        for i in range(n):
            c += a[i] * b[i]
        return float(c)

    loop_s, c_loop = median_seconds(loop, repeat)
    dot_s, c_dot = median_seconds(lambda: float(np.dot(a, b)), max(repeat, 5))
    return {"n": n, "loop_seconds": loop_s, "vectorized_seconds": dot_s, "ratio": loop_s / dot_s,
            "loop_result": c_loop, "vectorized_result": c_dot}


def gradient_step(n_x: int = 100, m: int = 1000, repeat: int = 3, seed: int = 0) -> dict:
    """Time one propagate with the notes' two loops and vectorized, on random data of (n_x, m)."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n_x, m))
    Y = (rng.random((1, m)) < 0.5).astype(np.int64)
    w = rng.normal(scale=0.1, size=(n_x, 1))
    loop_s, (g_loop, cost_loop) = median_seconds(lambda: propagate_two_loops(w, 0.0, X, Y), repeat)
    vec_s, (g_vec, cost_vec) = median_seconds(lambda: propagate(w, 0.0, X, Y), max(repeat, 5))
    return {"n_x": n_x, "m": m, "loop_seconds": loop_s, "vectorized_seconds": vec_s, "ratio": loop_s / vec_s,
            "max_abs_difference_dw": float(np.max(np.abs(g_loop["dw"] - g_vec["dw"]))),
            "cost_difference": abs(cost_loop - cost_vec)}
