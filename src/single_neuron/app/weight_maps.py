"""What the neuron learned and what it sees, as arrays ready to draw.

The figures, the notebook and the web page draw these; none of them recomputes them.
A model's w has one weight per input value, in the order the course unrolls an image
(row-major over height, width, channel), so reshaping w gives it back the image's
shape: the "picture" of what it learned. For one image x (scaled as in training),

    z = w.T x + b = sum over pixels of w * x, plus b

so the map w * x, in the image's shape, says how much each pixel pushed z towards
class 1 (positive) or class 0 (negative). Summed over the channels it is one number
per pixel, (height, width), and those numbers plus b add up to z.

Each map is defined here once; the command line's figures and the web page draw the
same arrays, on a colour scale centred on zero:
- `weights_map`: w averaged over each pixel's channels (the weight of a grey pixel,
  the same value in every channel, divided by the number of channels), so that it
  shares one scale with the channels drawn one by one;
- `ImageView.pixel_contributions`: w * x summed over each pixel's channels, so that
  the map plus b adds up to z.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..io.modelfile import FORMAT, SavedModel
from ..neuron.formulas import decide, sigmoid, unroll


def probabilities(trained: SavedModel, images: np.ndarray) -> np.ndarray:
    """(m,) probabilities of class 1, sigmoid(w.T X + b), for uint8 images (m, height, width,
    channels) of the model's input shape, unrolled and scaled as in training."""
    from .model import Model

    return Model.of(trained).predict_proba(images)


def weights_image(trained: SavedModel) -> np.ndarray:
    """w in the shape of the model's input images, (height, width, channels), float64."""
    return np.asarray(trained.w, dtype=np.float64).reshape(trained.input_shape)


def weights_map(w, input_shape) -> np.ndarray:
    """(height, width) float64: w (n_x, 1) in the images' shape (height, width, channels),
    averaged over each pixel's channels. One definition for every picture of w as a map."""
    return np.asarray(w, dtype=np.float64).reshape(input_shape).mean(axis=2)


def cost_points(costs, print_every: int, end: int | None = None,
                final_cost: float | None = None) -> tuple[list[int], list[float]]:
    """(iterations, costs) of a run's cost curve, to its end.

    The recorded costs are those at iterations 0, K, 2K, ... (K = print_every), each before
    that iteration's step; the parameters a run returns are those after its last step, at
    iteration `end` (its n_iter), where the cost is `final_cost`. That last point is added
    where it lies past the last record, so a curve reaches the end of the run, not its last
    record (the course's run: 1900 is the last record, 2000 the end)."""
    iterations = [k * print_every for k in range(len(costs))]
    values = [float(c) for c in costs]
    if end is not None and final_cost is not None and (not iterations or end > iterations[-1]):
        iterations.append(int(end))
        values.append(float(final_cost))
    return iterations, values


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
    settings, accuracies, the final cost (the cost at the weights it holds, as every report
    names it; None where the file does not say), how many costs it recorded, and the size of
    its weights."""
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
        "b": trained.b,
        "w_min": float(w.min()),
        "w_max": float(w.max()),
        "w_mean_abs": float(np.abs(w).mean()),
    }
