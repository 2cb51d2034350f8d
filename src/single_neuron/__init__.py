"""single-neuron: logistic regression built as a one-neuron neural network.

The course-style functions work in the notes' layout, X of shape (n_x, m):

>>> import numpy as np
>>> from single_neuron import initialize_with_zeros, propagate
>>> w, b = initialize_with_zeros(2)
>>> grads, cost = propagate(w, b, np.array([[1.0, 2.0], [3.0, 4.0]]), np.array([[1, 0]]))
>>> round(cost, 6), grads["db"]
(0.693147, 0.0)
"""

from .neuron.formulas import sigmoid
from .neuron.course import accuracy, initialize_with_zeros, model, optimize, predict, propagate
from .app.estimator import SingleNeuronClassifier
from .errors import (DataError, ImageError, InputValueError, ModelFileError, OutputError,
                     ShapeError,
                     SingleNeuronError)

__version__ = "0.1.0"

__all__ = [
    "sigmoid", "initialize_with_zeros", "propagate", "optimize", "predict", "accuracy", "model",
    "SingleNeuronClassifier",
    "SingleNeuronError", "ShapeError", "InputValueError", "DataError", "ImageError", "ModelFileError",
    "OutputError",
]
