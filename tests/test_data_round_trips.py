"""A data set carried between HDF5 files and image folders keeps its classes by name and its
splits whole, or is refused in one line: never relabelled, never half read."""

import h5py
import numpy as np
import pytest
from PIL import Image

from conftest import files_in


def _images(folder, count, seed, size=8):
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    for i in range(count):
        Image.fromarray(rng.integers(0, 256, (size, size, 3), dtype=np.uint8)).save(folder / f"{i}.png")


def _course_file(path, train_shape=(10, 4, 4, 3), test_shape=(4, 4, 4, 3), test_labels=(0, 1, 1, 0), **extra):
    rng = np.random.default_rng(0)
    with h5py.File(path, "w") as f:
        f["train_set_x"] = rng.integers(0, 256, train_shape, dtype=np.uint8)
        f["train_set_y"] = np.arange(train_shape[0]) % 2
        if test_shape is not None:
            f["test_set_x"] = rng.integers(0, 256, test_shape, dtype=np.uint8)
        if test_labels is not None:
            f["test_set_y"] = np.array(test_labels)
        for key, value in extra.items():
            f[key] = value
    return path


def test_import_refuses_a_test_class_the_training_set_does_not_have(tmp_path, run_cli):
    for split, names in (("train", ("a", "b")), ("test", ("a", "c"))):
        for i, name in enumerate(names):
            _images(tmp_path / "d" / split / name, 2, i)
    code, out, err = run_cli("data", "import", tmp_path / "d", tmp_path / "d.h5")
    assert code == 1 and out == "" and err.count("\n") == 1
    assert "classes 'a', 'c' are not the training set's ('a', 'b')" in err
    assert not (tmp_path / "d.h5").exists()


@pytest.mark.parametrize("test_shape, fragment", [((4, 2, 2, 3), "images of shape (2, 2, 3), expected (4, 4, 3)"),
                                                  ((4, 4, 4, 1), "images of shape (4, 4, 1), expected (4, 4, 3)")])
@pytest.mark.parametrize("options", [[], ["--memory-limit", "64MB"]])
def test_a_test_split_of_another_shape_in_the_same_file_is_one_line(tmp_path, run_cli, test_shape, fragment,
                                                                      options):
    data = _course_file(tmp_path / "both.h5", test_shape=test_shape)
    code, out, err = run_cli("train", data, "--model-out", tmp_path / "m.npz", *options)
    assert code == 1 and out == "" and err.count("\n") == 1 and fragment in err, err
    code, out, err = run_cli("data", "export", data, tmp_path / "images")
    assert code == 1 and "a folder of train/ and test/ needs the same in both" in err
    assert files_in(tmp_path) == ["both.h5"]


@pytest.mark.parametrize("missing", ["test_set_y", "test_set_x"])
def test_half_a_split_is_refused_not_left_out(tmp_path, run_cli, missing):
    data = _course_file(tmp_path / "half.h5", test_shape=None if missing == "test_set_x" else (4, 4, 4, 3),
                        test_labels=None if missing == "test_set_y" else (0, 1, 1, 0))
    for args in (["train", data], ["data", "export", data, tmp_path / "images"]):
        code, out, err = run_cli(*args)
        assert code == 1 and out == "" and f"without {missing}" in err and err.count("\n") == 1


def test_a_test_split_of_one_class_exports_and_reads_back(tmp_path, run_cli):
    data = _course_file(tmp_path / "one.h5", test_labels=(1, 1, 1, 1))
    assert run_cli("data", "export", data, tmp_path / "images")[0] == 0
    assert list((tmp_path / "images" / "test" / "non-cat").iterdir()) == []        # the class with no example
    code, out, err = run_cli("train", tmp_path / "images", "--size", "4", "--json", "--iterations", "50")
    code_h5, out_h5, _ = run_cli("train", data, "--json", "--iterations", "50")
    assert (code, code_h5) == (0, 0), err
    import json

    a, b = json.loads(out), json.loads(out_h5)
    assert (a["m_test"], a["test_accuracy"]) == (4, b["test_accuracy"])
