"""Loading data sets: the course's HDF5 layout, the embedded digits, and every way a file can be wrong."""

import h5py
import numpy as np
import pytest

from corpus import H5_CASES, pixels
from corpus import course_h5 as write_course_h5
from single_neuron import DataError
from single_neuron.io.sources import load_digits_task, load_h5, load_training_data
from single_neuron.neuron.formulas import unroll


def tiny_images(m=6, h=4, w=5, c=3, seed=0):
    return pixels(m, h, w, c, seed), np.arange(m) % 2


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


LOADER_CASES = [c for c in H5_CASES if c.name != "h5: test images of another size"]


@pytest.mark.parametrize("case", LOADER_CASES, ids=[c.name for c in LOADER_CASES])
def test_bad_files_raise_one_clear_data_error(tmp_path, case):
    args = case.build(tmp_path, tmp_path)
    path = args[1]
    with pytest.raises(DataError) as info:
        load_training_data(path)
    message = str(info.value)
    assert case.fragment in message and "\n" not in message
    assert str(path) in message


def test_train_and_test_images_must_have_the_same_size(tmp_path):
    x, y = tiny_images()
    write_course_h5(tmp_path / "train_a.h5", x, y)
    other = write_course_h5(tmp_path / "small.h5", x[:, :2], y, split="test")
    with pytest.raises(DataError, match=r"images of shape \(2, 5, 3\), expected \(4, 5, 3\) like the training images"):
        load_training_data(tmp_path / "train_a.h5", other)


def test_a_test_file_without_a_training_set_is_refused():
    with pytest.raises(DataError, match="--test needs a TRAIN data set"):
        load_training_data(None, "t.h5")
