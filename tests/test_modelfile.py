"""Model files: a faithful round trip, atomic writes, and refusal of anything that is not ours."""

import json

import numpy as np

from single_neuron.app.weight_maps import probabilities
import pytest

from corpus import MODEL_DAMAGE, digits_model
from single_neuron import ModelFileError, OutputError
from single_neuron.io.modelfile import FORMAT_VERSION, SavedModel, load_model, save_model


@pytest.fixture
def trained(rng):
    return SavedModel(w=rng.normal(size=(12, 1)), b=-0.25, input_shape=(2, 2, 3), classes=("dog", "cat"),
                      costs=[0.69, 0.5], training={"learning_rate": 0.1, "num_iterations": 200})


def test_round_trip_keeps_every_number_and_name(tmp_path, trained, rng):
    path = tmp_path / "m.npz"
    save_model(path, trained)
    loaded = load_model(path)
    np.testing.assert_array_equal(loaded.w, trained.w)
    assert loaded.b == trained.b and loaded.classes == ("dog", "cat") and loaded.input_shape == (2, 2, 3)
    assert loaded.costs == [0.69, 0.5] and loaded.training["num_iterations"] == 200
    images = rng.integers(0, 256, size=(5, 2, 2, 3), dtype=np.uint8)
    np.testing.assert_array_equal(probabilities(loaded, images), probabilities(trained, images))


def test_the_file_is_plain_arrays_and_json(tmp_path, trained):
    path = tmp_path / "m.npz"
    save_model(path, trained)
    with np.load(path, allow_pickle=False) as f:
        meta = json.loads(str(f["metadata"]))
        assert sorted(f.files) == ["b", "costs", "metadata", "w"]
    assert meta["format"] == "single-neuron-model" and meta["format_version"] == FORMAT_VERSION
    assert meta["input_shape"] == [2, 2, 3] and meta["pixel_scale"] == 255.0


def test_saving_replaces_atomically_and_leaves_no_temporary_files(tmp_path, trained):
    path = tmp_path / "m.npz"
    path.write_bytes(b"old")
    save_model(path, trained)
    assert [p.name for p in tmp_path.iterdir()] == ["m.npz"]
    assert load_model(path).b == -0.25


def test_a_failed_save_keeps_the_old_file(tmp_path, trained):
    path = tmp_path / "m.npz"
    save_model(path, trained)
    before = path.read_bytes()
    broken = SavedModel(w=np.array([[object()]]), b=0.0, input_shape=(1, 1, 1), classes=("a", "b"))
    with pytest.raises(Exception):
        save_model(path, broken)
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["m.npz"]


@pytest.mark.parametrize("case", sorted(MODEL_DAMAGE))
def test_files_that_are_not_our_models_are_refused_in_one_line(tmp_path, case):
    damage, fragment = MODEL_DAMAGE[case]
    path = damage(digits_model(tmp_path))
    with pytest.raises(ModelFileError) as info:
        load_model(path)
    assert fragment in str(info.value) and "\n" not in str(info.value)
    assert str(path) in str(info.value)


def test_unwritable_destinations_are_refused(tmp_path, trained):
    with pytest.raises(OutputError, match="does not exist"):
        save_model(tmp_path / "no" / "m.npz", trained)
    with pytest.raises(OutputError, match="is a folder"):
        save_model(tmp_path, trained)
