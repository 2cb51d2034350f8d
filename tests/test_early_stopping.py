"""Early stopping on held-out examples (validation_fraction), and the advice a run that went wrong
gets: the job API's warning, the command line's note, the estimator's ConvergenceWarning."""

import json
import warnings

import numpy as np
import pytest
from sklearn.exceptions import ConvergenceWarning

from single_neuron import SingleNeuronClassifier, optimize, train
from single_neuron.app.jobs import validation_split
from single_neuron.app.settings import Settings
from single_neuron.errors import InputValueError


def noisy_images(seed=7, m=120):
    """Images whose label depends on one pixel, through heavy noise: a neuron fits the training
    examples' noise after a while, and the held-out cost turns up."""
    rng = np.random.default_rng(seed)
    images = rng.integers(0, 256, size=(m, 6, 6, 1), dtype=np.uint8)
    y = ((images[:, 0, 0, 0].astype(float) - 127 + rng.normal(0, 90, m)) > 0).astype(np.int64)
    return images, y


def plain_cost(w, b, X, Y):
    """The notes' cost, written out: -mean(y log a + (1 - y) log(1 - a))."""
    A = 1 / (1 + np.exp(-(w.T @ X + b)))
    return float(-np.mean(Y * np.log(A) + (1 - Y) * np.log(1 - A)))


def test_the_split_is_stratified_seeded_disjoint_and_complete():
    y = np.array([0] * 30 + [1] * 70)
    kept, held = validation_split(y, 0.2, seed=0)
    assert (np.bincount(y[held]) == [6, 14]).all()
    assert np.array_equal(np.sort(np.concatenate([kept, held])), np.arange(100))
    assert np.array_equal(held, np.sort(held)) and np.intersect1d(kept, held).size == 0
    assert np.array_equal(validation_split(y, 0.2, seed=0)[1], held)
    assert not np.array_equal(validation_split(y, 0.2, seed=1)[1], held)
    # at least one of each class is held out, and at least one of each is kept
    kept, held = validation_split(np.array([0, 0, 1, 1, 1, 1]), 0.01, seed=0)
    assert sorted(np.array([0, 0, 1, 1, 1, 1])[held]) == [0, 1] and kept.size == 4
    with pytest.raises(InputValueError, match="class 0 has 1 example"):
        validation_split(np.array([0, 1, 1, 1]), 0.5, seed=0)


def test_held_out_early_stopping_keeps_the_parameters_of_the_best_iteration():
    images, y = noisy_images()
    run = train((images, y), validation_fraction=0.25, learning_rate=0.5, num_iterations=3000,
                n_iter_no_change=50, print_every=10)
    r = run.report
    assert r["stopped"] == "converged" and r["m_validation"] == 30 and r["m_train"] == 90
    best = r["best_iteration"]
    assert 0 < best < r["n_iter"] == best + 50
    # The second route: the course's optimize on the same 90 examples, for `best` steps.
    kept, held = validation_split(y, 0.25, seed=0)
    X = images.reshape(120, -1).T / 255.0
    Y = y.reshape(1, -1).astype(float)
    params, _, _ = optimize(np.zeros((36, 1)), 0.0, X[:, kept], Y[:, kept], best, 0.5)
    np.testing.assert_allclose(run.model.w, params["w"], rtol=1e-12, atol=1e-14)
    assert run.model.b == pytest.approx(params["b"], rel=1e-12)
    assert r["validation_cost"] == pytest.approx(plain_cost(params["w"], params["b"], X[:, held], Y[:, held]),
                                                 rel=1e-12)
    # the recorded held-out costs are the plain formula's at every 10th iteration, lowest at `best`
    assert len(r["validation_costs"]) == len(r["costs"]) == (r["n_iter"] + 1 + 9) // 10
    assert min(r["validation_costs"]) >= r["validation_cost"] - 1e-15
    p10, _, _ = optimize(np.zeros((36, 1)), 0.0, X[:, kept], Y[:, kept], 10, 0.5)
    assert r["validation_costs"][1] == pytest.approx(plain_cost(p10["w"], p10["b"], X[:, held], Y[:, held]),
                                                     rel=1e-12)
    assert r["warning"] is None


def test_every_in_memory_form_stops_at_the_same_iteration_with_the_same_weights():
    images, y = noisy_images()
    runs = [train((images, y), validation_fraction=0.25, learning_rate=0.5, num_iterations=3000,
                  n_iter_no_change=50, solver=solver, dtype=dtype)
            for solver, dtype in (("primal", "float64"), ("gram", "float64"), ("primal", "float32"))]
    assert {r.model.training["solver"] for r in runs[:2]} == {"primal", "gram"}
    assert runs[0].report["best_iteration"] == runs[1].report["best_iteration"] == runs[2].report["best_iteration"]
    np.testing.assert_allclose(runs[1].model.w, runs[0].model.w, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(runs[2].model.w, runs[0].model.w, rtol=1e-3, atol=1e-5)


@pytest.mark.parametrize("solver, l2", [("primal", 0.0), ("gram", 0.0), ("gram", 2.0)])
def test_the_final_cost_is_that_of_the_parameters_returned(solver, l2):
    """Early stopping on held-out examples returns an earlier iteration's w and b: the final cost is
    theirs, on the extended Gram form too (images of 3,072 values: m * 30 <= n_x)."""
    rng = np.random.default_rng(7)
    images = rng.integers(0, 256, size=(100, 32, 32, 3), dtype=np.uint8)
    y = ((images[:, 0, 0, 0].astype(float) - 127 + rng.normal(0, 90, 100)) > 0).astype(np.int64)
    run = train((images, y), validation_fraction=0.25, learning_rate=0.01, num_iterations=3000, n_iter_no_change=20,
                solver=solver, l2=l2, seed=1)
    r = run.report
    assert r["solver"] == solver and r["best_iteration"] < r["n_iter"]
    kept, _ = validation_split(y, 0.25, 1)
    X, Y = images[kept].reshape(kept.size, -1).T / 255.0, y[kept].reshape(1, -1)
    w, b = run.model.w, run.model.b
    expected = plain_cost(w, b, X, Y) + l2 / (2 * kept.size) * float(np.vdot(w, w))
    assert r["final_cost"] == pytest.approx(expected, rel=1e-12)


def test_mini_batches_stop_on_the_held_out_cost_too():
    images, y = noisy_images()
    run = train((images, y), validation_fraction=0.25, learning_rate=0.5, num_iterations=500, batch_size=16,
                seed=3, n_iter_no_change=10)
    r = run.report
    assert r["stopped"] == "converged" and r["best_iteration"] == r["n_iter"] - 10
    assert r["validation_cost"] == min(r["validation_costs"] + [r["validation_cost"]])


def test_a_held_out_cost_that_never_falls_keeps_the_untrained_neuron_and_says_so():
    images, y = noisy_images()
    run = train((images, y), validation_fraction=0.25, learning_rate=2.0, num_iterations=3000, n_iter_no_change=50)
    assert run.report["best_iteration"] == 0 and not run.model.w.any() and run.model.b == 0.0
    assert "never fell below its starting value" in run.report["warning"]


@pytest.mark.parametrize("settings, fragment", [
    ({"validation_fraction": 0}, "validation_fraction: expected a number between 0 and 1"),
    ({"validation_fraction": 1.0}, "validation_fraction: expected a number between 0 and 1"),
    ({"validation_fraction": 0.2, "memory_limit": "64MB"}, "validation_fraction holds examples out in memory"),
    ({"n_iter_no_change": 3}, "it needs tol or validation_fraction"),
    ({"seed": 3}, "it needs batch_size or validation_fraction"),
])
def test_settings_that_cannot_be_honoured_are_refused(settings, fragment):
    with pytest.raises(InputValueError, match=fragment):
        Settings(**settings).checked()


def test_validation_defaults_to_any_fall_and_draws_from_seed():
    s = Settings(validation_fraction=0.2, seed=4).checked()
    assert (s.tol, s.patience, s.seed) == (0.0, 5, 4)


def test_the_command_line_maps_its_options_onto_the_job(run_cli):
    code, out, err = run_cli("train", "--learning-rate", "0.5", "--iterations", "400", "--validation-fraction",
                             "0.3", "--tol", "1e-4", "--n-iter-no-change", "3", "--seed", "2", "--json")
    assert code == 0, err
    report = json.loads(out)
    direct = train(learning_rate=0.5, num_iterations=400, validation_fraction=0.3, tol=1e-4, n_iter_no_change=3,
                   seed=2).report
    for key in ("costs", "validation_costs", "best_iteration", "n_iter", "m_validation", "train_accuracy",
                "test_accuracy"):
        assert report[key] == direct[key], key
    assert report["m_validation"] == 80 and report["stopped"] == "converged"
    code, out, err = run_cli("train", "--learning-rate", "0.5", "--iterations", "400", "--validation-fraction", "0.3",
                             "--tol", "1e-4", "--n-iter-no-change", "3", "--seed", "2", "--quiet")
    assert code == 0 and out.splitlines()[0] == (
        f"validation: 80 examples held out; stopped at iteration {report['n_iter']}; kept the weights of "
        f"iteration {report['best_iteration']}, validation cost {report['validation_cost']:f}")


@pytest.mark.parametrize("args, fragment", [
    (["--validation-fraction", "1"], "--validation-fraction: expected a number between 0 and 1"),
    (["--validation-fraction", "0.2", "--memory-limit", "1GB"], "--validation-fraction holds examples out"),
])
def test_bad_validation_options_are_one_line(run_cli, args, fragment):
    code, out, err = run_cli("train", *args)
    assert code in (1, 2) and out == "" and fragment in err and err.count("\n") == 1


# ------------------------------------------------------------------------------ advice and warnings


def test_the_estimator_warns_when_early_stopping_ends_a_run_whose_cost_rose(cat_sets):
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    train_set, _ = cat_sets
    pipe = make_pipeline(StandardScaler(), SingleNeuronClassifier(learning_rate=0.01, l2=0.1, tol=1e-6))
    with pytest.warns(ConvergenceWarning, match="early stopping ended the run at iteration 6 because the cost rose"):
        pipe.fit(train_set.X.T, train_set.y)
    clf = pipe[-1]
    assert clf.n_iter_ == 6 and clf.costs_[0] == pytest.approx(np.log(2))


def test_the_estimator_warns_when_max_iter_comes_before_convergence(rng):
    X = rng.normal(size=(40, 3))
    y = (X[:, 0] > 0).astype(int)
    with pytest.warns(ConvergenceWarning, match="max_iter=20 ended the run before the cost stopped falling"):
        SingleNeuronClassifier(learning_rate=0.1, max_iter=20, tol=1e-9).fit(X, y)
    with warnings.catch_warnings():
        warnings.simplefilter("error")             # a run that converges, or has no tol, says nothing
        assert SingleNeuronClassifier(learning_rate=1.0, max_iter=3000, tol=1e-4).fit(X, y).n_iter_ < 3000
    # without tol, 200 steps are told only that they ended far from a minimum; 20 are a try-out
    with pytest.warns(ConvergenceWarning, match="^the run ended far from a minimum: ") as caught:
        SingleNeuronClassifier(learning_rate=0.001, max_iter=200).fit(X, y)
    assert len(caught) == 1
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        SingleNeuronClassifier(learning_rate=0.1, max_iter=20).fit(X, y)


def test_the_estimator_warns_when_the_cost_ends_above_its_start(rng):
    X = rng.normal(size=(40, 3)) * 100
    y = (X[:, 0] + 30 * rng.normal(size=40) > 0).astype(int)
    with pytest.warns(ConvergenceWarning, match="the cost rose from 0.693147 to"):
        SingleNeuronClassifier(learning_rate=5.0, max_iter=500).fit(X, y)


def test_the_command_line_says_the_same_as_a_warning_line(run_cli):
    code, out, err = run_cli("train", "--learning-rate", "0.05", "--iterations", "30", "--tol", "1e-12", "--quiet")
    assert code == 0
    assert err == ("single-neuron: warning: --iterations=30 ended the run before the cost stopped falling by "
                   "more than tol=1e-12: raise --iterations, or the learning rate\n")
    assert out.startswith("train accuracy: ")
