"""The pictures of what the neuron learned and what it sees: w as an image, and one photo explained.

Each `*_figure` function returns a matplotlib `Figure` (no screen, no global pyplot state):
the notebook shows it, the web page renders it (`io.figure_writer.render`), and each `save_*`
function writes it as PNG, SVG or PDF by the file's name. The numbers come from `weight_maps`.
Names from files (class names, file names) are drawn as plain text, never as math.

Colours: a diverging map centred on zero, red for what pushes z = w.T x + b up (towards
class 1), blue for what pushes it down (towards class 0), white for nothing either way.
"""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path
from typing import Iterable

import numpy as np

from ..errors import OutputError
from ..io.modelfile import SavedModel
from ..io.text import shown
from .weight_maps import PhotoView, photo_view, weights_image, weights_map

COLOURS = "RdBu_r"          # red > 0 (class 1), white 0, blue < 0 (class 0)
CHANNEL_NAMES = {1: ("grey",), 3: ("red", "green", "blue"), 4: ("red", "green", "blue", "alpha")}
PANEL_INCHES = 2.3


def _symmetric(values: np.ndarray) -> tuple[float, float]:
    """Colour limits centred on zero, so that white is exactly 0."""
    top = float(np.max(np.abs(values))) if values.size else 0.0
    top = top if top > 0 else 1.0
    return -top, top


def _show(ax, image: np.ndarray, **kwargs):
    ax.set_xticks([])
    ax.set_yticks([])
    for spine in ax.spines.values():
        spine.set_visible(False)
    return ax.imshow(image, interpolation="nearest", **kwargs)


def weights_figure(trained: SavedModel):
    """w in the image's shape: one panel per channel, then the channels together (their mean:
    the weight of a grey pixel, the same value in every channel, divided by the number of
    channels), on one colour scale centred on zero, with a colour bar and a caption in the
    model's class names.
    """
    from matplotlib.figure import Figure

    picture = weights_image(trained)                        # (height, width, channels)
    channels = picture.shape[2]
    panels = [(f"{name} channel", picture[..., k]) for k, name in enumerate(CHANNEL_NAMES[channels])]
    if channels > 1:
        panels.append(("channels together (mean)", weights_map(trained.w, trained.input_shape)))
    vmin, vmax = _symmetric(picture)
    fig = Figure(figsize=(PANEL_INCHES * len(panels) + 1.2, PANEL_INCHES + 1.5), layout="constrained")
    axes = fig.subplots(1, len(panels), squeeze=False)[0]
    for ax, (title, values) in zip(axes, panels):
        drawn = _show(ax, values, cmap=COLOURS, vmin=vmin, vmax=vmax)
        ax.set_title(title, fontsize=11)
    bar = fig.colorbar(drawn, ax=list(axes), shrink=0.9, pad=0.02)
    bar.set_label("weight", fontsize=10)
    zero, one = trained.classes
    height, width, _ = trained.input_shape
    fig.suptitle(f"w in the shape of the {height} x {width} images: what the neuron learned", fontsize=13,
                 parse_math=False)
    fig.supxlabel(f"red: a brighter pixel there pushes towards '{one}' (class 1); "
                  f"blue: towards '{zero}' (class 0); white: no push either way", fontsize=10,
                  parse_math=False)
    return fig


def explanation_figure(trained: SavedModel, photo: PhotoView | str | Path):
    """One image explained: the original, the model's view of it (resized to its input shape)
    and the contribution map w * x summed over channels (red pushed towards class 1, blue
    towards class 0), with the probability and the label in the title.

    photo: an image file's path, or a `PhotoView` already read.
    """
    from matplotlib.figure import Figure

    if not isinstance(photo, PhotoView):
        photo = photo_view(trained, photo)
    view = photo.view
    zero, one = trained.classes
    height, width, channels = trained.input_shape
    fig = Figure(figsize=(3 * PANEL_INCHES + 1.4, PANEL_INCHES + 1.8), layout="constrained")
    axes = fig.subplots(1, 3)
    _show(axes[0], photo.original)
    axes[0].set_title(f"the file ({photo.original_size[0]} x {photo.original_size[1]})", fontsize=11)
    if channels == 1:
        _show(axes[1], view.pixels[..., 0], cmap="gray", vmin=0, vmax=255)
    else:
        _show(axes[1], view.pixels[..., :3])
    axes[1].set_title(f"what the model sees ({width} x {height})", fontsize=11)
    contributions = view.pixel_contributions
    vmin, vmax = _symmetric(contributions)
    drawn = _show(axes[2], contributions, cmap=COLOURS, vmin=vmin, vmax=vmax)
    axes[2].set_title("w * x, pixel by pixel", fontsize=11)
    bar = fig.colorbar(drawn, ax=axes[2], shrink=0.9, pad=0.03)
    bar.set_label("push on z", fontsize=10)
    name = shown(Path(photo.path).name)           # a file's name may hold control characters
    fig.suptitle(f"{name}: {trained.classes[view.label]}   (probability of '{one}' = {view.probability:.3f})",
                 fontsize=13, parse_math=False)
    sign = "-" if trained.b < 0 else "+"
    fig.supxlabel(f"red pixels pushed towards '{one}', blue towards '{zero}';  z = sum of the map "
                  f"+ b = {contributions.sum():.3f} {sign} {abs(trained.b):.3f} = {view.z:.3f}", fontsize=10,
                  parse_math=False)
    return fig


def save_weights(path, trained: SavedModel) -> None:
    """Draw w as an image to `path` (.png, .svg or .pdf)."""
    from ..io.figure_writer import check_figure_path, save

    check_figure_path(path, "picture of w")
    save(weights_figure(trained), path)


def save_explanation(path, trained: SavedModel, image) -> PhotoView:
    """Draw one image file explained to `path` (.png, .svg or .pdf); returns what was drawn."""
    from ..io.figure_writer import check_figure_path, save

    check_figure_path(path, "explanation")
    photo = photo_view(trained, image)
    save(explanation_figure(trained, photo), path)
    return photo


# ------------------------------------------------------------------------ a folder of explanations


def figure_names(images: Iterable, suffix: str = ".png") -> list[str]:
    """One safe, distinct file name per image, from the image's own name.

    Letters, digits, '-', '_' and '.' are kept (accents are dropped, anything else becomes
    '_'), the name never starts with a dot and is at most 80 characters; names that would
    collide, also when case is ignored, get -2, -3, ...
    """
    names, taken = [], set()
    for image in images:
        stem = unicodedata.normalize("NFKD", Path(str(image)).stem).encode("ascii", "ignore").decode()
        stem = re.sub(r"[^A-Za-z0-9._-]+", "_", stem).strip("._-")[:80] or "image"
        name, k = stem, 1
        while name.lower() in taken:
            k += 1
            name = f"{stem}-{k}"
        taken.add(name.lower())
        names.append(name + suffix)
    return names


def save_explanations(folder, trained: SavedModel, images: Iterable) -> list[Path]:
    """Write one explanation figure per image file into a new `folder`, created atomically.

    The folder appears complete or not at all, and an existing non-empty folder is refused.
    Returns the figures' paths. An image that cannot be read raises its error and nothing is left;
    with no image, there is nothing to explain and no folder is made.
    """
    from ..io.atomic import atomic_folder

    images = list(images)
    written = []
    if not images:
        return written
    with atomic_folder(folder) as tmp:
        for image, name in zip(images, figure_names(images)):
            save_explanation(tmp / name, trained, image)
            written.append(Path(folder) / name)
    return written

