"""Model files: a trained neuron and what it needs to be used again, in one .npz.

Layout (format "single-neuron-model", version 1), every array plain numbers or
text so the file loads with ``allow_pickle=False``:

    w         (n_x, 1) float64   the weights
    b         ()       float64   the bias
    costs     (k,)     float64   the recorded costs
    metadata  ()       str       JSON: format, format_version, input_shape
                                 [height, width, channels], pixel_scale,
                                 classes [name of 0, name of 1], training
                                 settings and accuracies

Files are written atomically (see `atomic`), so an interrupted save leaves the
previous file, or none, and never a broken one.

Model files may come from anyone, so `load_model` trusts nothing in them: the
path must be a regular file (a FIFO or a device is refused without blocking) of a
size the limits allow; the archive's directory is checked before anything is
decompressed (see `npz`); the metadata is parsed within limits (see `jsontext`) and
checked field by field; every array must have exactly the shape and type the
metadata implies; and the weights must be small enough that every input gives a
finite logit: sum(|w|) * 255 / pixel_scale + |b| <= MAX_LOGIT, so that sigmoid of
it, a probability, is never nan.
"""

from __future__ import annotations

import json
import math
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from . import limits
from .atomic import atomic_write, check_writable
from .files import check_regular, read_regular
from .jsontext import parse_json
from .npz import CheckedArchive
from .resources import require_memory
from .text import check_class_names, shown
from ..errors import DivergenceError, InputValueError, ModelFileError, OutputError

FORMAT = "single-neuron-model"
FORMAT_VERSION = 1
ARRAYS = ("w", "b", "costs", "metadata")
MAX_LOGIT = 1e30                # the largest |w.T x + b| a model may reach: finite in float32 too
PIXEL_SCALES = (1e-6, 1e6)      # the range of pixel_scale a model may have
MAX_SIDE = 2**16                # the height or width of a model's input
ARCHIVE_SLACK = 2**16           # zip headers and directory around the four members
UNZIP_BYTES = 2**23             # zipfile's and zlib's buffers, the parsed metadata


@dataclass
class SavedModel:
    """A trained neuron with its input contract.

    w: (n_x, 1) with n_x = height * width * channels; b: float; input_shape:
    (height, width, channels); classes: names of label 0 and label 1;
    pixel_scale: the divisor applied to 8-bit pixels; costs: recorded costs;
    training: settings and results of the run that made it.
    """

    w: np.ndarray
    b: float
    input_shape: tuple[int, int, int]
    classes: tuple[str, str]
    pixel_scale: float = 255.0      # 8-bit pixels: the course's scale, neuron.formulas.PIXEL_SCALE
    costs: list[float] = field(default_factory=list)
    training: dict = field(default_factory=dict)
    format_version: int = FORMAT_VERSION    # of the file it was read from; the current one in memory


def save_model(path, model: SavedModel) -> None:
    """Write `model` to `path` (.npz) atomically; raises ModelFileError if it cannot."""
    path = Path(path)
    check_class_names([str(name) for name in model.classes], f"{shown(path)}: classes", InputValueError)
    metadata = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "input_shape": list(model.input_shape),
        "pixel_scale": model.pixel_scale,
        "classes": list(model.classes),
        "training": model.training,
    }
    w = np.asarray(model.w, dtype=np.float64).reshape(-1, 1)
    b = np.asarray(model.b, dtype=np.float64)
    costs = np.asarray(model.costs, dtype=np.float64).reshape(-1)
    # Never write what load_model refuses: a diverged run's weights are the usual case.
    _check_parameters(f"{shown(path)}: not saved", w, float(b.reshape(())), costs, model.pixel_scale,
                      DivergenceError, " (the run diverged: lower the learning rate)")
    arrays = {"w": w, "b": b, "costs": costs, "metadata": np.asarray(json.dumps(metadata, sort_keys=True))}
    check_writable(path, "model")
    try:
        with atomic_write(path, "model") as f:
            _write_npz(f, arrays)
    except OSError as exc:
        raise OutputError(f"{path}: cannot write the model ({exc.strerror or exc})") from None


# np.savez stamps each member with the current time; a fixed stamp makes the same model the
# same bytes, so a file's checksum identifies its content.
_ZIP_TIME = (1980, 1, 1, 0, 0, 0)


def _write_npz(f, arrays: dict) -> None:
    """What np.savez writes (one .npy per array, uncompressed), minus the timestamps."""
    with zipfile.ZipFile(f, "w", compression=zipfile.ZIP_STORED) as archive:
        for key, value in arrays.items():
            info = zipfile.ZipInfo(f"{key}.npy", date_time=_ZIP_TIME)
            with archive.open(info, "w", force_zip64=True) as member:
                np.lib.format.write_array(member, value, allow_pickle=False)


def max_model_bytes() -> int:
    """The largest model file the limits allow: w of SINGLE_NEURON_MAX_FEATURES values, COSTS
    costs, the metadata, and their headers."""
    members = 8 * limits.limit("features") + 8 * limits.COSTS + 4 * limits.METADATA_CHARS + 8
    return members + 4 * limits.NPY_HEADER_BYTES + ARCHIVE_SLACK


def memory_to_load_model(file_bytes: int, n_x: int = 0, n_costs: int = 0) -> int:
    """Bytes that loading a model takes: the file, for w and the costs the unpacked .npy and the
    float64 copy (n_x and n_costs: 0 until the metadata says), and the unzipping's own buffers."""
    return file_bytes + 2 * 8 * (n_x + n_costs) + 4 * limits.NPY_HEADER_BYTES + UNZIP_BYTES


def load_model(path) -> SavedModel:
    """Read a model file written by `save_model`; anything else raises ModelFileError."""
    where = shown(path)
    size = check_regular(path, ModelFileError, "a model file", max_model_bytes(), limits.hint("features")).st_size
    require_memory(memory_to_load_model(size), where, "reading the model file", ModelFileError)
    data = read_regular(path, ModelFileError, "a model file", max_model_bytes(), limits.hint("features"))
    # An .npz is a zip archive; checking the signature first says what the file is not.
    if not data.startswith(b"PK\x03\x04"):
        raise ModelFileError(f"{where}: not a single-neuron model (not an .npz archive)")
    archive = CheckedArchive(data, where, ARRAYS, ModelFileError, "a single-neuron model")
    meta = _metadata(where, archive.array("metadata", 4 * limits.METADATA_CHARS + limits.NPY_HEADER_BYTES))
    shape, classes, scale, training = _fields(where, meta)
    n_x = math.prod(shape)
    require_memory(memory_to_load_model(len(data), n_x, limits.COSTS), where, "reading the model's arrays",
                   ModelFileError)
    w = archive.array("w", 8 * n_x + limits.NPY_HEADER_BYTES)
    b = archive.array("b", 8 + limits.NPY_HEADER_BYTES)
    costs = archive.array("costs", 8 * limits.COSTS + limits.NPY_HEADER_BYTES)
    if w.dtype.kind != "f" or w.dtype.itemsize > 8 or w.shape != (n_x, 1):
        raise ModelFileError(f"{where}: w has shape {w.shape} and dtype {w.dtype}, expected ({n_x}, 1) "
                             f"floats for input shape {list(shape)}")
    if b.dtype.kind != "f" or b.dtype.itemsize > 8 or b.size != 1:
        raise ModelFileError(f"{where}: b has shape {b.shape} and dtype {b.dtype}, expected one float")
    if costs.dtype.kind != "f" or costs.dtype.itemsize > 8 or costs.ndim != 1:
        raise ModelFileError(f"{where}: costs have shape {costs.shape} and dtype {costs.dtype}, "
                             "expected a list of floats")
    w, b = w.astype(np.float64), float(b.reshape(()))
    _check_parameters(where, w, b, costs, scale, ModelFileError)
    return SavedModel(w=w, b=b, input_shape=shape, classes=classes, pixel_scale=scale,
                      costs=[float(c) for c in costs], training=training, format_version=meta["format_version"])


def _check_parameters(where: str, w: np.ndarray, b: float, costs: np.ndarray, scale: float, error,
                      advice: str = "") -> None:
    """What a model's numbers must be, for load_model and save_model alike: w and b finite, and no
    image giving |z| > MAX_LOGIT: z = w.T x + b with each x in [0, 255 / pixel_scale] is at most
    sum(|w|) * 255 / pixel_scale + |b| in size, and every partial sum of the product is too, so below
    the bound nothing overflows and sigmoid(z) is a number. Costs finite, at most limits.COSTS."""
    if not (np.isfinite(w).all() and math.isfinite(b)):
        raise error(f"{where}: the weights hold nan or inf{advice}")
    with np.errstate(over="ignore", invalid="ignore"):
        reach = float(np.sum(np.abs(w))) * (255.0 / scale) + abs(b)
    if not (math.isfinite(reach) and reach <= MAX_LOGIT):
        raise error(f"{where}: refused, the weights are too large: an image can give a logit of "
                    f"{reach:.3g}, more than the {MAX_LOGIT:g} a model may reach{advice}")
    if costs.size > limits.COSTS:
        raise error(f"{where}: refused, {costs.size:,} recorded costs, more than the {limits.COSTS:,} a model "
                    "may hold")
    if not np.isfinite(costs).all():
        raise error(f"{where}: the costs hold nan or inf{advice}")


def _metadata(where: str, raw: np.ndarray) -> dict:
    if raw.dtype.kind != "U" or raw.ndim != 0:
        raise ModelFileError(f"{where}: not a single-neuron model (metadata is not text)")
    meta = parse_json(str(raw), where, ModelFileError)
    if not isinstance(meta, dict) or meta.get("format") != FORMAT:
        found = meta.get("format") if isinstance(meta, dict) else None
        raise ModelFileError(f"{where}: not a single-neuron model (format is "
                             f"{shown(repr(found))[:80]})")
    version = meta.get("format_version")
    if type(version) is not int or version < 1:
        raise ModelFileError(f"{where}: damaged metadata: format_version {shown(repr(version))[:40]}")
    if version > FORMAT_VERSION:
        raise ModelFileError(f"{where}: written in model format version {version}, newer than this "
                             f"release reads ({FORMAT_VERSION}); upgrade single-neuron")
    return meta


def _fields(where: str, meta: dict):
    """input_shape, classes, pixel_scale and training from checked metadata, each checked."""
    return (_input_shape(where, meta.get("input_shape")), _classes(where, meta.get("classes")),
            _pixel_scale(where, meta.get("pixel_scale")), _training(where, meta.get("training", {})))


def _input_shape(where: str, shape) -> tuple[int, int, int]:
    """[height, width, channels]: whole numbers (not booleans), 1, 3 or 4 channels, within the limits."""
    if (not isinstance(shape, list) or len(shape) != 3 or any(type(s) is not int for s in shape)
            or min(shape) < 1 or max(shape[:2]) > MAX_SIDE or shape[2] not in (1, 3, 4)):
        raise ModelFileError(f"{where}: damaged metadata: input_shape {shown(repr(shape))[:80]} is not "
                             "[height, width, channels] with 1, 3 or 4 channels")
    most = limits.limit("features")
    if math.prod(shape) > most:
        raise ModelFileError(f"{where}: refused, input_shape {shape} makes {math.prod(shape):,} features, more "
                             f"than the limit of {most:,} ({limits.hint('features')})")
    return tuple(shape)


def _classes(where: str, classes) -> tuple[str, str]:
    if not isinstance(classes, list) or len(classes) != 2 or not all(isinstance(c, str) for c in classes):
        raise ModelFileError(f"{where}: damaged metadata: expected 2 class names as text, got "
                             f"{shown(repr(classes))[:80]}")
    return check_class_names(classes, f"{where}: damaged metadata: classes", ModelFileError)


def _pixel_scale(where: str, scale) -> float:
    if type(scale) not in (int, float) or not PIXEL_SCALES[0] <= scale <= PIXEL_SCALES[1]:
        raise ModelFileError(f"{where}: damaged metadata: pixel_scale {shown(repr(scale))[:40]} is not a "
                             f"number from {PIXEL_SCALES[0]:g} to {PIXEL_SCALES[1]:g}")
    return float(scale)


def _training(where: str, training) -> dict:
    """The training record, its strings escaped; the numbers every view of a model shows checked."""
    if not isinstance(training, dict):
        raise ModelFileError(f"{where}: damaged metadata: training is not an object")
    for key in ("train_accuracy", "test_accuracy"):              # shown as numbers wherever a model is
        value = training.get(key)
        if value is not None and (type(value) not in (int, float) or not 0 <= value <= 100):
            raise ModelFileError(f"{where}: damaged metadata: training.{key} {shown(repr(value))[:40]} is not a "
                                 "percentage from 0 to 100")
    final = training.get("final_cost")
    if final is not None and (type(final) not in (int, float) or not 0 <= final < math.inf):
        raise ModelFileError(f"{where}: damaged metadata: training.final_cost {shown(repr(final))[:40]} is not a "
                             "cost (a number >= 0)")
    return _escaped(training)


def _escaped(value):
    """`value` (parsed JSON, nesting bounded) with every string made safe to print (see `shown`)."""
    if isinstance(value, str):
        return shown(value)
    if isinstance(value, list):
        return [_escaped(v) for v in value]
    if isinstance(value, dict):
        return {shown(k): _escaped(v) for k, v in value.items()}
    return value
