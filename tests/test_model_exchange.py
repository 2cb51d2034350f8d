"""One model file for every side: the estimator saves what `train --model-out` writes, and the
command line's predict and evaluate use it; the estimator loads what the command line wrote."""

import json

import numpy as np
import pytest
from PIL import Image

from single_neuron import SingleNeuronClassifier
from single_neuron.errors import InputValueError
from single_neuron.io.modelfile import SavedModel, load_model, save_model
from single_neuron.io.sources import load_digits_task


def test_an_estimator_fitted_on_the_cats_serves_predict_and_evaluate(tmp_path, cat_sets, run_cli):
    train, test = cat_sets
    names = np.array(train.classes)                    # labelled by name: classes_ sorts them, cat first
    clf = SingleNeuronClassifier(learning_rate=0.005, max_iter=300).fit(train.X.T, names[train.y])
    path = tmp_path / "rows.npz"
    clf.save(path, input_shape=(64, 64, 3))
    saved = load_model(path)
    np.testing.assert_array_equal(saved.w, clf.coef_.T)
    assert saved.input_shape == (64, 64, 3) and saved.classes == ("cat", "non-cat") and saved.pixel_scale == 255.0
    assert saved.training["num_iterations"] == 300 and saved.training["n_iter"] == 300
    images = []
    for i in range(4):
        images.append(tmp_path / f"{i}.png")
        Image.fromarray(test.images[i]).save(images[-1])
    code, out, err = run_cli("predict", path, *images, "--json")
    assert code == 0, err
    got = [p["probability"] for p in json.loads(out)["predictions"]]
    np.testing.assert_allclose(got, clf.predict_proba(test.X.T[:4])[:, 1], rtol=1e-12)
    # the test file names its classes the other way round: they are matched by name, not position
    code, out, err = run_cli("evaluate", path, test.source, "--json")
    assert code == 0, err
    assert json.loads(out)["accuracy"] == pytest.approx(100 * clf.score(test.X.T, names[test.y]), abs=1e-12)


def test_load_gives_back_the_fitted_estimator_with_its_labels(tmp_path, rng):
    X = rng.normal(size=(50, 4))
    for y in ((X[:, 0] > 0).astype(int), np.where(X[:, 0] > 0, "dog", "cat")):
        clf = SingleNeuronClassifier(learning_rate=0.3, max_iter=150, l2=0.1).fit(X, y)
        clf.save(tmp_path / "m.npz")
        back = SingleNeuronClassifier.load(tmp_path / "m.npz")
        assert back.classes_.tolist() == clf.classes_.tolist()
        assert type(back.classes_[0]) is type(clf.classes_[0])
        np.testing.assert_array_equal(back.predict(X), clf.predict(X))
        np.testing.assert_array_equal(back.predict_proba(X), clf.predict_proba(X))
        assert back.get_params() == clf.get_params()
        assert (back.n_iter_, back.costs_, back.input_shape_) == (clf.n_iter_, clf.costs_, (1, 4, 1))


def test_the_estimator_loads_a_model_the_command_line_trained(tmp_path, run_cli):
    path = tmp_path / "digits.npz"
    assert run_cli("train", "--learning-rate", "0.05", "--iterations", "300", "--model-out", path)[0] == 0
    clf = SingleNeuronClassifier.load(path)
    _, test = load_digits_task()
    assert clf.classes_.tolist() == ["three", "eight"] and clf.input_shape_ == (8, 8, 1)
    assert (clf.learning_rate, clf.max_iter) == (0.05, 300)
    code, out, _ = run_cli("evaluate", path, "--json")
    assert json.loads(out)["accuracy"] == pytest.approx(100 * clf.score(test.X.T, np.array(clf.classes_)[test.y]))


def test_a_model_file_s_training_record_is_used_only_where_it_holds_valid_settings(tmp_path):
    path = tmp_path / "odd.npz"
    save_model(path, SavedModel(w=np.ones((4, 1)), b=0.5, input_shape=(1, 4, 1), classes=("a", "b"),
                                training={"learning_rate": "fast", "num_iterations": -3, "l2": 0.25,
                                          "labels": [1, 2, 3], "n_iter": "many"}))
    clf = SingleNeuronClassifier.load(path)
    assert (clf.learning_rate, clf.max_iter, clf.l2) == (0.005, 2000, 0.25)
    assert clf.classes_.tolist() == ["a", "b"] and clf.n_iter_ == 0
    assert clf.predict(np.array([[1.0, 1.0, 1.0, 1.0], [-1.0, -1.0, -1.0, -1.0]])).tolist() == ["b", "a"]


@pytest.mark.parametrize("shape", [(2, 2, 2), (8, 8, 3), (1, 1, 64), (8, -8, 1)])
def test_an_input_shape_that_does_not_hold_the_features_is_refused(tmp_path, rng, shape):
    X = rng.normal(size=(20, 8))
    clf = SingleNeuronClassifier(max_iter=5).fit(X, (X[:, 0] > 0).astype(int))
    with pytest.raises(InputValueError, match="input_shape: expected .* = 8 features"):
        clf.save(tmp_path / "m.npz", input_shape=shape)
    assert not (tmp_path / "m.npz").exists()
