"""The week's NumPy practice, in the course's notation: the functions of "Python Basics with NumPy".

Each is written once, in the form the notes teach, and each is the reference that
`single-neuron check` compares a learner's own version with:

    basic_sigmoid(x) = 1 / (1 + e^(-x))                  x a number (math.exp)
    sigmoid(x)       = 1 / (1 + e^(-x))                  elementwise (see formulas.sigmoid)
    sigmoid_derivative(x) = s (1 - s),  s = sigmoid(x)   elementwise, the shape of x
    image2vector(image)   (h, w, c) -> (h w c, 1)        row-major: all channels of a pixel in turn
    normalize_rows(x)     x / ||x||, the 2-norm of each row, kept as (n, 1) so it broadcasts over (n, d)
    softmax(x)            exp(x) / (the sum of exp(x) over each row, kept as (n, 1))
    L1(yhat, y) = sum |y - yhat|        L2(yhat, y) = sum (y - yhat)^2

`normalizeRows` is `normalize_rows` under the name of the course's first notebook.
The sigmoid and the softmax are computed in forms that cannot overflow (through
e^(-|x|), and the row's largest value subtracted first): the same numbers as the
plain formulas wherever those are finite.
"""

from __future__ import annotations

import math
import numbers

import numpy as np

from ..errors import InputValueError, ShapeError
from ..validation import shape_text
from .formulas import sigmoid

__all__ = ["basic_sigmoid", "sigmoid", "sigmoid_derivative", "image2vector", "normalize_rows", "normalizeRows",
           "softmax", "L1", "L2"]


def basic_sigmoid(x) -> float:
    """sigmoid(x) = 1 / (1 + e^(-x)) of one real number, with `math.exp`: a Python float.

    Like the course's, it takes a number, not a list or an array (math works on numbers:
    that is the notebook's lesson, and why `sigmoid` uses np.exp); those raise TypeError.
    """
    if isinstance(x, bool) or not isinstance(x, numbers.Real):
        raise TypeError(f"basic_sigmoid takes one real number (math.exp works on numbers), got "
                        f"{type(x).__name__}; for a list or an array use sigmoid, which uses np.exp")
    x = float(x)
    if x >= 0:
        return 1.0 / (1.0 + math.exp(-x))
    e = math.exp(x)                       # e^(-|x|): never overflows
    return e / (1.0 + e)


def sigmoid_derivative(x):
    """sigma'(x) = s (1 - s) with s = sigmoid(x), elementwise: the shape of x."""
    s = sigmoid(x)
    return s * (1 - s)


def image2vector(image) -> np.ndarray:
    """An image of shape (length, height, depth) as a column vector (length * height * depth, 1).

    Unrolled row-major, as the course's ``image.reshape(length * height * depth, 1)``: all the
    channels of the first pixel, then of the second, and so on.
    """
    image = np.asarray(image)
    if image.ndim != 3:
        raise ShapeError(f"image: expected a 3-D array (length, height, depth), got an array of shape "
                         f"{shape_text(image.shape)}")
    length, height, depth = image.shape
    return image.reshape(length * height * depth, 1)


def normalize_rows(x) -> np.ndarray:
    """x (n, d) with each row divided by its 2-norm: x / ||x||, ||x|| of shape (n, 1) (keepdims),
    broadcast over the d columns. A row of zeros has no direction and is refused."""
    x = _matrix("x", x)
    x_norm = np.linalg.norm(x, ord=2, axis=1, keepdims=True)
    zero = np.flatnonzero(x_norm == 0)
    if zero.size:
        raise InputValueError(f"x: row {zero[0]} is all zeros: its norm is 0, so it cannot be normalized")
    return x / x_norm


normalizeRows = normalize_rows          # the course's first notebook calls it so


def softmax(x) -> np.ndarray:
    """The softmax of each row of x (n, d): exp(x) / sum of exp(x) over the row, (n, 1) kept so
    that it broadcasts over the d columns. Each row's largest value is subtracted first, which
    changes nothing in exact arithmetic and keeps exp from overflowing."""
    x = _matrix("x", x)
    x_exp = np.exp(x - x.max(axis=1, keepdims=True))
    x_sum = np.sum(x_exp, axis=1, keepdims=True)
    return x_exp / x_sum


def L1(yhat, y) -> np.float64:
    """The L1 loss: sum over the examples of |y - yhat|. yhat and y: arrays of one shape (m,)."""
    yhat, y = _pair(yhat, y)
    return np.float64(np.sum(np.abs(y - yhat)))


def L2(yhat, y) -> np.float64:
    """The L2 loss: sum over the examples of (y - yhat)^2. yhat and y: arrays of one shape (m,)."""
    yhat, y = _pair(yhat, y)
    return np.float64(np.sum((y - yhat) ** 2))


def _matrix(name: str, x) -> np.ndarray:
    x = np.asarray(x)
    if x.ndim != 2:
        raise ShapeError(f"{name}: expected a 2-D array (n, d), one row per vector, got an array of shape "
                         f"{shape_text(x.shape)}")
    if x.dtype.kind not in "biuf":
        raise InputValueError(f"{name}: expected numbers, got an array of {x.dtype}")
    return x if x.dtype.kind == "f" else x.astype(np.float64)


def _pair(yhat, y) -> tuple[np.ndarray, np.ndarray]:
    yhat, y = np.asarray(yhat, dtype=np.float64), np.asarray(y, dtype=np.float64)
    if yhat.shape != y.shape:
        raise ShapeError(f"yhat and y: expected one shape, got {shape_text(yhat.shape)} and "
                         f"{shape_text(y.shape)} (they would broadcast into a matrix of differences)")
    return yhat, y
