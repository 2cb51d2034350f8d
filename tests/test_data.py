"""Loading data sets: the course's HDF5 layout, the embedded digits, and every way a file can be wrong."""

import h5py
import numpy as np
import pytest

from single_neuron import DataError
from single_neuron.data import load_digits_task, load_h5, load_training_data, unroll


def write_course_h5(path, x, y, split="train", classes=(b"non-cat", b"cat")):
    with h5py.File(path, "w") as f:
        f[f"{split}_set_x"] = x
        f[f"{split}_set_y"] = y
        if classes is not None:
            f["list_classes"] = np.array(classes)
    return path


def tiny_images(m=6, h=4, w=5, c=3, seed=0):
    rng = np.random.default_rng(seed)
    return rng.integers(0, 256, size=(m, h, w, c), dtype=np.uint8), np.arange(m) % 2


def test_unroll_is_the_course_reshape_and_scale():
    x, _ = tiny_images()
    X = unroll(x)
    np.testing.assert_array_equal(X, x.reshape(x.shape[0], -1).T / 255.0)
    # row-major over (height, width, channel): the second feature is the green value of pixel (0, 0)
    assert X[1, 2] == x[2, 0, 0, 1] / 255.0
    assert unroll(x, dtype=np.float32).dtype == np.float32


def test_load_h5_reads_a_course_file(tmp_path):
    x, y = tiny_images()
    data = load_h5(write_course_h5(tmp_path / "train_tiny.h5", x, y))
    np.testing.assert_array_equal(data.images, x)
    assert data.classes == ("non-cat", "cat") and data.Y.shape == (1, 6) and data.X.shape == (60, 6)


def test_grayscale_stacks_labels_as_rows_and_no_class_names_are_accepted(tmp_path):
    x, y = tiny_images(c=1)
    data = load_h5(write_course_h5(tmp_path / "g.h5", x[..., 0], y.reshape(1, -1), classes=None))
    assert data.image_shape == (4, 5, 1) and data.classes == ("non-cat", "cat")


def test_a_pair_in_a_folder_and_a_twin_beside_the_training_file(tmp_path):
    x, y = tiny_images()
    write_course_h5(tmp_path / "train_tiny.h5", x, y)
    write_course_h5(tmp_path / "test_tiny.h5", x[:3], y[:3], split="test")
    train, test = load_training_data(tmp_path)
    assert train.m == 6 and test.m == 3
    train, test = load_training_data(tmp_path / "train_tiny.h5")
    assert test.m == 3
    alone = write_course_h5(tmp_path / "other.h5", x, y)
    assert load_training_data(alone)[1] is None


def test_one_file_holding_both_splits(tmp_path):
    x, y = tiny_images()
    path = tmp_path / "both.h5"
    with h5py.File(path, "w") as f:
        f["train_set_x"], f["train_set_y"] = x, y
        f["test_set_x"], f["test_set_y"] = x[:2], y[:2]
    train, test = load_training_data(path)
    assert (train.m, test.m) == (6, 2)


def test_the_digits_task_is_fixed_and_documented():
    train, test = load_digits_task()
    assert (train.m, test.m) == (267, 90)
    assert train.image_shape == (8, 8, 1) and train.classes == ("three", "eight")
    assert train.images.dtype == np.uint8 and train.images.max() == 255
    again, _ = load_digits_task()
    np.testing.assert_array_equal(again.images, train.images)


def _truncated(tmp_path):
    x, y = tiny_images(m=50, h=16, w=16)
    full = write_course_h5(tmp_path / "full.h5", x, y)
    cut = tmp_path / "cut.h5"
    cut.write_bytes(full.read_bytes()[:3000])
    return cut


BAD_FILES = {
    "missing file": (lambda p: p / "nope.h5", "no such file"),
    "a folder": (lambda p: p, "found no data: expected a course HDF5 pair"),
    "not HDF5": (lambda p: _text(p / "notes.h5"), "not an HDF5 file"),
    "truncated HDF5": (_truncated, "cannot read the HDF5 file"),
    "missing datasets": (lambda p: _h5(p / "m.h5", other=np.zeros(3)), "expected datasets train_set_x and train_set_y"),
    "missing labels": (lambda p: _h5(p / "m.h5", train_set_x=tiny_images()[0]), "missing dataset train_set_y"),
    "labels other than 0/1": (lambda p: write_course_h5(p / "l.h5", tiny_images()[0], np.array([0, 1, 2, 0, 1, 0])),
                              "expected labels 0 or 1, got 2 at example 2"),
    "nan features": (lambda p: write_course_h5(p / "n.h5", _with_nan(), np.arange(6) % 2), "pixel values must be finite, got nan"),
    "mismatched counts": (lambda p: write_course_h5(p / "c.h5", tiny_images()[0], np.array([0, 1, 1])),
                          "3 labels for 6 images; the counts must match"),
    "empty set": (lambda p: write_course_h5(p / "e.h5", np.zeros((0, 4, 4, 3), np.uint8), np.zeros(0, int)),
                  "the data set is empty (0 examples)"),
    "wrong image rank": (lambda p: write_course_h5(p / "r.h5", np.zeros((6, 12), np.uint8), np.arange(6) % 2),
                         "expected images of shape (m, height, width, channels)"),
    "pixel values out of range": (lambda p: write_course_h5(p / "v.h5", tiny_images()[0] * 3.0, np.arange(6) % 2),
                                  "expected whole pixel values from 0 to 255"),
    "text labels": (lambda p: write_course_h5(p / "t.h5", tiny_images()[0], np.array([b"cat"] * 6)),
                    "expected labels 0 or 1, got dtype"),
}


def _text(path):
    path.write_text("these are not pixels\n")
    return path


def _h5(path, **datasets):
    with h5py.File(path, "w") as f:
        for k, v in datasets.items():
            f[k] = v
    return path


def _with_nan():
    x = tiny_images()[0].astype(float)
    x[1, 2, 3, 0] = np.nan
    return x


@pytest.mark.parametrize("case", sorted(BAD_FILES))
def test_bad_files_raise_one_clear_data_error(tmp_path, case):
    make, fragment = BAD_FILES[case]
    path = make(tmp_path)
    with pytest.raises(DataError) as info:
        load_training_data(path)
    message = str(info.value)
    assert fragment in message and "\n" not in message
    assert str(path) in message or case == "a folder"


def test_train_and_test_images_must_have_the_same_size(tmp_path):
    x, y = tiny_images()
    write_course_h5(tmp_path / "train_a.h5", x, y)
    other = write_course_h5(tmp_path / "small.h5", x[:, :2], y, split="test")
    with pytest.raises(DataError, match=r"images of shape \(2, 5, 3\), expected \(4, 5, 3\) like the training images"):
        load_training_data(tmp_path / "train_a.h5", other)


def test_a_test_file_without_a_training_set_is_refused():
    with pytest.raises(DataError, match="--test needs a TRAIN data set"):
        load_training_data(None, "t.h5")
