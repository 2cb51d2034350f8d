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
