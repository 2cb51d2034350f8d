"""Looking at figure files as a person would: their format, size, that something is drawn, and
how many panels (pictures drawn as images) they hold.

A panel is found in the pixels: a connected block of colour at least 40 x 40 px that fills at
least 90 % of its bounding box (text, lines and colour bars do not); a colour bar is a block at
least 100 px tall and under 40 px wide. In SVG and PDF files each panel and each colour bar is
one embedded image, so there they are counted as images.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
from PIL import Image
from scipy import ndimage


def png_pixels(path) -> np.ndarray:
    """(height, width, 3) uint8 pixels of a PNG file, which must be a PNG."""
    with Image.open(path) as img:
        assert img.format == "PNG", f"{path}: {img.format}, not PNG"
        return np.asarray(img.convert("RGB"))


def assert_not_blank(pixels: np.ndarray, least_std: float = 10.0) -> None:
    """Something is drawn: the grey levels vary."""
    grey = pixels.astype(np.float64).mean(axis=2)
    assert grey.std() > least_std, f"the picture looks blank (grey-level spread {grey.std():.2f})"


def blocks(pixels: np.ndarray) -> tuple[list, list]:
    """(panels, colour bars): the bounding boxes (x0, y0, x1, y1) of the solid blocks of colour."""
    ink = (pixels < 250).any(axis=2)
    labels, _ = ndimage.label(ink, structure=np.ones((3, 3)))
    panels, bars = [], []
    for k, found in enumerate(ndimage.find_objects(labels), start=1):
        rows, cols = found
        h, w = rows.stop - rows.start, cols.stop - cols.start
        fill = (labels[found] == k).mean()
        box = (cols.start, rows.start, cols.stop, rows.stop)
        if w >= 40 and h >= 40 and fill >= 0.9:
            panels.append(box)
        elif h >= 100 and w < 40 and fill >= 0.6:
            bars.append(box)
    return sorted(panels), sorted(bars)


def regions_of_colour(pixels: np.ndarray, colour: str, least: int = 200) -> int:
    """How many separate regions of exactly `colour` ("#rrggbb"), each at least `least` pixels."""
    rgb = np.array([int(colour[i:i + 2], 16) for i in (1, 3, 5)], dtype=np.uint8)
    same = (pixels == rgb).all(axis=2)
    labels, n = ndimage.label(same)
    sizes = np.bincount(labels.ravel())[1:]
    return int((sizes >= least).sum())


def embedded_images(path) -> int:
    """How many raster images an SVG or PDF file embeds (matplotlib writes each imshow as one)."""
    data = Path(path).read_bytes()
    if data.startswith(b"%PDF-"):
        return len(re.findall(rb"/Subtype\s*/Image", data))
    assert b"<svg" in data[:1000], f"{path}: neither SVG nor PDF"
    return data.count(b"<image")


def file_format(path) -> str:
    """"png", "svg" or "pdf", from the file's first bytes."""
    head = Path(path).read_bytes()[:1000]
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if head.startswith(b"%PDF-"):
        return "pdf"
    if b"<svg" in head:
        return "svg"
    return "unknown"
