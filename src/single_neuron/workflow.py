"""The jobs behind the commands: train on a data set, classify image files.

They join the edges (data sets, image files, model files) to the math, so the
command line only parses and prints, and Python users get the same jobs.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .core import accuracy, model
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


def evaluate_accuracy(trained: SavedModel, data: Dataset) -> float:
    """Percent of `data` the model labels correctly (threshold 0.5)."""
    p = trained.probabilities_of_images(data.images)
    return accuracy((p > 0.5).astype(np.float64), data.y)


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
