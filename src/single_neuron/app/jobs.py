"""The jobs behind the commands: train on a data set (and classify image files: `model.classify`).

`train(data, **settings)` is `single-neuron train`, setting for setting: the command
line parses its options into exactly these keywords and calls it. It joins the
edges (data sets, image files, model files) to the math: it loads the data where
the route the settings ask for keeps it (memory, a streamed file, Dask's workers),
`engines.open_pass` makes the pass over it, and the one descent loop does the rest.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from ..errors import InputValueError
from ..io.dataset import Dataset
from ..neuron.descent import descend
from ..neuron.formulas import cost, decide, sigmoid, to_numpy, unroll
from .advice import far_from_minimum, run_advice
from .model import Model, Prediction, classify  # noqa: F401 -- classify, the job behind predict, is the model's
from ..engines import open_pass
from .settings import Settings


@dataclass
class TrainingRun:
    """A trained model (a `Model`: predict, classify, save) and the report of its run."""

    model: Model
    report: dict


def train(data=None, test=None, *, size: int | None = None, sample_weight=None, on_record=None, should_stop=None,
          on_weights=None, **settings) -> TrainingRun:
    """Train the neuron from zeros on `data` and measure it on the training and test sets.

    data: None (scikit-learn's bundled digits, three against eight), a path (a course
    HDF5 file, a folder holding a train_*.h5 / test_*.h5 pair, a folder of images with
    one sub-folder per class), a `Dataset`, or a pair (images (m, h, w, c) uint8,
    labels (m,) of 0/1). test: the same kinds, or None for the data's own test set
    where it has one. size: the side image folders are resized to (default 64; other
    data are not resized, and a size they do not have is refused). sample_weight:
    (m,) non-negative weights of the training examples. settings: the fields of
    `Settings` (learning_rate, num_iterations, print_every, solver, dtype, l2,
    batch_size, seed, tol, n_iter_no_change, validation_fraction, accelerated, gtol, centered, engine, device,
    memory_limit, scheduler, chunk_rows). on_record(i, cost) is called at each
    recorded cost; should_stop() is asked before each iteration; on_weights(i,
    current), after on_record, gives current() -> (w, b) at that point (w on the
    route's engine; see `descend`).

    With validation_fraction, that share of the training examples (drawn from `seed`,
    stratified by label) is held out: training stops once their cost has not fallen
    by more than tol (default 0) for n_iter_no_change iterations (default 5), and the
    model keeps w and b of the iteration where it was lowest.

    Returns the model and a report: costs (one per print_every iterations), train and
    test accuracy in percent (None without a test set), the settings, the sizes, and
    `warning`: advice when the run went wrong (the cost rose, it ended before
    early stopping's criterion was met, or far from a minimum), else None. With
    learning_rate "auto", `learning_rate_used` is the step 1/L taken; with
    accelerated, `restarts` counts the momentum's restarts.
    """
    return train_with(Settings(**settings).checked(), data, test, size=size, sample_weight=sample_weight,
                      on_record=on_record, should_stop=should_stop, on_weights=on_weights)


def ready(settings: Settings) -> Settings:
    """`settings`, once the GPU its engine asks for is found (a missing one is one line, before any
    data is loaded)."""
    if settings.engine in ("torch", "cupy"):
        from ..engines.devices import resolve

        resolve(settings.engine, settings.device)
    return settings


def train_with(settings: Settings, data=None, test=None, *, size: int | None = None, sample_weight=None,
               on_record=None, should_stop=None, on_weights=None) -> TrainingRun:
    """`train` with settings checked already (`Settings.checked()`)."""
    if size is not None:
        from .. import validation
        from ..io.limits import RESIZE_SIDE

        size = validation.count("size", size, minimum=1, maximum=RESIZE_SIDE)
    started = time.perf_counter()
    route = _route(data, test, size, settings)
    with route:
        weights = route.sample_weight(sample_weight)
        with open_pass(route.X, route.Y, weights, **_pass_settings(settings)) as data_pass:
            w0 = np.zeros((data_pass.n_x, 1), settings.dtype)
            run = descend(data_pass, w0, 0.0, settings.num_iterations, settings.learning_rate, l2=settings.l2,
                          record_every=settings.print_every, batch_size=settings.batch_size,
                          seed=settings.seed_or_default, tol=settings.tol, n_iter_no_change=settings.patience,
                          on_record=on_record, should_stop=should_stop, on_weights=on_weights,
                          validation=route.validation_cost(), accelerated=settings.accelerated,
                          gtol=settings.gtol, centered=settings.centered)
            w = to_numpy(run.w).astype(np.float64)
            train_accuracy = route.train_accuracy(data_pass, run)
    test_set = route.test_set
    test_accuracy = None if test_set is None else _accuracy(w, run.b, test_set, settings.dtype)
    recorded = {**settings.recorded(), "route": route.name(settings), "solver": run.solver, "n_iter": run.n_iter,
                "stopped": run.stopped, "weighted": sample_weight is not None}
    recorded.update(steps_taken(run, settings.learning_rate))
    if settings.validation_fraction is not None:
        recorded.update(m_validation=route.m_validation, best_iteration=run.best_iteration,
                        validation_cost=run.best_validation_cost)
    report = {
        "warning": run_advice(run, run.learning_rate, settings.tol, settings.num_iterations,
                              "num_iterations") or (None if settings.batch_size else far_from_minimum(run)),
        "costs": run.costs,
        "final_cost": run.final_cost,
        **({"validation_costs": run.validation_costs} if settings.validation_fraction is not None else {}),
        "train_accuracy": train_accuracy,
        "test_accuracy": test_accuracy,
        **recorded,
        **_sizes(route, test_set, w),
        "seconds": time.perf_counter() - started,
    }
    trained = Model(w=w, b=float(run.b), input_shape=tuple(route.image_shape), classes=tuple(route.classes),
                    costs=list(run.costs),
                    training={**recorded, "train_accuracy": train_accuracy, "test_accuracy": test_accuracy,
                              "final_cost": run.final_cost})
    return TrainingRun(model=trained, report=report)


def steps_taken(run, learning_rate) -> dict:
    """What the report says of the steps beyond the settings: the step 1/L that learning_rate "auto"
    took (`learning_rate_used`), and how often accelerated descent restarted its momentum."""
    out = {}
    if learning_rate == "auto":
        out["learning_rate_used"] = run.learning_rate
    if run.restarts is not None:
        out["restarts"] = run.restarts
    return out


def rate_text(report: dict) -> str:
    """A run's learning rate in words: "0.005", or "auto (0.00181)" with the step auto took."""
    if report["learning_rate"] == "auto":
        return f"auto ({report['learning_rate_used']:.3g})"
    return f"{report['learning_rate']:g}"


def _route(data, test, size, settings: Settings):
    """Where the training data lives: in memory, or read from a file as it is used."""
    if settings.memory_limit is not None and not isinstance(data, (str, Path, type(None))):
        raise InputValueError("memory_limit streams an HDF5 file from disk; the data given is in memory "
                              "already (leave memory_limit out)")
    if settings.memory_limit is not None or (settings.engine == "dask" and _is_file_data(data)):
        from ..io.sources import check_size

        route = _FileRoute(data, test, settings)
        check_size(size, route.image_shape, route.source)
        return route
    return _MemoryRoute(data, test, size, settings)


def _pass_settings(s: Settings) -> dict:
    """The settings that choose and shape the pass (see `engines.open_pass`)."""
    return {"engine": s.engine, "solver": s.solver, "num_iterations": s.num_iterations, "batch_size": s.batch_size,
            "device": s.device, "scheduler": s.scheduler, "chunk_rows": s.chunk_rows,
            "memory_limit": s.memory_limit, "dtype": s.dtype, "centered": s.centered}


def _sizes(route, test_set, w) -> dict:
    """Where the examples came from and how many there were, for the report."""
    return {
        "train_source": route.source, "test_source": test_set.source if test_set is not None else None,
        "m_train": route.m, "m_test": test_set.m if test_set is not None else 0,
        "n_x": int(w.shape[0]),
        "input_shape": list(route.image_shape),
        "classes": list(route.classes),
        "skipped": [(d.source, list(d.skipped)) for d in (getattr(route, "train_set", None), test_set)
                    if d is not None and d.skipped],
    }


def _is_file_data(data) -> bool:
    """True for a path the Dask workers can read themselves: an HDF5 file or a folder holding one."""
    if not isinstance(data, (str, Path)):
        return False
    path = Path(data)
    return path.suffix == ".h5" or (path.is_dir() and any(path.glob("*.h5")))


def _accuracy(w, b, data: Dataset, dtype) -> float:
    """The course's accuracy of (w, b) on a data set in memory."""
    from ..neuron.course import accuracy

    X = unroll(data.images, dtype=dtype)
    return accuracy(decide(sigmoid(w.astype(X.dtype, copy=False).T @ X + b)), data.y.reshape(1, -1))


class _MemoryRoute:
    """Training data held in memory, as NumPy arrays or on an engine's device or cluster."""

    def __init__(self, data, test, size, settings: Settings):
        from ..io.sources import as_dataset, check_size, load_like, load_training_data, matched_to

        self.settings = settings
        test_path = test if test is None or isinstance(test, (str, Path)) else None
        if isinstance(data, (str, Path)) or data is None:
            train_set, self.test_set = load_training_data(data, test_path, size=size)
        else:
            train_set = as_dataset(data, "data")
            check_size(size, train_set.image_shape, train_set.source)
            self.test_set = None if test_path is None else load_like(test_path, train_set.image_shape,
                                                                     train_set.classes)
        if test is not None and test_path is None:
            test_set = as_dataset(test, "test")
            if not isinstance(test, Dataset):          # arrays: their labels are the training set's numbers
                test_set = replace(test_set, classes=train_set.classes)
            self.test_set = matched_to(test_set, train_set.image_shape, train_set.classes)
        self.source, self.image_shape, self.classes = train_set.source, train_set.image_shape, train_set.classes
        self.loaded = train_set                    # every training example, held-out ones included
        self.fit_index = self.held_index = None
        if settings.validation_fraction is not None:
            self.fit_index, self.held_index = validation_split(train_set.y, settings.validation_fraction,
                                                               settings.seed_or_default)
            train_set = _subset(train_set, self.fit_index)
        self.train_set, self.m = train_set, train_set.m
        self.m_validation = 0 if self.held_index is None else int(self.held_index.size)
        self.X = unroll(train_set.images, dtype=settings.dtype)
        self.Y = train_set.y.reshape(1, -1).astype(settings.dtype)
        self._held_weights = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.X = self.Y = None

    def sample_weight(self, sample_weight):
        """The training examples' weights, checked; with held-out examples, theirs are kept apart
        for the validation cost."""
        weights = _checked_weights(sample_weight, self.loaded.y, self.settings.dtype)
        if weights is None or self.held_index is None:
            return weights
        self._held_weights = weights[:, self.held_index]
        if np.unique(self.train_set.y[weights[0, self.fit_index] > 0]).size < 2:
            raise InputValueError("sample_weight: both classes need examples with a positive weight "
                                  "among those not held out for validation")
        return np.ascontiguousarray(weights[:, self.fit_index])

    def validation_cost(self):
        """The held-out examples' cost J(w, b), or None without them."""
        if self.held_index is None:
            return None
        dtype = self.settings.dtype
        X = unroll(self.loaded.images[self.held_index], dtype=dtype)
        Y = self.loaded.y[self.held_index].reshape(1, -1).astype(dtype)
        weights = self._held_weights

        def held_out_cost(w, b) -> float:
            return cost(to_numpy(w).astype(dtype, copy=False).T @ X + float(b), Y, weights)

        return held_out_cost

    @staticmethod
    def name(settings: Settings) -> str:
        return "memory"

    def train_accuracy(self, data_pass, run) -> float:
        from ..neuron.course import accuracy

        w = to_numpy(run.w)          # X is still here: no second unrolling of the images
        return accuracy(decide(sigmoid(w.astype(self.X.dtype, copy=False).T @ self.X + run.b)), self.Y)


class _FileRoute:
    """Training data read from an HDF5 file as it is used: streamed within a memory limit, or
    read in chunks by Dask's workers."""

    def __init__(self, data, test, settings: Settings):
        from ..io.h5 import CourseRows
        from ..io.sources import h5_training_files

        if settings.validation_fraction is not None:
            raise InputValueError("validation_fraction holds examples out in memory: the dask engine reads an "
                                  "HDF5 file on its workers, so it cannot (load the file with engine numpy, "
                                  "or leave validation_fraction out)")
        self.settings = settings
        train_file, self.test_set = h5_training_files(data, test)
        self.rows = CourseRows(train_file)
        self.source, self.m = str(train_file), self.rows.m
        self.image_shape, self.classes = self.rows.image_shape, self.rows.classes

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.rows.close()

    def sample_weight(self, sample_weight):
        if sample_weight is None:
            return None
        return _checked_weights(sample_weight, self.rows.y, self.settings.dtype)

    def validation_cost(self):
        return None

    @property
    def X(self):
        return self.rows          # read by the pass as it is used

    Y = None

    @staticmethod
    def name(settings: Settings) -> str:
        return "stream" if settings.memory_limit is not None else "dask"

    def train_accuracy(self, data_pass, run) -> float:
        if hasattr(data_pass, "accuracy"):
            return data_pass.accuracy(to_numpy(run.w), run.b)
        import dask

        from ..neuron.course import accuracy

        w = to_numpy(run.w)
        (predicted,) = dask.compute(decide(sigmoid(w.T @ data_pass.X + run.b)))
        return accuracy(predicted.astype(np.float64), to_numpy(data_pass.Y))


def _checked_weights(sample_weight, y, dtype):
    """(1, m) weights in `dtype` (see `validation.sample_weights`), or None."""
    from .. import validation as check

    return None if sample_weight is None else check.sample_weights(sample_weight, y, dtype)


def validation_split(y: np.ndarray, fraction: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """(kept, held out): sorted indices of the examples that train and of those held out.

    Stratified: `fraction` of each class, rounded, at least one and never all, drawn
    from `seed`. (scikit-learn's train_test_split does the same, but importing it
    costs a second of start-up.)"""
    rng = np.random.default_rng(seed)
    held = []
    for label in (0, 1):
        members = np.flatnonzero(y == label)
        if members.size < 2:
            raise InputValueError(f"validation_fraction: class {label} has {members.size} example(s); holding "
                                  "some out for validation needs at least 2 of each class")
        count = min(max(int(round(fraction * members.size)), 1), members.size - 1)
        held.append(rng.permutation(members)[:count])
    held_out = np.sort(np.concatenate(held))
    return np.setdiff1d(np.arange(y.size), held_out), held_out


def _subset(data: Dataset, index: np.ndarray) -> Dataset:
    return Dataset(images=data.images[index], y=data.y[index], classes=data.classes, source=data.source,
                   skipped=data.skipped)
