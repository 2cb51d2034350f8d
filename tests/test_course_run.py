"""The course's published run on the cat set, reproduced through Python and the command line."""

import json
import sys
from importlib.resources import files
from pathlib import Path

import numpy as np

from single_neuron.app.weight_maps import probabilities
import pytest

from single_neuron import model
from single_neuron.io.modelfile import load_model
from single_neuron.app.jobs import classify

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
import course_reference  # noqa: E402

# ../shared/data/cats/README.md: iteration -> cost (6 decimals), the course's published run.
PUBLISHED_COSTS = {0: 0.693147, 100: 0.584508, 200: 0.466949, 500: 0.303273,
                   1000: 0.214820, 1500: 0.166521, 1900: 0.140872}
TRAIN_ACCURACY = 99.04306220095694
TEST_ACCURACY = 70.0


@pytest.fixture(scope="module")
def reference(cat_sets):
    """The course's loop transcribed plainly (the benchmarks' baseline): a second route to the numbers."""
    train, test = cat_sets
    d = course_reference.model(train.X, train.Y, test.X, test.Y)
    return d["w"], d["b"], d["costs"]


@pytest.mark.parametrize("solver", ["auto", "primal", "gram"])
def test_model_reproduces_the_published_run(cat_sets, reference, solver):
    train, test = cat_sets
    assert train.X.shape == (12288, 209) and train.Y.shape == (1, 209) and test.X.shape == (12288, 50)
    d = model(train.X, train.Y, test.X, test.Y, num_iterations=2000, learning_rate=0.005, solver=solver)
    assert len(d["costs"]) == 20
    for i, cost in PUBLISHED_COSTS.items():
        assert d["costs"][i // 100] == pytest.approx(cost, abs=1e-6), f"iteration {i}"
    np.testing.assert_allclose(d["costs"], reference[2], rtol=0, atol=1e-12)
    assert d["train_accuracy"] == TRAIN_ACCURACY
    assert d["test_accuracy"] == TEST_ACCURACY
    np.testing.assert_allclose(d["w"], reference[0], rtol=1e-9, atol=1e-14)
    assert d["b"] == pytest.approx(reference[1], rel=1e-9)
    if solver != "auto":
        assert d["solver"] == solver
    else:
        assert d["solver"] == "gram"


def test_the_cli_reproduces_the_published_run_and_saves_a_working_model(cats, tmp_path, run_cli):
    out = tmp_path / "cat.npz"
    code, stdout, err = run_cli("train", cats / "train_catvnoncat.h5", "--model-out", out, "--json")
    assert code == 0, err
    report = json.loads(stdout)
    for i, cost in PUBLISHED_COSTS.items():
        assert report["costs"][i // 100] == pytest.approx(cost, abs=1e-6)
    assert report["train_accuracy"] == TRAIN_ACCURACY and report["test_accuracy"] == TEST_ACCURACY
    assert report["m_train"] == 209 and report["m_test"] == 50 and report["n_x"] == 12288
    saved = load_model(out)
    assert saved.classes == ("non-cat", "cat") and saved.input_shape == (64, 64, 3)
    assert saved.training["train_accuracy"] == TRAIN_ACCURACY


def test_the_cli_text_output_is_the_course_output(cats, run_cli):
    code, stdout, _ = run_cli("train", cats)
    lines = stdout.splitlines()
    assert code == 0
    assert lines[0] == "Cost after iteration 0: 0.693147"
    assert lines[19] == "Cost after iteration 1900: 0.140872"
    assert lines[20:22] == [f"train accuracy: {TRAIN_ACCURACY} %", f"test accuracy: {TEST_ACCURACY} %"]


def test_a_saved_model_predicts_as_in_memory_and_classifies_a_real_photo(cat_sets, tmp_path, run_cli):
    from PIL import Image

    from single_neuron.io.modelfile import save_model
    from single_neuron.app.jobs import train

    train_set, test_set = cat_sets
    run = train(train_set, test_set)
    path = tmp_path / "cat.npz"
    save_model(path, run.model)
    loaded = load_model(path)
    d = model(train_set.X, train_set.Y, test_set.X, test_set.Y, learning_rate=0.005)
    in_memory = 1 / (1 + np.exp(-(d["w"].T @ test_set.X + d["b"])))
    np.testing.assert_allclose(probabilities(loaded, test_set.images), in_memory[0], rtol=1e-12)
    # A test image written as a lossless PNG gives the same probability through the file route.
    Image.fromarray(test_set.images[3]).save(tmp_path / "t3.png")
    assert classify(loaded, tmp_path / "t3.png").probability == pytest.approx(in_memory[0, 3], rel=1e-12)
    # A real photograph, 427x640 JPEG, shipped with scikit-learn: decoded, resized, classified.
    photo = tmp_path / "china.jpg"
    photo.write_bytes((files("sklearn.datasets.images") / "china.jpg").read_bytes())
    code, stdout, err = run_cli("predict", path, photo, "--json")
    assert code == 0, err
    (p,) = json.loads(stdout)["predictions"]
    assert p["class"] in ("cat", "non-cat") and 0.0 <= p["probability"] <= 1.0
    assert p["label"] == int(p["probability"] > 0.5)


def test_the_benchmark_baseline_is_the_course_run(cat_sets, reference):
    train, test = cat_sets
    w, b, costs = reference
    for i, cost in PUBLISHED_COSTS.items():
        assert costs[i // 100] == pytest.approx(cost, abs=1e-6)
    d = course_reference.model(train.X, train.Y, test.X, test.Y, num_iterations=100)
    assert d["Y_prediction_test"].shape == (1, 50)


@pytest.mark.parametrize("solver", ["primal", "gram"])
def test_float32_follows_the_float64_run_closely(cat_sets, solver):
    train, test = cat_sets
    d = model(train.X, train.Y, test.X, test.Y, learning_rate=0.005, solver=solver, dtype=np.float32)
    assert d["w"].dtype == np.float32
    for i, cost in PUBLISHED_COSTS.items():
        assert d["costs"][i // 100] == pytest.approx(cost, abs=2e-6)
    assert d["train_accuracy"] == TRAIN_ACCURACY and d["test_accuracy"] == TEST_ACCURACY
