"""Where training and evaluation data come from: the command line's DATA arguments resolved.

Sources:
- an HDF5 file in the course's format (see `io.h5`), or a folder holding one
  training file and its test twin (train_*.h5, test_*.h5);
- a folder of images with one sub-folder per class (see `io.folders`);
- the embedded default: scikit-learn's bundled 8x8 digits as "three" vs "eight"
  (see `load_digits_task`), so a fresh machine has real images to learn from.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np

from . import limits
from .dataset import Dataset
from .atomic import NamesRead
from .files import refuse_missing, require_inside
from ..errors import DataError, InputValueError
from .h5 import load_h5, splits_of_file

__all__ = ["Dataset", "load_h5", "load_training_data", "load_like", "labelled_by", "files_read",
           "load_evaluation_data", "load_digits_task", "test_file_beside", "names_read"]


def _require_exists(path: Path) -> None:
    if not path.exists():
        refuse_missing(path, DataError, str(path), "file or folder")


def test_file_beside(train_path: Path) -> Path | None:
    """The course's test twin of a training file: train_x.h5 -> test_x.h5 in the same folder."""
    name = train_path.name
    if "train" not in name:
        return None
    twin = train_path.with_name(name.replace("train", "test", 1))
    return twin if twin.exists() or twin.is_symlink() else None       # a broken link is said, not skipped


def _twin_of(train_path: Path) -> Path | None:
    """The test twin the data set holds beside its training file (see `test_file_beside`): found,
    not named, so a link of it that leads out of the training file's folder is refused (name
    such a file with --test, or test=, to use it)."""
    twin = test_file_beside(train_path)
    if twin is not None:
        require_inside(twin, train_path.parent, DataError)
    return twin


def _pair_in_folder(folder: Path) -> tuple[Path, Path | None]:
    trains = sorted(p for p in folder.glob("*.h5") if "train" in p.name)
    if len(trains) != 1:
        listed = ", ".join(p.name for p in trains) or "none"
        raise DataError(f"{folder}: expected one training file named like train_*.h5, found {listed}")
    require_inside(trains[0], folder, DataError)
    return trains[0], _twin_of(trains[0])


def as_dataset(data, name: str = "data") -> Dataset:
    """A `Dataset`, or a pair (images (m, h, w) or (m, h, w, c) of 0..255, labels (m,) of 0/1)
    made into one whose classes are named "0" and "1"."""
    if isinstance(data, Dataset):
        return data
    if not (isinstance(data, (tuple, list)) and len(data) == 2):
        raise InputValueError(f"{name}: expected a path, a Dataset or a pair (images, labels), "
                              f"got {type(data).__name__}")
    return Dataset.from_arrays(data[0], data[1], name)


def check_size(size: int | None, image_shape, source: str) -> None:
    """Refuse a size asked for data that is not resized (an HDF5 file, arrays, the digits) when
    its images have another size: the request would otherwise be ignored without a word."""
    if size is not None and tuple(image_shape[:2]) != (size, size):
        raise DataError(f"size {size}: only image folders are resized; {source} holds "
                        f"{image_shape[0]}x{image_shape[1]} images (leave the size out)")


def load_training_data(train=None, test=None, size: int | None = None) -> tuple[Dataset, Dataset | None]:
    """Resolve the command line's TRAIN [--test TEST] into (train set, test set or None).

    TRAIN: None (the embedded digits task); a course HDF5 file; a folder holding a
    train_*.h5 / test_*.h5 pair; a folder with train/ and test/ image folders; or an
    image folder (one sub-folder per class, images resized to size x size, by default
    limits.DEFAULT_SIDE; other data keep their size, and a different one asked is refused). Without
    `test`, the test set is the training file's twin (train -> test in its name)
    beside it, else the file's own test split if it holds both, else there is none.
    """
    if train is None:
        if test is not None:
            raise DataError("--test needs a TRAIN data set to go with it")
        digits = load_digits_task()
        check_size(size, digits[0].image_shape, digits[0].source)
        return digits
    train = Path(train)
    test_path = Path(test) if test is not None else None
    _require_exists(train)
    if train.is_dir() and not _h5_files(train):
        from . import folders                # Pillow only for image folders: HDF5 data starts faster

        if not folders.class_folders(train):
            raise DataError(f"{train}: found no data: expected a course HDF5 pair (train_*.h5, test_*.h5) "
                            "or one sub-folder of images per class")
        side = size or limits.DEFAULT_SIDE
        if folders.is_split_folder(train):
            train_set = folders.load_image_folder(train / "train", (side, side), root=train)
            test_path = test_path or train                      # its test/ (see load_like)
        else:
            train_set = folders.load_image_folder(train, (side, side))
    else:
        train_file, beside = _pair_in_folder(train) if train.is_dir() else (train, _twin_of(train))
        train_set = load_h5(train_file, prefer="train")
        check_size(size, train_set.image_shape, str(train_file))
        test_path = test_path or beside
        if test_path is None:
            return train_set, _own_test_split(train_file, train_set.image_shape, train_set.classes)
    if test_path is None:
        return train_set, None
    test_set = load_like(test_path, train_set.image_shape, train_set.classes)
    return train_set, test_set


def labelled_by(data: Dataset, classes, whose: str = "the model's") -> Dataset:
    """`data` with its labels numbered by `classes` (the names of label 0 and label 1), matched
    by name, never by position: the same names in the other order swap the labels; any other
    name is a DataError that lists both pairs (`whose`: "the model's", "the training set's")."""
    names, classes = tuple(data.classes), tuple(classes)
    if names == classes:
        return data
    if names == classes[::-1] and classes[0] != classes[1]:
        return replace(data, y=(1 - data.y).astype(data.y.dtype), classes=classes)
    unknown = [n for n in names if n not in classes]
    what = (f"class {unknown[0]!r} is not one of" if len(unknown) == 1
            else "its classes are not")
    raise DataError(f"{data.source}: {what} {whose} ({_pair(classes)}); the data holds {_pair(names)}, "
                    "and classes are matched by name")


def _pair(names) -> str:
    return " and ".join(repr(str(n)) for n in names)


def h5_training_files(train, test=None) -> tuple[Path, Dataset | None]:
    """For training that reads the file itself (in chunks, or on Dask workers): the HDF5 training
    file, and the test set loaded (`test`, else the twin beside it, else the file's own test split)."""
    if train is None:
        raise DataError("reading in chunks needs an HDF5 file as DATA (the bundled digits are in memory already)")
    train = Path(train)
    _require_exists(train)
    if train.is_dir() and not _h5_files(train):
        raise DataError(f"{train}: reading in chunks needs a course HDF5 file, not a folder of images")
    train_file, beside = _pair_in_folder(train) if train.is_dir() else (train, _twin_of(train))
    test_path = Path(test) if test is not None else beside
    from .h5 import open_course_file

    with open_course_file(train_file) as course:
        image_shape, classes = course.image_shape, course.classes
    if test_path is None:
        return train_file, _own_test_split(train_file, image_shape, classes)
    return train_file, load_like(test_path, image_shape, classes)


def load_like(path, image_shape: tuple[int, int, int], classes: tuple[str, str],
              whose: str = "the training set's") -> Dataset:
    """Load the data at `path` to be used with a model of `image_shape` and `classes`.

    An HDF5 file (its test split if it has one), a folder with an HDF5 pair (its test
    file), a folder with train/ and test/ (test/), or an image folder (resized to the
    shape). Labels are numbered by `classes`, matched by name (see `labelled_by`).
    HDF5 images must already have the shape.
    """
    path = Path(path)
    _require_exists(path)
    if path.is_dir() and not _h5_files(path):
        from . import folders

        folder = path / "test" if folders.is_split_folder(path) else path
        data = folders.load_image_folder(folder, image_shape[:2], image_shape[2], classes, root=path)
        return labelled_by(data, classes, whose)
    if path.is_dir():
        train_file, beside = _pair_in_folder(path)
        path = beside or train_file
    return matched_to(load_h5(path, prefer="test"), image_shape, classes, whose)


def matched_to(data: Dataset, image_shape, classes, whose: str = "the training set's") -> Dataset:
    """`data` checked to be used with images of `image_shape` and labelled by `classes`, matched by
    name (see `labelled_by`); images of another shape are refused (their X would have another n_x)."""
    if data.image_shape != tuple(image_shape):
        raise DataError(f"{data.source}: images of shape {data.image_shape}, expected {tuple(image_shape)} "
                        "like the training images")
    return labelled_by(data, classes, whose)


def load_evaluation_data(path, image_shape: tuple[int, int, int], classes: tuple[str, str]) -> Dataset:
    """The data `evaluate` measures a model on: `path` as in `load_like`, or by default the
    bundled digits' test split (which only a model of 8x8 grayscale images can use)."""
    if path is not None:
        return load_like(path, image_shape, classes, "the model's")
    _, test = load_digits_task()
    if test.image_shape != tuple(image_shape):
        raise DataError(f"the model takes images of shape {tuple(image_shape)}; give the DATA to evaluate "
                        "it on (the default, the bundled digits, are 8x8 grayscale)")
    return labelled_by(test, classes, "the model's")


def files_read(path) -> list[Path]:
    """What a command given the data argument `path` reads: files, and folders every existing
    file of which it may read (an image folder's class folders). Outputs are checked against
    these (see `io.atomic.check_writable`) so that none overwrites the data."""
    if path is None or str(path) == "":
        return []
    path = Path(path)
    if not path.is_dir():
        twin = test_file_beside(path) if path.name.endswith(".h5") else None
        return [path] + ([twin] if twin is not None else [])
    h5_files = _h5_files(path)
    if h5_files:
        return h5_files
    from . import folders

    try:
        if folders.is_split_folder(path):
            found = folders.class_folders(path / "train") + folders.class_folders(path / "test")
        else:
            found = folders.class_folders(path)
        # A class folder that leads out of the data folder is refused by the reader; as an input it
        # would put everything under it (/, at worst) off limits first, with a message that misleads.
        root = path.resolve()
        return [f for f in found if f.resolve().is_relative_to(root)] or [path]
    except OSError:
        return [path]


def names_read(path) -> list[NamesRead]:
    """The names a reader looks for in the data argument `path` and the folders it holds: a new
    file of such a name would change what the data set holds the next time it is read (a second
    train_*.h5 in a folder of HDF5 files, a test twin that was not there, an .h5 file that turns
    an image folder into a folder of HDF5 files, a classes.txt). Outputs may not take them
    (see `io.atomic.check_new_names`)."""
    if path is None or str(path) == "":
        return []
    path = Path(path)
    if not path.is_dir():
        if "train" not in path.name:
            return []
        return [NamesRead(path.parent, (path.name.replace("train", "test", 1),))]
    trains = [p.name for p in _h5_files(path) if "train" in p.name]
    if _h5_files(path):
        return [NamesRead(path, ("*train*.h5", *(name.replace("train", "test", 1) for name in trains)))]
    from . import folders

    splits = [path / "train", path / "test"] if folders.is_split_folder(path) else [path]
    return [NamesRead(path, ("*.h5",))] + [NamesRead(folder, (folders.CLASSES_FILE,)) for folder in splits]


def _h5_files(folder: Path) -> list[Path]:
    return sorted(folder.glob("*.h5"))


def _own_test_split(path: Path, image_shape, classes) -> Dataset | None:
    """The test split of a file that holds both, checked against its training split like any test
    set (the same image shape, the classes by name); None for a file of one split."""
    return load_like(path, image_shape, classes) if splits_of_file(path) == ["train", "test"] else None


# --------------------------------------------------------------------------- the embedded default

DIGITS_CLASSES = ("three", "eight")
DIGITS_TEST_FRACTION = 0.25
DIGITS_SEED = 0


def load_digits_task() -> tuple[Dataset, Dataset]:
    """scikit-learn's bundled 8x8 handwritten digits, as a binary image task.

    The images of threes (label 0) and eights (label 1), 357 in all, a pair that
    is easy to confuse at 8x8. Pixel intensities 0..16 are mapped onto 0..255
    (round(v * 255 / 16)) so that they are ordinary 8-bit grayscale images: the
    same scaling as every other source, and PNG files of them give the same X.
    The split is scikit-learn's `train_test_split` with test_size=0.25,
    random_state=0, stratified by label: 267 training and 90 test images.
    """
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    digits = load_digits()
    keep = np.isin(digits.target, (3, 8))
    images = np.rint(digits.images[keep] * (255.0 / 16.0)).astype(np.uint8)[..., np.newaxis]
    y = (digits.target[keep] == 8).astype(np.int64)
    i_train, i_test = train_test_split(np.arange(y.size), test_size=DIGITS_TEST_FRACTION,
                                       random_state=DIGITS_SEED, stratify=y)
    source = "scikit-learn digits (three vs eight)"
    return (Dataset(images[i_train], y[i_train], DIGITS_CLASSES, source + ", train"),
            Dataset(images[i_test], y[i_test], DIGITS_CLASSES, source + ", test"))

