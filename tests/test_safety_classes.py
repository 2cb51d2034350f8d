"""Classes are matched by name, never by sorted position: evaluate, and a test set at training time."""

import json

import h5py
import numpy as np

from single_neuron.app.views import probabilities
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
