"""The figures of a run: cost curves, the learning-rate comparison, misclassified images.

Each function builds one matplotlib `Figure` (no screen, no global pyplot state) and
writes it with `io.figure_files.save`, as PNG, SVG or PDF by the file's name.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np
from matplotlib.figure import Figure

from ..io.figure_files import check_figure_path, save

def cost_curve(path, costs: Sequence[float], print_every: int, learning_rate: float, title: str = "") -> None:
    """The cost against the iteration, one point per recorded cost, as the course plots it."""
    check_figure_path(path)
    fig = Figure(figsize=(6.4, 4.2))
    ax = fig.add_subplot()
    ax.plot(np.arange(len(costs)) * print_every, costs, marker="o", markersize=3)
    ax.set_xlabel("iteration")
    ax.set_ylabel("cost J")
    ax.set_title(title or f"learning rate = {learning_rate:g}")
    ax.grid(alpha=0.3)
    save(fig, path)


def learning_rates(path, runs: Sequence[tuple[float, Sequence[float]]], print_every: int, title: str = "") -> None:
    """The notes' learning-rate comparison: one cost curve per rate on one figure."""
    check_figure_path(path)
    fig = Figure(figsize=(7.0, 4.6))
    ax = fig.add_subplot()
    for rate, costs in runs:
        ax.plot(np.arange(len(costs)) * print_every, costs, label=f"learning rate {rate:g}")
    ax.set_xlabel("iteration")
    ax.set_ylabel("cost J")
    ax.set_title(title or "cost against iteration for each learning rate")
    ax.legend(loc="upper right", frameon=True)
    ax.grid(alpha=0.3)
    save(fig, path)


def misclassified(path, images: np.ndarray, true_labels, predicted, probabilities, classes,
                  limit: int = 25) -> int:
    """A grid of up to `limit` images with their true and predicted labels; returns how many are shown."""
    check_figure_path(path)
    n = min(len(images), limit)
    cols = max(1, min(5, n))
    rows = max(1, -(-n // cols))
    fig = Figure(figsize=(2.2 * cols, 2.5 * rows))
    if n == 0:
        ax = fig.add_subplot()
        ax.text(0.5, 0.5, "no misclassified images", ha="center", va="center")
        ax.axis("off")
    for k in range(n):
        ax = fig.add_subplot(rows, cols, k + 1)
        pixels = images[k]
        if pixels.shape[2] == 1:
            ax.imshow(pixels[..., 0], cmap="gray", vmin=0, vmax=255)
        else:
            ax.imshow(pixels)
        ax.set_title(f"true: {classes[true_labels[k]]}\npredicted: {classes[predicted[k]]}\n"
                     f"p({classes[1]}) = {probabilities[k]:.2f}", fontsize=8,
                     parse_math=False)              # class names are data: "$x^{$" is text, not TeX
        ax.axis("off")
    save(fig, path)
    return n
