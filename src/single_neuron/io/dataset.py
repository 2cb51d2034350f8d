"""A data set in memory: images, labels, class names; and the unrolling into the notes' X.

A data set is a stack of images `images` of shape (m, height, width, channels),
uint8, with labels `y` of shape (m,) in {0, 1} and two class names. `X` unrolls
each image into a column, row-major over (height, width, channel) exactly as the
course's ``x.reshape(m, -1).T``, and scales it by 1/255: X is (n_x, m) and
Y is (1, m).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..errors import InputValueError


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
    skipped: tuple[str, ...] = ()      # files passed over while loading (not images)

    @classmethod
    def from_arrays(cls, images, labels, name: str = "data") -> Dataset:
        """A data set from arrays given in Python: images (m, h, w) or (m, h, w, c) with c in 1, 3, 4,
        of whole values 0..255 (any number type); labels (m,) of 0/1. Classes are named "0" and "1"."""
        images, y = np.asarray(images), np.asarray(labels)
        if images.ndim == 3:
            images = images[..., np.newaxis]             # grayscale stacks gain a channel axis
        if images.ndim != 4 or images.shape[3] not in (1, 3, 4) or 0 in images.shape:
            raise InputValueError(f"{name} images: expected a non-empty array of shape (m, height, width) or "
                                  f"(m, height, width, channels) with 1, 3 or 4 channels, got {images.shape}")
        if images.dtype != np.uint8:
            if images.dtype.kind not in "biuf":
                raise InputValueError(f"{name} images: expected pixel values, got dtype {images.dtype}")
            if not (np.isfinite(images).all() and images.min() >= 0 and images.max() <= 255
                    and np.array_equal(images, np.round(images))):
                raise InputValueError(f"{name} images: expected whole pixel values from 0 to 255")
            images = images.astype(np.uint8)
        if y.shape != (images.shape[0],) or y.dtype.kind not in "biuf":
            raise InputValueError(f"{name} labels: expected {images.shape[0]} labels 0 or 1 of shape "
                                  f"({images.shape[0]},), got shape {y.shape} ({y.dtype})")
        wrong = np.flatnonzero(~np.isin(y, (0, 1)))
        if wrong.size:
            raise InputValueError(f"{name} labels: expected 0 or 1, got {y[wrong[0]]} at example {wrong[0]}")
        return cls(images=images, y=y.astype(np.int64), classes=("0", "1"), source=f"{name} (arrays)")

    @property
    def m(self) -> int:
        return int(self.images.shape[0])

    @property
    def image_shape(self) -> tuple[int, int, int]:
        return tuple(int(s) for s in self.images.shape[1:])

    @property
    def X(self) -> np.ndarray:
        """(n_x, m) float64: each image unrolled into a column and divided by 255 (the course's X)."""
        from ..neuron.formulas import unroll

        return unroll(self.images)

    @property
    def Y(self) -> np.ndarray:
        """(1, m) int64 labels."""
        return self.y.reshape(1, -1)
