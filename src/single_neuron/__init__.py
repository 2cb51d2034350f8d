"""single-neuron: logistic regression built as a one-neuron neural network.

The course-style functions work in the notes' layout, X of shape (n_x, m):

>>> import numpy as np
>>> from single_neuron import initialize_with_zeros, propagate
>>> w, b = initialize_with_zeros(2)
>>> grads, cost = propagate(w, b, np.array([[1.0, 2.0], [3.0, 4.0]]), np.array([[1, 0]]))
>>> print(round(float(cost), 6), float(grads["db"]))
0.693147 0.0

`train(data, **settings)` does what `single-neuron train` does, and its run's `.model`
is a `Model` (`predict`, `predict_proba`, `classify`, `save`), as `load(path)` gives
one from a model file; `SingleNeuronClassifier` is the same neuron under scikit-learn's
estimator contract. The week's NumPy practice (`basic_sigmoid`, `sigmoid_derivative`,
`image2vector`, `normalize_rows`, `softmax`, `L1`, `L2`) is here too, and `check(globals())`
judges a learner's own versions of them all. Importing the package
loads nothing but its errors: NumPy, scikit-learn, matplotlib, h5py, Dask and PyTorch are
imported by the parts that use them, when they are used.
"""

from .errors import (DataError, DivergenceError, ImageError, InputValueError, ModelFileError, OutputError,
                     ShapeError, SingleNeuronError)

__version__ = "0.1.0"

# Public names, imported on first use: importing the package (or its errors) loads no NumPy.
_LAZY = {
    **{name: ("neuron.course", name) for name in ("accuracy", "initialize_with_zeros", "model", "optimize",
                                                  "predict", "propagate")},
    "sigmoid": ("neuron.formulas", "sigmoid"),
    "SingleNeuronClassifier": ("app.estimator", "SingleNeuronClassifier"),
    "train": ("app.jobs", "train"),
    "TrainingRun": ("app.jobs", "TrainingRun"),
    "Settings": ("app.settings", "Settings"),
    "check": ("app.check", "check"),
    "Report": ("app.check", "Report"),
    **{name: ("neuron.practice", name) for name in ("basic_sigmoid", "sigmoid_derivative", "image2vector",
                                                    "normalize_rows", "normalizeRows", "softmax", "L1", "L2")},
    "load": ("app.model", "load"),
    "Model": ("app.model", "Model"),
    "load_training_data": ("io.sources", "load_training_data"),
}

__all__ = [
    "sigmoid", "initialize_with_zeros", "propagate", "optimize", "predict", "accuracy", "model",
    "train", "Settings", "TrainingRun", "load", "Model", "load_training_data", "SingleNeuronClassifier",
    "basic_sigmoid", "sigmoid_derivative", "image2vector", "normalize_rows", "normalizeRows", "softmax", "L1", "L2",
    "check", "Report",
    "SingleNeuronError", "ShapeError", "InputValueError", "DataError", "ImageError", "ModelFileError",
    "OutputError", "DivergenceError",
]


def __getattr__(name: str):
    if name in _LAZY:
        from importlib import import_module

        module, attribute = _LAZY[name]
        value = getattr(import_module(f".{module}", __name__), attribute)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(_LAZY))
