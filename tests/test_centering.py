"""Descent in centred coordinates (`centered`): the same cost and model, the intercept measured at
the examples' mean.

Checked against the plain loop written out on the centred features X - mu, against the step 1/L
of the centred features' curvature computed exactly (eigvalsh), against L* on every route, and
by what it is for: on uncentred pixels, a step hundreds of times larger and far fewer steps.
(Every route giving the in-memory run's numbers with it is in test_routes and test_dask_pass.)
"""

from __future__ import annotations

import numpy as np
import pytest

from single_neuron import InputValueError, SingleNeuronClassifier, train
from single_neuron.app.settings import Settings
from single_neuron.engines import in_memory
from single_neuron.neuron.descent import descend
from single_neuron.neuron.formulas import to_numpy
from test_acceleration import L2, _exact_step, _optimum, _route
from test_routes import ROUTES, _arrays, problem  # noqa: F401 (problem: the routes' fixture)

W_ROUTES = [route for route in ROUTES if "gram" not in route]


def _mean(X, s):
    s = np.ones((1, X.shape[1])) if s is None else s
    return (X @ s.T / s.sum()).ravel()


def _centred_loop(X, Y, s, alpha, l2, iterations):
    """Plain gradient descent on (w, c) over X - mu, the notes' step written out; (w, b = c - w.mu)."""
    mu = _mean(X, s)
    Xc = X - mu[:, None]
    weights = np.ones_like(Y) if s is None else s
    M = weights.sum()
    w, c = np.zeros((X.shape[0], 1)), 0.0
    for _ in range(iterations):
        A = 1.0 / (1.0 + np.exp(-(w.T @ Xc + c)))
        dZ = weights * (A - Y)
        w = w - alpha * (Xc @ dZ.T / M + l2 / M * w)
        c = c - alpha * dZ.sum() / M
    return w, c - float(w.ravel() @ mu)


@pytest.mark.parametrize("weighted", [False, True])
def test_centred_descent_is_the_plain_loop_on_centred_features(problem, weighted):
    X, Y, s = _arrays(problem, np.float64)
    s, l2 = (s, L2) if weighted else (None, 0.0)
    run = descend(in_memory.Primal(X, Y, s), np.zeros((X.shape[0], 1)), 0.0, 200, 0.3, l2=l2, centered=True)
    w, b = _centred_loop(X, Y, s, 0.3, l2, 200)
    np.testing.assert_allclose(run.w, w, rtol=1e-10, atol=1e-13)
    assert run.b == pytest.approx(b, rel=1e-10, abs=1e-13)
    weights = np.ones_like(Y) if s is None else s
    Z = run.w.T @ X + run.b
    J = float((weights * (np.logaddexp(0, Z) - Y * Z)).sum() / weights.sum() + l2 / (2 * weights.sum()) * (run.w ** 2).sum())
    assert run.final_cost == pytest.approx(J, rel=1e-12)


def test_the_gradient_reported_is_the_plain_gradient_at_the_parameters_returned(problem):
    X, Y, s = _arrays(problem, np.float64)
    run = descend(in_memory.Primal(X, Y, s), np.zeros((X.shape[0], 1)), 0.0, 5000, "auto", l2=L2,
                  accelerated=True, gtol=1e-7, centered=True)
    assert run.stopped == "converged"
    Z = run.w.T @ X + run.b
    dZ = s * (1.0 / (1.0 + np.exp(-Z)) - Y) / s.sum()
    np.testing.assert_allclose(run.dw, X @ dZ.T + L2 / s.sum() * run.w, rtol=1e-8, atol=1e-14)
    assert run.db == pytest.approx(float(dZ.sum()), rel=1e-8, abs=1e-15)


def _centred_exact_step(X, s, l2):
    return _exact_step(X - _mean(X, s)[:, None], s, l2)


@pytest.mark.parametrize("weighted", [False, True], ids=["plain", "weights and l2"])
@pytest.mark.parametrize("route", W_ROUTES)
def test_the_auto_step_is_one_over_the_centred_curvature_on_every_route(problem, route, weighted):
    X, Y, s = _arrays(problem, np.float64)
    s, l2 = (s, L2) if weighted else (None, 0.0)
    run = descend(_route(route, problem, X, Y, s), np.zeros((X.shape[0], 1)), 0.0, 1, "auto", l2=l2,
                  centered=True)
    assert run.learning_rate == pytest.approx(_centred_exact_step(X, s, l2), rel=1e-2)
    # pixels in [0, 1]: the mean's direction held most of the curvature
    assert run.learning_rate > 5 * _exact_step(X, s, l2)


@pytest.mark.parametrize("route", W_ROUTES)
def test_centred_accelerated_descent_reaches_the_optimum_on_every_route(problem, route):
    X, Y, s = _arrays(problem, np.float64)
    best = _optimum(X, Y, s, L2)
    run = descend(_route(route, problem, X, Y, s), np.zeros((X.shape[0], 1)), 0.0, 500, "auto", l2=L2,
                  accelerated=True, centered=True)
    assert run.final_cost <= best + 1e-8


def _pixels(seed=4, n_x=64, m=600):
    """Uncentred, correlated features in [0, 1], like an image's pixels: a smooth random walk, shifted."""
    rng = np.random.default_rng(seed)
    X = np.cumsum(rng.normal(size=(n_x, m)), axis=0)
    X = (X - X.min()) / (X.max() - X.min())
    w = rng.normal(size=(n_x, 1))
    Z = w.T @ (X - X.mean(axis=1, keepdims=True))
    Y = (rng.random((1, m)) < 1.0 / (1.0 + np.exp(-3 * Z / Z.std()))).astype(np.float64)
    return X, Y


def _steps_to(target, X, Y, centered, limit=20_000):
    reached = []

    def record(i, J):
        if J <= target and not reached:
            reached.append(i)

    run = descend(in_memory.Primal(X, Y), np.zeros((X.shape[0], 1)), 0.0, limit, "auto", l2=1e-2, record_every=1,
                  on_record=record, should_stop=lambda: bool(reached), accelerated=True, centered=centered)
    return (reached[0] if reached else limit), run.learning_rate


def test_on_uncentred_pixels_the_step_is_far_larger_and_the_steps_far_fewer():
    X, Y = _pixels()
    target = _optimum(X, Y, None, 1e-2) + 1e-6
    fast, step_centred = _steps_to(target, X, Y, True)
    slow, step_plain = _steps_to(target, X, Y, False)
    assert step_centred > 10 * step_plain
    assert fast * 3 < slow, (fast, slow)


def test_the_hooks_and_the_validation_cost_see_the_plain_intercept(problem):
    X, Y, s = _arrays(problem, np.float64)
    M = s.sum()

    def cost(w, b):
        w = to_numpy(w)
        Z = w.T @ X + b
        return float((s * (np.logaddexp(0, Z) - Y * Z)).sum() / M + L2 / (2 * M) * (w ** 2).sum())

    recorded, shown = [], []
    run = descend(in_memory.Primal(X, Y, s), np.zeros((X.shape[0], 1)), 0.0, 300, "auto", l2=L2, record_every=10,
                  on_record=lambda i, J: recorded.append(J), on_weights=lambda i, now: shown.append(cost(*now())),
                  validation=cost, tol=0.0, n_iter_no_change=1000, accelerated=True, centered=True)
    np.testing.assert_allclose(shown, recorded, rtol=1e-12)
    assert run.best_validation_cost == pytest.approx(cost(run.w, run.b), rel=1e-12)
    assert run.final_cost == pytest.approx(cost(run.w, run.b), rel=1e-12)


def test_the_gram_form_is_refused_and_auto_takes_the_primal_form(problem):
    X, Y, s = _arrays(problem, np.float64)
    gram = in_memory.in_memory_pass(X, Y, "gram", 50, s)
    with pytest.raises(InputValueError, match="centred coordinates need the primal form"):
        descend(gram, np.zeros((X.shape[0], 1)), 0.0, 5, "auto", centered=True)
    wide = np.repeat(X, 40, axis=0)                     # data where auto picks the Gram form
    assert in_memory.in_memory_pass(wide, Y, "auto", 10_000).solver == "gram"
    assert in_memory.in_memory_pass(wide, Y, "auto", 10_000, centered=True).solver == "primal"
    with pytest.raises(InputValueError, match="centred coordinates need the primal form"):
        Settings(solver="gram", centered=True).checked()


def test_train_and_the_estimator_give_the_model_of_plain_coordinates(problem):
    X, Y, _ = _arrays(problem, np.float64)
    images, y = problem[1], problem[2]
    plain = train((images, y), learning_rate="auto", accelerated=True, num_iterations=3000, l2=L2, gtol=1e-9)
    centred = train((images, y), learning_rate="auto", accelerated=True, num_iterations=3000, l2=L2, gtol=1e-9,
                    centered=True)
    assert centred.report["centered"] is True and centred.report["solver"] == "primal"
    assert "centered" not in plain.report
    assert centred.report["final_cost"] == pytest.approx(plain.report["final_cost"], abs=1e-9)
    np.testing.assert_allclose(centred.model.w, plain.model.w, rtol=1e-4, atol=1e-6)
    assert centred.report["n_iter"] < plain.report["n_iter"]
    rows = X.T
    fitted = SingleNeuronClassifier(learning_rate="auto", accelerated=True, centered=True, l2=L2, max_iter=3000,
                                    gtol=1e-9).fit(rows, y)
    np.testing.assert_allclose(fitted.coef_.T, plain.model.w, rtol=1e-4, atol=1e-6)
    assert fitted.intercept_[0] == pytest.approx(plain.model.b, abs=1e-5)
