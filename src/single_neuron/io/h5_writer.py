"""Image folders written as course-format HDF5 files, one image at a time.

    FILE.h5
      train_set_x   (m, height, width, channels) uint8, chunked by examples
      train_set_y   (m,) int64 of 0/1
      test_set_x, test_set_y   likewise, when the folder holds train/ and test/
      list_classes  (2,) bytes: the names of label 0 and label 1

The images are chosen, ordered, labelled and resized exactly as `folders.load_image_folder`
reads the folder, so a model trained on the file learns what it would learn from the
folder; but they are written as they are decoded, a chunk at a time, so a folder much
larger than memory becomes a file that out-of-core and Dask training read in chunks.
The file is built under a temporary name beside its destination (named after this
process, as `atomic` names its temporaries, and swept the same way once the writer is
gone) and renamed into place when complete.

HDF5 meets a full disk (ENOSPC) or the file size limit (EFBIG) in its caches' flush, where it
cannot report it: h5py printed errors it ignored and the process crashed (signal 11). So the
room the file needs is asked for before HDF5 writes a byte (`atomic.check_room`), every chunk
is given its place in the file when its dataset is made, and the disk blocks under them are
reserved (`atomic.reserve`) before the images are written: a disk that is full is one line,
and HDF5's writes land where they cannot fail for want of space.
"""

from __future__ import annotations

import contextlib
import os
from dataclasses import dataclass
from pathlib import Path

import h5py
import numpy as np

from ..errors import DataError, ImageError, OutputError
from . import folders, limits
from .atomic import check_room, check_writable, reserve, sweep_stale, temporary_name
from .images import read_image

CHUNK_BYTES = 1 << 20          # about 1 MiB of pixels a chunk: a few images, or a few thousand small ones


@dataclass(frozen=True)
class Split:
    """What one split of the written file holds."""

    name: str                              # "train" or "test"
    image_shape: tuple[int, int, int]
    counts: tuple[int, int]                # examples of label 0 and of label 1
    skipped: tuple[str, ...]               # files passed over: not images, or not decodable


def import_image_folder(folder, path, size: int = limits.DEFAULT_SIDE) -> tuple[tuple[str, str], list[Split]]:
    """Write the image folder `folder` (one sub-folder per class, or train/ and test/ each laid
    out so) to the course-format HDF5 file `path`, images resized to size x size.

    Returns the class names (label 0 first) and what each split holds. `path` must not
    exist yet, nor lie inside `folder`.
    """
    folder, path = Path(folder), Path(path)
    check_destination(folder, path)
    check_writable(path, "HDF5 file")
    sources = [("train", folder / "train"), ("test", folder / "test")] if folders.is_split_folder(folder) \
        else [("train", folder)]
    train = _listing(sources[0][1], folder, None, None)
    limits.refuse_beyond("features", size * size * train.channels, str(folder),
                         f"values per image ({size}x{size}x{train.channels})", DataError)
    listings = [("train", train)] + [("test", _listing(source, folder, train.channels, train.classes))
                                     for _, source in sources[1:]]
    check_room(path, sum(_layout(listing, (size, size)).file_bytes for _, listing in listings) + ROOM_SLACK,
               "HDF5 file")
    splits = []
    with _file_being_built(path) as f:
        made = [(name, listing, *_allocated(f, name, _layout(listing, (size, size)))) for name, listing in listings]
        f["list_classes"] = np.array([c.encode("utf-8") for c in train.classes])
        f.flush()
        with open(f.filename, "r+b") as raw:          # the blocks under every chunk, before any is written
            reserve(raw.fileno(), f.id.get_filesize())
        for name, listing, x, y in made:
            splits.append(_write_split(name, listing, (size, size), x, y))
    return train.classes, splits


def check_destination(folder, path) -> None:
    """Refuse, before any work, an import into a file that exists already or lies inside the
    folder being imported (it would be read as part of it the next time)."""
    folder, path = Path(folder), Path(path)
    if not folder.is_dir():
        raise DataError(f"{folder}: no such folder")
    if path.resolve().is_relative_to(folder.resolve()):
        raise OutputError(f"{path}: lies inside the folder being imported; choose a place outside {folder}")
    if path.exists() or path.is_symlink():
        raise OutputError(f"{path}: already exists; choose a new name")


@dataclass
class _Listing:
    folder: Path
    files: list[tuple[Path, int]]
    skipped: list[str]
    channels: int
    classes: tuple[str, str]
    order: list[Path]                      # the class folders, label 0 first


def _listing(folder: Path, root: Path, channels: int | None, classes: tuple[str, str] | None) -> _Listing:
    """The image files of a class folder and their labels, as `folders.load_image_folder` takes
    them (`folders.list_images`: the same order, the same files skipped, the same refusals, the
    class names of classes.txt) and the number of channels it would choose. With `classes` (the
    training split's), the labels are numbered by those names: the same names in the other order
    swap them, and other names are refused, as `sources.labelled_by` does for a test set."""
    listing = folders.list_images(folder, classes, root)
    if channels is None:
        channels = 1 if listing.modes <= folders.GRAYSCALE_MODES else 3
    files, names, order = listing.files, listing.classes, listing.order
    if classes is not None and names != classes:
        if sorted(names) != sorted(classes):
            raise DataError(f"{folder}: classes {', '.join(repr(c) for c in names)} are not the training set's "
                            f"({', '.join(repr(c) for c in classes)}); classes are matched by name")
        files, names, order = [(path, 1 - label) for path, label in files], classes, order[::-1]
    return _Listing(folder, files, listing.skipped, channels, names, order)


ROOM_SLACK = 2**20             # HDF5's headers, chunk indexes and class names, beyond the chunks themselves


@dataclass(frozen=True)
class _Layout:
    """How one split is stored: m images of `shape`, `rows` to a chunk of pixels, `label_rows` to a chunk of labels."""

    m: int
    shape: tuple[int, int, int]
    rows: int
    label_rows: int

    @property
    def file_bytes(self) -> int:
        """The bytes of all its chunks, the last ones whole."""
        pixels = -(-self.m // self.rows) * self.rows * int(np.prod(self.shape))
        return pixels + -(-self.m // self.label_rows) * self.label_rows * 8


def _layout(listing: _Listing, size: tuple[int, int]) -> _Layout:
    shape = (size[0], size[1], listing.channels)
    m = len(listing.files)
    rows = max(1, min(m, CHUNK_BYTES // int(np.prod(shape))))
    return _Layout(m, shape, rows, max(rows, min(m, 4096)))


def _allocated(f, name: str, layout: _Layout):
    """The split's pixel and label datasets, every chunk given its place in the file now (and no fill
    written), so that writing them later needs no more room."""
    def created(key, shape, chunks, dtype):
        plist = h5py.h5p.create(h5py.h5p.DATASET_CREATE)
        plist.set_alloc_time(h5py.h5d.ALLOC_TIME_EARLY)
        return f.create_dataset(key, shape=shape, maxshape=shape, chunks=chunks, dtype=dtype, dcpl=plist,
                                fill_time="never")

    m, shape = layout.m, layout.shape
    return (created(f"{name}_set_x", (m, *shape), (layout.rows, *shape), np.uint8),
            created(f"{name}_set_y", (m,), (layout.label_rows,), np.int64))


def _write_split(name: str, listing: _Listing, size: tuple[int, int], x, y) -> Split:
    shape = (size[0], size[1], listing.channels)
    m, rows = len(listing.files), x.chunks[0]
    pixels, labels = np.empty((rows, *shape), np.uint8), np.empty(rows, np.int64)
    kept, filled, skipped = 0, 0, list(listing.skipped)
    counts = [0, 0]
    for file, label in listing.files:
        try:
            pixels[filled] = read_image(file, size, listing.channels)
        except ImageError:
            skipped.append(str(file))             # it named itself an image but does not decode
            continue
        labels[filled] = label
        counts[label] += 1
        filled += 1
        if filled == rows:                       # a whole chunk at a time: nothing is read back
            x[kept:kept + rows], y[kept:kept + rows] = pixels, labels
            kept, filled = kept + rows, 0
    if filled:
        x[kept:kept + filled], y[kept:kept + filled] = pixels[:filled], labels[:filled]
        kept += filled
    for label in (0, 1):
        if counts[label] == 0:
            raise DataError(f"{listing.order[label]}: the class folder holds no images that decode")
    if kept < m:
        x.resize(kept, axis=0)
        y.resize(kept, axis=0)
    return Split(name, shape, (counts[0], counts[1]), tuple(skipped))


@contextlib.contextmanager
def _file_being_built(path: Path):
    """An HDF5 file open for writing under a temporary name, renamed to `path` once complete."""
    sweep_stale(path)
    tmp = temporary_name(path)
    try:
        with h5py.File(tmp, "w") as f:
            yield f
        with open(tmp, "rb") as done:
            os.fsync(done.fileno())
        if path.exists():
            raise OutputError(f"{path}: appeared while it was being written; nothing was replaced")
        os.replace(tmp, path)
    except OSError as exc:
        raise OutputError(f"{path}: cannot write the HDF5 file ({exc.strerror or exc})") from None
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
