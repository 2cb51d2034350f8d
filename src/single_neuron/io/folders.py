"""Folders of images, one sub-folder per class: read them as a data set, write one out.

    DIR/
      classes.txt        optional: the two class folders, label 0 first, one a line;
                         a line FOLDER<TAB>"NAME" gives the class in FOLDER another name
                         (a JSON string: any name, even one no folder could carry)
      non-cat/  *.png, *.jpg, ...
      cat/      ...

Without classes.txt the sub-folders are taken in sorted order (label 0 first),
as other image-folder loaders do. Images of any size, format and mode are
resized to one size (see `images.read_image`); files that are not images are
skipped and counted, never a crash. A folder with `train/` and `test/`, each
laid out as above, holds both splits.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from PIL import Image

from . import limits
from .dataset import Dataset
from .atomic import atomic_folder
from ..errors import DataError, ImageError
from .files import read_regular, require_inside
from .images import ImageHeader, RefusedImage, memory_to_decode, probe_image, read_image
from .resources import require_memory
from .text import check_class_name, check_class_names, shown

CLASSES_FILE = "classes.txt"
GRAYSCALE_MODES = {"1", "L", "LA", "I", "I;16", "I;16B", "I;16L", "F"}


def class_folders(folder: Path) -> list[Path]:
    return sorted(p for p in folder.iterdir() if p.is_dir() and not p.name.startswith("."))


def is_split_folder(folder: Path) -> bool:
    """True for a folder holding train/ and test/ image folders."""
    return (folder / "train").is_dir() and (folder / "test").is_dir() and len(class_folders(folder / "train")) > 0


def files_under(folder: Path, error=DataError) -> list[Path]:
    """The files under `folder`, sorted, at any depth, as every reader of a folder takes them:
    hidden files and hidden folders passed over, links to folders not followed (a link to a
    file is listed; the caller decides whether it leads out). The walk keeps its own stack, so
    a folder nested thousands deep is listed like any other."""
    found, stack = [], [folder]
    while stack:
        current = stack.pop()
        try:
            with os.scandir(current) as entries:
                listed = [(entry.name, entry.is_dir(follow_symlinks=False), entry.is_file()) for entry in entries]
        except OSError as exc:
            raise error(f"{shown(current)}: cannot list the folder ({exc.strerror or exc})") from None
        for name, is_folder, is_file in listed:
            if name.startswith("."):
                continue
            if is_folder:
                stack.append(current / name)
            elif is_file:
                found.append(current / name)
    return sorted(found)


def ordered_classes(folder: Path, classes: tuple[str, str] | None = None,
                    root: Path | None = None) -> tuple[list[Path], tuple[str, str]]:
    """The two class folders, label 0 first, and their class names: classes.txt's order and names
    if there is one, else the folders' sorted names; `classes` (a model's names), where the names
    are the same, orders them instead. Everything found must lie inside `root` (the data folder
    given, `folder` by default)."""
    found = class_folders(folder)
    names = [p.name for p in found]
    if len(found) != 2:
        listed = ", ".join(shown(n) for n in names[:10]) or "none"
        raise DataError(f"{shown(folder)}: expected exactly two class folders, found {len(found)} ({listed})")
    for name in names:
        check_class_name(name, f"{shown(folder)}", DataError)
    named = dict(zip(names, names))
    pairs = _listed(folder, names, root or folder)
    if pairs is not None:
        named = dict(pairs)
        found = [folder / f for f, _ in pairs]
    by_name = {named[p.name]: p for p in found}
    if classes is not None and sorted(classes) == sorted(by_name):
        found = [by_name[classes[0]], by_name[classes[1]]]
    return found, check_class_names([named[p.name] for p in found], shown(folder), DataError)


def _listed(folder: Path, names: list[str], root: Path) -> list[tuple[str, str]] | None:
    """The (folder, class name) pairs of the folder's classes.txt, label 0 first, checked against the
    class folders `names`; None without a classes.txt."""
    listed = folder / CLASSES_FILE
    if not (listed.exists() or listed.is_symlink()):
        return None
    pairs = read_classes_file(listed, root)
    if len(pairs) != 2:
        raise DataError(f"{shown(listed)}: expected the two class names, one a line, found {len(pairs)} lines")
    if sorted(f for f, _ in pairs) != sorted(names):
        raise DataError(f"{shown(listed)}: names {[shown(f) for f, _ in pairs]} do not match the class "
                        f"folders {names}")
    return pairs


def read_classes_file(listed: Path, root: Path) -> list[tuple[str, str]]:
    """The (folder, class name) pairs of a classes.txt, label 0 first (see the module's docstring):
    a regular file of at most CLASSES_FILE_BYTES, UTF-8, inside the data folder `root`."""
    import json

    require_inside(listed, root, DataError)
    data = read_regular(listed, DataError, "a list of class names", limits.CLASSES_FILE_BYTES)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise DataError(f"{shown(listed)}: expected the class names as UTF-8 text") from None
    pairs = []
    for number, line in enumerate(text.splitlines(), 1):
        folder_name, tab, name = line.partition("\t")
        if not folder_name.strip():
            continue
        if not tab:
            pairs.append((folder_name.strip(), folder_name.strip()))
            continue
        try:
            name = json.loads(name)
        except json.JSONDecodeError:
            name = None
        if not isinstance(name, str):
            raise DataError(f"{shown(listed)}: line {number}: expected FOLDER, or FOLDER, a tab and the class "
                            "name as a JSON string")
        pairs.append((folder_name.strip(), check_class_name(name, shown(listed), DataError)))
    return pairs


def memory_to_load_folder(count: int, size: tuple[int, int], channels: int, largest: ImageHeader | None,
                   dtype=np.float64) -> int:
    """Bytes that loading `count` images resized to `size` takes, with the caller's X of `dtype`:
    the uint8 stack, X (n_x, m), the labels, and decoding the largest image (see `memory_to_decode`)."""
    values = count * size[0] * size[1] * channels
    decode = memory_to_decode(largest, size, channels) if largest is not None else 0
    return values * (1 + np.dtype(dtype).itemsize) + count * 8 + decode


@dataclass
class Listing:
    """The image files of a folder of classes, before any is decoded: the class folders (label 0
    first) and their names, (file, label) pairs, the files passed over as not images, the images' modes and the
    largest header (for the memory to decode it)."""

    order: list[Path]
    classes: tuple[str, str]            # the names of label 0 and label 1 (classes.txt's, or the folders')
    files: list[tuple[Path, int]]
    skipped: list[str]
    modes: set[str]
    largest: ImageHeader | None
    refused: list[str] = field(default_factory=list)    # why images were refused by a limit


def list_images(folder: Path, classes: tuple[str, str] | None = None, root: Path | None = None) -> Listing:
    """The images of DIR/<class>/..., as every reader of image folders takes them: regular files
    not hidden (see `files_under`), in sorted order, none leading out of `root` (the data folder
    given: DIR itself, or the folder holding DIR as its train/ or test/ split), within the
    example limit; a class with none is refused unless `classes` is given (a test set may lack one)."""
    root = folder if root is None else root
    if not folder.is_dir():
        raise DataError(f"{shown(folder)}: no such folder")
    require_inside(folder, root, DataError)
    order, names = ordered_classes(folder, classes, root)
    listing = Listing(order, names, [], [], set(), None)
    most = limits.limit("examples")
    for label, class_dir in enumerate(order):
        found = 0
        require_inside(class_dir, root, DataError)
        for path in files_under(class_dir):
            require_inside(path, root, DataError)
            try:
                header = image_header(path)
            except RefusedImage as exc:             # passed over like a damaged image, but said why
                listing.refused.append(str(exc))
                header = None
            if header is None:
                listing.skipped.append(shown(path))
                continue
            listing.modes.add(header.mode)
            largest = listing.largest
            if largest is None or header.width * header.height > largest.width * largest.height:
                listing.largest = header
            listing.files.append((path, label))
            found += 1
            if len(listing.files) > most:
                raise DataError(f"{shown(folder)}: refused, more than {most:,} images ({limits.hint('examples')})")
        if not found and classes is None:      # a training set needs both; a test set may lack one
            raise DataError(f"{shown(class_dir)}: the class folder holds no images{_refusals(listing)}")
    if not listing.files:
        raise DataError(f"{shown(folder)}: the class folders hold no images{_refusals(listing)}")
    return listing


def _refusals(listing: Listing) -> str:
    if not listing.refused:
        return ""
    return f" it may read ({len(listing.refused)} refused; the first: {listing.refused[0]})"


def load_image_folder(folder, size: tuple[int, int] = (64, 64), channels: int | None = None,
                      classes: tuple[str, str] | None = None, root=None) -> Dataset:
    """Read DIR/<class>/<image> into a Dataset of images resized to `size` (height, width).

    channels: 1, 3 or 4; by default 1 if every image is grayscale, else 3.
    classes: the label order to use when the class names match it (a model's classes).
    root: the data folder given, when DIR is its train/ or test/ split (see `list_images`).
    """
    folder = Path(folder)
    listing = list_images(folder, classes, None if root is None else Path(root))
    order, files, skipped, modes, largest = (listing.order, listing.files, listing.skipped, listing.modes,
                                             listing.largest)
    if channels is None:
        channels = 1 if modes <= GRAYSCALE_MODES else 3
    limits.refuse_beyond("features", size[0] * size[1] * channels, shown(folder),
                         f"values per image ({size[0]}x{size[1]}x{channels})", DataError)
    require_memory(memory_to_load_folder(len(files), size, channels, largest), shown(folder),
                   f"{len(files)} images of {size[0]}x{size[1]}x{channels} (pixels, X and one decoding)")
    images = np.empty((len(files), size[0], size[1], channels), np.uint8)
    labels = np.empty(len(files), np.int64)
    kept = 0
    for path, label in files:
        try:
            images[kept] = read_image(path, size, channels)
        except ImageError:
            skipped.append(shown(path))          # it named itself an image but does not decode
            continue
        labels[kept] = label
        kept += 1
    counts = np.bincount(labels[:kept], minlength=2)
    for label in (0, 1):
        if counts[label] == 0 and (classes is None or kept == 0):
            raise DataError(f"{shown(order[label])}: the class folder holds no images that decode")
    return Dataset(images=images[:kept], y=labels[:kept], classes=listing.classes,
                   source=shown(folder), skipped=tuple(skipped))


def image_header(path: Path) -> ImageHeader | None:
    """The image's header, or None for a file that is not an image; an image refused by a limit
    raises RefusedImage, for the caller to say so (skipped silently, it would hide the limit)."""
    try:
        return probe_image(path)
    except RefusedImage:
        raise
    except ImageError:
        return None


# ------------------------------------------------------------------ classes.txt, and writing a folder

FOLDER_NAME_BYTES = 200          # well under the 255 bytes of a name, with room for a suffix


def folder_names(classes) -> list[str]:
    """A safe, distinct folder name for each class name, the name itself where it is one.

    Whatever a name holds (a path such as ../x or /etc, separators, control characters,
    nothing at all, ".", "..", hundreds of characters), its folder is one plain name inside
    the export folder: separators and unprintable characters become "_", a leading dot
    (a hidden folder, which readers pass over) "_", spaces at either end go, an empty result
    is "class-<label>", and the name is cut to FOLDER_NAME_BYTES bytes. Names that end up
    alike (also when only their case differs, for file systems that ignore it) get "-2",
    "-3", ... added.
    """
    out: list[str] = []
    for label, name in enumerate(classes):
        safe = "".join(ch if ch.isprintable() and ch not in "/\\" else "_" for ch in str(name)).strip()
        safe = os.fsencode(safe)[:FOLDER_NAME_BYTES].decode("utf-8", "ignore").strip()
        if safe.startswith("."):
            safe = "_" + safe[1:]
        if not safe or safe.lower() == CLASSES_FILE:
            safe = f"class-{label}"
        base, n = safe, 2
        while safe.lower() in (o.lower() for o in out):
            safe, n = f"{base}-{n}", n + 1
        out.append(safe)
    return out


def export_image_folder(data: Dataset, folder) -> int:
    """Write `data` as DIR/<class>/<index>.png plus classes.txt; returns the number of images.

    Each class gets a safe folder name (see `folder_names`); classes.txt keeps the class
    names themselves, so that reading the folder back gives the same names and labels. The
    folder is built under a temporary name beside it and renamed into place, so it appears
    complete or not at all. DIR must not exist yet (or be empty).
    """
    with atomic_folder(folder, "export folder") as tmp:
        _write_classes(data, tmp, folder)
    return int(data.m)


def export_course_file(path, folder) -> list[tuple[str, Dataset]]:
    """Write every split of the course HDF5 file `path` as PNG images: DIR/<class>/ for a file of
    one split, DIR/train/<class>/ and DIR/test/<class>/ for a file of both (the layout `train DIR`
    reads as a training and a test set). Atomic as `export_image_folder`; returns (split, data)."""
    from .h5 import load_h5, splits_of_file

    splits = splits_of_file(path)
    if len(splits) < 2:
        data = load_h5(path, training=False)
        export_image_folder(data, folder)
        return [(splits[0] if splits else "train", data)]
    written = [(split, load_h5(path, split, training=False)) for split in splits]
    (_, train), (_, test) = written
    if test.image_shape != train.image_shape or sorted(test.classes) != sorted(train.classes):
        raise DataError(f"{shown(path)}: the test split holds {_described(test)} and the training split "
                        f"{_described(train)}; a folder of train/ and test/ needs the same in both")
    with atomic_folder(folder, "export folder") as tmp:
        for split, data in written:
            (tmp / split).mkdir()
            _write_classes(data, tmp / split, folder)
    return written


def _described(data: Dataset) -> str:
    height, width, channels = data.image_shape
    return f"{height}x{width}x{channels} images of classes {', '.join(repr(shown(c)) for c in data.classes)}"


def _write_classes(data: Dataset, into: Path, folder) -> None:
    """`data` as into/<class>/<index>.png plus into/classes.txt."""
    import json

    names = check_class_names([str(c) for c in data.classes], shown(data.source), DataError)
    mode = {1: "L", 3: "RGB", 4: "RGBA"}[data.images.shape[3]]
    subfolders = folder_names(names)
    lines = [f if f == n else f"{f}\t{json.dumps(n)}" for f, n in zip(subfolders, names)]
    (into / CLASSES_FILE).write_text("\n".join(lines) + "\n", encoding="utf-8")
    for name in subfolders:
        place = into / name
        if place.parent != into or name in (".", ".."):        # folder_names guarantees it; never trust
            raise DataError(f"class folder {name!r} would not lie inside {folder}")
        place.mkdir()
    for i, (pixels, label) in enumerate(zip(data.images, data.y)):
        img = Image.fromarray(pixels[..., 0] if mode == "L" else pixels, mode)
        img.save(into / subfolders[label] / f"{i:05d}.png")
