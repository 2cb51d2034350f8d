"""The notes' loop versions, the vectorized propagate and the graph engine: one answer, three routes."""

import numpy as np
import pytest

from single_neuron import propagate
from single_neuron.teaching.gradcheck import check_propagate, gradient_check, numeric_gradient
from single_neuron.teaching.graph import logistic_example
from single_neuron.teaching.loops import propagate_one_loop, propagate_two_loops


def _agree(a, b, tol=1e-12):
    (ga, ca), (gb, cb) = a, b
    np.testing.assert_allclose(ga["dw"], gb["dw"], rtol=tol, atol=tol)
    assert ga["db"] == pytest.approx(gb["db"], rel=tol, abs=tol)
    assert ca == pytest.approx(cb, rel=tol)


@pytest.mark.parametrize("seed", range(4))
def test_loops_equal_vectorized_on_random_data(seed):
    rng = np.random.default_rng(seed)
    n_x, m = rng.integers(1, 12), rng.integers(1, 30)
    X = rng.normal(scale=2, size=(n_x, m))
    Y = (rng.random((1, m)) < 0.5).astype(int)
    w, b = rng.normal(size=(n_x, 1)), float(rng.normal())
    vectorized = propagate(w, b, X, Y)
    _agree(propagate_two_loops(w, b, X, Y), vectorized)
    _agree(propagate_one_loop(w, b, X, Y), vectorized)


def test_loops_equal_vectorized_on_the_first_20_cats(cat_sets):
    train, _ = cat_sets
    X, Y = train.X[:, :20], train.Y[:, :20]
    w = np.random.default_rng(1).normal(scale=0.01, size=(X.shape[0], 1))
    vectorized = propagate(w, 0.2, X, Y)
    _agree(propagate_two_loops(w, 0.2, X, Y), vectorized)
    _agree(propagate_one_loop(w, 0.2, X, Y), vectorized)


def test_the_graph_engine_agrees_with_propagate_for_each_example():
    X = np.array([[1.0, -2.0, 0.5], [2.0, 0.3, -1.5]])
    Y = np.array([[1, 0, 1]])
    w, b = np.array([[0.5], [-0.3]]), 0.1
    grads, cost = propagate(w, b, X, Y)
    losses, dw, db = 0.0, np.zeros(2), 0.0
    for i in range(3):
        g = logistic_example(list(X[:, i]), list(w[:, 0]), b, int(Y[0, i]))
        losses += g["L"].data
        dw += [g["w1"].grad, g["w2"].grad]
        db += g["b"].grad
    assert cost == pytest.approx(losses / 3, rel=1e-12)
    np.testing.assert_allclose(grads["dw"][:, 0], dw / 3, rtol=1e-12)
    assert grads["db"] == pytest.approx(db / 3, rel=1e-12)


def test_gradient_check_passes_for_propagate_and_fails_for_a_wrong_gradient(rng):
    X = rng.normal(size=(6, 10))
    Y = (rng.random((1, 10)) < 0.5).astype(int)
    w, b = rng.normal(size=(6, 1)), 0.3
    good = check_propagate(w, b, X, Y)
    assert good.passed() and good.relative_error < 1e-8
    f = lambda t: float(np.sum(t ** 3))  # noqa: E731
    theta = rng.normal(size=(4,))
    assert gradient_check(f, theta, 3 * theta ** 2).passed()
    assert gradient_check(f, theta, 2 * theta ** 2).relative_error > 0.1
    np.testing.assert_allclose(numeric_gradient(f, theta), 3 * theta ** 2, rtol=1e-8)
