"""What makes training fast, pinned without timing anything: no X-sized work per step, one dtype.

Speed itself is measured side by side in benchmarks/run.py (make bench), never asserted here.
"""

import json
import tracemalloc

import numpy as np
import pytest

from single_neuron.engines.in_memory import features_by_examples, in_memory_pass
from single_neuron.neuron.descent import descend


def gradient_descent(w, b, X, Y, T, alpha, solver):
    return descend(in_memory_pass(X, Y, solver, T), w, b, T, alpha)


def _extra_peak(fn) -> int:
    tracemalloc.start()
    before, _ = tracemalloc.get_traced_memory()
    fn()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak - before


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("solver", ["primal", "gram"])
def test_the_training_loops_never_copy_X(rng, solver, dtype):
    n_x, m = 3000, 400
    X = (rng.standard_normal((m, n_x)).T * 0.1).astype(dtype)
    Y = (rng.random((1, m)) < 0.5).astype(dtype)
    w = np.zeros((n_x, 1), dtype)
    few = _extra_peak(lambda: gradient_descent(w, 0.0, X, Y, 5, 0.01, solver=solver))
    many = _extra_peak(lambda: gradient_descent(w, 0.0, X, Y, 500, 0.01, solver=solver))
    assert many < 0.2 * X.nbytes          # buffers of size n_x, m (and K, m x m, for gram) only
    assert many <= few + 4096             # and nothing that grows with the number of iterations


@pytest.mark.parametrize("solver", ["primal", "gram"])
def test_float32_runs_stay_float32_throughout(rng, solver):
    X = rng.normal(size=(30, 20)).astype(np.float32)
    Y = (rng.random((1, 20)) < 0.5).astype(np.float32)
    run = gradient_descent(np.zeros((30, 1), np.float32), 0.0, X, Y, 10, 0.1, solver=solver)
    assert run.w.dtype == np.float32 and run.dw.dtype == np.float32


def test_bench_vectorization_reports_both_times_and_the_ratio(run_cli):
    code, out, err = run_cli("bench", "vectorization", "-n", "20000", "--repeat", "1", "--json")
    assert code == 0, err
    report = json.loads(out)
    dot = report["dot_product"]
    assert dot["n"] == 20000 and dot["loop_seconds"] > 0 and dot["vectorized_seconds"] > 0
    assert dot["loop_result"] == pytest.approx(dot["vectorized_result"], rel=1e-12)
    assert dot["ratio"] == pytest.approx(dot["loop_seconds"] / dot["vectorized_seconds"])
    assert report["gradient_step"]["max_abs_difference_dw"] < 1e-12
    code, out, _ = run_cli("bench", "vectorization", "-n", "20000", "--repeat", "1")
    assert code == 0 and "explicit loop:" in out and "np.dot:" in out and "x slower" in out


def test_bench_vectorization_times_both_sides_as_timeit_and_says_its_blas_threads(run_cli):
    from threadpoolctl import threadpool_info, threadpool_limits

    with threadpool_limits(limits=1, user_api="blas"):
        code, out, err = run_cli("bench", "vectorization", "-n", "30000", "--repeat", "2", "--json")
    assert code == 0, err
    report = json.loads(out)
    for side in (report["dot_product"], report["gradient_step"]):
        assert side["repeat"] == 2
        for loops in (side["loop_loops"], side["vectorized_loops"]):   # autorange's counts: 1, 2, 5, 10, 20, ...
            assert loops in {d * 10**k for d in (1, 2, 5) for k in range(10)}
    blas = [p for p in threadpool_info() if p["user_api"] == "blas" and "numpy" in p["filepath"]][0]
    assert report["blas"] == {"library": blas["internal_api"], "version": blas["version"], "threads": 1}
    code, out, _ = run_cli("bench", "vectorization", "-n", "30000", "--repeat", "1")
    assert out.splitlines()[0] == "dot product of two vectors of 30,000 elements (each side: the best of 1 timing, as timeit):"
    threads = blas["num_threads"]
    assert out.splitlines()[-1].startswith(f"BLAS: {blas['internal_api']} {blas['version']}, {threads} thread")


@pytest.mark.parametrize("shape", [(1, 1), (3, 7), (100, 5000), (5000, 3)])
@pytest.mark.parametrize("dtype", [None, np.float32])
def test_the_copy_into_the_notes_layout_is_the_same_numbers_in_order(rng, shape, dtype):
    n_x, m = shape
    rows = rng.standard_normal((m, n_x))                  # examples by features, as scikit-learn holds them
    for X in (rows.T, rows.T[:, ::2], np.ascontiguousarray(rows.T)):
        copied = features_by_examples(X, dtype)
        assert copied.flags.c_contiguous and copied.dtype == (X.dtype if dtype is None else dtype)
        np.testing.assert_array_equal(copied, X.astype(copied.dtype))
        assert not np.shares_memory(copied, X)


def test_the_estimator_casts_into_the_notes_layout_and_fits_as_on_a_copy(rng):
    from single_neuron import SingleNeuronClassifier

    X = rng.standard_normal((400, 30))
    y = (X[:, 0] + 0.3 * rng.standard_normal(400) > 0).astype(int)
    cast = SingleNeuronClassifier(dtype="float32", max_iter=50, learning_rate=0.5).fit(X, y)
    # float32 examples held column by column: X.T is the notes' layout already, taken as a view
    given = SingleNeuronClassifier(dtype="float32", max_iter=50, learning_rate=0.5).fit(
        np.asfortranarray(X, dtype=np.float32), y)
    np.testing.assert_array_equal(cast.coef_, given.coef_)
    assert cast.costs_ == given.costs_
