"""The jobs behind the commands: train on a data set, classify image files.

They join the edges (data sets, image files, model files) to the math, so the
command line only parses and prints, and Python users get the same jobs.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .core import model
from .data import Dataset, unroll
from .images import read_image
from .modelfile import SavedModel


@dataclass
class TrainingRun:
    """A trained model and the report of its run."""

    model: SavedModel
    report: dict


def train(train_set: Dataset, test_set: Dataset | None = None, *, learning_rate: float = 0.005,
          num_iterations: int = 2000, print_every: int = 100, solver: str = "auto",
          dtype: str = "float64", on_record=None) -> TrainingRun:
    """Train the neuron from zeros on `train_set` and measure it on both sets.

    Uses `core.model` with the course's settings by default. The report holds
    costs (one per `print_every` iterations), train_accuracy and test_accuracy in
    percent (None without a test set), the settings, and the sizes.
    """
    test = test_set if test_set is not None else train_set
    started = time.perf_counter()
    d = model(unroll(train_set.images, dtype=dtype), train_set.Y, unroll(test.images, dtype=dtype), test.Y,
              num_iterations, learning_rate,
              print_every=print_every, solver=solver, dtype=dtype, on_record=on_record)
    seconds = time.perf_counter() - started
    settings = {"learning_rate": float(learning_rate), "num_iterations": int(num_iterations),
                "print_every": int(print_every), "solver": d["solver"], "dtype": str(np.dtype(dtype))}
    report = {
        "warning": divergence_warning(d["costs"], learning_rate),
        "costs": d["costs"],
        "train_accuracy": d["train_accuracy"],
        "test_accuracy": d["test_accuracy"] if test_set is not None else None,
        **settings,
        "train_source": train_set.source,
        "test_source": test_set.source if test_set is not None else None,
        "m_train": train_set.m,
        "m_test": test_set.m if test_set is not None else 0,
        "n_x": int(d["w"].shape[0]),
        "input_shape": list(train_set.image_shape),
        "classes": list(train_set.classes),
        "seconds": seconds,
    }
    trained = SavedModel(w=np.asarray(d["w"], dtype=np.float64), b=float(d["b"]),
                         input_shape=train_set.image_shape, classes=train_set.classes,
                         costs=d["costs"],
                         training={**settings, "train_accuracy": report["train_accuracy"],
                                   "test_accuracy": report["test_accuracy"]})
    return TrainingRun(model=trained, report=report)


def divergence_warning(costs, learning_rate: float) -> str | None:
    """Advice when the recorded cost ended above where it started: the run diverged or oscillated."""
    if len(costs) >= 2 and costs[-1] > costs[0]:
        return (f"the cost rose from {costs[0]:.6g} to {costs[-1]:.6g} during training: the learning rate "
                f"{learning_rate:g} is too large for this data; lower it, or scale the inputs to [0, 1]")
    return None


@dataclass
class Prediction:
    image: str
    label: int
    class_name: str
    probability: float          # probability of class 1

    def as_dict(self) -> dict:
        return {"image": self.image, "label": self.label, "class": self.class_name,
                "probability": self.probability}


def classify(trained: SavedModel, path) -> Prediction:
    """Decode, resize and scale one image file as in training, and classify it."""
    height, width, channels = trained.input_shape
    pixels = read_image(path, (height, width), channels)
    p = float(trained.probabilities_of_images(pixels[np.newaxis])[0])
    label = int(p > 0.5)
    return Prediction(image=str(Path(path)), label=label, class_name=trained.classes[label], probability=p)
