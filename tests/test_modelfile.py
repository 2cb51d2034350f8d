"""Model files: a faithful round trip, atomic writes, and refusal of anything that is not ours."""

import json
import zipfile

import numpy as np
import pytest

from single_neuron import ModelFileError, OutputError
from single_neuron.modelfile import FORMAT_VERSION, SavedModel, load_model, save_model


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
    np.testing.assert_array_equal(loaded.probabilities_of_images(images), trained.probabilities_of_images(images))


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


def _rewrite(path, **changes):
    with np.load(path, allow_pickle=False) as f:
        arrays = {k: f[k] for k in f.files}
    arrays.update(changes)
    arrays = {k: v for k, v in arrays.items() if v is not None}
    np.savez(path, **arrays)


def _meta(path, **changes):
    with np.load(path, allow_pickle=False) as f:
        meta = json.loads(str(f["metadata"]))
    meta.update(changes)
    _rewrite(path, metadata=np.asarray(json.dumps(meta)))


def _bare_npy(path):
    with open(path, "wb") as f:
        np.save(f, np.zeros(3))


def _zip(path):
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("x.txt", "hi")


BAD_MODELS = {
    "missing file": (lambda p: p.unlink(), "no such file"),
    "text file": (lambda p: p.write_text("hello"), "not a single-neuron model (not an .npz archive)"),
    "truncated": (lambda p: p.write_bytes(p.read_bytes()[:200]), "not a single-neuron model, or a damaged one"),
    "bare npy": (lambda p: _bare_npy(p), "not a single-neuron model (not an .npz archive)"),
    "other npz": (lambda p: np.savez(p, weights=np.zeros(3)), "missing w, b, costs, metadata"),
    "pickle inside": (lambda p: _rewrite(p, w=np.array([{"a": 1}], dtype=object)), "holds pickled objects"),
    "wrong w shape": (lambda p: _rewrite(p, w=np.zeros((11, 1))), "w has shape (11, 1)"),
    "rank-1 w": (lambda p: _rewrite(p, w=np.zeros(12)), "w has shape (12,)"),
    "nan weights": (lambda p: _rewrite(p, w=np.full((12, 1), np.nan)), "the weights hold nan or inf"),
    "future version": (lambda p: _meta(p, format_version=FORMAT_VERSION + 1), "newer than this release reads"),
    "foreign format": (lambda p: _meta(p, format="keras"), "format is 'keras'"),
    "metadata not json": (lambda p: _rewrite(p, metadata=np.asarray("{oops")), "damaged metadata (not JSON"),
    "bad input shape": (lambda p: _meta(p, input_shape=[2, 2]), "input_shape [2, 2] is not"),
    "three classes": (lambda p: _meta(p, classes=["a", "b", "c"]), "expected 2 class names, got 3"),
    "zip of something else": (lambda p: _zip(p), "missing w, b, costs, metadata"),
}


@pytest.mark.parametrize("case", sorted(BAD_MODELS))
def test_files_that_are_not_our_models_are_refused_in_one_line(tmp_path, trained, case):
    path = tmp_path / "m.npz"
    save_model(path, trained)
    damage, fragment = BAD_MODELS[case]
    damage(path)
    with pytest.raises(ModelFileError) as info:
        load_model(path)
    assert fragment in str(info.value) and "\n" not in str(info.value)
    assert str(path) in str(info.value)


def test_unwritable_destinations_are_refused(tmp_path, trained):
    with pytest.raises(OutputError, match="does not exist"):
        save_model(tmp_path / "no" / "m.npz", trained)
    with pytest.raises(OutputError, match="is a folder"):
        save_model(tmp_path, trained)
