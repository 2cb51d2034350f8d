"""The course's HDF5 format, read through one guarded opener.

    <split>_set_x   (m, height, width, channels) or (m, height, width): whole pixel values 0..255
    <split>_set_y   (m,), (1, m) or (m, 1): labels 0 or 1
    list_classes    2 strings, optional: the names of label 0 and label 1

with <split> "train" or "test" (a file may hold both).

Every read of a course file in the program goes through `open_course_file`. Before
any value is read it refuses, each time with one DataError naming the file:

- a path that is not a regular file: a FIFO, a device, a folder (see `files`);
- a dataset reached through a soft or an external link: an external link opens
  another file (h5py has no switch that turns external links off, so the opener
  looks at each link itself and follows only hard links);
- a virtual dataset or external storage: both read other files;
- filters other than gzip, shuffle and fletcher32: lzf's decoder, for one, grows
  its buffer without bound, and unknown filters are plugins loaded from disk;
- types other than integers and floats (class names: short strings);
- shapes beyond the limits of `limits`, and data declared but never written
  (it would read as fill values, without a word).

What is read afterwards is bounded: `CourseFile.memory_to_load` counts everything a
full load and the caller's float X take, and checked values are read in slabs.
"""

from __future__ import annotations

import contextlib
import math
import os
from dataclasses import dataclass
from typing import Iterator

import h5py
import numpy as np

from . import limits
from .dataset import Dataset
from .files import open_regular
from .text import check_class_names, shown
from .resources import require_memory
from ..errors import DataError, SingleNeuronError

DEFAULT_CLASSES = ("non-cat", "cat")
ALLOWED_FILTERS = {1: "gzip", 2: "shuffle", 3: "fletcher32"}
KNOWN_FILTERS = {4: "szip", 5: "nbit", 6: "scaleoffset", 307: "bzip2", 32000: "lzf", 32001: "blosc",
                 32004: "lz4", 32008: "bitshuffle", 32015: "zstd"}
SLAB_BYTES = 2**26              # values read at a time where each must be checked: 64 MiB
LIBRARY_BYTES = 2**24           # HDF5's own buffers and caches (type conversion, metadata, chunks)
DEFLATE_RATIO = 1032            # the most bytes one byte of a deflate stream can inflate to
CHUNK_RECORD_BYTES = 2**13      # what HDF5 keeps for each chunk a read touches (its spaces and index entry)
READ_CHUNKS = 2**12             # chunks one read may touch: 32 MiB of those records
FEW_CHUNKS = 2**16              # a dataset of at most this many chunks may have chunks of any size
MIN_CHUNK_BYTES = 2**10         # beyond FEW_CHUNKS, chunks of fewer bytes are refused


@dataclass
class CourseFile:
    """A course file checked by `open_course_file`, open for reading: shapes known, nothing read yet.

    m examples of image_shape (height, width, channels), n_x = h * w * c values each;
    the read methods return uint8 pixels (n, height, width, channels) and uint8 labels
    (m,) of 0/1, and raise DataError for values or data that cannot be used.
    """

    path: str
    split: str
    m: int
    image_shape: tuple[int, int, int]
    classes: tuple[str, str]
    pixel_dtype: np.dtype
    label_dtype: np.dtype
    _x: h5py.Dataset
    _y: h5py.Dataset
    _read_bytes: int            # what HDF5 itself may allocate for one read: chunk buffers, chunk records
    _x_chunks: Chunking         # how the pixels are cut into chunks, and how many rows one read takes
    _y_chunks: Chunking         # likewise, the labels

    @property
    def n_x(self) -> int:
        return math.prod(self.image_shape)

    @property
    def pixels_key(self) -> str:
        return f"{self.split}_set_x"

    @property
    def labels_key(self) -> str:
        return f"{self.split}_set_y"

    # ------------------------------------------------------------------ what reading costs

    def read_overhead(self) -> int:
        """Bytes a read allocates besides its output: HDF5's chunk buffers and caches, and the
        slab of stored values checked at a time when the pixels are not uint8."""
        return self.chunk_overhead() + LIBRARY_BYTES

    def chunk_overhead(self) -> int:
        """What one read allocates that grows with the file's layout: a chunk (inflated), and
        the slab of values checked at a time; HDF5's fixed caches are not counted here."""
        slab = 0 if self.pixel_dtype == np.uint8 else self._slab_rows() * self.n_x * (self.pixel_dtype.itemsize + 2)
        label_slab = self._label_slab() * (self.label_dtype.itemsize + 2)
        return self._read_bytes + max(slab, label_slab)

    def memory_to_load(self, dtype=np.float64) -> int:
        """Bytes that `load_h5` and then the caller's X need: uint8 pixels, X of `dtype`
        (n_x, m), the labels (read as bytes, kept as int64) and `read_overhead`."""
        values = self.m * self.n_x
        return values * (1 + np.dtype(dtype).itemsize) + self.m * (1 + 8) + self.read_overhead()

    def memory_to_describe(self) -> int:
        """Bytes that `CourseRows` needs: the labels as bytes and `read_overhead` (the pixels
        are left in the file for a reader in chunks)."""
        return self.m + self.read_overhead()

    # ------------------------------------------------------------------ reading

    def read_rows(self, start: int, stop: int, out: np.ndarray | None = None) -> np.ndarray:
        """Pixels of examples start..stop as uint8 (n, height, width, channels), into `out[:n]` if given
        (a C-contiguous uint8 buffer of at least n such images, allocated once by a reader in chunks)."""
        n = stop - start
        if not (0 <= start <= stop <= self.m):
            raise DataError(f"{self.path}: {self.pixels_key}: rows {start}..{stop} are outside 0..{self.m}")
        if out is not None and not (out.flags.c_contiguous and out.dtype == np.uint8):
            raise ValueError("out must be a C-contiguous uint8 array")
        out = np.empty((n, *self.image_shape), np.uint8) if out is None else out
        dest = out[:n].reshape((n, *self._x.shape[1:]))
        if self.pixel_dtype == np.uint8 and dest.flags.c_contiguous:
            step = self._x_chunks.rows_per_read
            for s in range(start, stop, step):                # straight into `out`, a bounded read at a time
                e = min(stop, s + step)
                with self._reading(self.pixels_key):
                    self._x.read_direct(dest, np.s_[s:e], np.s_[s - start:e - start])
            return out[:n]
        step = self._slab_rows()
        for s in range(start, stop, step):
            e = min(stop, s + step)
            with self._reading(self.pixels_key):
                block = self._x[s:e]
            dest[s - start:e - start] = self._checked_pixels(block, s)
        return out[:n]

    def gather(self, index: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
        """Pixels of the examples at `index` (increasing, no repeats) as uint8 (n, height, width, channels)."""
        index = np.asarray(index, dtype=np.int64)
        n = index.size
        if n and (index[0] < 0 or index[-1] >= self.m or np.any(np.diff(index) <= 0)):
            raise DataError(f"{self.path}: {self.pixels_key}: example indices must increase within 0..{self.m - 1}")
        out = np.empty((n, *self.image_shape), np.uint8) if out is None else out
        step = self._x_chunks.rows_per_gather
        for s in range(0, n, step):                             # each read within the chunks one may touch
            part = index[s:s + step]
            with self._reading(self.pixels_key):
                block = self._x[part]
            out[s:s + part.size] = self._checked_pixels(block, None).reshape((part.size, *self.image_shape))
        return out[:n]

    def read_labels(self) -> np.ndarray:
        """All labels as uint8 (m,) of 0/1, read and checked a slab at a time."""
        out = np.empty(self.m, np.uint8)
        shape = self._y.shape
        step = self._label_slab()
        for s in range(0, self.m, step):
            e = min(self.m, s + step)
            sel = np.s_[s:e] if len(shape) == 1 else (np.s_[0, s:e] if shape[0] == 1 else np.s_[s:e, 0])
            with self._reading(self.labels_key):
                block = np.asarray(self._y[sel])
            if block.dtype.kind in "iu" and block.size and 0 <= block.min() and block.max() <= 1:
                out[s:e] = block            # the common case, checked without temporaries of size m
                continue
            bad = (block != 0) & (block != 1)
            if bad.any():
                j = int(np.argmax(bad))
                raise DataError(f"{self.path}: {self.labels_key}: expected labels 0 or 1, got {block[j]} "
                                f"at example {s + j}")
            out[s:e] = block
        return out

    def _checked_pixels(self, block: np.ndarray, start: int | None) -> np.ndarray:
        """Stored pixel values of any integer or float type as uint8, after checking each is a whole 0..255."""
        if block.dtype == np.uint8:
            return block
        block = block.reshape((block.shape[0], *self.image_shape))
        where = f"{self.path}: {self.pixels_key}"
        if block.dtype.kind == "f" and not np.isfinite(block).all():
            bad = tuple(int(i) for i in np.argwhere(~np.isfinite(block))[0])
            at = bad if start is None else (bad[0] + start, *bad[1:])
            raise DataError(f"{where}: pixel values must be finite, got {block[bad]} at index {at}")
        low, high = block.min(), block.max()
        if low < 0 or high > 255:
            raise DataError(f"{where}: expected whole pixel values from 0 to 255, got values from {low} to {high}")
        if block.dtype.kind == "f" and not np.array_equal(block, np.round(block)):
            bad = tuple(int(i) for i in np.argwhere(block != np.round(block))[0])
            at = bad if start is None else (bad[0] + start, *bad[1:])
            raise DataError(f"{where}: expected whole pixel values from 0 to 255, got {block[bad]} at index {at}")
        return block.astype(np.uint8)

    def _slab_rows(self) -> int:
        return max(1, min(self._x_chunks.rows_per_read, SLAB_BYTES // max(1, self.n_x * self.pixel_dtype.itemsize)))

    def _label_slab(self) -> int:
        return min(self.m, max(1, min(self._y_chunks.rows_per_read, SLAB_BYTES // self.label_dtype.itemsize)))

    @contextlib.contextmanager
    def _reading(self, key: str) -> Iterator[None]:
        with _damage(self.path, f"cannot read {key}"):
            yield


@contextlib.contextmanager
def open_course_file(path, prefer: str = "train") -> Iterator[CourseFile]:
    """The course file at `path`, checked before any value is read, open read-only for the block.

    prefer: the split to use when the file holds both ("train" or "test"). Every HDF5
    read in the program goes through here, the readers in chunks included: open the
    file, read rows with `read_rows` / `gather` and labels with `read_labels`.
    Raises DataError naming the file for anything refused (see the module's docstring).
    """
    with _hdf5_file(path) as (f, where):
        with _damage(where, "cannot read the HDF5 file"):
            course = _checked_course(f, where, prefer)
        yield course


def load_h5(path, prefer: str = "train", *, training: bool | None = None) -> Dataset:
    """Read one split of a course-format HDF5 file into memory.

    The file holds `train_set_x`/`train_set_y`, `test_set_x`/`test_set_y`, or both;
    with both, `prefer` ("train" or "test") picks one. `training` (default: prefer is
    "train") refuses labels that are all one class, as a fit would be meaningless.
    Every problem is a DataError naming the file.
    """
    with open_course_file(path, prefer) as course:
        require_memory(course.memory_to_load(), course.path,
                       f"{course.pixels_key} of shape {course._x.shape} ({course.pixel_dtype}), its labels "
                       "and its float copy X")
        images = course.read_rows(0, course.m)
        y = course.read_labels()
    if training if training is not None else prefer == "train":
        require_both_classes(y, f"{course.path}: {course.labels_key}", course.classes)
    return Dataset(images=images, y=y.astype(np.int64), classes=course.classes, source=course.path)


def require_both_classes(y: np.ndarray, where: str, classes: tuple[str, str]) -> None:
    """Refuse training labels that are all one class: there is nothing to separate."""
    ones = int(np.count_nonzero(y))
    if ones in (0, y.size):
        label = 1 if ones else 0
        raise DataError(f"{where}: all {y.size} labels are {label} ({classes[label]}); training needs "
                        "examples of both classes")


def splits_of_file(path) -> list[str]:
    """The splits a course-format file at `path` holds (see `splits_in`)."""
    with _hdf5_file(path) as (f, where):
        with _damage(where, "cannot read the HDF5 file"):
            return splits_in(f, where)


def splits_in(f, where: str) -> list[str]:
    """The splits ("train", "test") an open file holds both datasets of (links are not followed);
    a split of images without labels (or the reverse) is a DataError, never a split left out
    without a word, whichever split a caller wants."""
    for split in ("train", "test"):
        x, y = f"{split}_set_x", f"{split}_set_y"
        if _has(f, x) != _has(f, y):
            present, absent = (x, y) if _has(f, x) else (y, x)
            raise DataError(f"{where}: missing dataset {absent}: holds {present} without {absent} "
                            f"(found: {_names(f)})")
    return [s for s in ("train", "test") if _has(f, f"{s}_set_x") and _has(f, f"{s}_set_y")]


def split_to_read(f, where: str, prefer: str) -> str:
    """The split to read from an open file: the one it holds, or `prefer` if it holds both."""
    complete = splits_in(f, where)
    if prefer in complete:
        return prefer
    if complete:
        return complete[0]
    raise DataError(f"{where}: expected datasets train_set_x and train_set_y (or test_set_x and "
                    f"test_set_y), found: {_names(f)}")


# ---------------------------------------------------------------------------------- opening

@contextlib.contextmanager
def _hdf5_file(path) -> Iterator[tuple[h5py.File, str]]:
    """The regular file at `path` opened by h5py read-only, with the name to show for it.

    h5py opens the very file that was checked, through /proc/self/fd where there is one.
    """
    where = shown(path)
    with open_regular(path, DataError, "an HDF5 file") as raw:
        if raw.read(8) != b"\x89HDF\r\n\x1a\n" and not _signature_after_user_block(raw):
            raise DataError(f"{where}: not an HDF5 file (expected the course's .h5 format)")
        name = f"/proc/self/fd/{raw.fileno()}" if os.path.isdir("/proc/self/fd") else os.fspath(path)
        try:
            f = h5py.File(name, "r")
        except Exception as exc:                # h5py reports a damaged file in many types
            reason = _reason(exc).replace(name, where)
            raise DataError(f"{where}: cannot read the HDF5 file ({reason}); is it truncated or damaged?") from None
        with f:
            yield f, where


def _signature_after_user_block(raw) -> bool:
    """HDF5 also looks for its signature after a user block: at 512, 1024, 2048, ... bytes."""
    offset = 512
    size = os.fstat(raw.fileno()).st_size
    while offset + 8 <= size:
        raw.seek(offset)
        if raw.read(8) == b"\x89HDF\r\n\x1a\n":
            return True
        offset *= 2
    return False


@contextlib.contextmanager
def _damage(where: str, doing: str) -> Iterator[None]:
    """Turn what h5py raises for a damaged file into one DataError."""
    try:
        yield
    except SingleNeuronError:                   # ours already says what was wrong (a limit's setting, ...)
        raise
    except MemoryError:
        raise DataError(f"{where}: {doing}: not enough memory") from None
    except Exception as exc:                    # OSError, RuntimeError, KeyError, ValueError, TypeError, ...
        reason = _reason(exc)
        if "filter returned failure" in reason or "inflate" in reason or "checksum" in reason:
            reason += "; a compressed or checksummed block of the file is damaged"
        raise DataError(f"{where}: {doing} ({reason}); is the file truncated or damaged?") from None


def _reason(exc: Exception) -> str:
    return shown(str(exc).split("\n")[0] or type(exc).__name__)


def _has(f, key: str) -> bool:
    return bool(f.id.links.exists(key.encode()))


def _names(f) -> str:
    count = len(f)
    if count > 20:
        return f"{count} other names"
    return ", ".join(shown(k) for k in sorted(f.keys())) or "nothing"


# ---------------------------------------------------------------------------------- checking

def _checked_course(f, where: str, prefer: str) -> CourseFile:
    split = split_to_read(f, where, prefer)
    xkey, ykey = f"{split}_set_x", f"{split}_set_y"
    x, y = _dataset(f, xkey, where), _dataset(f, ykey, where)
    _require_numbers(x, f"{where}: {xkey}: expected pixel values (uint8), got dtype")
    _require_numbers(y, f"{where}: {ykey}: expected labels 0 or 1, got dtype")
    image_shape = _image_shape(x.shape, f"{where}: {xkey}")
    m = int(x.shape[0])
    _check_label_shape(y.shape, m, f"{where}: {ykey}")
    _check_size(m, math.prod(image_shape), f"{where}: {xkey}")
    for key, node in ((xkey, x), (ykey, y)):
        _require_written(node, f"{where}: {key}")
    x_chunks, y_chunks = Chunking.of(x, f"{where}: {xkey}"), Chunking.of(y, f"{where}: {ykey}")
    classes = _read_classes(f, where)
    return CourseFile(where, split, m, image_shape, classes, x.dtype, y.dtype, x, y,
                      max(_read_bytes(x) + x_chunks.records_bytes(), _read_bytes(y) + y_chunks.records_bytes()),
                      x_chunks, y_chunks)


def _dataset(f, key: str, where: str) -> h5py.Dataset | None:
    """The dataset `key` of the root group, reached by a hard link and stored in this file only."""
    name = key.encode()
    if not f.id.links.exists(name):
        return None
    kind = f.id.links.get_info(name).type
    if kind == h5py.h5l.TYPE_EXTERNAL:
        target, _ = f.id.links.get_val(name)
        raise DataError(f"{where}: refused, {key} is an external link to '{shown(target)}': reading it "
                        "would open another file")
    if kind == h5py.h5l.TYPE_SOFT:
        raise DataError(f"{where}: refused, {key} is a soft link; a course file holds its datasets themselves")
    if kind != h5py.h5l.TYPE_HARD:
        raise DataError(f"{where}: refused, {key} is a user-defined link")
    node = f[key]
    if isinstance(node, h5py.Group):
        raise DataError(f"{where}: {key} is a group, expected a dataset")
    if not isinstance(node, h5py.Dataset):
        raise DataError(f"{where}: {key} is a named type, expected a dataset")
    plist = node.id.get_create_plist()
    if plist.get_layout() == h5py.h5d.VIRTUAL:
        raise DataError(f"{where}: refused, {key} is a virtual dataset: its values come from other files")
    if plist.get_external_count() > 0:
        target = plist.get_external(0)[0]
        raise DataError(f"{where}: refused, {key} keeps its values in another file ('{shown(target)}')")
    for i in range(plist.get_nfilters()):
        code, _, _, name = plist.get_filter(i)
        if code not in ALLOWED_FILTERS:
            label = KNOWN_FILTERS.get(code) or shown(name.decode("utf-8", "replace"))[:40] or "unnamed"
            raise DataError(f"{where}: refused, {key} is stored with the {label} filter ({code}); the course "
                            "format allows gzip, shuffle and fletcher32 (h5repack -f NONE removes filters)")
    return node


NUMBER_CLASSES = (h5py.h5t.INTEGER, h5py.h5t.FLOAT)


def _require_numbers(node: h5py.Dataset, message: str) -> None:
    """Integers or floats of at most 8 bytes (or h5py's booleans), checked on the stored type."""
    stored = node.id.get_type()
    kind = stored.get_class()
    if kind in NUMBER_CLASSES and stored.get_size() <= 8:
        return
    if kind == h5py.h5t.ENUM and _dtype_text(node) == "bool":
        return
    raise DataError(f"{message} {_dtype_text(node)}")


_TYPE_CLASSES = {h5py.h5t.STRING: "string", h5py.h5t.COMPOUND: "compound", h5py.h5t.ENUM: "enum",
                 h5py.h5t.VLEN: "variable-length", h5py.h5t.REFERENCE: "reference", h5py.h5t.OPAQUE: "opaque",
                 h5py.h5t.ARRAY: "array", h5py.h5t.BITFIELD: "bitfield", h5py.h5t.TIME: "time",
                 getattr(h5py.h5t, "COMPLEX", -1): "complex"}


def _dtype_text(node: h5py.Dataset) -> str:
    kind = node.id.get_type().get_class()
    try:
        dtype = node.dtype
        if dtype == np.bool_:
            return "bool"
        text = shown(str(dtype))[:60]
        # h5py maps an enum to its base integers: "uint8" alone would read as the type expected.
        return f"enum of {text}" if kind == h5py.h5t.ENUM else text
    except Exception:                          # a type h5py cannot map to NumPy
        return _TYPE_CLASSES.get(kind, "of an unknown class")


def _image_shape(shape, where: str) -> tuple[int, int, int]:
    if shape is None or len(shape) not in (3, 4) or (len(shape) == 4 and shape[3] not in (1, 3, 4)):
        raise DataError(f"{where}: expected images of shape (m, height, width, channels) with 1, 3 or 4 "
                        f"channels, got shape {shape}")
    if shape[0] == 0:
        raise DataError(f"{where}: the data set is empty (0 examples)")
    if shape[1] == 0 or shape[2] == 0:
        raise DataError(f"{where}: expected images of at least 1x1 pixels, got shape {shape}")
    return int(shape[1]), int(shape[2]), int(shape[3]) if len(shape) == 4 else 1


def _check_label_shape(shape, m: int, where: str) -> None:
    if shape is None or not (len(shape) == 1 or (len(shape) == 2 and 1 in shape)):
        raise DataError(f"{where}: expected labels of shape (m,), got shape {shape}")
    count = int(np.prod(shape, dtype=object))
    if count != m:
        raise DataError(f"{where}: {count} labels for {m} images; the counts must match")


def _check_size(m: int, n_x: int, where: str) -> None:
    for name, value, what in (("examples", m, "examples"), ("features", n_x, "values per image")):
        limits.refuse_beyond(name, value, where, what, DataError, found="the file declares ")


def _require_written(node: h5py.Dataset, where: str) -> None:
    """Refuse a dataset whose storage was never (or only partly) written: it would read as fill values."""
    status = node.id.get_space_status()
    if status == h5py.h5d.SPACE_STATUS_ALLOCATED:
        return
    part = "only some" if status == h5py.h5d.SPACE_STATUS_PART_ALLOCATED else "none"
    raise DataError(f"{where}: refused, the file declares shape {node.shape} but stores {part} of its values "
                    "(what is missing would read as fill values)")


@dataclass(frozen=True)
class Chunking:
    """How a dataset is cut into chunks, and how many of its rows one read may take.

    HDF5 keeps a record of some kilobytes for every chunk a read touches (its selection and
    index entry): a read of 245,760 one-value chunks took 1.6 GB, streamed or not. So no read
    touches more than READ_CHUNKS chunks (rows_per_read), its records are counted in the memory a
    read takes, and a dataset of more than FEW_CHUNKS chunks of under MIN_CHUNK_BYTES each, which
    no honest writer makes (h5py's own chunks hold 8 KiB and more), is refused: each chunk costs
    a read and its records, whatever it holds.
    """

    chunks: int                 # chunks in the dataset (1 for a contiguous one)
    per_row: int                # chunks that one row (axis 0) runs across
    rows: int                   # rows in one chunk
    rows_per_read: int

    @classmethod
    def of(cls, node: h5py.Dataset, where: str) -> Chunking:
        shape = tuple(int(s) for s in node.shape)
        plist = node.id.get_create_plist()
        if plist.get_layout() != h5py.h5d.CHUNKED or not shape:
            return cls(1, 1, max(shape[:1], default=1), max(shape[:1], default=1))
        chunk = tuple(int(c) for c in plist.get_chunk())
        across = [-(-s // c) for s, c in zip(shape, chunk)]
        chunks, per_row = math.prod(across), math.prod(across[1:])
        chunk_bytes = math.prod(chunk) * node.dtype.itemsize
        if chunks > FEW_CHUNKS and chunk_bytes < MIN_CHUNK_BYTES:
            raise DataError(f"{where}: refused, stored in {chunks:,} chunks of {chunk_bytes:,} bytes (each chunk costs "
                            f"a read and HDF5's records of it); at most {FEW_CHUNKS:,} chunks may hold less than "
                            f"{MIN_CHUNK_BYTES:,} bytes (h5repack -l CHUNK=... writes larger ones)")
        rows_per_read = max(1, READ_CHUNKS // max(1, per_row)) * chunk[0]
        return cls(chunks, per_row, chunk[0], rows_per_read)

    @property
    def rows_per_gather(self) -> int:
        """Rows of a gathered mini-batch one read may take: rows far apart each touch a row of chunks."""
        return max(1, READ_CHUNKS // max(1, self.per_row)) if self.chunks > 1 else self.rows_per_read

    def records_bytes(self) -> int:
        """HDF5's records of the chunks one read touches: its rows, and one more row of chunks where
        a read starts inside a chunk."""
        if self.chunks == 1:
            return 0
        return min(self.chunks, (self.rows_per_read // self.rows + 1) * self.per_row) * CHUNK_RECORD_BYTES


def _read_bytes(node: h5py.Dataset) -> int:
    """What HDF5 may allocate for one read of `node` besides the output: for a chunked dataset,
    a chunk and its stored form (and before HDF5 2.0, a gzip chunk's inflated worst case)."""
    plist = node.id.get_create_plist()
    if plist.get_layout() != h5py.h5d.CHUNKED:
        return 0
    chunk = int(np.prod(plist.get_chunk(), dtype=object)) * node.dtype.itemsize
    gzip = any(plist.get_filter(i)[0] == 1 for i in range(plist.get_nfilters()))
    if not gzip or h5py.version.hdf5_version_tuple >= (2, 0, 0):
        return 2 * chunk
    # HDF5 before 2.0 inflates into a buffer it doubles until the stream ends.
    stored = []
    node.id.chunk_iter(lambda info: stored.append(info.size))
    return 2 * chunk + DEFLATE_RATIO * max(stored, default=0)


def _read_classes(f, where: str) -> tuple[str, str]:
    node = _dataset(f, "list_classes", where)
    if node is None:
        return DEFAULT_CLASSES
    key = f"{where}: list_classes"
    if node.id.get_type().get_class() != h5py.h5t.STRING:
        raise DataError(f"{key}: expected 2 class names (text), got dtype {_dtype_text(node)}")
    shape = node.shape
    count = int(np.prod(shape, dtype=object)) if shape is not None else 0
    if shape is None or len(shape) > 2 or count != 2:
        raise DataError(f"{key}: expected 2 class names, got {count}")
    stored = node.id.get_type()
    if not stored.is_variable_str() and stored.get_size() > 4 * limits.CLASS_NAME_CHARS:
        raise DataError(f"{key}: refused, class names of {stored.get_size()} bytes; at most "
                        f"{limits.CLASS_NAME_CHARS} characters are allowed")
    _require_written(node, key)
    raw = np.ravel(node[()])
    names = []
    for value in raw:
        try:
            name = value.decode("utf-8") if isinstance(value, bytes) else str(value)
        except UnicodeDecodeError:
            raise DataError(f"{key}: class names must be UTF-8 text") from None
        names.append(name)
    return check_class_names(names, key, DataError)


class CourseRows:
    """One split of a course file read in chunks, for training that does not hold it in memory.

    The file is checked by `open_course_file` and kept open; the labels are read once
    and checked (m bytes, counted in `overhead`), the pixels are left in the file.
    `read` and `gather` fill the caller's uint8 buffers, images (n, height, width,
    channels) and labels (n,): the row source of the streaming pass. Pickled, for
    Dask's workers, it carries only the path and split, and each worker opens the
    file through the same guard (`images`).
    """

    def __init__(self, path, prefer: str = "train", *, training: bool = True):
        self._stack = contextlib.ExitStack()
        try:
            course = self._stack.enter_context(open_course_file(path, prefer))
            if course.pixel_dtype != np.uint8:
                raise DataError(f"{course.path}: {course.pixels_key}: reading in chunks needs uint8 pixels, "
                                f"got {course.pixel_dtype}")
            require_memory(course.memory_to_describe(), course.path, f"{course.labels_key} of {course.m} labels")
            self.y = course.read_labels()
        except BaseException:
            self._stack.close()
            raise
        if training:
            require_both_classes(self.y, f"{course.path}: {course.labels_key}", course.classes)
        self._course = course
        self.path, self.split, self.m = course.path, course.split, course.m
        self.image_shape, self.classes = course.image_shape, course.classes
        # What the chunks' reader adds to a streaming pass's budget: a chunk's buffers and the labels;
        # HDF5's fixed caches are in the pass's own slack.
        self.overhead = course.chunk_overhead() + self.m

    def __getstate__(self):
        return {"path": self.path, "split": self.split, "m": self.m, "image_shape": self.image_shape,
                "classes": self.classes}

    def __setstate__(self, state):
        vars(self).update(state)

    def close(self) -> None:
        if "_stack" in vars(self):
            self._stack.close()

    def read(self, start: int, stop: int, pixels: np.ndarray, labels: np.ndarray) -> None:
        """Examples start..stop into pixels[:stop - start] and labels[:stop - start]."""
        self._course.read_rows(start, stop, out=pixels)
        labels[:stop - start] = self.y[start:stop]

    def gather(self, index: np.ndarray, pixels: np.ndarray, labels: np.ndarray) -> None:
        """The examples at sorted `index` (a mini-batch) into pixels[:n] and labels[:n]."""
        self._course.gather(index, out=pixels)
        np.take(self.y, index, out=labels[:index.size])

    def images(self, start: int, stop: int) -> np.ndarray:
        """Examples start..stop as uint8 images (n, height, width, channels), opening the file
        through the guard: what a Dask worker calls."""
        with open_course_file(self.path, self.split) as course:
            return course.read_rows(start, stop)
