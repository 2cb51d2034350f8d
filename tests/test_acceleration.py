"""The step from the cost's curvature, accelerated descent and the stop on the gradient's size.

The step "auto" is checked against 1/L with L from the eigenvalues of X_aug diag(s) X_aug.T
computed exactly (numpy.linalg.eigvalsh), on every route; accelerated descent against the
optimum L* that scipy's L-BFGS finds when run tight, on every route with every other setting
of the loop.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy.optimize import minimize

from single_neuron import InputValueError
from single_neuron.engines import in_memory
from single_neuron.engines.dask_cluster import DaskPass, session
from single_neuron.neuron.descent import descend
from single_neuron.neuron.formulas import to_numpy
from conftest import TORCH_MISSING
from test_routes import HAS_TORCH, ROUTES, _arrays, problem  # noqa: F401 (problem: the routes' fixture)

L2 = 0.7


def _exact_step(X, s, l2):
    """1/L, L = lambda_max(X_aug diag(s) X_aug.T) / (4 M) + l2 / M, by eigvalsh."""
    X = np.asarray(X, dtype=np.float64)
    s = np.ones((1, X.shape[1])) if s is None else np.asarray(s, dtype=np.float64)
    X_aug = np.vstack([X, np.ones((1, X.shape[1]))])
    M = float(s.sum())
    return 1.0 / (np.linalg.eigvalsh((X_aug * s) @ X_aug.T)[-1] / (4.0 * M) + l2 / M)


def _optimum(X, Y, s, l2):
    """L*: the weighted, L2-regularised cost minimised by L-BFGS to a gradient of 1e-13."""
    X, Y = np.asarray(X, dtype=np.float64), np.asarray(Y, dtype=np.float64).ravel()
    s = np.ones(X.shape[1]) if s is None else np.asarray(s, dtype=np.float64).ravel()
    M = s.sum()

    def cost(theta):
        w, b = theta[:-1], theta[-1]
        Z = w @ X + b
        J = (s * (np.logaddexp(0.0, Z) - Y * Z)).sum() / M + l2 / (2 * M) * (w @ w)
        dZ = s * (1.0 / (1.0 + np.exp(-Z)) - Y) / M
        return J, np.append(X @ dZ + l2 / M * w, dZ.sum())

    found = minimize(cost, np.zeros(X.shape[0] + 1), jac=True, method="L-BFGS-B",
                     options={"maxiter": 50_000, "ftol": 0.0, "gtol": 1e-13, "maxcor": 30})
    return float(found.fun)


def _route(route, problem, X, Y, s):
    if route == "torch (cpu)" and not HAS_TORCH:
        pytest.skip(TORCH_MISSING)
    return ROUTES[route](problem, X, Y, s, {})


def _extended_problem(seed=5, n_x=400, m=12):
    """Data wide enough for the Gram form's extended precision (m * WIDE <= n_x)."""
    rng = np.random.default_rng(seed)
    X = rng.integers(0, 256, size=(n_x, m)) / 255.0
    Y = (np.arange(m) % 2).reshape(1, -1).astype(np.float64)
    X[:40, Y[0] == 1] *= 0.5
    return X, Y, rng.uniform(0.2, 3.0, (1, m))


@pytest.mark.parametrize("weighted", [False, True], ids=["plain", "weights and l2"])
@pytest.mark.parametrize("route", list(ROUTES))
def test_the_auto_step_is_one_over_the_curvature_bound_on_every_route(problem, route, weighted):
    X, Y, s = _arrays(problem, np.float64)
    s, l2 = (s, L2) if weighted else (None, 0.0)
    run = descend(_route(route, problem, X, Y, s), np.zeros((X.shape[0], 1)), 0.0, 1, "auto", l2=l2)
    assert run.learning_rate == pytest.approx(_exact_step(X, s, l2), rel=1e-2)
    assert run.learning_rate == pytest.approx(_exact_step(X, s, l2), rel=1e-3)     # Lanczos does better


def test_the_auto_step_of_the_extended_gram_form():
    X, Y, s = _extended_problem()
    data = in_memory.in_memory_pass(X, Y, "gram", 10, s)
    assert isinstance(data, in_memory.ExtendedGram)
    run = descend(data, np.zeros((X.shape[0], 1)), 0.0, 1, "auto", l2=L2)
    assert run.learning_rate == pytest.approx(_exact_step(X, s, L2), rel=1e-3)


@pytest.mark.parametrize("route", list(ROUTES))
def test_accelerated_descent_reaches_the_optimum_with_weights_and_l2_on_every_route(problem, route):
    X, Y, s = _arrays(problem, np.float64)
    best = _optimum(X, Y, s, L2)
    run = descend(_route(route, problem, X, Y, s), np.zeros((X.shape[0], 1)), 0.0, 500, "auto", l2=L2,
                  accelerated=True)
    assert run.final_cost <= best + 1e-8
    assert run.restarts >= 1 and run.learning_rate == pytest.approx(_exact_step(X, s, L2), rel=1e-3)


def test_accelerated_descent_in_the_gram_forms_follows_the_primal_form():
    X, Y, s = _extended_problem()
    best = _optimum(X, Y, s, L2)
    runs = {}
    for name, data in (("primal", in_memory.Primal(X, Y, s)), ("gram", in_memory.Gram(X, Y, s)),
                       ("extended", in_memory.ExtendedGram(X, Y, s))):
        runs[name] = descend(data, np.zeros((X.shape[0], 1)), 0.0, 2000, "auto", l2=L2, accelerated=True,
                             record_every=50)
        assert runs[name].final_cost <= best + 1e-8, name
    for name in ("gram", "extended"):
        np.testing.assert_allclose(runs[name].costs, runs["primal"].costs, rtol=1e-10)
        np.testing.assert_allclose(runs[name].w, runs["primal"].w, rtol=1e-6, atol=1e-9)
        assert runs[name].restarts == runs["primal"].restarts


def test_accelerated_descent_honours_early_stopping(problem):
    X, Y, s = _arrays(problem, np.float64)
    best = _optimum(X, Y, s, L2)
    run = descend(in_memory.Primal(X, Y, s), np.zeros((X.shape[0], 1)), 0.0, 5000, "auto", l2=L2,
                  accelerated=True, tol=1e-12, n_iter_no_change=20)
    assert run.stopped == "converged" and run.n_iter < 5000
    assert run.final_cost <= best + 1e-8


def test_gtol_stops_on_the_gradient_size_relative_to_its_start(problem):
    X, Y, s = _arrays(problem, np.float64)
    best = _optimum(X, Y, s, L2)
    run = descend(in_memory.Primal(X, Y, s), np.zeros((X.shape[0], 1)), 0.0, 5000, "auto", l2=L2,
                  accelerated=True, gtol=1e-6)
    assert run.stopped == "converged" and run.n_iter < 5000
    assert run.gradient_end <= 1e-6 * run.gradient_start
    assert run.final_cost <= best + 1e-9
    # the gradient reported is the one at the parameters returned
    Z = run.w.T @ X + run.b
    dZ = s * (1.0 / (1.0 + np.exp(-Z)) - Y) / s.sum()
    np.testing.assert_allclose(run.dw, X @ dZ.T + L2 / s.sum() * run.w, rtol=1e-9, atol=1e-15)


def test_a_gtol_that_never_stops_leaves_every_number_as_it_was(problem):
    X, Y, s = _arrays(problem, np.float64)
    kwargs = dict(l2=L2, record_every=7)
    plain = descend(in_memory.Primal(X, Y, s), np.zeros((X.shape[0], 1)), 0.0, 60, 0.5, **kwargs)
    watched = descend(in_memory.Primal(X, Y, s), np.zeros((X.shape[0], 1)), 0.0, 60, 0.5, gtol=0.0, **kwargs)
    assert watched.costs == plain.costs and watched.n_iter == 60 and watched.stopped == "done"
    np.testing.assert_array_equal(watched.w, plain.w)
    assert watched.b == plain.b and watched.restarts is None and plain.learning_rate == 0.5


@pytest.mark.parametrize("option", [{"accelerated": True}, {"gtol": 1e-4}])
def test_mini_batches_are_refused_with_acceleration_and_gtol(problem, option):
    X, Y, s = _arrays(problem, np.float64)
    with pytest.raises(InputValueError, match="batch_size: .* needs every example at every step"):
        descend(in_memory.Primal(X, Y, s), np.zeros((X.shape[0], 1)), 0.0, 5, "auto", batch_size=8, **option)


def _ill_conditioned(seed=3, n_x=30, m=400):
    """Correlated features, like neighbouring pixels: a random walk along the features."""
    rng = np.random.default_rng(seed)
    X = np.cumsum(rng.normal(size=(n_x, m)), axis=0) / np.sqrt(n_x)
    w = rng.normal(size=(n_x, 1))
    Y = (rng.random((1, m)) < 1.0 / (1.0 + np.exp(-(w.T @ X)))).astype(np.float64)
    return X, Y


def _iterations_to(target, accelerated, X, Y, limit):
    reached = []

    def record(i, J):
        if J <= target and not reached:
            reached.append(i)

    descend(in_memory.Primal(X, Y), np.zeros((X.shape[0], 1)), 0.0, limit, "auto", l2=1e-3, record_every=1,
            on_record=record, accelerated=accelerated)
    return reached[0] if reached else limit


def test_accelerated_descent_needs_far_fewer_steps_on_ill_conditioned_data():
    X, Y = _ill_conditioned()
    target = _optimum(X, Y, None, 1e-3) + 1e-6
    fast = _iterations_to(target, True, X, Y, 20_000)
    slow = _iterations_to(target, False, X, Y, 20_000)
    assert fast * 5 < slow, (fast, slow)


def test_the_dask_cluster_takes_the_same_step_and_accelerated_steps(problem):
    import dask.array as da

    X, Y, s = _arrays(problem, np.float64)
    with session():
        data = DaskPass(da.from_array(X, chunks=(X.shape[0], 25)), Y, s)
        run = descend(data, np.zeros((X.shape[0], 1)), 0.0, 30, "auto", l2=L2, accelerated=True, record_every=5)
    memory = descend(in_memory.Primal(X, Y, s), np.zeros((X.shape[0], 1)), 0.0, 30, "auto", l2=L2,
                     accelerated=True, record_every=5)
    assert run.learning_rate == pytest.approx(_exact_step(X, s, L2), rel=1e-3)
    np.testing.assert_allclose(run.costs, memory.costs, rtol=1e-12)
    np.testing.assert_allclose(to_numpy(run.w), memory.w, rtol=1e-8, atol=1e-12)
    assert run.final_cost == pytest.approx(memory.final_cost, rel=1e-12)


def test_a_run_that_ends_far_from_a_minimum_says_so_and_the_course_run_does_not(cat_sets):
    from single_neuron.app.advice import far_from_minimum

    train = cat_sets[0]
    X, Y = train.X, train.Y.astype(np.float64)
    ratios = {}
    for n in (200, 2000):
        run = descend(in_memory.in_memory_pass(X, Y, "auto", n), np.zeros((X.shape[0], 1)), 0.0, n, 0.005)
        ratios[n] = (run.gradient_end / run.gradient_start, far_from_minimum(run))
    assert ratios[200][0] > 1.0 and ratios[200][1].startswith("the run ended far from a minimum: the gradient is ")
    assert "learning rate \"auto\" with accelerated descent" in ratios[200][1]
    assert ratios[2000][0] < 0.02 and ratios[2000][1] is None
