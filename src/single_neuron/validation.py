"""Shape and value checks for the public entry points.

The notes advise ``assert`` on shapes; a library must not rely on it (``python -O``
strips asserts, and an ``AssertionError`` says nothing to a user). These checks
raise the package's own errors naming the argument, what was expected and what
was received, and they reject rank-1 arrays instead of letting them broadcast.
"""

from __future__ import annotations

import numbers

import numpy as np

from .errors import InputValueError, ShapeError

FLOAT_DTYPES = (np.float32, np.float64)


def _shape_text(shape) -> str:
    return "(" + ", ".join(str(s) for s in shape) + (",)" if len(shape) == 1 else ")")


def check_dtype(dtype) -> np.dtype:
    """Return `dtype` as a NumPy dtype if it is float32 or float64."""
    try:
        dt = np.dtype(dtype)
    except TypeError:
        raise InputValueError(f"dtype: expected float32 or float64, got {dtype!r}") from None
    if dt not in FLOAT_DTYPES:
        raise InputValueError(f"dtype: expected float32 or float64, got {dt}")
    return dt


def matrix(name: str, value, rows: int | None = None, cols: int | None = None,
           row_name: str = "n_x", col_name: str = "m", dtype=None) -> np.ndarray:
    """Return `value` as a finite, real 2-D array of shape (rows, cols).

    `rows` or `cols` of None accept any size there; the names go into messages.
    A rank-1 array is refused with advice, because the notes' rule is to keep
    every vector explicitly a column or a row.
    """
    arr = np.asarray(value)
    expected = f"({row_name if rows is None else rows}, {col_name if cols is None else cols})"
    if arr.dtype.kind not in "biuf":
        raise InputValueError(f"{name}: expected real numbers, got dtype {arr.dtype}")
    if arr.ndim == 1:
        raise ShapeError(
            f"{name}: expected a 2-D array of shape {expected}, got a rank-1 array of shape "
            f"{_shape_text(arr.shape)} (make it a column with .reshape(-1, 1) or a row with .reshape(1, -1))")
    if arr.ndim != 2:
        raise ShapeError(f"{name}: expected a 2-D array of shape {expected}, got shape {_shape_text(arr.shape)}")
    if (rows is not None and arr.shape[0] != rows) or (cols is not None and arr.shape[1] != cols):
        raise ShapeError(f"{name}: expected shape {expected}, got {_shape_text(arr.shape)}")
    if 0 in arr.shape:
        raise ShapeError(f"{name}: expected a non-empty array, got shape {_shape_text(arr.shape)}")
    if dtype is not None:
        arr = arr.astype(dtype, copy=False)
    if arr.dtype.kind == "f" and not np.isfinite(arr).all():
        bad = np.argwhere(~np.isfinite(arr))[0]
        raise InputValueError(
            f"{name}: expected finite numbers, got {arr[tuple(bad)]:g} at index {tuple(int(i) for i in bad)}")
    return arr


def labels(name: str, value, m: int | None = None, dtype=None) -> np.ndarray:
    """Return `value` as a (1, m) array of 0s and 1s."""
    Y = matrix(name, value, 1, m, row_name="1", dtype=dtype)
    bad = (Y != 0) & (Y != 1)
    if bad.any():
        j = int(np.argmax(bad[0]))
        raise InputValueError(f"{name}: expected labels 0 or 1, got {Y[0, j]:g} at example {j}")
    return Y


def scalar(name: str, value) -> float:
    """Return `value` (a real number, a 0-d array or a (1, 1) array) as a finite float."""
    if isinstance(value, numbers.Real) and not isinstance(value, bool):
        out = float(value)
    else:
        arr = np.asarray(value)
        if arr.dtype.kind not in "iuf" or arr.size != 1 or arr.ndim > 2:
            raise ShapeError(f"{name}: expected a real number, got {type(value).__name__} "
                             f"of shape {_shape_text(arr.shape)}")
        out = float(arr.reshape(()))
    if not np.isfinite(out):
        raise InputValueError(f"{name}: expected a finite number, got {out}")
    return out


def positive_number(name: str, value) -> float:
    out = scalar(name, value)
    if out <= 0:
        raise InputValueError(f"{name}: expected a number > 0, got {value}")
    return out


def non_negative_number(name: str, value) -> float:
    out = scalar(name, value)
    if out < 0:
        raise InputValueError(f"{name}: expected a number >= 0, got {value}")
    return out


def count(name: str, value, minimum: int = 0) -> int:
    """Return `value` as an int >= minimum (bools and floats with a fraction refused)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        if not (isinstance(value, numbers.Real) and float(value).is_integer()):
            raise InputValueError(f"{name}: expected a whole number >= {minimum}, got {value!r}")
    out = int(value)
    if out < minimum:
        raise InputValueError(f"{name}: expected a whole number >= {minimum}, got {out}")
    return out
