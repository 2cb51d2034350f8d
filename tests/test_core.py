"""The course's functions: hand-checked values, finite differences, shapes, solvers."""

import numpy as np
import pytest

from single_neuron import (InputValueError, ShapeError, SingleNeuronError, initialize_with_zeros,
                           model, optimize, predict, propagate)
from single_neuron.engines.in_memory import choose_solver

# The course's own small case and its published outputs.
W = np.array([[1.0], [2.0]])
B = 2.0
X = np.array([[1.0, 2.0, -1.0], [3.0, 4.0, -3.2]])
Y = np.array([[1, 0, 1]])


def test_initialize_with_zeros():
    w, b = initialize_with_zeros(3)
    assert w.shape == (3, 1) and not w.any() and b == 0.0 and isinstance(b, float)


def test_propagate_matches_a_hand_computation():
    # z = w.T x + b per column: 1+6+2 = 9, 2+8+2 = 12, -1-6.4+2 = -5.4
    z = np.array([9.0, 12.0, -5.4])
    a = 1 / (1 + np.exp(-z))
    y = np.array([1.0, 0.0, 1.0])
    cost = -np.mean(y * np.log(a) + (1 - y) * np.log(1 - a))
    dz = a - y
    grads, J = propagate(W, B, X, Y)
    assert J == pytest.approx(cost, rel=1e-12)
    assert grads["db"] == pytest.approx(dz.mean(), rel=1e-12)
    np.testing.assert_allclose(grads["dw"], [[(X[0] * dz).mean()], [(X[1] * dz).mean()]], rtol=1e-12)


def test_propagate_matches_the_course_published_values():
    grads, cost = propagate(W, B, X, Y)
    np.testing.assert_allclose(grads["dw"], [[0.99845601], [2.39507239]], atol=1e-8)
    assert grads["db"] == pytest.approx(0.00145557813678, abs=1e-12)
    assert cost == pytest.approx(5.801545319394553, abs=1e-12)
    assert isinstance(cost, float) and isinstance(grads["db"], float)
    assert grads["dw"].shape == (2, 1)


def test_optimize_matches_the_course_published_values():
    params, grads, costs = optimize(W, B, X, Y, num_iterations=100, learning_rate=0.009)
    np.testing.assert_allclose(params["w"], [[0.19033591], [0.12259159]], atol=1e-8)
    assert params["b"] == pytest.approx(1.92535983008, abs=1e-10)
    np.testing.assert_allclose(grads["dw"], [[0.67752042], [1.41625495]], atol=1e-8)
    assert grads["db"] == pytest.approx(0.219194504541, abs=1e-10)
    assert costs == [pytest.approx(5.801545319394553, abs=1e-12)]


def test_predict_matches_the_course_published_values():
    w = np.array([[0.1124579], [0.23106775]])
    Xp = np.array([[1.0, -1.1, -3.2], [1.2, 2.0, 0.1]])
    np.testing.assert_array_equal(predict(w, -0.3, Xp), [[1.0, 1.0, 0.0]])


def _cost(w, b, X, Y):
    return propagate(w, b, X, Y)[1]


@pytest.mark.parametrize("seed", range(5))
def test_gradients_equal_central_finite_differences(seed):
    rng = np.random.default_rng(seed)
    n_x, m = 7, 13
    X = rng.normal(size=(n_x, m))
    Y = (rng.random((1, m)) < 0.5).astype(int)
    w = rng.normal(scale=0.5, size=(n_x, 1))
    b = float(rng.normal())
    grads, _ = propagate(w, b, X, Y)
    h = 1e-6
    numeric = np.zeros_like(w)
    for j in range(n_x):
        e = np.zeros_like(w)
        e[j] = h
        numeric[j] = (_cost(w + e, b, X, Y) - _cost(w - e, b, X, Y)) / (2 * h)
    np.testing.assert_allclose(grads["dw"], numeric, atol=1e-7)
    assert grads["db"] == pytest.approx((_cost(w, b + h, X, Y) - _cost(w, b - h, X, Y)) / (2 * h), abs=1e-7)


@pytest.mark.parametrize("call, fragment", [
    (lambda: propagate(np.zeros(2), 0.0, X, Y), "w: expected a 2-D array of shape (2, 1), got a rank-1 array of shape (2,)"),
    (lambda: propagate(np.zeros((3, 1)), 0.0, X, Y), "w: expected shape (2, 1), got (3, 1)"),
    (lambda: propagate(W, 0.0, X, np.array([1, 0])), "Y: expected a 2-D array of shape (1, 3), got a rank-1"),
    (lambda: propagate(W, 0.0, X, np.array([[1, 0]])), "Y: expected shape (1, 3), got (1, 2)"),
    (lambda: propagate(W, 0.0, X, np.array([[1, 2, 0]])), "Y: expected labels 0 or 1, got 2 at example 1"),
    (lambda: propagate(W, 0.0, X[0], Y), "X: expected a 2-D array of shape (n_x, m), got a rank-1"),
    (lambda: propagate(W, 0.0, np.array([[1.0, np.nan, 0.0], [0, 0, 0]]), Y), "X: expected finite numbers, got nan at index (0, 1)"),
    (lambda: propagate(W, np.array([1.0, 2.0]), X, Y), "b: expected a real number"),
    (lambda: propagate(W, 0.0, X.astype(str), Y), "X: expected real numbers, got dtype <U"),
    (lambda: optimize(W, B, X, Y, num_iterations=-1), "num_iterations: expected a whole number >= 0, got -1"),
    (lambda: optimize(W, B, X, Y, learning_rate=0), 'learning_rate: expected a number > 0 or "auto", got 0'),
    (lambda: optimize(W, B, X, Y, solver="newton"), "solver: expected one of auto, primal, gram, got 'newton'"),
    (lambda: optimize(W, B, X, Y, dtype=np.int32), "dtype: expected float32 or float64, got int32"),
    (lambda: model(X, Y, np.zeros((3, 2)), np.array([[1, 0]])), "X_test: expected shape (2, m), got (3, 2)"),
    (lambda: initialize_with_zeros(0), "dim: expected a whole number >= 1, got 0"),
])
def test_bad_arguments_name_the_argument_and_the_shapes(call, fragment):
    with pytest.raises(SingleNeuronError) as info:
        call()
    assert fragment in str(info.value)
    assert isinstance(info.value, (ShapeError, InputValueError))
    assert isinstance(info.value, ValueError)


def _problem(rng, n_x=40, m=25):
    X = rng.normal(size=(n_x, m))
    Y = (rng.random((1, m)) < 0.5).astype(float)
    return X, Y


@pytest.mark.parametrize("l2", [0.0, 0.7])
@pytest.mark.parametrize("start", ["zeros", "random"])
def test_gram_and_primal_solvers_give_the_same_iterates(rng, l2, start):
    X, Y = _problem(rng)
    w = np.zeros((40, 1)) if start == "zeros" else rng.normal(size=(40, 1))
    runs = [optimize(w, 0.3, X, Y, 250, 0.05, print_every=10, l2=l2, solver=s) for s in ("primal", "gram")]
    (p1, g1, c1), (p2, g2, c2) = runs
    np.testing.assert_allclose(p2["w"], p1["w"], rtol=1e-10, atol=1e-12)
    assert p2["b"] == pytest.approx(p1["b"], rel=1e-10)
    np.testing.assert_allclose(g2["dw"], g1["dw"], rtol=1e-9, atol=1e-12)
    assert g2["db"] == pytest.approx(g1["db"], rel=1e-9, abs=1e-12)
    np.testing.assert_allclose(c2, c1, rtol=1e-12)


@pytest.mark.parametrize("learning_rate", [0.05, 3.0])      # 3.0 overshoots: steps in extended precision
@pytest.mark.parametrize("l2", [0.0, 0.7])
@pytest.mark.parametrize("start", ["zeros", "random"])
@pytest.mark.parametrize("weighted", [False, True])
def test_the_extended_gram_form_gives_the_primal_iterates(rng, learning_rate, l2, start, weighted):
    from single_neuron.engines.in_memory import ExtendedGram, in_memory_pass
    from single_neuron.neuron.descent import descend

    n_x, m = 600, 20                                # m * 30 <= n_x: K and its parts are small beside X
    X = rng.normal(size=(n_x, m)) * 0.3
    Y = (rng.random((1, m)) < 0.5).astype(float)
    s = rng.integers(1, 4, size=(1, m)).astype(float) if weighted else None
    w = np.zeros((n_x, 1)) if start == "zeros" else rng.normal(size=(n_x, 1)) * 0.05
    passes = [in_memory_pass(X, Y, solver, 300, s) for solver in ("primal", "gram")]
    assert isinstance(passes[1], ExtendedGram)
    p, g = (descend(data, w, 0.3, 300, learning_rate, l2=l2, record_every=10) for data in passes)
    np.testing.assert_allclose(g.w, p.w, rtol=1e-12, atol=1e-14 * np.abs(p.w).max())
    assert g.b == pytest.approx(p.b, rel=1e-12, abs=1e-15)
    # Near the minimum dw is a difference of far larger terms (with L2, l2 / M w): measured on w's scale.
    np.testing.assert_allclose(g.dw, p.dw, rtol=1e-9, atol=1e-12 * np.abs(p.w).max())
    assert g.db == pytest.approx(p.db, rel=1e-9, abs=1e-15)
    np.testing.assert_allclose(g.costs, p.costs, rtol=1e-12)
    assert g.solver == "gram" and len(g.costs) == 30


def test_l2_adds_its_penalty_to_the_cost_and_its_gradient(rng):
    X, Y = _problem(rng, 5, 9)
    w = rng.normal(size=(5, 1))
    lam = 0.4
    _, _, costs = optimize(w, 0.0, X, Y, 1, 0.1, l2=lam)
    assert costs[0] == pytest.approx(propagate(w, 0.0, X, Y)[1] + lam / (2 * 9) * (w.T @ w).item(), rel=1e-12)
    _, grads, _ = optimize(w, 0.0, X, Y, 1, 0.1, l2=lam)
    np.testing.assert_allclose(grads["dw"], propagate(w, 0.0, X, Y)[0]["dw"] + lam / 9 * w, rtol=1e-12)


def test_float32_keeps_float32_and_stays_close_to_float64(rng):
    X, Y = _problem(rng)
    w, b = initialize_with_zeros(40)
    p64, _, c64 = optimize(w, b, X, Y, 300, 0.01)
    p32, g32, c32 = optimize(w, b, X, Y, 300, 0.01, dtype=np.float32)
    assert p32["w"].dtype == np.float32 and g32["dw"].dtype == np.float32
    np.testing.assert_allclose(c32, c64, rtol=1e-5)
    np.testing.assert_allclose(p32["w"], p64["w"], rtol=1e-4, atol=1e-5)


def test_the_solver_choice_follows_the_work():
    assert choose_solver(n_x=12288, m=209, num_iterations=2000) == "gram"
    assert choose_solver(n_x=100, m=100000, num_iterations=2000) == "primal"
    assert choose_solver(n_x=12288, m=209, num_iterations=10) == "primal"
    # auto takes the Gram form only where its exact K fits in a tenth of X's memory
    assert choose_solver(n_x=3000, m=100, num_iterations=10**6) == "gram"
    assert choose_solver(n_x=3000, m=101, num_iterations=10**6) == "primal"


def test_gram_keeps_the_simple_form_for_float32_and_wide_data(rng):
    from single_neuron.engines.in_memory import ExtendedGram, Gram, in_memory_pass

    X, Y = _problem(rng, 600, 20)
    assert type(in_memory_pass(X, Y, "gram")) is ExtendedGram
    assert type(in_memory_pass(X.astype(np.float32), Y.astype(np.float32), "gram")) is Gram
    X, Y = _problem(rng, 600, 21)
    assert type(in_memory_pass(X, Y, "gram")) is Gram


def test_zero_iterations_leave_the_start_and_record_nothing():
    params, grads, costs = optimize(W, B, X, Y, num_iterations=0)
    np.testing.assert_array_equal(params["w"], W)
    assert params["b"] == B and costs == []


def test_model_returns_what_the_course_model_returns(rng):
    X, Y = _problem(rng)
    d = model(X, Y, X[:, :5], Y[:, :5], num_iterations=150, learning_rate=0.01)
    for key in ("costs", "Y_prediction_test", "Y_prediction_train", "w", "b", "learning_rate", "num_iterations"):
        assert key in d
    assert len(d["costs"]) == 2 and d["Y_prediction_test"].shape == (1, 5) and d["w"].shape == (40, 1)


def test_model_prints_like_the_course(rng, capsys):
    X, Y = _problem(rng)
    model(X, Y, X, Y, num_iterations=101, learning_rate=0.01, print_cost=True)
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "Cost after iteration 0: 0.693147"
    assert lines[1].startswith("Cost after iteration 100: ")
    assert lines[2].startswith("train accuracy: ") and lines[3].startswith("test accuracy: ")
