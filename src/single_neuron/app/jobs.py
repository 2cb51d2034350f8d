"""The jobs behind the commands: train on a data set, classify image files.

They join the edges (data sets, image files, model files) to the math, so the
command line only parses and prints, and Python users get the same jobs.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..engines import stream as streaming
from ..neuron.course import _descend, _predict, accuracy
from ..io.sources import Dataset, unroll
from ..engines.devices import to_numpy
from ..neuron.descent import minibatch_descent
from ..io.images import read_image
from ..io.modelfile import SavedModel


@dataclass
class TrainingRun:
    """A trained model and the report of its run."""

    model: SavedModel
    report: dict


@dataclass
class Settings:
    """How to train: the course's defaults, plus where and in what pieces to run."""

    learning_rate: float = 0.005
    num_iterations: int = 2000
    print_every: int = 100
    solver: str = "auto"
    dtype: str = "float64"
    batch_size: int | None = None      # mini-batch gradient descent; None is the full batch
    seed: int = 0                      # shuffles the mini-batches
    engine: str = "numpy"              # numpy, torch, cupy, dask
    device: str | None = None          # torch: cuda (default) or cpu
    memory_limit: int | None = None    # out-of-core: stream an HDF5 file within this many bytes
    scheduler: str | None = None       # dask: a scheduler address; None starts a local cluster
    chunk_rows: int = 4096             # dask: examples per chunk

    def recorded(self) -> dict:
        return {k: v for k, v in vars(self).items() if v is not None}


def train(train_set: Dataset, test_set: Dataset | None = None, settings: Settings | None = None, *,
          on_record=None, **options) -> TrainingRun:
    """Train the neuron from zeros on `train_set` and measure it on both sets.

    `settings` (or its fields as keywords) chooses the run; the defaults are the
    course's. The report holds costs (one per `print_every` iterations), train and
    test accuracy in percent (None without a test set), the settings and the sizes.
    """
    settings = settings or Settings(**options)
    started = time.perf_counter()
    dt = np.dtype(settings.dtype)
    X, Y = unroll(train_set.images, dtype=dt), train_set.Y.astype(dt)
    if settings.engine == "dask":
        run = _on_dask(X, Y, settings, on_record)
    elif settings.engine != "numpy":
        run = _on_engine(X, Y, settings, on_record)
    elif settings.batch_size:
        run = minibatch_descent(np.zeros((X.shape[0], 1), dt), 0.0, X, Y, settings.num_iterations,
                                settings.learning_rate, settings.batch_size, seed=settings.seed,
                                record_every=settings.print_every, on_record=on_record)
    else:
        run = _descend(np.zeros((X.shape[0], 1), dt), 0.0, X, Y, settings.num_iterations, settings.learning_rate,
                       False, print_every=settings.print_every, l2=0.0, solver=settings.solver, dtype=dt,
                       on_record=on_record)[0]
    train_accuracy = _accuracy(to_numpy(run.w), run.b, X, train_set.y)
    del X
    return finish(run, settings, train_set.source, train_set.m, train_set.image_shape, train_set.classes,
                  train_accuracy, test_set, started)


def train_streaming(path, test_set: Dataset | None, settings: Settings, *, on_record=None) -> TrainingRun:
    """Train on a course HDF5 file read in chunks within settings.memory_limit bytes (see `streaming`)."""
    started = time.perf_counter()
    run, info = streaming.gradient_descent(path, settings.num_iterations, settings.learning_rate,
                                           memory_limit=settings.memory_limit, record_every=settings.print_every,
                                           dtype=settings.dtype, batch_size=settings.batch_size,
                                           seed=settings.seed, on_record=on_record)
    train_accuracy = streaming.accuracy_streaming(info, run.w, run.b, settings.memory_limit)
    return finish(run, settings, info.path, int(info.y.size), info.image_shape, info.classes, train_accuracy,
                  test_set, started)


def finish(run, settings: Settings, train_source: str, m_train: int, image_shape, classes,
           train_accuracy: float, test_set: Dataset | None, started: float) -> TrainingRun:
    """Measure a finished run on the test set; return its report and the model file's content."""
    w = to_numpy(run.w).astype(np.float64)
    test_accuracy = None
    if test_set is not None:
        test_accuracy = _accuracy(w, run.b, unroll(test_set.images, dtype=settings.dtype), test_set.y)
    sizes = {"train_source": train_source, "test_source": test_set.source if test_set else None,
             "m_train": m_train, "m_test": test_set.m if test_set else 0}
    recorded = {**settings.recorded(), "solver": run.solver, "dtype": str(np.dtype(settings.dtype)),
                "n_iter": run.n_iter}
    report = {
        "warning": divergence_warning(run.costs, settings.learning_rate),
        "costs": run.costs,
        "train_accuracy": train_accuracy,
        "test_accuracy": test_accuracy,
        **recorded,
        **sizes,
        "n_x": int(w.shape[0]),
        "input_shape": list(image_shape),
        "classes": list(classes),
        "seconds": time.perf_counter() - started,
    }
    trained = SavedModel(w=w, b=float(run.b), input_shape=tuple(image_shape), classes=tuple(classes),
                         costs=list(run.costs),
                         training={**recorded, "train_accuracy": train_accuracy, "test_accuracy": test_accuracy})
    return TrainingRun(model=trained, report=report)


def _accuracy(w, b, X, y) -> float:
    # X was unrolled here from checked pixels: predict without checking it again
    return accuracy(_predict(w.astype(X.dtype, copy=False), b, X), y.reshape(1, -1))


def _on_engine(X, Y, settings: Settings, on_record):
    from ..engines import array_api as arrays
    from ..engines.devices import resolve

    engine = resolve(settings.engine, settings.device)
    X_e, Y_e = engine.to_engine(X), engine.to_engine(Y)
    w0 = engine.to_engine(np.zeros((X.shape[0], 1), X.dtype))
    return arrays.gradient_descent(w0, 0.0, X_e, Y_e, settings.num_iterations, settings.learning_rate,
                                   record_every=settings.print_every, on_record=on_record)


def _on_dask(X, Y, settings: Settings, on_record):
    import dask.array as da

    from ..engines.dask_cluster import gradient_descent, session

    with session(settings.scheduler):
        X_d = da.from_array(X, chunks=(X.shape[0], settings.chunk_rows)).persist()
        return gradient_descent(np.zeros((X.shape[0], 1), X.dtype), 0.0, X_d, Y, settings.num_iterations,
                                settings.learning_rate, record_every=settings.print_every, on_record=on_record)


def train_dask_h5(path, test_set: Dataset | None, settings: Settings, *, on_record=None) -> TrainingRun:
    """Train on Dask from a course HDF5 file that the workers read chunk by chunk."""
    import dask

    from ..engines.dask_cluster import chunked_h5, gradient_descent, session

    started = time.perf_counter()
    with session(settings.scheduler):
        X, Y, classes, image_shape = chunked_h5(path, settings.chunk_rows, settings.dtype)
        X = X.persist()
        run = gradient_descent(np.zeros((X.shape[0], 1), X.dtype), 0.0, X, Y, settings.num_iterations,
                               settings.learning_rate, record_every=settings.print_every, on_record=on_record)
        (predicted,) = dask.compute((run.w.T @ X + run.b) > 0)
    train_accuracy = accuracy(predicted.astype(np.float64), Y)
    return finish(run, settings, str(path), int(Y.size), image_shape, classes, train_accuracy, test_set, started)


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
