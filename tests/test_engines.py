"""One vectorized code path on every array engine: the same numbers on NumPy, array-api-strict,
PyTorch (when installed) and Dask, and the results back on the engine they came in on."""

import importlib.util

import numpy as np
import pytest

from single_neuron import InputValueError, ShapeError, model, optimize, predict, propagate
from conftest import TORCH_MISSING


def _strict():
    import array_api_strict as xp

    return lambda a: xp.asarray(a), lambda a: np.asarray(a), 1e-12


def _torch():
    import torch

    return lambda a: torch.as_tensor(a), lambda a: a.detach().cpu().numpy(), 1e-9


def _dask():
    import dask.array as da

    return lambda a: da.from_array(a, chunks=(a.shape[0], max(1, a.shape[1] // 3))), lambda a: np.asarray(a.compute()), 1e-12


def _numpy():
    return lambda a: a, lambda a: a, 0.0


ENGINES = {"numpy": _numpy, "array-api-strict": _strict, "dask": _dask, "torch": _torch}


@pytest.fixture(params=list(ENGINES))
def engine(request):
    name = request.param
    if name == "torch" and importlib.util.find_spec("torch") is None:
        pytest.skip(TORCH_MISSING)
    to, back, tol = ENGINES[name]()
    return name, to, back, tol


def _problem(seed=0, n_x=6, m=21):
    rng = np.random.default_rng(seed)
    return rng.normal(size=(n_x, m)), (rng.random((1, m)) < 0.5).astype(np.float64), rng.normal(size=(n_x, 1))


def test_propagate_gives_numpy_numbers_on_every_engine(engine):
    name, to, back, tol = engine
    X, Y, w = _problem()
    grads, cost = propagate(w, 0.3, X, Y)
    g, c = propagate(to(w), 0.3, to(X), to(Y))
    assert type(g["dw"]) is type(to(w))                      # back on the engine it came in on
    np.testing.assert_allclose(back(g["dw"]), grads["dw"], rtol=tol, atol=tol * 1e-3)
    assert c == pytest.approx(cost, rel=max(tol, 1e-15)) and g["db"] == pytest.approx(grads["db"], rel=max(tol, 1e-14))


def test_optimize_follows_the_numpy_trajectory(engine):
    name, to, back, tol = engine
    X, Y, _ = _problem(1)
    params, grads, costs = optimize(np.zeros((6, 1)), 0.0, X, Y, 300, 0.1, print_every=50, l2=0.2)
    p, g, c = optimize(to(np.zeros((6, 1))), 0.0, to(X), to(Y), 300, 0.1, print_every=50, l2=0.2)
    np.testing.assert_allclose(c, costs, rtol=max(tol, 1e-13))
    np.testing.assert_allclose(back(p["w"]), params["w"], rtol=max(tol, 1e-12), atol=1e-14)
    assert p["b"] == pytest.approx(params["b"], rel=max(tol, 1e-12))
    np.testing.assert_allclose(back(g["dw"]), grads["dw"], rtol=max(tol, 1e-10), atol=1e-14)


def test_predict_on_every_engine(engine):
    name, to, back, tol = engine
    X, _, w = _problem(2)
    np.testing.assert_array_equal(back(predict(to(w), -0.1, to(X))), predict(w, -0.1, X))


def test_the_course_run_on_every_engine(engine, cat_sets):
    name, to, back, tol = engine
    train, test = cat_sets
    X, Y, Xt, Yt = train.X, train.Y.astype(np.float64), test.X, test.Y.astype(np.float64)
    reference = model(X, Y, Xt, Yt, num_iterations=300, learning_rate=0.005, solver="primal")
    d = model(to(X), to(Y), to(Xt), to(Yt), num_iterations=300, learning_rate=0.005)
    np.testing.assert_allclose(d["costs"], reference["costs"], rtol=max(tol, 1e-12))
    np.testing.assert_allclose(back(d["w"]), reference["w"], rtol=max(tol, 1e-10), atol=1e-13)
    assert d["train_accuracy"] == reference["train_accuracy"] and d["test_accuracy"] == reference["test_accuracy"]


def test_bad_arrays_are_refused_on_every_engine(engine):
    name, to, back, tol = engine
    X, Y, w = _problem(3)
    with pytest.raises(ShapeError, match=r"w: expected .*\(6, 1\)"):
        propagate(to(np.zeros((5, 1))), 0.0, to(X), to(Y))
    with pytest.raises(InputValueError, match="Y: expected labels 0 or 1"):
        propagate(to(w), 0.0, to(X), to(Y * 2))
    bad = X.copy()
    bad[0, 0] = np.nan
    with pytest.raises(InputValueError, match="X: expected finite numbers"):
        propagate(to(w), 0.0, to(bad), to(Y))
