"""How large an input may be: the limits every reader checks before it reads anything.

Data sets, models and images may come from anyone, and a header of a few bytes can
declare terabytes. Each reader compares what a file declares with these limits (and
with the memory available, see `resources`) before it reads the data. The sizes
that honest inputs can reach are set by environment variables; each variable
replaces its default, for every command and for the Python API alike:

    SINGLE_NEURON_MAX_EXAMPLES      examples in one data set           (default 134,217,728)
    SINGLE_NEURON_MAX_FEATURES      values per example, h * w * c     (default 67,108,864)
    SINGLE_NEURON_MAX_IMAGE_PIXELS  pixels of one decoded image file  (default 89,478,485, Pillow's)
    SINGLE_NEURON_MAX_IMAGE_BYTES   bytes of one image file           (default 256 MiB)
    SINGLE_NEURON_MAX_CODE_BYTES    bytes of a learner's .py or .ipynb (default 64 MiB)

The other bounds are part of the formats themselves and are fixed (see the constants
below and docs/security.md).
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from ..errors import InputValueError
from ..sizes import whole_number


@dataclass(frozen=True)
class Limit:
    variable: str           # the environment variable that replaces the default
    default: int
    meaning: str


LIMITS = {
    "examples": Limit("SINGLE_NEURON_MAX_EXAMPLES", 2**27, "examples in one data set"),
    "features": Limit("SINGLE_NEURON_MAX_FEATURES", 2**26, "values per example (height x width x channels)"),
    "image_pixels": Limit("SINGLE_NEURON_MAX_IMAGE_PIXELS", 89_478_485, "pixels of one image file"),
    "image_bytes": Limit("SINGLE_NEURON_MAX_IMAGE_BYTES", 256 * 2**20, "bytes of one image file"),
    "code_bytes": Limit("SINGLE_NEURON_MAX_CODE_BYTES", 64 * 2**20, "bytes of a learner's .py or .ipynb file"),
}

# Fixed by the formats: an honest file is far inside each of these.
CLASS_NAME_CHARS = 200          # characters of one class name
RESIZE_SIDE = 4096              # the largest side an image folder may be resized to
DEFAULT_SIDE = 64               # the side image folders are resized to, as the course's cats are
COSTS = 10**7                   # recorded costs in a model file (one per 100 iterations: 1e9 iterations)
METADATA_CHARS = 2**16          # characters of a model's JSON metadata
JSON_DEPTH = 16                 # nesting of the metadata's lists and objects
NPY_HEADER_BYTES = 4096         # the header of one array in a model file
CLASSES_FILE_BYTES = 2**16      # an image folder's classes.txt
NOTEBOOK_DEPTH = 64             # nesting of a notebook's JSON (outputs of widgets and plots nest deeper)


def limit(name: str) -> int:
    """The limit called `name` (a key of LIMITS): its environment variable if set, else its default.

    Read at each call, so that a changed environment takes effect without a restart.
    """
    entry = LIMITS[name]
    text = os.environ.get(entry.variable)
    if text is None or not text.strip():
        return entry.default
    try:
        value = whole_number(text)
    except ValueError:
        value = 0
    if value < 1:
        raise InputValueError(f"{entry.variable}: expected a whole number of {entry.meaning} >= 1 (ASCII digits), "
                              f"got {text[:40]!r}")
    return value


def refuse_beyond(name: str, value: int, where: str, what: str, error, found: str = "") -> None:
    """Raise `error` if `value` (of `what`, at `where`; `found`: how it was found, as "the file
    declares ") is beyond the limit called `name`."""
    most = limit(name)
    if value > most:
        raise error(f"{where}: refused, {found}{value:,} {what}, more than the limit of {most:,} ({hint(name)})")


def hint(name: str) -> str:
    """How to raise the limit called `name`, for the end of an error message."""
    return f"set {LIMITS[name].variable} to raise the limit"

