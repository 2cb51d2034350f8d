"""Image folders: reading one sub-folder per class, exporting the course's HDF5 as PNGs, and back."""

import json

import h5py
import numpy as np
import pytest
from PIL import Image

from conftest import files_in
from single_neuron import DataError, OutputError
from single_neuron.io.sources import load_h5, load_training_data
from single_neuron.io.folders import export_image_folder, load_image_folder


def make_folder(root, classes=("cat", "dog"), per_class=3, size=(20, 30), mode="RGB", seed=0):
    rng = np.random.default_rng(seed)
    for name in classes:
        (root / name).mkdir(parents=True)
        for i in range(per_class):
            pixels = rng.integers(0, 256, size=(size[0], size[1], 3), dtype=np.uint8)
            Image.fromarray(pixels).convert(mode).save(root / name / f"{i}.png")
    return root


def test_a_folder_per_class_becomes_a_data_set(tmp_path):
    data = load_image_folder(make_folder(tmp_path / "d"), (8, 8))
    assert data.classes == ("cat", "dog") and data.images.shape == (6, 8, 8, 3)
    assert list(data.y) == [0, 0, 0, 1, 1, 1] and data.skipped == ()


def test_grayscale_folders_give_one_channel(tmp_path):
    data = load_image_folder(make_folder(tmp_path / "g", mode="L"), (8, 8))
    assert data.image_shape == (8, 8, 1)


def test_classes_txt_sets_the_label_order(tmp_path):
    root = make_folder(tmp_path / "d")
    (root / "classes.txt").write_text("dog\ncat\n")
    assert load_image_folder(root, (8, 8)).classes == ("dog", "cat")


def test_files_that_are_not_images_are_skipped_and_counted(tmp_path):
    root = make_folder(tmp_path / "d")
    (root / "cat" / "notes.txt").write_text("not an image")
    (root / "dog" / ".DS_Store").write_bytes(b"\x00\x01")
    (root / "dog" / "broken.png").write_bytes((root / "dog" / "0.png").read_bytes()[:60])
    data = load_image_folder(root, (8, 8))
    assert data.m == 6
    assert sorted(p.split("/")[-1] for p in data.skipped) == ["broken.png", "notes.txt"]


@pytest.mark.parametrize("classes, fragment", [
    (("cat",), "expected exactly two class folders, found 1 (cat)"),
    (("a", "b", "c"), "expected exactly two class folders, found 3 (a, b, c)"),
])
def test_one_or_three_classes_are_refused(tmp_path, classes, fragment):
    with pytest.raises(DataError, match=fragment.replace("(", r"\(").replace(")", r"\)")):
        load_image_folder(make_folder(tmp_path / "d", classes=classes), (8, 8))


def test_an_empty_class_is_refused(tmp_path):
    root = make_folder(tmp_path / "d")
    for p in (root / "dog").iterdir():
        p.unlink()
    (root / "dog" / "readme.txt").write_text("nothing here")
    with pytest.raises(DataError, match="the class folder holds no images"):
        load_image_folder(root, (8, 8))


def test_export_then_train_gives_the_costs_of_the_hdf5_file(cats, tmp_path, run_cli):
    folder = tmp_path / "cats"
    code, out, err = run_cli("data", "export", cats / "train_catvnoncat.h5", folder)
    assert code == 0, err
    assert "wrote 209 images (non-cat: 137, cat: 72) of 64x64" in out
    assert (folder / "classes.txt").read_text() == "non-cat\ncat\n"
    assert len(list((folder / "cat").glob("*.png"))) == 72
    _, from_h5 = run_cli("train", cats / "train_catvnoncat.h5", "--json")[:2]
    code, from_png, err = run_cli("train", folder, "--json")
    assert code == 0, err
    a, b = json.loads(from_h5), json.loads(from_png)
    np.testing.assert_allclose(b["costs"], a["costs"], rtol=0, atol=1e-9)
    assert b["train_accuracy"] == a["train_accuracy"] and b["classes"] == ["non-cat", "cat"]
    original = load_h5(cats / "train_catvnoncat.h5")
    exported = load_image_folder(folder, (64, 64))
    assert sorted(map(bytes, exported.images.reshape(209, -1))) == sorted(map(bytes, original.images.reshape(209, -1)))


def test_export_refuses_an_existing_folder_and_leaves_nothing_behind(tmp_path):
    x = np.zeros((2, 4, 4, 3), np.uint8)
    from single_neuron.io.dataset import Dataset

    data = Dataset(x, np.array([0, 1]), ("a", "b"), "mem")
    full = tmp_path / "full"
    full.mkdir()
    (full / "keep.txt").write_text("mine")
    before = files_in(tmp_path)
    with pytest.raises(OutputError, match="already exists"):
        export_image_folder(data, full)
    assert files_in(tmp_path) == before
    assert export_image_folder(data, tmp_path / "new") == 2
    assert sorted(p.name for p in tmp_path.iterdir()) == ["full", "new"]


def test_a_train_test_folder_and_a_test_folder_given_apart(tmp_path):
    make_folder(tmp_path / "both" / "train", per_class=4)
    make_folder(tmp_path / "both" / "test", per_class=2, seed=1)
    train, test = load_training_data(tmp_path / "both", size=16)
    assert (train.m, test.m) == (8, 4) and test.image_shape == (16, 16, 3)
    make_folder(tmp_path / "other", per_class=1, size=(50, 50), seed=2)
    train, test = load_training_data(tmp_path / "both" / "train", tmp_path / "other", size=16)
    assert test.m == 2 and test.image_shape == (16, 16, 3)


def test_a_file_of_both_splits_exports_both_and_trains_as_the_file_does(cats, tmp_path, run_cli):
    both = tmp_path / "both.h5"
    with h5py.File(cats / "train_catvnoncat.h5") as train, h5py.File(cats / "test_catvnoncat.h5") as test, \
            h5py.File(both, "w") as f:
        for source in (train, test):
            for key in set(source) - set(f):          # list_classes is in both
                f[key] = source[key][()]
    folder = tmp_path / "cats"
    code, out, err = run_cli("data", "export", both, folder)
    assert code == 0, err
    assert out == (f"wrote train/: 209 images (non-cat: 137, cat: 72); test/: 50 images (non-cat: 17, cat: 33) "
                   f"of 64x64 to {folder}\n")
    assert sorted(p.name for p in folder.iterdir()) == ["test", "train"]
    code, from_png, err = run_cli("train", folder, "--json", "--iterations", "300")
    code_h5, from_h5, _ = run_cli("train", both, "--test", both, "--json", "--iterations", "300")
    a, b = json.loads(from_png), json.loads(from_h5)
    assert (code, code_h5) == (0, 0) and (a["m_train"], a["m_test"]) == (209, 50)
    assert (a["train_accuracy"], a["test_accuracy"]) == (b["train_accuracy"], b["test_accuracy"])
    assert a["costs"] == pytest.approx(b["costs"], rel=1e-12)


def test_images_refused_by_a_limit_are_named_when_a_class_is_left_empty(tmp_path, run_cli, monkeypatch):
    root = make_folder(tmp_path / "d")
    monkeypatch.setenv("SINGLE_NEURON_MAX_IMAGE_PIXELS", "1")
    code, out, err = run_cli("train", root)
    assert code == 1 and err.count("\n") == 1
    assert "holds no images it may read" in err and "set SINGLE_NEURON_MAX_IMAGE_PIXELS to raise the limit" in err


def test_import_reads_a_folder_as_training_does_links_leading_out_refused(tmp_path, run_cli):
    root = make_folder(tmp_path / "d")
    secret = tmp_path / "elsewhere.png"
    Image.new("RGB", (8, 8), "red").save(secret)
    (root / "dog" / "link.png").symlink_to(secret)
    for args in (["train", root], ["data", "import", root, tmp_path / "d.h5"]):
        code, out, err = run_cli(*args)
        assert code == 1 and "a link that leads out of the data folder" in err, (args, err)
    assert not (tmp_path / "d.h5").exists()
