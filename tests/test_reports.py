"""evaluate, compare-rates and the plots; the progress bar on a terminal and not elsewhere."""

import fcntl
import json
import os
import pty
import struct
import subprocess
import sys
import termios

import numpy as np

from single_neuron.app.weight_maps import probabilities
import pytest
from PIL import Image
from sklearn import metrics

from single_neuron.io.sources import load_digits_task
from single_neuron.io.modelfile import load_model


def assert_real_png(path, min_size=(300, 200)):
    with Image.open(path) as img:
        assert img.format == "PNG"
        assert img.width >= min_size[0] and img.height >= min_size[1]
        gray = np.asarray(img.convert("L"), dtype=float)
    assert gray.std() > 10 and (gray < 128).mean() > 0.005      # not blank: there are dark strokes


@pytest.fixture(scope="module")
def digits_model(tmp_path_factory):
    from single_neuron.cli import main

    path = tmp_path_factory.mktemp("model") / "digits.npz"
    assert main(["train", "--learning-rate", "0.05", "--model-out", str(path), "--json"]) == 0
    return path


def test_evaluate_reports_the_metrics_of_scikit_learn(digits_model, run_cli):
    code, out, err = run_cli("evaluate", digits_model, "--json")
    assert code == 0, err
    report = json.loads(out)
    _, test = load_digits_task()
    p = probabilities(load_model(digits_model), test.images)
    predicted = (p > 0.5).astype(int)
    assert report["m"] == 90
    assert report["accuracy"] == pytest.approx(100 * metrics.accuracy_score(test.y, predicted))
    assert report["precision"] == pytest.approx(metrics.precision_score(test.y, predicted))
    assert report["recall"] == pytest.approx(metrics.recall_score(test.y, predicted))
    assert report["f1"] == pytest.approx(metrics.f1_score(test.y, predicted))
    assert report["roc_auc"] == pytest.approx(metrics.roc_auc_score(test.y, p))
    assert report["confusion_matrix"] == metrics.confusion_matrix(test.y, predicted).tolist()
    assert sum(map(sum, report["confusion_matrix"])) == 90


def test_evaluate_text_and_the_misclassified_grid(digits_model, tmp_path, run_cli):
    grid = tmp_path / "errors.png"
    code, out, err = run_cli("evaluate", digits_model, "--errors", grid)
    assert code == 0, err
    assert "accuracy:" in out and "ROC AUC:" in out and "confusion matrix" in out
    assert "misclassified image(s) drawn to" in out
    assert_real_png(grid, (100, 100))


def test_evaluate_on_the_cat_test_set(cats, tmp_path, run_cli):
    model = tmp_path / "cat.npz"
    assert run_cli("train", cats, "--model-out", model)[0] == 0
    code, out, _ = run_cli("evaluate", model, cats, "--json")
    report = json.loads(out)
    assert code == 0 and report["m"] == 50 and report["accuracy"] == 70.0
    assert report["confusion_matrix"][0][0] + report["confusion_matrix"][1][1] == 35


def test_evaluate_refuses_data_of_another_shape(digits_model, cats, run_cli):
    code, out, err = run_cli("evaluate", digits_model, cats / "test_catvnoncat.h5")
    assert code == 1 and out == "" and "images of shape (64, 64, 3), expected (8, 8, 1)" in err


def test_train_plot_draws_the_cost_curve(tmp_path, run_cli):
    plot = tmp_path / "costs.png"
    code, out, _ = run_cli("train", "--iterations", "500", "--plot", plot)
    assert code == 0 and f"cost curve drawn to {plot}" in out
    assert_real_png(plot)


def test_compare_rates_on_the_cat_set_reproduces_the_course_table(cats, tmp_path, run_cli):
    plot = tmp_path / "rates.png"
    code, out, err = run_cli("compare-rates", cats, "--plot", plot, "--json")
    assert code == 0, err
    report = json.loads(out)
    assert report["iterations"] == 1500 and [r["learning_rate"] for r in report["runs"]] == [0.01, 0.001, 0.0001]
    # the course's learning-rate comparison: 99.52 / 68, 88.995 / 64, 68.42 / 36
    expected = [(99.52153110047847, 68.0), (88.99521531100478, 64.0), (68.42105263157895, 36.0)]
    for run, (train_accuracy, test_accuracy) in zip(report["runs"], expected):
        assert run["train_accuracy"] == pytest.approx(train_accuracy, abs=1e-9)
        assert run["test_accuracy"] == test_accuracy
    assert_real_png(plot, (500, 300))
    code, out, _ = run_cli("compare-rates", cats)
    assert code == 0 and "learning rate" in out.splitlines()[0] and len(out.splitlines()) == 4


def _run_on_a_terminal(args):
    """Run the command with stderr on a pseudo-terminal; return (exit status, stdout, what the terminal saw)."""
    main_fd, child_fd = pty.openpty()
    fcntl.ioctl(child_fd, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 100, 0, 0))   # 40 rows, 100 columns
    proc = subprocess.Popen([sys.executable, "-m", "single_neuron", *args], stdout=subprocess.PIPE,
                            stderr=child_fd)
    os.close(child_fd)
    seen = b""
    while True:
        try:
            chunk = os.read(main_fd, 4096)
        except OSError:
            break
        if not chunk:
            break
        seen += chunk
    out, _ = proc.communicate(timeout=120)
    os.close(main_fd)
    return proc.returncode, out.decode(), seen.decode(errors="replace")


def test_a_progress_bar_shows_on_a_terminal_only(tmp_path):
    code, out, terminal = _run_on_a_terminal(["train", "--iterations", "3000", "--solver", "primal"])
    assert code == 0
    assert "training:" in terminal and "it" in terminal
    assert "Cost after iteration 2900" in out                # the cost lines stay as they are
    code, out, terminal = _run_on_a_terminal(["train", "--iterations", "300", "--quiet"])
    assert code == 0 and "training:" not in terminal
    done = subprocess.run([sys.executable, "-m", "single_neuron", "train", "--iterations", "300", "--learning-rate", "0.5"],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0 and done.stderr == ""         # not a terminal: nothing on stderr
