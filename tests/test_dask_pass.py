"""The pass on Dask on a real local cluster of two worker processes: the same sums as the pass in
memory, every setting of the loop honoured, and the data sent to the workers once, not at every step."""

from __future__ import annotations

import dask.array as da
import numpy as np
import pytest

from single_neuron.engines.dask_cluster import DaskPass, session
from single_neuron.engines.in_memory import Primal
from single_neuron.neuron.descent import Plan
from single_neuron.neuron.formulas import to_numpy
from test_routes import SETTINGS, _arrays, _run, assert_same_run, problem  # noqa: F401  (problem: the routes' fixture)


@pytest.fixture(scope="module")
def client():
    """The local cluster `--engine dask` starts (two worker processes, loopback, TLS), as the default client."""
    with session(workers=2) as client:
        yield client


def _on_cluster(client, X, chunk):
    """X as a Dask array whose chunks of `chunk` examples are sent to the workers as they are (not
    inside a task graph), as a user's data already there would be."""
    columns = [X[:, start:start + chunk] for start in range(0, X.shape[1], chunk)]
    return da.concatenate([da.from_delayed(f, shape=c.shape, dtype=c.dtype)
                           for f, c in zip(client.scatter(columns), columns)], axis=1)


def _both(client, X, Y, s, chunk):
    """The pass in memory and the pass on the cluster over X in chunks of `chunk` examples."""
    return Primal(X, Y, s), DaskPass(_on_cluster(client, X, chunk), Y, s)


def _cat_problem(cat_sets):
    train, _ = cat_sets
    return train.X.astype(np.float64), train.Y.astype(np.float64), np.random.default_rng(5).uniform(0.2, 3.0, (1, 209))


def _random_problem(_):
    rng = np.random.default_rng(7)
    X = rng.normal(size=(40, 500))
    return X, (rng.random((1, 500)) < 0.4).astype(np.float64), rng.uniform(0.2, 3.0, (1, 500))


@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "weighted"])
@pytest.mark.parametrize("data", [_cat_problem, _random_problem], ids=["cats", "random"])
def test_the_sums_on_the_cluster_are_the_sums_in_memory(client, cat_sets, data, weighted):
    X, Y, s = data(cat_sets)
    s = s if weighted else None
    rng = np.random.default_rng(1)
    memory, cluster = _both(client, X, Y, s, chunk=X.shape[1] // 4 + 1)
    assert len(cluster.chunks.blocks) == 4 and cluster.chunks.holders          # held on the workers
    plan = Plan(0.01, batch_size=64)
    w0 = rng.normal(scale=0.01, size=(X.shape[0], 1))
    w, b = memory.start(w0, 0.3, plan)
    wd, bd = cluster.start(w0, 0.3, plan)
    middle = np.arange(X.shape[1] // 4 + 3, X.shape[1] // 4 + 9)               # within one chunk
    for index in (None, np.sort(rng.choice(X.shape[1], 64, replace=False)), middle):
        g, db, L, weight = memory.gradient(w, b, index, True)
        g = g.copy()
        gd, dbd, Ld, weightd = cluster.gradient(wd, bd, index, True)
        assert type(gd) is np.ndarray and gd.dtype == np.float64 and gd.shape == g.shape
        np.testing.assert_allclose(gd, g, rtol=1e-12, atol=1e-12 * np.abs(g).max())
        assert dbd == pytest.approx(db, rel=1e-12) and Ld == pytest.approx(L, rel=1e-12)
        assert weightd == pytest.approx(weight, rel=1e-14)
    assert cluster.loss(wd, bd) == pytest.approx(memory.loss(w, b), rel=1e-12)


def test_a_step_on_the_cluster_places_no_task(client, cat_sets):
    """The chunks go to the workers once, when the pass is made; a step is a call to each worker
    holding them, so the scheduler has no new task to place, step after step."""
    X, Y, _ = _cat_problem(cat_sets)
    _, cluster = _both(client, X, Y, None, chunk=50)
    w, b = cluster.start(np.zeros((X.shape[0], 1)), 0.0, Plan(0.005))

    def scheduled():
        return client.run_on_scheduler(lambda dask_scheduler: sorted(map(str, dask_scheduler.tasks)))

    cluster.gradient(w, b, None, True)
    before = scheduled()
    for _ in range(5):
        g, db, _, weight = cluster.gradient(w, b, None, False)
        w -= 0.005 / weight * g
        b -= 0.005 / weight * db
    cluster.gradient(w, b, np.arange(10, 120), False)
    # no task placed: nothing new on the scheduler (tasks of earlier tests may be released meanwhile)
    assert set(scheduled()) <= set(before)


@pytest.mark.parametrize("setting", list(SETTINGS))
def test_every_setting_on_the_cluster(client, problem, setting):  # noqa: F811
    options = SETTINGS[setting]
    dtype = np.dtype(options.get("dtype", "float64"))
    X, Y, s = _arrays(problem, dtype)
    s = s if options.get("weighted") else None
    reference = _run(Primal(X, Y, s), dtype, options)
    run = _run(DaskPass(_on_cluster(client, X, 25), Y, s), dtype, options)
    assert_same_run(run, reference, setting, dtype)


def test_a_holder_keeps_its_chunks_aligned_for_blas():
    """A chunk that arrives from the client sits in its message's buffer at any byte offset: the
    holder copies a misaligned one once (BLAS runs a misaligned float64 array several times slower),
    keeps an aligned one as it is, and gives the same sums either way."""
    from single_neuron.engines.dask_cluster import _Holder

    rng = np.random.default_rng(2)
    X, Y = rng.normal(size=(30, 12)), (rng.random((1, 12)) < 0.5).astype(np.float64)
    raw = bytearray(X.nbytes + 3)
    misaligned = np.frombuffer(raw, dtype=np.float64, offset=3, count=X.size).reshape(X.shape)
    misaligned[...] = X
    assert not misaligned.flags.aligned
    held = _Holder([(misaligned, Y, None), (X, Y, None)])
    assert held.chunks[0][0].flags.aligned and held.chunks[1][0] is X and held.chunks[0][1] is Y
    w = rng.normal(size=(30, 1))
    for j in (0, 1):
        g, db, _, weight = held.sums([(j, None)], w, 0.3, True, False)
        expected, db_expected, _, _ = Primal(X, Y).gradient(w, 0.3, None, False)
        np.testing.assert_allclose(g, expected, rtol=1e-13, atol=1e-15)
        assert db == pytest.approx(db_expected, rel=1e-15) and weight == 12
