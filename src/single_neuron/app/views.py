"""What the neuron learned and what it sees, as arrays ready to draw.

The figures, the notebook and the web page draw these; none of them recomputes them.
A model's w has one weight per input value, in the order the course unrolls an image
(row-major over height, width, channel), so reshaping w gives it back the image's
shape: the "picture" of what it learned. For one image x (scaled as in training),

    z = w.T x + b = sum over pixels of w * x, plus b

so the map w * x, in the image's shape, says how much each pixel pushed z towards
class 1 (positive) or class 0 (negative). Summed over the channels it is one number
per pixel, (height, width), and those numbers plus b add up to z.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..io.modelfile import FORMAT, SavedModel
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

    @property
    def pixel_contributions(self) -> np.ndarray:
        """(height, width): w * x summed over each pixel's channels; its sum plus b is z."""
        return self.contributions.sum(axis=2)


def image_view(trained: SavedModel, pixels: np.ndarray) -> ImageView:
    """The view of one image of the model's input shape (uint8 pixels (height, width, channels))."""
    x = unroll(pixels[np.newaxis], pixel_scale=trained.pixel_scale)          # (n_x, 1)
    contributions = (trained.w * x).reshape(trained.input_shape)
    z = float(np.sum(contributions, dtype=np.float64)) + trained.b
    p = float(sigmoid(np.float64(z)))
    return ImageView(pixels=pixels, contributions=contributions, z=z, probability=p, label=int(decide(p)))


# The original is shown for comparison, not classified: a display copy, at most this many
# pixels on its longest side, keeps a 24-megapixel photo from weighing on a figure.
DISPLAY_SIDE = 256


@dataclass(frozen=True)
class PhotoView:
    """An image file beside the view the model gets of it."""

    path: str
    original: np.ndarray               # (H, W, 3) uint8: the file's picture, at most DISPLAY_SIDE px a side
    original_size: tuple[int, int]     # (width, height) of the file's picture, in pixels
    view: ImageView                    # the model's view: resized to its input shape, and what it makes of it


def photo_view(trained: SavedModel, path, display_side: int = DISPLAY_SIDE) -> PhotoView:
    """Read an image file as `classify` does (decoded, resized to the model's input, scaled) and
    also as a display copy of the original; raises ImageError for a file that cannot be decoded."""
    from ..io.images import read_image

    height, width, channels = trained.input_shape
    pixels = read_image(path, (height, width), channels)        # refuses a bad file before anything else
    size = _upright_size(path)
    scale = min(1.0, display_side / max(size))
    shown = (max(1, round(size[1] * scale)), max(1, round(size[0] * scale)))
    original = read_image(path, shown, 3)
    return PhotoView(path=str(path), original=original, original_size=size, view=image_view(trained, pixels))


def _upright_size(path) -> tuple[int, int]:
    """(width, height) of the picture as `read_image` turns it (EXIF orientation applied)."""
    from ..io.images import upright_size

    return upright_size(path)


def describe(trained: SavedModel) -> dict:
    """What a model holds, as plain JSON values: format, input contract, classes, the training
    settings, accuracies, costs, and the size of its weights."""
    training = dict(trained.training)
    accuracies = {key: training.pop(key, None) for key in ("train_accuracy", "test_accuracy", "final_cost")}
    w = np.asarray(trained.w, dtype=np.float64)
    return {
        "format": FORMAT,
        "format_version": trained.format_version,
        "input_shape": list(trained.input_shape),
        "n_x": int(w.size),
        "pixel_scale": trained.pixel_scale,
        "classes": list(trained.classes),
        "training": training,
        **accuracies,
        "costs_recorded": len(trained.costs),
        "last_cost": trained.costs[-1] if trained.costs else None,     # the last recorded; final_cost: the end
        "b": trained.b,
        "w_min": float(w.min()),
        "w_max": float(w.max()),
        "w_mean_abs": float(np.abs(w).mean()),
    }
