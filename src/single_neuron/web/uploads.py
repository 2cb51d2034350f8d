"""An uploaded image, classified exactly as `single-neuron predict` classifies a file.

The bytes go to a private temporary file (mode 0600, removed at once) and from there
through the very same calls as `predict`: `app.model.classify` (the guarded reader
`io.images.read_image`, then the model) for the label and probability, and
`read_image` + `app.weight_maps.image_view` for the page's picture of it. So the page and
the API give the numbers `predict --json` gives for the same file, and no second
decoder exists to keep in step with the first. Nothing in the request names a file
on disk: the upload's own name is used only in messages.
"""

from __future__ import annotations

import asyncio
import tempfile
import threading
from contextlib import contextmanager

from ..errors import ImageError
from ..io.modelfile import SavedModel
from .encode import drawable, packed, packed_pixels

WATCH_SECONDS = 0.1             # how often an upload being decoded looks whether the server is stopping


@contextmanager
def as_file(data: bytes, name: str):
    """A private temporary file holding `data`; ImageErrors name the upload, not the file."""
    with tempfile.NamedTemporaryFile(prefix="single-neuron-upload-") as f:
        f.write(data)
        f.flush()
        try:
            yield f.name
        except ImageError as exc:
            raise ImageError(str(exc).replace(f.name, name)) from None


async def off_the_loop(call, *args, closing: threading.Event):
    """`call(*args)` in a thread of its own, so that the event loop goes on serving while an upload
    decodes; its result, or what it raised. If the server begins to stop first, the request is
    answered at once (503) instead of holding the shutdown until the decoding ends: the thread is
    a daemon, left to end by itself, and never keeps the process from exiting. (Decoding itself is
    bounded in memory and time by `io.images`.)"""
    from .bodies import BadRequest

    loop = asyncio.get_running_loop()
    done = loop.create_future()

    def settle(result, error):
        if not done.done():
            done.set_exception(error) if error is not None else done.set_result(result)

    def run():
        try:
            result, error = call(*args), None
        except BaseException as exc:            # handed to the request, which answers it
            result, error = None, exc
        try:
            loop.call_soon_threadsafe(settle, result, error)
        except RuntimeError:                    # the loop is gone: the server has stopped
            pass

    threading.Thread(target=run, name="single-neuron upload", daemon=True).start()
    while not done.done():
        if closing.is_set():
            raise BadRequest("the server is stopping; the upload was not classified", 503)
        await asyncio.wait([done], timeout=WATCH_SECONDS)
    return done.result()


def prediction(trained: SavedModel, data: bytes, name: str) -> dict:
    """{"label", "class", "probability"}: predict --json's numbers for these bytes."""
    from ..app.model import classify

    with as_file(data, name) as path:
        p = classify(trained, path)
    return {"label": p.label, "class": p.class_name, "probability": p.probability}


def view(trained: SavedModel, data: bytes, name: str) -> dict:
    """The prediction, and the image as the model sees it with its contributions w * x, per channel
    and as the map the page draws (summed over each pixel's channels, as `predict --explain` draws
    it: the map plus b is z)."""
    from ..app.model import classify
    from ..app.weight_maps import image_view
    from ..io.images import read_image

    height, width, channels = trained.input_shape
    with as_file(data, name) as path:
        p = classify(trained, path)
        seen = image_view(trained, read_image(path, (height, width), channels))
    return {"label": p.label, "class": p.class_name, "probability": p.probability, "classes": list(trained.classes),
            "z": seen.z, "b": float(trained.b), "pixels": packed_pixels(seen.pixels),
            "contributions": packed(seen.contributions) if drawable(seen.contributions) else None,
            "contribution_map": packed(seen.pixel_contributions) if drawable(seen.contributions) else None}
