"""The course's HDF5 format: `<split>_set_x` (m, h, w, c) uint8, `<split>_set_y` (m,) 0/1, `list_classes`.

h5py does the reading; everything that can be wrong with a file becomes one
`DataError` naming the file and what was expected.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from pathlib import Path

import h5py
import numpy as np

from .dataset import Dataset
from ..errors import DataError
from .resources import require_memory

DEFAULT_CLASSES = ("non-cat", "cat")


def load_h5(path, prefer: str = "train") -> Dataset:
    """Read one split of a course-format HDF5 file.

    The file holds `train_set_x`/`train_set_y`, `test_set_x`/`test_set_y`, or both;
    with both, `prefer` ("train" or "test") picks one. Every problem is a
    `DataError` naming the file.
    """
    where = str(path)
    with _course_file(path) as f:
        split = split_to_read(f, where, prefer)
        x = _read(f, f"{split}_set_x", where)
        y = _read(f, f"{split}_set_y", where)
        classes = _read_classes(f, where)
    images = _check_images(x, f"{where}: {split}_set_x")
    labels = _check_labels(y, images.shape[0], f"{where}: {split}_set_y")
    return Dataset(images=images, y=labels, classes=classes, source=where)


@dataclass(frozen=True)
class H5Description:
    """A course file's labels and the shape of its pixels, checked, without reading the pixels."""

    path: str
    split: str
    y: np.ndarray                      # (m,) uint8 of 0/1: one byte a label, for files of any length
    classes: tuple[str, str]
    image_shape: tuple[int, int, int]


def describe_h5(path, prefer: str = "train") -> H5Description:
    """Open a course file for reading in chunks: labels loaded and checked, pixels only described.

    The pixels must be uint8 of shape (m, height, width, channels): reading in chunks
    converts each chunk as it comes, so they cannot be checked all at once first.
    """
    where = str(path)
    with _course_file(path) as f:
        split = split_to_read(f, where, prefer)
        node = f[f"{split}_set_x"]
        if not isinstance(node, h5py.Dataset):
            raise DataError(f"{where}: {split}_set_x is a group, expected a dataset")
        shape, dtype = node.shape, node.dtype
        y = _read(f, f"{split}_set_y", where)
        classes = _read_classes(f, where)
    key = f"{where}: {split}_set_x"
    _check_image_shape(shape, key)
    if dtype != np.uint8:
        raise DataError(f"{key}: reading in chunks needs uint8 pixels, got {dtype}")
    labels = _check_labels(y, shape[0], f"{where}: {split}_set_y").astype(np.uint8)
    image_shape = tuple(int(s) for s in shape[1:]) + ((1,) if len(shape) == 3 else ())
    return H5Description(where, split, labels, classes, image_shape)


@contextlib.contextmanager
def _course_file(path):
    """The HDF5 file at `path`, open for reading; every way that fails is one DataError naming it."""
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
            yield f
    except DataError:
        raise
    except (OSError, KeyError, ValueError, TypeError, RuntimeError) as exc:
        reason = str(exc).split("\n")[0] or type(exc).__name__
        raise DataError(f"{where}: cannot read the HDF5 file ({reason}); is it truncated or damaged?") from None


def _check_image_shape(shape, where) -> None:
    if len(shape) not in (3, 4) or (len(shape) == 4 and shape[3] not in (1, 3, 4)):
        raise DataError(f"{where}: expected images of shape (m, height, width, channels) with 1, 3 or 4 "
                        f"channels, got shape {shape}")
    if shape[0] == 0:
        raise DataError(f"{where}: the data set is empty (0 examples)")
    if 0 in shape[1:]:
        raise DataError(f"{where}: images of shape {tuple(shape[1:])} hold no pixels")


def splits_of_file(path) -> list[str]:
    """The splits a course-format file at `path` holds completely."""
    with h5py.File(path, "r") as f:
        return splits_in(f)


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


def _read(f, key, where):
    node = f[key]
    if not isinstance(node, h5py.Dataset):
        raise DataError(f"{where}: {key} is a group, expected a dataset")
    count = float(np.prod(node.shape, dtype=np.float64)) if node.shape else 1.0
    # A damaged or hostile header can declare any size: ask before reading. Pixels also
    # become one float64 copy (X) for training.
    extra = 8.0 * count if key.endswith("_x") else 0.0
    require_memory(count * node.dtype.itemsize + extra, where,
                   f"{key} of shape {node.shape} ({node.dtype})")
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
    _check_image_shape(x.shape, where)
    if x.ndim == 3:
        x = x[..., np.newaxis]          # grayscale stacks (m, h, w) gain a channel axis
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
    if y.dtype.kind in "biu" and y.size and 0 <= y.min() and y.max() <= 1:
        return y                        # the common case, checked without temporaries of size m
    bad = (y != 0) & (y != 1)
    if bad.any():
        j = int(np.argmax(bad))
        raise DataError(f"{where}: expected labels 0 or 1, got {y[j]} at example {j}")
    return y.astype(np.int64)


class CourseRows:
    """The examples of one split of a course file, read in chunks by whoever trains on them.

    Nothing of size m is read up front: `read` and `gather` fill the caller's uint8
    buffers with images (n, height, width, channels) and labels (n,), and check each
    chunk's labels as it comes. Used as a row source by the streaming pass, and,
    pickled, by Dask's workers (each opens the file itself).
    """

    def __init__(self, path, prefer: str = "train"):
        self.path = str(path)
        where = self.path
        with _course_file(path) as f:
            self.split = split = split_to_read(f, where, prefer)
            x, y = f[f"{split}_set_x"], f[f"{split}_set_y"]
            for key, node in ((f"{split}_set_x", x), (f"{split}_set_y", y)):
                if not isinstance(node, h5py.Dataset):
                    raise DataError(f"{where}: {key} is a group, expected a dataset")
            self.classes = _read_classes(f, where)
            shape, dtype, y_shape, y_dtype = x.shape, x.dtype, y.shape, y.dtype
        key = f"{where}: {split}_set_x"
        _check_image_shape(shape, key)
        if dtype != np.uint8:
            raise DataError(f"{key}: reading in chunks needs uint8 pixels, got {dtype}")
        if y_dtype.kind not in "biuf":
            raise DataError(f"{where}: {split}_set_y: expected labels 0 or 1, got dtype {y_dtype}")
        if (len(y_shape) not in (1, 2) or int(np.prod(y_shape)) != shape[0]
                or sum(1 for s in y_shape if s != 1) > 1):
            raise DataError(f"{where}: {split}_set_y: {int(np.prod(y_shape))} labels of shape {y_shape} for "
                            f"{shape[0]} images; expected ({shape[0]},)")
        self.m = int(shape[0])
        self.image_shape = tuple(int(s) for s in shape[1:]) + ((1,) if len(shape) == 3 else ())
        self._file = None

    def __getstate__(self):
        return {k: v for k, v in vars(self).items() if k != "_file"} | {"_file": None}

    def _open(self):
        if self._file is None:
            self._file = h5py.File(self.path, "r")
        return self._file[f"{self.split}_set_x"], self._file[f"{self.split}_set_y"]

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None

    def read(self, start: int, stop: int, pixels: np.ndarray, labels: np.ndarray) -> None:
        """Examples start..stop into pixels[:stop - start] and labels[:stop - start]."""
        x, y = self._open()
        n = stop - start
        x.read_direct(pixels.reshape(pixels.shape[0], *x.shape[1:]), np.s_[start:stop], np.s_[0:n])
        self._labels(_label_rows(y, np.s_[start:stop]), start, labels)

    def gather(self, index: np.ndarray, pixels: np.ndarray, labels: np.ndarray) -> None:
        """The examples at sorted `index` (a mini-batch) into pixels[:n] and labels[:n]."""
        x, y = self._open()
        pixels[:index.size] = x[index].reshape(pixels[:index.size].shape)
        self._labels(_label_rows(y, index), None, labels)

    def images(self, start: int, stop: int) -> np.ndarray:
        """Examples start..stop as uint8 images (n, height, width, channels): for Dask's workers."""
        out = np.empty((stop - start, *self.image_shape), np.uint8)
        x, _ = self._open()
        x.read_direct(out.reshape(stop - start, *x.shape[1:]), np.s_[start:stop], np.s_[0:stop - start])
        return out

    def all_labels(self) -> np.ndarray:
        """Every label as (m,) uint8, checked (m bytes)."""
        require_memory(float(self.m), self.path, f"{self.split}_set_y of {self.m} labels")
        out = np.empty(self.m, np.uint8)
        _, y = self._open()
        self._labels(_label_rows(y, np.s_[:]), 0, out)
        return out

    def _labels(self, values, start, out) -> None:
        values = np.asarray(values)
        bad = (values != 0) & (values != 1)
        if bad.any():
            j = int(np.argmax(bad))
            where = f"example {start + j}" if start is not None else "a mini-batch"
            raise DataError(f"{self.path}: {self.split}_set_y: expected labels 0 or 1, got {values[j]} at {where}")
        out[:values.size] = values


def _label_rows(y, rows) -> np.ndarray:
    """Labels `rows` of a label dataset of shape (m,), (1, m) or (m, 1), as a flat array."""
    if y.ndim == 1:
        return y[rows]
    return (y[0, rows] if y.shape[0] == 1 else y[rows, 0]).reshape(-1)
