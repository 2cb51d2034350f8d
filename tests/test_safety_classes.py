"""Classes are matched by name, never by sorted position: evaluate, and a test set at training time."""

import json

import h5py
import numpy as np

from single_neuron.app.weight_maps import probabilities
import pytest
from PIL import Image

from single_neuron import DataError, train
from single_neuron.app.evaluation import evaluate
from single_neuron.io.modelfile import SavedModel, load_model, save_model
from single_neuron.io.sources import load_evaluation_data


def _folder(root, images_by_class):
    for name, images in images_by_class.items():
        (root / name).mkdir(parents=True)
        for i, pixels in enumerate(images):
            Image.fromarray(pixels).save(root / name / f"{i}.png")
    return root


def _images(rng, m, level):
    """m images of 4x4 RGB around a brightness: the classes are easy to tell apart."""
    return np.clip(rng.normal(level, 20, size=(m, 4, 4, 3)), 0, 255).astype(np.uint8)


@pytest.fixture
def cat_model(tmp_path):
    """A model that calls bright images "cat" (label 1) and dark ones "non-cat" (label 0)."""
    path = tmp_path / "cat.npz"
    save_model(path, SavedModel(w=np.full((48, 1), 0.5), b=-12.0, input_shape=(4, 4, 3), classes=("non-cat", "cat")))
    return path


def test_evaluate_refuses_a_folder_whose_classes_the_model_does_not_know(tmp_path, run_cli, cat_model, rng):
    # The outside tester's case: cat/ sorts first and was taken for the model's class 0, "non-cat".
    data = _folder(tmp_path / "pets", {"cat": _images(rng, 3, 220), "dog": _images(rng, 3, 30)})
    code, out, err = run_cli("evaluate", cat_model, data, "--json")
    assert code == 1 and out == "" and err.count("\n") == 1
    assert "'dog' is not one of the model's" in err and "'non-cat' and 'cat'" in err and "'cat' and 'dog'" in err


def test_a_folder_in_the_other_order_is_scored_by_name(tmp_path, run_cli, cat_model, rng):
    cats, others = _images(rng, 4, 220), _images(rng, 3, 30)
    # Sorted, "cat" comes before "non-cat": by position its images would count as the model's class 0.
    data = _folder(tmp_path / "d", {"cat": cats, "non-cat": others})
    code, out, err = run_cli("evaluate", cat_model, data, "--json")
    assert code == 0, err
    report = json.loads(out)
    model = load_model(cat_model)
    p = probabilities(model, np.concatenate([others, cats]))
    y = np.array([0] * 3 + [1] * 4)
    predicted = (p > 0.5).astype(int)
    assert report["confusion_matrix"] == [[int(((y == t) & (predicted == q)).sum()) for q in (0, 1)] for t in (0, 1)]
    assert report["accuracy"] == 100.0


def test_an_hdf5_test_file_with_its_classes_swapped_is_scored_by_name(tmp_path, run_cli, cat_model, rng):
    cats, others = _images(rng, 4, 220), _images(rng, 3, 30)
    path = tmp_path / "test_x.h5"
    with h5py.File(path, "w") as f:
        f["test_set_x"] = np.concatenate([cats, others])
        f["test_set_y"] = np.array([0] * 4 + [1] * 3)              # label 0 is "cat" in this file
        f["list_classes"] = np.array([b"cat", b"non-cat"])
    code, out, err = run_cli("evaluate", cat_model, path, "--json")
    assert code == 0, err
    assert json.loads(out)["confusion_matrix"] == [[3, 0], [0, 4]]


def test_a_test_folder_with_other_classes_is_refused_at_training_time(tmp_path, run_cli, rng):
    root = tmp_path / "split"
    _folder(root / "train", {"cat": _images(rng, 3, 220), "dog": _images(rng, 3, 30)})
    _folder(root / "test", {"bird": _images(rng, 2, 220), "cat": _images(rng, 2, 30)})
    model = tmp_path / "m.npz"
    code, out, err = run_cli("train", root, "--size", "4", "--iterations", "5", "--model-out", model)
    assert code == 1 and out == "" and err.count("\n") == 1
    assert "'bird' is not one of the training set's" in err and "'cat' and 'dog'" in err
    assert not model.exists()


def test_a_test_folder_in_the_other_order_counts_by_name(tmp_path, rng):
    bright, dark = _images(rng, 6, 220), _images(rng, 6, 30)
    root = tmp_path / "split"
    _folder(root / "train", {"cat": bright, "dog": dark})
    _folder(root / "test", {"cat": dark[:3], "dog": bright[:3]})    # every test image mislabelled
    test = root / "test"
    (test / "classes.txt").write_text("dog\ncat\n")                  # label 0 is "dog" in the test folder
    run = train(root, size=4, num_iterations=300, learning_rate=0.01)
    assert run.report["train_accuracy"] == 100.0
    assert run.report["test_accuracy"] == 0.0                        # by position it would read 100


def test_the_python_evaluate_matches_by_name_too(rng):
    model = SavedModel(w=np.full((48, 1), 0.5), b=-12.0, input_shape=(4, 4, 3), classes=("non-cat", "cat"))
    from single_neuron.io.dataset import Dataset

    images = np.concatenate([_images(rng, 2, 220), _images(rng, 2, 30)])
    swapped = Dataset(images=images, y=np.array([0, 0, 1, 1]), classes=("cat", "non-cat"), source="mem")
    assert evaluate(model, swapped).report["accuracy"] == 100.0
    with pytest.raises(DataError, match="'dog' is not one of the model's"):
        evaluate(model, Dataset(images=images, y=np.array([0, 0, 1, 1]), classes=("cat", "dog"), source="mem"))


def test_the_bundled_digits_are_matched_by_name(tmp_path):
    model = SavedModel(w=np.zeros((64, 1)), b=0.0, input_shape=(8, 8, 1), classes=("eight", "three"))
    swapped = load_evaluation_data(None, model.input_shape, model.classes)
    assert swapped.classes == ("eight", "three")
    other = SavedModel(w=np.zeros((64, 1)), b=0.0, input_shape=(8, 8, 1), classes=("0", "1"))
    with pytest.raises(DataError, match="classes are not the model's"):
        load_evaluation_data(None, other.input_shape, other.classes)


def _dark_and_bright(rng, m=20):
    images = rng.integers(0, 256, (m, 2, 2, 1), dtype=np.uint8)
    return images, (images.mean(axis=(1, 2, 3)) > 128).astype(int)


def test_a_test_set_given_as_a_dataset_is_matched_by_name(rng):
    from single_neuron.io.dataset import Dataset

    images, y = _dark_and_bright(rng)
    train_set = Dataset(images, y, ("dark", "bright"), "train")
    same = train(train_set, test=Dataset(images, y, ("dark", "bright"), "test"), num_iterations=300,
                 learning_rate=0.1).report
    # The outside tester's case: the same images, the names in the other order (and the labels with them).
    swapped = train(train_set, test=Dataset(images, 1 - y, ("bright", "dark"), "test"), num_iterations=300,
                    learning_rate=0.1).report
    assert swapped["test_accuracy"] == same["test_accuracy"] == same["train_accuracy"]
    with pytest.raises(DataError, match="class 'light' is not one of the training set's"):
        train(train_set, test=Dataset(images, y, ("dark", "light"), "test"), num_iterations=1)


def test_a_test_set_of_another_shape_is_one_clear_error(rng):
    from single_neuron.io.dataset import Dataset

    images, y = _dark_and_bright(rng)
    other = rng.integers(0, 256, (5, 3, 3, 1), dtype=np.uint8)
    for test in (Dataset(other, np.arange(5) % 2, ("0", "1"), "other"), (other, np.arange(5) % 2)):
        with pytest.raises(DataError, match=r"images of shape \(3, 3, 1\), expected \(2, 2, 1\)"):
            train((images, y), test=test, num_iterations=1)


@pytest.mark.parametrize("labels", [[0, False], [1, 1.0], [[0], [1]], [0, "1"], ["a", 7], [True, 1]])
def test_a_loaded_estimator_keeps_two_distinct_classes_of_one_kind(tmp_path, labels):
    """A crafted training record whose labels would collapse (0 == False, 1 == 1.0) or change shape
    in an array gives the model's class names instead."""
    from single_neuron import SingleNeuronClassifier

    model = SavedModel(w=np.ones((2, 1)), b=0.0, input_shape=(1, 2, 1),
                       classes=(str(labels[0]), str(labels[1]) + ("" if labels[0] != labels[1] else "'")),
                       training={"labels": labels})
    save_model(tmp_path / "m.npz", model)
    clf = SingleNeuronClassifier.load(tmp_path / "m.npz")
    assert clf.classes_.shape == (2,) and clf.classes_[0] != clf.classes_[1]
    assert clf.classes_.tolist() == list(model.classes)
    assert clf.predict(np.array([[1.0, 1.0], [-1.0, -1.0]])).tolist() == [model.classes[1], model.classes[0]]


@pytest.mark.parametrize("labels, dtype", [([0, 1], np.int64), ([False, True], np.bool_), ([1.0, 2.0], np.float64),
                                           (["cat", "dog"], np.str_)])
def test_a_loaded_estimator_keeps_its_labels_exactly(tmp_path, rng, labels, dtype):
    from single_neuron import SingleNeuronClassifier

    X = rng.normal(size=(30, 2))
    y = np.array(labels)[(X[:, 0] > 0).astype(int)]
    clf = SingleNeuronClassifier(max_iter=20).fit(X, y)
    clf.save(tmp_path / "m.npz")
    back = SingleNeuronClassifier.load(tmp_path / "m.npz")
    assert back.classes_.tolist() == labels and back.classes_.dtype.type is np.dtype(dtype).type
    np.testing.assert_array_equal(back.predict(X), clf.predict(X))


def test_a_loaded_estimator_refits_without_running_a_held_out_run_s_iterations(tmp_path, run_cli):
    """A model trained with early stopping on held-out examples records the most iterations it might
    have made and the tolerance of the held-out cost; the estimator holds nothing out, and refitted
    with those on the training cost (which keeps falling) it ran on and on."""
    import signal

    from single_neuron import SingleNeuronClassifier
    from single_neuron.io.sources import load_digits_task

    path = tmp_path / "m.npz"
    code, _, err = run_cli("train", "--iterations", "1000000000", "--validation-fraction", "0.2", "--tol", "1e-3",
                           "--learning-rate", "0.05", "--model-out", path, "--quiet")
    assert code == 0, err
    saved = load_model(path)
    assert saved.training["num_iterations"] == 10**9 and saved.training["n_iter"] < 10**4
    clf = SingleNeuronClassifier.load(path)
    assert clf.max_iter == saved.training["n_iter"] and clf.tol is None
    train_set, _ = load_digits_task()
    signal.alarm(60)                                  # a hang fails the test instead of the suite
    try:
        clf.fit(train_set.X.T, train_set.y)
    finally:
        signal.alarm(0)
    assert clf.n_iter_ == saved.training["n_iter"]
