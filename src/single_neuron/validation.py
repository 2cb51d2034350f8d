"""Shape and value checks for the public entry points, for arrays of any engine.

The notes advise ``assert`` on shapes; a library must not rely on it (``python -O``
strips asserts, and an ``AssertionError`` says nothing to a user). These checks
raise the package's own errors naming the argument, what was expected and what
was received, and they refuse rank-1 arrays instead of letting them broadcast,
except where the course's own code accepts one unambiguously (a row of labels).
NumPy arrays are checked with NumPy; arrays of another engine on that engine,
with one transfer of a boolean each.
"""

from __future__ import annotations

import math
import numbers

import numpy as np

from .errors import InputValueError, ShapeError
from .sizes import LARGEST

FLOAT_DTYPES = (np.float32, np.float64)
MAX_ITERATIONS = 10**9          # gradient-descent steps in one run, on every route and the command line


def shape_text(shape) -> str:
    shape = tuple(int(s) for s in shape)
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


def _is_numpy(value) -> bool:
    """True for NumPy arrays and anything NumPy takes as one (lists, numbers); False for the
    arrays of another engine (PyTorch, CuPy, Dask, array-api-strict)."""
    if isinstance(value, (np.ndarray, np.generic, numbers.Number, list, tuple)):
        return True
    from array_api_compat import is_array_api_obj

    return not is_array_api_obj(value)


def _kind(arr, xp) -> str:
    """'f' (real floating), 'i' (integer or bool) or '' (anything else) for any engine's dtype."""
    if xp is np:
        return "f" if arr.dtype.kind == "f" else ("i" if arr.dtype.kind in "biu" else "")
    if xp.isdtype(arr.dtype, "real floating"):
        return "f"
    return "i" if xp.isdtype(arr.dtype, ("integral", "bool")) else ""


def matrix(name: str, value, rows: int | None = None, cols: int | None = None,
           row_name: str = "n_x", col_name: str = "m", dtype=None):
    """Return `value` as a finite, real 2-D array of shape (rows, cols), on its engine.

    `rows` or `cols` of None accept any size there; the names go into messages.
    NumPy results are converted to `dtype` if given. A rank-1 array is refused with
    advice, because the notes' rule is to keep every vector a column or a row.
    """
    xp, arr = _on_its_engine(value)
    kind = _kind(arr, xp)
    if not kind:
        raise InputValueError(f"{name}: expected real numbers, got dtype {arr.dtype}")
    _check_shape(name, arr.shape, rows, cols, row_name, col_name)
    if xp is np and dtype is not None:
        arr = arr.astype(dtype, copy=False)
    if kind == "f" or arr.dtype.kind == "f":
        _check_finite(name, arr, xp)
    return arr


def _on_its_engine(value):
    """(namespace, array): NumPy's for NumPy arrays and what NumPy takes as one, else its engine's."""
    if _is_numpy(value):
        return np, np.asarray(value)
    from array_api_compat import array_namespace

    return array_namespace(value), value


def _check_shape(name: str, shape, rows, cols, row_name: str, col_name: str) -> None:
    """A 2-D, non-empty shape of `rows` rows and `cols` columns (None: any); a rank-1 shape with advice."""
    expected = f"({row_name if rows is None else rows}, {col_name if cols is None else cols})"
    if len(shape) == 1:
        raise ShapeError(
            f"{name}: expected a 2-D array of shape {expected}, got a rank-1 array of shape "
            f"{shape_text(shape)} (make it a column with .reshape(-1, 1) or a row with .reshape(1, -1))")
    if len(shape) != 2:
        raise ShapeError(f"{name}: expected a 2-D array of shape {expected}, got shape {shape_text(shape)}")
    if (rows is not None and shape[0] != rows) or (cols is not None and shape[1] != cols):
        raise ShapeError(f"{name}: expected shape {expected}, got {shape_text(shape)}")
    if 0 in shape:
        raise ShapeError(f"{name}: expected a non-empty array, got shape {shape_text(shape)}")


def _check_finite(name: str, arr, xp) -> None:
    """Floats that are all finite; NumPy says where the first that is not is."""
    if xp is not np:
        if not bool(xp.all(xp.isfinite(arr))):
            raise InputValueError(f"{name}: expected finite numbers, got nan or inf")
    elif not np.isfinite(arr).all():
        bad = np.argwhere(~np.isfinite(arr))[0]
        raise InputValueError(
            f"{name}: expected finite numbers, got {arr[tuple(bad)]:g} at index {tuple(int(i) for i in bad)}")


def labels(name: str, value, m: int | None = None, dtype=None):
    """Return `value` as a (1, m) array of 0s and 1s on its engine.

    A rank-1 array of m labels is the course's own way of writing a row of labels
    in places, and it is unambiguous: it is taken as the row (1, m).
    """
    if _is_numpy(value):
        value = np.asarray(value)
    if getattr(value, "ndim", None) == 1 and (m is None or value.shape[0] == m):
        value = value.reshape(1, -1) if _is_numpy(value) else _namespace(value).reshape(value, (1, -1))
    Y = matrix(name, value, 1, m, row_name="1", dtype=dtype)
    if _is_numpy(Y):
        bad = (Y != 0) & (Y != 1)
        if bad.any():
            j = int(np.argmax(bad[0]))
            raise InputValueError(f"{name}: expected labels 0 or 1, got {Y[0, j]:g} at example {j}")
    elif not bool(_namespace(Y).all((Y == 0) | (Y == 1))):
        raise InputValueError(f"{name}: expected labels 0 or 1")
    return Y


def _namespace(value):
    from array_api_compat import array_namespace

    return array_namespace(value)


def scalar(name: str, value) -> float:
    """Return `value` (a real number, a 0-d array or a (1, 1) array) as a finite float."""
    if isinstance(value, numbers.Real) and not isinstance(value, bool):
        try:
            out = float(value)
        except OverflowError:                   # an int of 400 digits: no float holds it
            raise InputValueError(f"{name}: expected a finite number, got {_short(value)}, beyond the range "
                                  "of floats") from None
    elif _is_numpy(value):
        arr = np.asarray(value)
        if arr.dtype.kind not in "iuf" or arr.size != 1 or arr.ndim > 2:
            raise ShapeError(f"{name}: expected a real number, got {type(value).__name__} "
                             f"of shape {shape_text(arr.shape)}")
        out = float(arr.reshape(()))
    else:                                       # a 0-d or one-element array of another engine
        shape = tuple(getattr(value, "shape", ()))
        if math.prod(shape) != 1 or len(shape) > 2 or _kind(value, _namespace(value)) != "f":
            raise ShapeError(f"{name}: expected a real number, got {type(value).__name__} "
                             f"of shape {shape_text(shape)}")
        out = float(_namespace(value).reshape(value, ()))
    if not math.isfinite(out):
        raise InputValueError(f"{name}: expected a finite number, got {out}")
    return out


def positive_number(name: str, value) -> float:
    """A finite number > 0 (a learning rate, a pixel scale); no upper bound: a rate that diverges
    is the run's advice to give, not a refusal."""
    out = scalar(name, value)
    if out <= 0:
        raise InputValueError(f"{name}: expected a number > 0, got {_number_text(value)}")
    return out


def learning_rate(name: str, value) -> float | str:
    """A learning rate: a finite number > 0, or "auto" (the step 1/L from the cost's curvature, see
    `neuron.curvature`)."""
    if isinstance(value, str):
        if value == "auto":
            return value
        raise InputValueError(f'{name}: expected a number > 0 or "auto", got {_short(value)}')
    out = scalar(name, value)
    if out <= 0:
        raise InputValueError(f'{name}: expected a number > 0 or "auto", got {_number_text(value)}')
    return out


def flag(name: str, value) -> bool:
    """True or False (NumPy's booleans too), as a bool."""
    if not isinstance(value, (bool, np.bool_)):
        raise InputValueError(f"{name}: expected True or False, got {_short(value)}")
    return bool(value)


def non_negative_number(name: str, value) -> float:
    out = scalar(name, value)
    if out < 0:
        raise InputValueError(f"{name}: expected a number >= 0, got {_number_text(value)}")
    return out


def fraction(name: str, value) -> float:
    """A finite number strictly between 0 and 1."""
    out = scalar(name, value)
    if not 0 < out < 1:
        raise InputValueError(f"{name}: expected a number between 0 and 1 (both excluded), got {_number_text(value)}")
    return out


def at_least_one(name: str, value) -> int:
    """A whole number >= 1 (a count of examples, of iterations between two records)."""
    return count(name, value, minimum=1)


def seed(name: str, value) -> int:
    """A seed of NumPy's generators: a whole number from 0 to LARGEST."""
    return count(name, value, maximum=LARGEST)


def one_of(*values: str):
    """The check of a value that must be one of `values`."""

    def check(name: str, value) -> str:
        if not isinstance(value, str) or value not in values:
            raise InputValueError(f"{name}: expected one of {', '.join(values)}, got {_short(value)}")
        return value

    check.values = values
    return check


def text(name: str, value) -> str:
    """Text (a device's name, an address), as given."""
    if not isinstance(value, str):
        raise InputValueError(f"{name}: expected text, got {_short(value)}")
    return value


def memory_size(name: str, value) -> int:
    """A size in bytes: a whole number from 1 to MAX_SIZE, or text such as "256MB" (see `sizes`)."""
    from .sizes import MAX_SIZE, parse_size

    if isinstance(value, str):
        return parse_size(value, name)
    return count(name, value, minimum=1, maximum=MAX_SIZE)


def float_type(name: str, value) -> str:
    """float32 or float64, by any name NumPy gives them, as its name."""
    return str(check_dtype(value))


float_type.values = ("float64", "float32")


def count(name: str, value, minimum: int = 0, maximum: int | None = None) -> int:
    """Return `value` as an int in [minimum, maximum] (bools and floats with a fraction refused);
    `maximum` is at most LARGEST, the largest whole number a C long or a NumPy int64 holds."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        if isinstance(value, bool) or not (isinstance(value, numbers.Real) and math.isfinite(value)
                                           and float(value).is_integer()):
            raise InputValueError(f"{name}: expected a whole number >= {minimum}, got {_short(value)}")
    out = int(value)
    top = LARGEST if maximum is None else min(maximum, LARGEST)
    if out < minimum or out > top:
        bound = f">= {minimum}" if maximum is None and out < minimum else f"from {minimum} to {top}"
        raise InputValueError(f"{name}: expected a whole number {bound}, got {_short(out)}")
    return out


def iterations(name: str, value) -> int:
    """Return `value` as a number of gradient-descent steps: a whole number from 0 to MAX_ITERATIONS."""
    out = count(name, value)
    if out > MAX_ITERATIONS:
        raise InputValueError(f"{name}: expected a whole number of iterations, at most {MAX_ITERATIONS:,}, got "
                              f"{_short(out)}")
    return out


def _number_text(value) -> str:
    """A number for a message as a person wrote it: -1, not -1.0; anything else as `_short`."""
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e16:
        return str(int(value))
    shown = str(value)
    return shown if len(shown) <= 40 else _short(value)


def _short(value) -> str:
    """A value for a message: its repr, cut short (an int of 400 digits is no help)."""
    text = repr(value)
    return text if len(text) <= 40 else f"{text[:20]}...{text[-8:]} ({len(text)} characters)"


def sample_weights(sample_weight, y: np.ndarray, dtype, both_classes: bool = True) -> np.ndarray:
    """Sample weights for the examples of labels `y` (m,) as a (1, m) row of `dtype`: one number
    for all, or m finite, non-negative numbers whose sum `dtype` holds, some positive; with
    `both_classes`, each class keeps an example of positive weight (a fit needs both, a
    mini-batch of partial_fit need not)."""
    s = np.asarray(sample_weight, dtype=np.float64)
    if s.ndim == 0:
        s = np.full(y.shape[0], float(s))
    if s.shape != (y.shape[0],):
        raise ShapeError(f"sample_weight: expected shape ({y.shape[0]},), got {shape_text(s.shape)}")
    if not np.isfinite(s).all() or (s < 0).any():
        raise InputValueError("sample_weight: expected finite, non-negative numbers")
    weight_total("sample_weight", s, dtype)
    if not s.any():
        raise InputValueError("sample_weight: every weight is zero; at least one example needs a positive weight")
    if both_classes and np.unique(y[s > 0]).size < 2:
        raise InputValueError("sample_weight: both classes need examples with a positive weight, got "
                              f"{np.unique(y[s > 0]).size} class(es)")
    return s.astype(dtype).reshape(1, -1)


def weight_total(name: str, weights: np.ndarray, dtype) -> float:
    """The sum of finite, non-negative `weights` (the M of the weighted cost), refused if it is
    more than `dtype` holds: every sum of the loop would overflow. Only the weights' ratios
    matter, so the advice is to divide them by a common factor."""
    with np.errstate(over="ignore"):
        total = float(np.sum(weights, dtype=np.float64))
    limit = float(np.finfo(np.dtype(dtype)).max)
    if not total <= limit:
        raise InputValueError(f"{name}: the weights add up to {total:g}, more than {np.dtype(dtype)} holds "
                              f"({limit:g}); divide them all by a common factor (only their ratios matter)")
    return total
