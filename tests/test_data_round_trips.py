"""A data set carried between HDF5 files and image folders keeps its classes by name and its
splits whole, or is refused in one line: never relabelled, never half read."""

import json

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


def test_import_keeps_the_class_names_of_classes_txt_and_the_same_scores(tmp_path, run_cli):
    """The outside tester's case: the folder's classes.txt names its classes; the file written by
    import used to carry the folders' names, so a model scored 100 % on the folder and 0 % on the file."""
    _images(tmp_path / "d" / "a", 4, 0)
    _images(tmp_path / "d" / "b", 4, 1)
    (tmp_path / "d" / "classes.txt").write_text('b\t"felis"\na\t"canis"\n', encoding="utf-8")
    model = tmp_path / "m.npz"
    code, _, err = run_cli("train", tmp_path / "d", "--size", "8", "--iterations", "50", "--model-out", model)
    assert code == 0, err
    code, out, err = run_cli("data", "import", tmp_path / "d", tmp_path / "d.h5", "--size", "8")
    assert code == 0 and "(felis: 4, canis: 4)" in out, err
    with h5py.File(tmp_path / "d.h5") as f:
        assert [c.decode() for c in f["list_classes"][()]] == ["felis", "canis"]
    scores = []
    for data in (tmp_path / "d", tmp_path / "d.h5"):
        code, out, err = run_cli("evaluate", model, data, "--json")
        assert code == 0, err
        scores.append(json.loads(out)["accuracy"])
    assert scores[0] == scores[1] == 100.0


def test_import_numbers_the_test_split_by_name(tmp_path, run_cli):
    for split, order in (("train", ('x\t"one"', 'y\t"two"')), ("test", ('y\t"two"', 'x\t"one"'))):
        _images(tmp_path / "d" / split / "x", 3, 0)
        _images(tmp_path / "d" / split / "y", 3, 50)
        (tmp_path / "d" / split / "classes.txt").write_text("\n".join(order) + "\n", encoding="utf-8")
    code, out, err = run_cli("data", "import", tmp_path / "d", tmp_path / "d.h5", "--size", "8")
    assert code == 0, err
    with h5py.File(tmp_path / "d.h5") as f:
        # x/ is "one", label 0 in both splits, though test/classes.txt lists it second
        np.testing.assert_array_equal(f["train_set_y"][()], [0, 0, 0, 1, 1, 1])
        np.testing.assert_array_equal(np.sort(f["test_set_y"][()]), [0, 0, 0, 1, 1, 1])
        x_first = f["test_set_x"][()][f["test_set_y"][()] == 0]
        np.testing.assert_array_equal(x_first, f["train_set_x"][()][:3])
