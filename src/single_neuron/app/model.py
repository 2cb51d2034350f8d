"""A trained neuron as an object: load it, ask it about images, save it.

`single_neuron.load(path)` reads a model file into a `Model`; `single_neuron.train(...)`
returns one as its run's `.model`. The two are the same class, so whatever one does the
other does:

>>> import single_neuron
>>> model = single_neuron.load("cat.npz")                            # doctest: +SKIP
>>> model.classify("my-cat.jpg")                                     # doctest: +SKIP
Prediction(image='my-cat.jpg', label=1, class_name='cat', probability=0.94...)

The file format is `io.modelfile`'s; the numbers are those of `predict`, the command: an
image is decoded, resized and scaled exactly as there (`classify`, below), and X is unrolled
as in training (`neuron.formulas.unroll`).
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from pathlib import Path

import numpy as np

from ..errors import ImageError, ShapeError
from ..io.modelfile import SavedModel
from ..neuron.formulas import THRESHOLD, decide, logits, sigmoid, unroll


@dataclass
class Model(SavedModel):
    """A trained neuron with its input contract: w (n_x, 1), b, input_shape (height, width,
    channels), classes (the names of labels 0 and 1), pixel_scale, costs, training."""

    @classmethod
    def of(cls, saved: SavedModel) -> Model:
        """The same model as a `Model` (itself, if it is one)."""
        if isinstance(saved, cls):
            return saved
        return cls(**{f.name: getattr(saved, f.name) for f in fields(SavedModel)})

    def save(self, path) -> None:
        """Write the model to `path` (.npz), atomically, in the format `single-neuron train
        --model-out` writes and every command reads."""
        from ..io.modelfile import save_model

        save_model(path, self)

    def predict_proba(self, X) -> np.ndarray:
        """(m,) probabilities of class 1, sigmoid(w.T X + b), one per example.

        X: images of the model's input shape as pixels, (m, height, width, channels) or one
        image (height, width, channels), scaled as in training (divided by pixel_scale); or
        examples already unrolled and scaled, in the course's layout (n_x, m)."""
        X = self._columns(X)
        return sigmoid(logits(self.w, self.b, X))[0]

    def predict(self, X, threshold: float = THRESHOLD) -> np.ndarray:
        """(m,) labels, 1 where the probability of class 1 is above `threshold` (the notes' 0.5),
        else 0. X as for `predict_proba`."""
        return decide(self.predict_proba(X), _threshold(threshold)).astype(np.int64)

    def classify(self, images, threshold: float = THRESHOLD):
        """Classify image files or arrays as `single-neuron predict` does.

        images: an image file (any common format, size or mode: decoded, resized and scaled as
        in training), a folder (every image in it), a list of those, or pixels of the model's
        input shape ((height, width, channels) for one image, (m, height, width, channels) for
        several). One file or one image gives one `Prediction`; anything else a list of them.
        A file that cannot be read raises its ImageError, naming it.
        """
        threshold = _threshold(threshold)
        if isinstance(images, (str, Path)) and not Path(images).is_dir():
            return classify(self, images, threshold)
        if isinstance(images, np.ndarray):
            one = images.ndim == len(self.input_shape)
            p = self.predict_proba(images)
            labels = decide(p, threshold)
            found = [Prediction(image="image" if one else f"images[{k}]", label=int(labels[k]),
                                class_name=self.classes[int(labels[k])], probability=float(p[k]))
                     for k in range(p.size)]
            return found[0] if one else found
        listed = image_files([images] if isinstance(images, (str, Path)) else list(images))
        if listed.missing:
            raise ImageError(listed.missing[0])
        return [classify(self, path, threshold) for path in listed.files]

    def _columns(self, X) -> np.ndarray:
        """X in the course's layout (n_x, m), from images or from columns."""
        X = np.asarray(X)
        shape = tuple(self.input_shape)
        n_x = int(np.prod(shape))
        if X.shape == shape:
            X = X[np.newaxis]
        if X.ndim == 4 and X.shape[1:] == shape:
            return unroll(X, pixel_scale=self.pixel_scale)
        if X.ndim == 2 and X.shape[0] == n_x and X.dtype.kind in "fiub":
            return X.astype(np.float64, copy=False)
        raise ShapeError(f"X: expected images of shape (m, {', '.join(map(str, shape))}) or one of shape "
                         f"({', '.join(map(str, shape))}), or columns of shape ({n_x}, m) in the course's "
                         f"layout, got an array of shape {X.shape}"
                         + (" (examples in rows: pass X.T)" if X.ndim == 2 and X.shape[-1] == n_x else ""))


def _threshold(value) -> float:
    from .. import validation as check

    threshold = check.scalar("threshold", value)
    if not 0 <= threshold <= 1:
        from ..errors import InputValueError

        raise InputValueError(f"threshold: expected a probability from 0 to 1, got {value}")
    return threshold


def load(path) -> Model:
    """The model in a file written by `single-neuron train --model-out`, `Model.save` or
    `SingleNeuronClassifier.save`; any other file raises ModelFileError (see `io.modelfile`)."""
    from ..io.modelfile import load_model

    return Model.of(load_model(path))


# ------------------------------------------------------------------ image files, as predict takes them


@dataclass
class Prediction:
    image: str
    label: int
    class_name: str
    probability: float          # probability of class 1

    def as_dict(self) -> dict:
        return {"image": self.image, "label": self.label, "class": self.class_name,
                "probability": self.probability}


def classify(trained: SavedModel, path, threshold: float = THRESHOLD) -> Prediction:
    """Decode, resize and scale one image file as in training, and classify it: label 1 where
    the probability of class 1 is above `threshold` (the notes' 0.5 by default; from 0 to 1). The
    job behind `single-neuron predict` and the web page's uploads."""
    from ..io.images import read_image

    threshold = _threshold(threshold)
    height, width, channels = trained.input_shape
    pixels = read_image(path, (height, width), channels)
    p = float(Model.of(trained).predict_proba(pixels)[0])
    label = int(decide(np.float64(p), threshold))
    return Prediction(image=str(Path(path)), label=label, class_name=trained.classes[label], probability=p)


@dataclass
class ImageFiles:
    """The image files some IMAGE arguments name, and what was said of them on the way."""

    files: list[str]
    missing: list[str]      # one message per argument that names no image (an empty folder), and per link
                            # in a folder that leads out of it
    notes: list[str]        # files skipped in a folder because they are not images by their extension


def image_files(arguments) -> ImageFiles:
    """The files that IMAGE arguments name, as `predict` takes them: a file as given (a missing or
    unreadable one fails when it is read, with its own message), a folder as every image inside it,
    listed as every folder is (`io.folders.files_under`: sorted, at any depth, hidden files and
    folders passed over, folders reached through links not walked; a data folder's classes.txt
    too, files that are not images by their extension with a note, and a link that leads out of
    the folder with a message of its own)."""
    from PIL import Image

    from ..errors import DataError
    from ..io.files import require_inside
    from ..io.folders import CLASSES_FILE, files_under

    extensions = {suffix.lower() for suffix in Image.registered_extensions()}
    listed = ImageFiles([], [], [])
    for argument in arguments:
        path = Path(argument)
        if not path.is_dir():
            listed.files.append(str(argument))
            continue
        found, skipped = [], []
        for item in files_under(path, ImageError):
            if item.relative_to(path).parts == (CLASSES_FILE,):
                continue
            try:
                require_inside(item, path, DataError)
            except DataError as exc:
                listed.missing.append(str(exc))
                continue
            (found if item.suffix.lower() in extensions else skipped).append(str(item))
        if not found:
            others = f" ({len(skipped)} other file(s), none an image by its extension)" if skipped else ""
            listed.missing.append(f"{path}: the folder holds no image files{others}")
        elif skipped:
            listed.notes.append(f"skipped {len(skipped)} file(s) in {path} that are not images (first: {skipped[0]})")
        listed.files.extend(found)
    return listed
