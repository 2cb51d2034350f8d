"""learning_rate "auto", accelerated descent and the far-from-minimum note, end to end: the command
line, the estimator and the course's `model`, on the cat set.

The step auto takes is checked against 1/L computed here with LAPACK: L = lambda_max(X_aug X_aug.T)
/ (4m), X_aug = [X; 1] (n_x + 1, m). X_aug X_aug.T and X_aug.T X_aug have the same non-zero
eigenvalues, so the (m, m) one is decomposed (209 x 209 on the cats, against 12,289 x 12,289)."""

from __future__ import annotations

import json
import warnings

import h5py
import numpy as np
import pytest
from sklearn.exceptions import ConvergenceWarning

from single_neuron import SingleNeuronClassifier, model, train

FAR = "the run ended far from a minimum"


def _one_over_L(X: np.ndarray) -> float:
    """1 / L for X (n_x, m): L = the largest eigenvalue of X_aug X_aug.T / (4m), by eigvalsh."""
    X_aug = np.vstack([X, np.ones((1, X.shape[1]))])
    return 4.0 * X.shape[1] / float(np.linalg.eigvalsh(X_aug.T @ X_aug)[-1])


@pytest.fixture(scope="module")
def cat_arrays(cats):
    """The course's X_train (n_x, m) / 255 and Y_train (1, m), X_test and Y_test, read here."""
    out = []
    for name, key in (("train", "train_set"), ("test", "test_set")):
        with h5py.File(cats / f"{name}_catvnoncat.h5", "r") as f:
            images, y = f[f"{key}_x"][:], f[f"{key}_y"][:]
        out += [images.reshape(images.shape[0], -1).T / 255.0, y.reshape(1, -1)]
    return out


def test_the_command_line_s_auto_step_is_one_over_L_and_goes_further_than_the_course_s(run_cli, cats,
                                                                                     cat_arrays):
    code, out, err = run_cli("train", cats, "--learning-rate", "auto", "--accelerated", "--json")
    assert code == 0, err
    report = json.loads(out)
    assert report["learning_rate"] == "auto" and report["accelerated"] is True
    assert report["learning_rate_used"] == pytest.approx(_one_over_L(cat_arrays[0]), rel=0.01)
    assert isinstance(report["restarts"], int) and report["restarts"] >= 0
    code, out, _ = run_cli("train", cats, "--json")
    course = json.loads(out)
    assert report["n_iter"] == course["n_iter"] == 2000
    assert report["final_cost"] < course["final_cost"]
    assert "learning_rate_used" not in course and "restarts" not in course


def test_the_command_line_says_the_step_it_took(run_cli, cats, cat_arrays):
    code, out, err = run_cli("train", cats, "--learning-rate", "auto", "--accelerated", "--iterations", "300",
                             "--quiet")
    assert code == 0, err
    line = next(text for text in out.splitlines() if text.startswith("learning rate auto: "))
    assert float(line.split()[3]) == pytest.approx(_one_over_L(cat_arrays[0]), rel=0.01) and line.endswith("(1/L)")
    assert "restart(s) of the momentum" in out


def test_the_estimator_s_auto_step(cat_arrays):
    X, Y = cat_arrays[0], cat_arrays[1]
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        clf = SingleNeuronClassifier(learning_rate="auto", accelerated=True, max_iter=500).fit(X.T, Y[0])
    assert clf.learning_rate_ == pytest.approx(_one_over_L(X), rel=0.01)
    assert clf.restarts_ >= 0 and clf.costs_[-1] < clf.costs_[0]
    assert clf.score(X.T, Y[0]) > 0.95


def test_the_course_s_model_with_the_auto_step(cat_arrays):
    X_train, Y_train, X_test, Y_test = cat_arrays
    d = model(X_train, Y_train, X_test, Y_test, num_iterations=500, learning_rate="auto", accelerated=True)
    assert d["learning_rate"] == "auto"
    assert d["learning_rate_used"] == pytest.approx(_one_over_L(X_train), rel=0.01)
    costs = d["costs"]
    assert all(later < earlier for earlier, later in zip(costs, costs[1:]))      # no rise with 1/L
    assert "learning_rate_used" not in model(X_train, Y_train, X_test, Y_test, num_iterations=2)


def test_a_run_cut_short_is_told_it_ended_far_from_a_minimum(run_cli, cats):
    run = train(cats, num_iterations=200)
    assert run.report["warning"].startswith(FAR)
    code, _, err = run_cli("train", cats, "--iterations", "200", "--quiet")
    assert code == 0 and f"single-neuron: warning: {FAR}" in err


def test_the_course_s_run_is_told_nothing_new(cats):
    assert train(cats).report["warning"] is None            # its gradient ends at 1.5 % of its start


def test_a_model_file_of_an_auto_run_says_the_step_and_loads(cats, tmp_path, run_cli):
    from single_neuron import load

    path = tmp_path / "auto.npz"
    code, _, err = run_cli("train", cats, "--learning-rate", "auto", "--iterations", "50", "--model-out", path,
                           "--quiet")
    assert code == 0, err
    training = load(path).training
    assert training["learning_rate"] == "auto" and training["learning_rate_used"] > 0
    assert SingleNeuronClassifier.load(path).learning_rate == "auto"


def test_the_page_s_run_report_gives_auto_s_step(cat_sets):
    import time

    from starlette.testclient import TestClient

    from single_neuron.io.modelfile import SavedModel
    from single_neuron.web.app import create_app
    from single_neuron.web.guard import host_names
    from single_neuron.web.state import Served, ServerState

    train_set, test_set = cat_sets
    zeros = SavedModel(w=np.zeros((train_set.X.shape[0], 1)), b=0.0, input_shape=train_set.image_shape,
                       classes=train_set.classes)
    state = ServerState(Served(zeros, "zeros"), train_set, test_set, grace=5)
    with TestClient(create_app(state, hosts=host_names("127.0.0.1", 8000), upload_limit=10**6),
                    base_url="http://127.0.0.1:8000") as page:
        answer = page.post("/api/train", json={"rates": ["auto", 0.005], "iterations": 100, "print_every": 10})
        assert answer.status_code == 202, answer.text
        for _ in range(600):
            status = page.get("/api/train").json()
            if status["running"] is False:
                break
            time.sleep(0.05)
    state.close()
    assert status["rates"] == ["auto", 0.005]
    auto, plain = status["runs"]
    X = train_set.X
    assert auto["learning_rate_used"] == pytest.approx(_one_over_L(X), rel=0.01)
    assert "learning_rate_used" not in plain and plain["warning"].startswith(FAR)
