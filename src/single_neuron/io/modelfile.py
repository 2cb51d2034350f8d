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
"""

from __future__ import annotations

import json
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..neuron.formulas import sigmoid
from .atomic import atomic_write, check_writable
from ..neuron.formulas import PIXEL_SCALE, unroll
from ..errors import ModelFileError, OutputError

FORMAT = "single-neuron-model"
FORMAT_VERSION = 1
ARRAYS = ("w", "b", "costs", "metadata")


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
    pixel_scale: float = PIXEL_SCALE
    costs: list[float] = field(default_factory=list)
    training: dict = field(default_factory=dict)

    def probabilities(self, X: np.ndarray) -> np.ndarray:
        """(1, m) probabilities of class 1, sigmoid(w.T X + b), for X of shape (n_x, m)."""
        return sigmoid(self.w.T @ X + self.b)

    def probabilities_of_images(self, images: np.ndarray) -> np.ndarray:
        """(m,) probabilities of class 1 for uint8 images of shape (m, height, width, channels)."""
        return self.probabilities(unroll(images, pixel_scale=self.pixel_scale))[0]


def save_model(path, model: SavedModel) -> None:
    """Write `model` to `path` (.npz) atomically; raises ModelFileError if it cannot."""
    path = Path(path)
    metadata = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "input_shape": list(model.input_shape),
        "pixel_scale": model.pixel_scale,
        "classes": list(model.classes),
        "training": model.training,
    }
    arrays = {
        "w": np.asarray(model.w, dtype=np.float64).reshape(-1, 1),
        "b": np.asarray(model.b, dtype=np.float64),
        "costs": np.asarray(model.costs, dtype=np.float64).reshape(-1),
        "metadata": np.asarray(json.dumps(metadata, sort_keys=True)),
    }
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


def load_model(path) -> SavedModel:
    """Read a model file written by `save_model`; anything else raises ModelFileError."""
    path = Path(path)
    if not path.exists():
        raise ModelFileError(f"{path}: no such file")
    if path.is_dir():
        raise ModelFileError(f"{path}: is a folder, expected a model file")
    try:
        with open(path, "rb") as f:
            # An .npz is a zip archive; checking the signature first keeps np.load from
            # guessing at other formats (it would call a text file "pickled data").
            if f.read(4) != b"PK\x03\x04":
                raise ModelFileError(f"{path}: not a single-neuron model (not an .npz archive)")
            f.seek(0)
            archive = np.load(f, allow_pickle=False)
            if not isinstance(archive, np.lib.npyio.NpzFile):
                raise ModelFileError(f"{path}: not a single-neuron model (not an .npz archive)")
            with archive:
                missing = [k for k in ARRAYS if k not in archive.files]
                if missing:
                    raise ModelFileError(f"{path}: not a single-neuron model (missing {', '.join(missing)})")
                arrays = {k: archive[k] for k in ARRAYS}
    except ModelFileError:
        raise
    except ValueError as exc:
        if "pickle" in str(exc):
            raise ModelFileError(f"{path}: refused, the file holds pickled objects, which a model "
                                 "never does") from None
        raise ModelFileError(f"{path}: not a single-neuron model ({exc})") from None
    except (OSError, EOFError, zipfile.BadZipFile, KeyError) as exc:
        raise ModelFileError(f"{path}: not a single-neuron model, or a damaged one ({exc})") from None
    return _from_arrays(path, arrays)


def _from_arrays(path: Path, arrays: dict) -> SavedModel:
    meta = _metadata(path, arrays["metadata"])
    try:
        shape = tuple(int(s) for s in meta["input_shape"])
        classes = tuple(str(c) for c in meta["classes"])
        scale = float(meta["pixel_scale"])
        training = dict(meta.get("training", {}))
    except (KeyError, TypeError, ValueError) as exc:
        raise ModelFileError(f"{path}: damaged metadata ({type(exc).__name__}: {exc})") from None
    if len(shape) != 3 or min(shape) < 1 or shape[2] not in (1, 3, 4):
        raise ModelFileError(f"{path}: damaged metadata: input_shape {list(shape)} is not "
                             "[height, width, channels] with 1, 3 or 4 channels")
    if len(classes) != 2:
        raise ModelFileError(f"{path}: damaged metadata: expected 2 class names, got {len(classes)}")
    if not (np.isfinite(scale) and scale > 0):
        raise ModelFileError(f"{path}: damaged metadata: pixel_scale {scale} is not a positive number")
    w, b = arrays["w"], arrays["b"]
    n_x = shape[0] * shape[1] * shape[2]
    if w.dtype.kind != "f" or w.shape != (n_x, 1):
        raise ModelFileError(f"{path}: w has shape {w.shape} and dtype {w.dtype}, expected ({n_x}, 1) "
                             f"floats for input shape {list(shape)}")
    if b.dtype.kind != "f" or b.size != 1:
        raise ModelFileError(f"{path}: b has shape {b.shape} and dtype {b.dtype}, expected one float")
    if not (np.isfinite(w).all() and np.isfinite(b).all()):
        raise ModelFileError(f"{path}: the weights hold nan or inf")
    with np.errstate(over="ignore"):            # |w.T x + b| <= sum |w| * 255 / pixel_scale + |b|
        bound = float(np.abs(w).sum(dtype=np.float64)) * (255.0 / scale) + abs(float(b.reshape(())))
    if not np.isfinite(bound):
        raise ModelFileError(f"{path}: the weights are too large: w.T x + b can overflow for some image")
    costs = arrays["costs"]
    if costs.dtype.kind != "f" or costs.ndim != 1:
        raise ModelFileError(f"{path}: costs have shape {costs.shape} and dtype {costs.dtype}, "
                             "expected a list of floats")
    return SavedModel(w=w.astype(np.float64), b=float(b.reshape(())), input_shape=shape,
                      classes=classes, pixel_scale=scale, costs=[float(c) for c in costs],
                      training=training)


def _metadata(path: Path, raw: np.ndarray) -> dict:
    if raw.dtype.kind != "U" or raw.ndim != 0:
        raise ModelFileError(f"{path}: not a single-neuron model (metadata is not text)")
    try:
        meta = json.loads(str(raw))
    except json.JSONDecodeError as exc:
        raise ModelFileError(f"{path}: damaged metadata (not JSON: {exc})") from None
    if not isinstance(meta, dict) or meta.get("format") != FORMAT:
        raise ModelFileError(f"{path}: not a single-neuron model (format is "
                             f"{meta.get('format') if isinstance(meta, dict) else None!r})")
    version = meta.get("format_version")
    if not isinstance(version, int) or version < 1:
        raise ModelFileError(f"{path}: damaged metadata: format_version {version!r}")
    if version > FORMAT_VERSION:
        raise ModelFileError(f"{path}: written in model format version {version}, newer than this "
                             f"release reads ({FORMAT_VERSION}); upgrade single-neuron")
    return meta
