"""The figures of a run: cost curves, the learning-rate comparison, misclassified images.

Each function builds one matplotlib `Figure` (no screen, no global pyplot state) and
writes it with `io.figure_writer.save`, as PNG, SVG or PDF by the file's name.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np
from matplotlib.figure import Figure

from ..io.figure_writer import check_figure_path, save

# A curve of at most this many points gets a marker at each, as the course plots its 20 costs;
# denser ones are lines only: markers a pixel apart make a solid blob and hide what the line shows
# (the early oscillation at a learning rate of 0.01, recorded every iteration).
MARKED_AT_MOST = 50


def _plot(ax, iterations: Sequence[int], costs: Sequence[float], **style) -> None:
    if len(costs) <= MARKED_AT_MOST:
        style = {"marker": "o", "markersize": 3, **style}
    ax.plot(iterations, costs, linewidth=1.2 if len(costs) > MARKED_AT_MOST else 1.5, **style)


def cost_figure(costs: Sequence[float], print_every: int, learning_rate: float, title: str = "", *,
                end: int | None = None, final_cost: float | None = None) -> Figure:
    """The cost against the iteration: the recorded costs, then the final cost at iteration `end`
    (the run's n_iter), so that the curve reaches the end of the run (see `weight_maps.cost_points`)."""
    from .weight_maps import cost_points

    fig = Figure(figsize=(6.4, 4.2))
    ax = fig.add_subplot()
    _plot(ax, *cost_points(costs, print_every, end, final_cost))
    ax.set_xlabel("iteration")
    ax.set_ylabel("cost J")
    ax.set_title(title or f"learning rate = {learning_rate:g}")
    ax.grid(alpha=0.3)
    return fig


def cost_curve(path, costs: Sequence[float], print_every: int, learning_rate: float, title: str = "", *,
               end: int | None = None, final_cost: float | None = None) -> None:
    """Draw `cost_figure` to `path` (.png, .svg or .pdf)."""
    check_figure_path(path)
    save(cost_figure(costs, print_every, learning_rate, title, end=end, final_cost=final_cost), path)


def rates_figure(runs: Sequence[dict], print_every: int, title: str = "") -> Figure:
    """The notes' learning-rate comparison: one cost curve per rate on one figure, each to the end
    of its run. runs: {"learning_rate", "costs", "n_iter", "final_cost"} per rate."""
    from .weight_maps import cost_points

    fig = Figure(figsize=(7.0, 4.6))
    ax = fig.add_subplot()
    for run in runs:
        points = cost_points(run["costs"], print_every, run.get("n_iter"), run.get("final_cost"))
        _plot(ax, *points, label=f"learning rate {run['learning_rate']:g}")
    ax.set_xlabel("iteration")
    ax.set_ylabel("cost J")
    ax.set_title(title or "cost against iteration for each learning rate")
    ax.legend(loc="upper right", frameon=True)
    ax.grid(alpha=0.3)
    return fig


def learning_rates(path, runs: Sequence[dict], print_every: int, title: str = "") -> None:
    """Draw `rates_figure` to `path` (.png, .svg or .pdf)."""
    check_figure_path(path)
    save(rates_figure(runs, print_every, title), path)


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
