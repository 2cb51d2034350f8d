"""What the neuron learned and what it sees, as arrays ready to draw.

The figures, the notebook and the web page draw these; none of them recomputes them.
A model's w has one weight per input value, in the order the course unrolls an image
(row-major over height, width, channel), so reshaping w gives it back the image's
shape: the "picture" of what it learned. For one image x (scaled as in training),

    z = w.T x + b = sum over pixels of w * x, plus b

so the map w * x, in the image's shape, says how much each pixel pushed z towards
class 1 (positive) or class 0 (negative).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..io.modelfile import SavedModel
from ..neuron.formulas import decide, sigmoid, unroll


def probabilities(trained: SavedModel, images: np.ndarray) -> np.ndarray:
    """(m,) probabilities of class 1, sigmoid(w.T X + b), for uint8 images (m, height, width,
    channels) of the model's input shape, unrolled and scaled as in training."""
    X = unroll(images, pixel_scale=trained.pixel_scale)
    return sigmoid(trained.w.T @ X + trained.b)[0]


def weights_image(trained: SavedModel) -> np.ndarray:
    """w in the shape of the model's input images, (height, width, channels), float64."""
    return np.asarray(trained.w, dtype=np.float64).reshape(trained.input_shape)


@dataclass(frozen=True)
class ImageView:
    """One image as the model sees it, and what it makes of it."""

    pixels: np.ndarray          # (height, width, channels) uint8: the image after resizing
    contributions: np.ndarray   # (height, width, channels) float64: w * x, pixel by pixel
    z: float                    # w.T x + b = contributions.sum() + b
    probability: float          # sigmoid(z), the probability of class 1
    label: int                  # 1 where probability > 0.5


def image_view(trained: SavedModel, pixels: np.ndarray) -> ImageView:
    """The view of one image of the model's input shape (uint8 pixels (height, width, channels))."""
    x = unroll(pixels[np.newaxis], pixel_scale=trained.pixel_scale)          # (n_x, 1)
    contributions = (trained.w * x).reshape(trained.input_shape)
    z = float(np.sum(contributions, dtype=np.float64)) + trained.b
    p = float(sigmoid(np.float64(z)))
    return ImageView(pixels=pixels, contributions=contributions, z=z, probability=p, label=int(decide(p)))
