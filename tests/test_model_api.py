"""single_neuron.load and a run's model: one class, with predict, predict_proba, classify and save,
giving the numbers of the command line's predict and of the course's predict."""

from __future__ import annotations

import json

import numpy as np
import pytest

import single_neuron
from single_neuron import ImageError, InputValueError, ModelFileError, ShapeError, predict
from single_neuron.io.sources import load_training_data


@pytest.fixture(scope="module")
def cat_run(cats):
    return single_neuron.train(cats)


@pytest.fixture(scope="module")
def photos(cats, tmp_path_factory):
    """The course's first six test images as PNG files, in class folders, as data export writes them."""
    from single_neuron.cli import main

    folder = tmp_path_factory.mktemp("photos") / "test"
    assert main(["data", "export", str(cats / "test_catvnoncat.h5"), str(folder)]) == 0
    return folder


def test_a_loaded_model_and_a_runs_model_are_one_class(cat_run, cat_model):
    loaded = single_neuron.load(cat_model)
    assert type(loaded) is type(cat_run.model) is single_neuron.Model
    np.testing.assert_array_equal(loaded.w, cat_run.model.w)
    assert (loaded.b, loaded.classes, loaded.input_shape) == (cat_run.model.b, cat_run.model.classes, (64, 64, 3))


def test_save_writes_the_file_train_writes(cat_run, cats, tmp_path, run_cli):
    cat_run.model.save(tmp_path / "from-python.npz")
    assert run_cli("train", cats, "--model-out", tmp_path / "from-cli.npz", "--quiet")[0] == 0
    assert (tmp_path / "from-python.npz").read_bytes() == (tmp_path / "from-cli.npz").read_bytes()
    again = single_neuron.load(tmp_path / "from-python.npz")
    assert again.costs == cat_run.model.costs and again.training["final_cost"] == cat_run.report["final_cost"]


def test_predict_gives_the_course_predict_on_columns_and_on_images(cat_run, cats):
    _, test = load_training_data(cats)
    model = cat_run.model
    course = predict(model.w, model.b, test.X)                                 # (1, m) of 0.0 and 1.0
    np.testing.assert_array_equal(model.predict(test.X), course[0].astype(int))
    np.testing.assert_array_equal(model.predict(test.images), course[0].astype(int))
    assert 100 * np.mean(model.predict(test.X) == test.y) == cat_run.report["test_accuracy"] == 70.0
    # a second route to the probabilities: the formula by hand on the file's pixels
    by_hand = 1 / (1 + np.exp(-(model.w.T @ (test.images.reshape(50, -1).T / 255.0) + model.b)))[0]
    np.testing.assert_allclose(model.predict_proba(test.images), by_hand, rtol=1e-12)
    assert model.predict_proba(test.images[3]).shape == (1,)
    assert model.predict(test.images, threshold=1.0).sum() == 0


def test_classify_takes_files_folders_and_arrays_as_predict_does(cat_run, photos, run_cli, tmp_path):
    model = cat_run.model
    model.save(tmp_path / "cat.npz")
    code, out, err = run_cli("predict", tmp_path / "cat.npz", photos, "--json")
    assert code == 0, err
    cli = json.loads(out)["predictions"]
    listed = model.classify(photos)
    assert [p.as_dict() for p in listed] == cli and len(cli) == 50
    one = model.classify(cli[0]["image"])
    assert one.as_dict() == cli[0]
    assert [p.as_dict() for p in model.classify([cli[0]["image"], cli[1]["image"]])] == cli[:2]
    # the same pictures as arrays: the PNGs hold the course's pixels exactly
    from single_neuron.io.images import read_image

    pixels = np.stack([read_image(p["image"], (64, 64), 3) for p in cli[:4]])
    from_arrays = model.classify(pixels)             # one product for four: rounding may differ in the last bits
    assert [(p.label, p.class_name) for p in from_arrays] == [(p["label"], p["class"]) for p in cli[:4]]
    assert [p.probability for p in from_arrays] == pytest.approx([p["probability"] for p in cli[:4]], rel=1e-13)
    assert from_arrays[2].image == "images[2]" and model.classify(pixels[0]).probability == cli[0]["probability"]
    strict = model.classify(cli[0]["image"], threshold=0.99)
    assert strict.label == 0 and strict.probability == cli[0]["probability"]


def test_what_it_refuses(cat_run, cats, tmp_path):
    model = cat_run.model
    _, test = load_training_data(cats)
    with pytest.raises(ShapeError, match=r"got an array of shape \(50, 12288\) \(examples in rows: pass X.T\)"):
        model.predict(test.X.T)
    with pytest.raises(ShapeError, match=r"images of shape \(m, 64, 64, 3\)"):
        model.predict_proba(test.images[:, :32])
    with pytest.raises(InputValueError, match="threshold: expected a probability from 0 to 1, got 2"):
        model.predict(test.X, threshold=2)
    (tmp_path / "empty").mkdir()
    (tmp_path / "empty" / "notes.txt").write_text("no picture here")
    with pytest.raises(ImageError, match="the folder holds no image files"):
        model.classify(tmp_path / "empty")
    with pytest.raises(ImageError, match="no-such.jpg"):
        model.classify(tmp_path / "no-such.jpg")
    (tmp_path / "not-a-model.npz").write_bytes(b"hello")
    with pytest.raises(ModelFileError, match="not an .npz archive"):
        single_neuron.load(tmp_path / "not-a-model.npz")
