"""Folders of images, one sub-folder per class: read them as a data set, write one out.

    DIR/
      classes.txt        optional: the two class names, label 0 first
      non-cat/  *.png, *.jpg, ...
      cat/      ...

Without classes.txt the sub-folders are taken in sorted order (label 0 first),
as other image-folder loaders do. Images of any size, format and mode are
resized to one size (see `images.read_image`); files that are not images are
skipped and counted, never a crash. A folder with `train/` and `test/`, each
laid out as above, holds both splits.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image, UnidentifiedImageError

from .dataset import Dataset
from .atomic import atomic_folder
from ..errors import DataError, ImageError
from .images import read_image
from .resources import require_memory

CLASSES_FILE = "classes.txt"
GRAYSCALE_MODES = {"1", "L", "LA", "I", "I;16", "I;16B", "I;16L", "F"}


def class_folders(folder: Path) -> list[Path]:
    return sorted(p for p in folder.iterdir() if p.is_dir() and not p.name.startswith("."))


def is_split_folder(folder: Path) -> bool:
    """True for a folder holding train/ and test/ image folders."""
    return (folder / "train").is_dir() and (folder / "test").is_dir() and len(class_folders(folder / "train")) > 0


def ordered_classes(folder: Path, classes: tuple[str, str] | None = None) -> list[Path]:
    """The two class folders, label 0 first: `classes` if given, else classes.txt, else sorted names."""
    found = class_folders(folder)
    names = [p.name for p in found]
    if len(found) != 2:
        listed = ", ".join(names) or "none"
        raise DataError(f"{folder}: expected exactly two class folders, found {len(found)} ({listed})")
    listed = folder / CLASSES_FILE
    if classes is None and listed.is_file():
        classes = tuple(line.strip() for line in listed.read_text(encoding="utf-8").splitlines() if line.strip())
        if sorted(classes) != sorted(names):
            raise DataError(f"{listed}: names {list(classes)} do not match the class folders {names}")
    if classes is not None and sorted(classes) == sorted(names):
        return [folder / classes[0], folder / classes[1]]
    return found


def load_image_folder(folder, size: tuple[int, int] = (64, 64), channels: int | None = None,
                      classes: tuple[str, str] | None = None) -> Dataset:
    """Read DIR/<class>/<image> into a Dataset of images resized to `size` (height, width).

    channels: 1, 3 or 4; by default 1 if every image is grayscale, else 3.
    classes: the label order to use when the folder names match it (a model's classes).
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise DataError(f"{folder}: no such folder")
    order = ordered_classes(folder, classes)
    files: list[tuple[Path, int]] = []
    skipped: list[str] = []
    modes: set[str] = set()
    for label, class_dir in enumerate(order):
        found = 0
        for path in sorted(p for p in class_dir.rglob("*") if p.is_file() and not p.name.startswith(".")):
            mode = _image_mode(path)
            if mode is None:
                skipped.append(str(path))
                continue
            modes.add(mode)
            files.append((path, label))
            found += 1
        if not found:
            raise DataError(f"{class_dir}: the class folder holds no images")
    if channels is None:
        channels = 1 if modes <= GRAYSCALE_MODES else 3
    require_memory(9.0 * len(files) * size[0] * size[1] * channels, str(folder),
                   f"{len(files)} images of {size[0]}x{size[1]}x{channels} (pixels and X)")
    images = np.empty((len(files), size[0], size[1], channels), np.uint8)
    labels = np.empty(len(files), np.int64)
    kept = 0
    for path, label in files:
        try:
            images[kept] = read_image(path, size, channels)
        except ImageError:
            skipped.append(str(path))            # it named itself an image but does not decode
            continue
        labels[kept] = label
        kept += 1
    counts = np.bincount(labels[:kept], minlength=2)
    for label in (0, 1):
        if counts[label] == 0:
            raise DataError(f"{order[label]}: the class folder holds no images that decode")
    return Dataset(images=images[:kept], y=labels[:kept], classes=(order[0].name, order[1].name),
                   source=str(folder), skipped=tuple(skipped))


def _image_mode(path: Path) -> str | None:
    """The image's mode from its header, or None if Pillow does not recognise the file."""
    try:
        with Image.open(path) as img:
            return img.mode
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError):
        return None


def export_image_folder(data: Dataset, folder) -> int:
    """Write `data` as DIR/<class>/<index>.png plus classes.txt; returns the number of images.

    The folder is built under a temporary name beside it and renamed into place, so
    it appears complete or not at all. DIR must not exist yet (or be empty).
    """
    mode = {1: "L", 3: "RGB", 4: "RGBA"}[data.images.shape[3]]
    with atomic_folder(folder) as tmp:
        (tmp / CLASSES_FILE).write_text("\n".join(data.classes) + "\n", encoding="utf-8")
        for name in data.classes:
            (tmp / name).mkdir()
        for i, (pixels, label) in enumerate(zip(data.images, data.y)):
            img = Image.fromarray(pixels[..., 0] if mode == "L" else pixels, mode)
            img.save(tmp / data.classes[label] / f"{i:05d}.png")
    return int(data.m)
