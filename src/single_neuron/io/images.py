"""Image files in, pixel arrays of a model's input shape out (Pillow does the decoding).

Any format Pillow reads (JPEG, PNG, GIF, BMP, WebP, TIFF, AVIF, ...) except EPS, whose
decoding runs an external program (Ghostscript), and any mode: the EXIF orientation
is applied, the first frame of an animation is used, transparency is laid over
white, 16-bit and float images are brought to 8 bits, and the image is converted to
the model's channels and resized (stretched, as the course does) to its height and
width with a Lanczos filter.

Every image the program reads goes through `read_image` (or `probe_image` for its
header): regular files only, opened so that a FIFO cannot block; the file's bytes and
the pixels its header declares checked against `limits` and the memory that decoding
takes (`memory_to_decode`) before anything is decoded; and whatever Pillow's decoders
raise (they raise many kinds of exceptions) turned into one ImageError. Their
warnings are not shown, and libtiff, which would print its own on the process's
stderr, is told not to.
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
from dataclasses import dataclass
from typing import Iterator

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from . import limits
from .files import open_regular
from .resources import require_memory
from .text import shown
from ..errors import ImageError

MODES = {1: "L", 3: "RGB", 4: "RGBA"}
REFUSED_FORMATS = {"EPS"}                       # decoded by running Ghostscript on the file
HIGH_DEPTH_MODES = ("I;16", "I;16B", "I;16L", "I;16N", "I", "F")
# Bytes Pillow keeps per pixel: one for bilevel, grey and palette images, two for 16-bit, four for the rest
# (RGB included, stored as four bytes).
MODE_BYTES = {"1": 1, "L": 1, "P": 1, "I;16": 2, "I;16B": 2, "I;16L": 2, "I;16N": 2}
DECODER_BYTES = 2**24           # the decoders' own buffers, tables and lines


@dataclass(frozen=True)
class ImageHeader:
    """What an image file declares before it is decoded."""

    format: str
    mode: str
    width: int
    height: int
    file_bytes: int
    alpha: bool = False             # transparency, to be laid over white


class RefusedImage(ImageError):
    """A file refused before it is decoded (a limit, or not a regular file): unlike a file that is no
    image, a folder of images does not pass over it as if it were a note beside them."""


def memory_to_decode(header: ImageHeader, size: tuple[int, int], channels: int) -> int:
    """Bytes that reading the image takes at its peak: the file; the decoded pixels and, for an
    EXIF orientation, their turned copy; three 8-byte copies for 16-bit and float images; for
    transparency laid over white, a 4-byte copy, the white and their composite; the conversion
    to the model's mode; the resized result; and the decoders' own buffers."""
    pixels = header.width * header.height
    target = MODES[channels]
    per_pixel = 2 * MODE_BYTES.get(header.mode, 4)
    mode = header.mode
    if mode in HIGH_DEPTH_MODES:
        per_pixel, mode = per_pixel + 3 * 8 + 1, "L"
    if header.alpha and target != "RGBA":
        per_pixel += 3 * 4 + MODE_BYTES.get(target, 4)
    elif mode != target:
        per_pixel += MODE_BYTES.get(target, 4)
    return header.file_bytes + pixels * per_pixel + size[0] * size[1] * 4 * 2 + DECODER_BYTES


def read_image(path, size: tuple[int, int], channels: int) -> np.ndarray:
    """Return the image at `path` as uint8 pixels of shape (height, width, channels).

    size: (height, width) to resize to; channels: 1 (grayscale), 3 (RGB) or 4 (RGBA).
    Raises ImageError naming the file for anything refused or that cannot be decoded.
    """
    where = shown(path)
    with _opened(path) as (img, header):
        require_memory(memory_to_decode(header, size, channels), where,
                       f"decoding a {header.width}x{header.height} {header.format} image", ImageError)
        with _decoding(where):
            img.load()                          # the first frame: Image.open stands on it
            ImageOps.exif_transpose(img, in_place=True)
            shown_img = _to_mode(img, MODES[channels])
            shown_img = shown_img.resize((size[1], size[0]), Image.Resampling.LANCZOS)
            pixels = np.asarray(shown_img, dtype=np.uint8)
    return pixels.reshape(size[0], size[1], channels)


def probe_image(path) -> ImageHeader:
    """The header of the image at `path`, read without decoding the pixels (ImageError if refused)."""
    with _opened(path) as (_, header):
        return header


@contextlib.contextmanager
def _opened(path) -> Iterator[tuple[Image.Image, ImageHeader]]:
    """The image at `path` opened by Pillow (its header read, nothing decoded) and checked."""
    where = shown(path)
    with open_regular(path, RefusedImage, "an image file", limits.limit("image_bytes"),
                      limits.hint("image_bytes")) as f:
        file_bytes = _size(f)
        with _decoding(where):
            img = Image.open(f, formats=_formats())
        with img:
            header = ImageHeader(str(img.format), str(img.mode), int(img.size[0]), int(img.size[1]), file_bytes,
                                 _has_alpha(img))
            most = limits.limit("image_pixels")
            if header.width * header.height > most:
                raise RefusedImage(f"{where}: refused, too many pixels to decode safely ({header.width}x"
                                 f"{header.height} = {header.width * header.height:,} pixels, more than the limit "
                                 f"of {most:,}; {limits.hint('image_pixels')})")
            yield img, header


def _size(f) -> int:
    return os.fstat(f.fileno()).st_size


def _formats() -> list[str]:
    Image.init()
    return sorted(set(Image.OPEN) - REFUSED_FORMATS)


@contextlib.contextmanager
def _decoding(where: str) -> Iterator[None]:
    """Run Pillow: its warnings unseen, every exception one ImageError naming the file."""
    _quiet_native_libraries()
    _follow_pixel_limit()
    try:
        with warnings_off():
            yield
    except ImageError:
        raise
    except UnidentifiedImageError:
        raise ImageError(f"{where}: not an image Pillow can decode") from None
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        # Pillow's message reads "Image size (N pixels) exceeds limit of L pixels, could be ...", with
        # Pillow's own limit L; ours is the one to state, and how to raise it.
        found = re.search(r"\((\d+) pixels\)", str(exc))
        count = f"{int(found.group(1)):,} pixels" if found else "the size its header declares"
        raise RefusedImage(f"{where}: refused, too many pixels to decode safely ({count}, more than the limit "
                         f"of {limits.limit('image_pixels'):,}; {limits.hint('image_pixels')})") from None
    except MemoryError:
        raise ImageError(f"{where}: not enough memory to decode the image") from None
    except Exception as exc:                    # OSError, SyntaxError, ValueError, RuntimeError, struct.error, ...
        reason = shown(str(exc).split("\n")[0][:200] or type(exc).__name__)
        raise ImageError(f"{where}: cannot decode the image ({reason})") from None


@contextlib.contextmanager
def warnings_off() -> Iterator[None]:
    import warnings

    # Pillow warns about damaged metadata that it then skips; the image itself decodes or raises.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        yield


_QUIETED: list[bool] = []


def _quiet_native_libraries() -> None:
    """Once: libtiff prints its warnings and errors on the process's stderr by default, and a
    Pillow plugin logs one error through `logging`; Pillow reports failures itself."""
    if _QUIETED:
        return
    _QUIETED.append(True)
    logging.getLogger("PIL").addHandler(logging.NullHandler())
    try:
        import ctypes

        from PIL import _imaging

        # Looking the functions up through Pillow's own module finds the libtiff it was built with.
        library = ctypes.CDLL(_imaging.__file__)
        for name in ("TIFFSetWarningHandler", "TIFFSetErrorHandler"):
            setter = getattr(library, name)
            setter.restype, setter.argtypes = ctypes.c_void_p, [ctypes.c_void_p]
            setter(None)
    except (OSError, AttributeError, ImportError):
        pass                                    # a Pillow without libtiff: nothing to quiet


def _follow_pixel_limit() -> None:
    """Pillow refuses images beyond twice its own limit (a global); a limit raised here raises
    Pillow's with it. The check above, not Pillow's, is the one that holds."""
    most = limits.limit("image_pixels")
    raised = most > limits.LIMITS["image_pixels"].default
    if raised and Image.MAX_IMAGE_PIXELS is not None and most > Image.MAX_IMAGE_PIXELS:
        Image.MAX_IMAGE_PIXELS = most


def _has_alpha(img: Image.Image) -> bool:
    return img.mode in ("RGBA", "LA", "PA", "RGBa", "La") or (img.mode == "P" and "transparency" in img.info)


def _to_mode(img: Image.Image, mode: str) -> Image.Image:
    if img.mode in HIGH_DEPTH_MODES:
        img = _to_8_bit(img)
    if _has_alpha(img) and mode != "RGBA":
        rgba = img.convert("RGBA")
        white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        img = Image.alpha_composite(white, rgba)
    return img if img.mode == mode else img.convert(mode)


def _to_8_bit(img: Image.Image) -> Image.Image:
    """16-bit images scaled from 0..65535, 32-bit integer and float ones from 0..their largest
    finite value, to 0..255; nan reads as 0 and infinities as the ends of the range."""
    values = np.asarray(img, dtype=np.float64)
    finite = np.isfinite(values)
    top = 65535.0 if img.mode.startswith("I;16") else max(float(values.max(where=finite, initial=1.0)), 1.0)
    values = np.nan_to_num(values, nan=0.0, posinf=top, neginf=0.0)
    return Image.fromarray(np.clip(np.rint(values * (255.0 / top)), 0, 255).astype(np.uint8), "L")
