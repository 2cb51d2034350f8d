"""Arrays and models as JSON for the page.

Exact numbers where a person or a program reads them (b, costs, accuracies, the API's
w); float32 in base64 for what is only drawn and is sent often (w while it learns,
an image's contribution map): 4 bytes a value instead of about 20, encoded in
microseconds instead of milliseconds.
"""

from __future__ import annotations

import base64
import math
from numbers import Real

import numpy as np

from ..app.weight_maps import cost_points, weights_image, weights_map
from ..io.modelfile import SavedModel

# The most values an array may have to be sent for drawing (a 1024 x 1024 image): a model of
# larger images is still served, but its w and its maps are not sent to be drawn.
DRAWN_AT_MOST = 2**20


def drawable(values: np.ndarray) -> bool:
    return values.size <= DRAWN_AT_MOST


def packed(values: np.ndarray) -> dict:
    """{"shape", "float32": base64 of the values as little-endian float32, row-major}."""
    values = np.asarray(values)
    data = np.ascontiguousarray(values, dtype="<f4").tobytes()
    return {"shape": list(values.shape), "float32": base64.b64encode(data).decode("ascii")}


def packed_pixels(pixels: np.ndarray) -> dict:
    """{"shape", "uint8": base64 of the pixels, row-major (height, width, channels)}."""
    data = np.ascontiguousarray(pixels, dtype=np.uint8).tobytes()
    return {"shape": list(pixels.shape), "uint8": base64.b64encode(data).decode("ascii")}


def json_number(value) -> float | int | None:
    """A finite number as it is, anything else (text, nan, a nested object) as None.

    A model file may come from anyone: what its metadata says is shown only if it is a number."""
    if isinstance(value, bool) or not isinstance(value, Real) or not math.isfinite(value):
        return None
    return value


def model_summary(trained: SavedModel, source: str) -> dict:
    """What GET /api/model answers: w (in the image's shape, exact) and its map (the mean over the
    colours, as the command line draws it), b, costs, the curve to draw (the costs, then the final
    cost at the end of the run), settings, accuracies."""
    training = trained.training if isinstance(trained.training, dict) else {}
    solver = training.get("solver")
    w = weights_image(trained)
    every, n_iter = (_whole(training.get(key)) for key in ("print_every", "n_iter"))
    iterations, values = cost_points(trained.costs, every or 1, n_iter, json_number(training.get("final_cost")))
    picture = weights_map(trained.w, trained.input_shape)
    return {
        "source": source,
        "classes": list(trained.classes),
        "input_shape": list(trained.input_shape),
        "n_x": int(w.size),
        "pixel_scale": trained.pixel_scale,
        "b": float(trained.b),
        "w": {"shape": list(w.shape), "values": w.reshape(-1).tolist()} if drawable(w) else None,
        "weights_map": {"shape": list(picture.shape), "values": picture.reshape(-1).tolist()} if drawable(w) else None,
        "costs": [json_number(float(c)) for c in trained.costs],
        "curve": {"iterations": iterations, "costs": values},
        **{key: json_number(training.get(key)) for key in ("print_every", "learning_rate", "num_iterations", "n_iter",
                                                       "train_accuracy", "test_accuracy", "final_cost")},
        # learning_rate "auto": the step it took, as the rate the page draws
        **({"learning_rate": json_number(training.get("learning_rate_used"))}
           if training.get("learning_rate") == "auto" else {}),
        "solver": solver if solver in ("primal", "gram") else None,
    }


def _whole(value) -> int | None:
    """A count from a model file's metadata (an iteration, a number of iterations), else None."""
    return value if type(value) is int and value >= 1 else None
