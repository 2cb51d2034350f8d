"""Data sets in, arrays in the notes' layout out.

A data set is a stack of images `images` of shape (m, height, width, channels),
uint8, with labels `y` of shape (m,) in {0, 1} and two class names. `X` unrolls
each image into a column, row-major over (height, width, channel) exactly as the
course's ``x.reshape(m, -1).T``, and scales it by 1/255: X is (n_x, m) and
Y is (1, m).

Sources:
- an HDF5 file in the course's format: `<split>_set_x` (m, h, w, c) uint8,
  `<split>_set_y` (m,) 0/1, `list_classes` (2,) bytes;
- a folder holding one such training file and its test twin (train_*.h5, test_*.h5);
- the embedded default: scikit-learn's bundled 8x8 digits as "three" vs "eight"
  (see `load_digits_task`), so a fresh machine has real images to learn from.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .errors import DataError

PIXEL_SCALE = 255.0
DEFAULT_CLASSES = ("non-cat", "cat")


@dataclass(frozen=True)
class Dataset:
    """Images and labels of one split.

    images: (m, height, width, channels) uint8; y: (m,) int64 of 0/1;
    classes: the names of label 0 and label 1; source: where it came from.
    """

    images: np.ndarray
    y: np.ndarray
    classes: tuple[str, str]
    source: str

    @property
    def m(self) -> int:
        return int(self.images.shape[0])

    @property
    def image_shape(self) -> tuple[int, int, int]:
        return tuple(int(s) for s in self.images.shape[1:])

    @property
    def X(self) -> np.ndarray:
        """(n_x, m) float64: each image unrolled into a column and divided by 255."""
        return unroll(self.images)

    @property
    def Y(self) -> np.ndarray:
        """(1, m) int64 labels."""
        return self.y.reshape(1, -1)


def unroll(images: np.ndarray, pixel_scale: float = PIXEL_SCALE, dtype=np.float64) -> np.ndarray:
    """(m, h, w, c) pixels -> (h*w*c, m) floats divided by `pixel_scale`, the course's X.

    The division writes straight into `dtype`, so the result is the only float copy.
    """
    return np.divide(images.reshape(images.shape[0], -1).T, pixel_scale, dtype=dtype)


# --------------------------------------------------------------------------- HDF5


def load_h5(path, prefer: str = "train") -> Dataset:
    """Read one split of a course-format HDF5 file.

    The file holds `train_set_x`/`train_set_y`, `test_set_x`/`test_set_y`, or both;
    with both, `prefer` ("train" or "test") picks one. Every problem is a
    `DataError` naming the file.
    """
    import h5py  # imported here: the default data set and the math do not need it

    path = Path(path)
    where = str(path)
    if not path.exists():
        raise DataError(f"{where}: no such file")
    if path.is_dir():
        raise DataError(f"{where}: is a folder, expected an HDF5 file")
    try:
        if not h5py.is_hdf5(path):
            raise DataError(f"{where}: not an HDF5 file (expected the course's .h5 format)")
        with h5py.File(path, "r") as f:
            split = split_to_read(f, where, prefer)
            x = _read(f, f"{split}_set_x", where)
            y = _read(f, f"{split}_set_y", where)
            classes = _read_classes(f, where)
    except DataError:
        raise
    except (OSError, KeyError, ValueError, TypeError, RuntimeError) as exc:
        reason = str(exc).split("\n")[0] or type(exc).__name__
        raise DataError(f"{where}: cannot read the HDF5 file ({reason}); is it truncated or damaged?") from None
    images = _check_images(x, f"{where}: {split}_set_x")
    labels = _check_labels(y, images.shape[0], f"{where}: {split}_set_y")
    return Dataset(images=images, y=labels, classes=classes, source=where)


def splits_in(f) -> list[str]:
    """The splits ("train", "test") an open file holds both datasets of."""
    keys = set(f.keys())
    return [s for s in ("train", "test") if {f"{s}_set_x", f"{s}_set_y"} <= keys]


def split_to_read(f, where: str, prefer: str) -> str:
    """The split to read from an open file: the one it holds, or `prefer` if it holds both."""
    complete = splits_in(f)
    if prefer in complete:
        return prefer
    if complete:
        return complete[0]
    keys = set(f.keys())
    found = ", ".join(sorted(keys)) or "nothing"
    for s in ("train", "test"):
        x, y = f"{s}_set_x", f"{s}_set_y"
        if (x in keys) != (y in keys):
            raise DataError(f"{where}: missing dataset {y if x in keys else x} (found: {found})")
    raise DataError(f"{where}: expected datasets train_set_x and train_set_y (or test_set_x and "
                    f"test_set_y), found: {found}")


# Refuse before reading anything that could not fit: a damaged header can declare
# any size, and reading it would be the first thing to fail, by running out of memory.
MAX_DATASET_BYTES = 8 * 2**30


def _read(f, key, where):
    import h5py

    node = f[key]
    if not isinstance(node, h5py.Dataset):
        raise DataError(f"{where}: {key} is a group, expected a dataset")
    nbytes = int(np.prod(node.shape, dtype=np.float64)) * node.dtype.itemsize if node.shape else 0
    if nbytes > MAX_DATASET_BYTES:
        raise DataError(f"{where}: {key} declares {nbytes / 2**30:.1f} GiB, more than the "
                        f"{MAX_DATASET_BYTES / 2**30:.0f} GiB this loader reads into memory")
    return node[()]


def _read_classes(f, where) -> tuple[str, str]:
    if "list_classes" not in f:
        return DEFAULT_CLASSES
    raw = _read(f, "list_classes", where)
    names = [n.decode("utf-8", "replace") if isinstance(n, bytes) else str(n) for n in np.ravel(raw)]
    if len(names) != 2:
        raise DataError(f"{where}: list_classes: expected 2 class names, got {len(names)}")
    return names[0], names[1]


def _check_images(x, where) -> np.ndarray:
    x = np.asarray(x)
    if x.ndim == 3:
        x = x[..., np.newaxis]          # grayscale stacks (m, h, w) gain a channel axis
    if x.ndim != 4 or x.shape[3] not in (1, 3, 4):
        raise DataError(f"{where}: expected images of shape (m, height, width, channels) with 1, 3 or 4 "
                        f"channels, got shape {x.shape}")
    if x.shape[0] == 0:
        raise DataError(f"{where}: the data set is empty (0 examples)")
    if x.dtype == np.uint8:
        return x
    if x.dtype.kind not in "biuf":
        raise DataError(f"{where}: expected pixel values (uint8), got dtype {x.dtype}")
    if x.dtype.kind == "f" and not np.isfinite(x).all():
        bad = tuple(int(i) for i in np.argwhere(~np.isfinite(x))[0])
        raise DataError(f"{where}: pixel values must be finite, got {x[bad]} at index {bad}")
    if x.min() < 0 or x.max() > 255 or (x.dtype.kind == "f" and not np.array_equal(x, np.round(x))):
        raise DataError(f"{where}: expected whole pixel values from 0 to 255, got values from "
                        f"{x.min()} to {x.max()}")
    return x.astype(np.uint8)


def _check_labels(y, m, where) -> np.ndarray:
    y = np.asarray(y)
    if y.dtype.kind not in "biuf":
        raise DataError(f"{where}: expected labels 0 or 1, got dtype {y.dtype}")
    if y.ndim == 2 and 1 in y.shape:
        y = y.reshape(-1)               # (1, m) and (m, 1) label rows are common too
    if y.ndim != 1:
        raise DataError(f"{where}: expected labels of shape (m,), got shape {y.shape}")
    if y.shape[0] != m:
        raise DataError(f"{where}: {y.shape[0]} labels for {m} images; the counts must match")
    bad = (y != 0) & (y != 1)
    if bad.any():
        j = int(np.argmax(bad))
        raise DataError(f"{where}: expected labels 0 or 1, got {y[j]} at example {j}")
    return y.astype(np.int64)


# --------------------------------------------------------------------------- resolving a TRAIN argument


def test_file_beside(train_path: Path) -> Path | None:
    """The course's test twin of a training file: train_x.h5 -> test_x.h5 in the same folder."""
    name = train_path.name
    if "train" not in name:
        return None
    twin = train_path.with_name(name.replace("train", "test", 1))
    return twin if twin.exists() else None


def _pair_in_folder(folder: Path) -> tuple[Path, Path | None]:
    trains = sorted(p for p in folder.glob("*.h5") if "train" in p.name)
    if len(trains) != 1:
        listed = ", ".join(p.name for p in trains) or "none"
        raise DataError(f"{folder}: expected one training file named like train_*.h5, found {listed}")
    return trains[0], test_file_beside(trains[0])


def load_training_data(train=None, test=None) -> tuple[Dataset, Dataset | None]:
    """Resolve the command line's TRAIN [--test TEST] into (train set, test set or None).

    TRAIN: None (the embedded digits task), a course HDF5 file, or a folder holding
    a train_*.h5 / test_*.h5 pair. Without `test`, the test set is the training
    file's twin (train -> test in its name) beside it, else the file's own test
    split if it holds both splits, else there is none.
    """
    if train is None:
        if test is not None:
            raise DataError("--test needs a TRAIN data set to go with it")
        return load_digits_task()
    train = Path(train)
    if train.is_dir():
        train, beside = _pair_in_folder(train)
    elif train.exists():
        beside = test_file_beside(train)
    else:
        raise DataError(f"{train}: no such file or folder")
    train_set = load_h5(train, prefer="train")
    test_path = Path(test) if test is not None else beside
    if test_path is not None:
        test_set = load_h5(test_path, prefer="test")
    else:
        test_set = _own_test_split(train)
    if test_set is not None and test_set.image_shape != train_set.image_shape:
        raise DataError(f"{test_set.source}: images of shape {test_set.image_shape}, but the training "
                        f"images are {train_set.image_shape}; both sets need the same size")
    return train_set, test_set


def _own_test_split(path: Path) -> Dataset | None:
    import h5py

    with h5py.File(path, "r") as f:
        both = splits_in(f) == ["train", "test"]
    return load_h5(path, prefer="test") if both else None


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

