"""Image files in, pixel arrays of a model's input shape out (Pillow does the decoding).

Any format Pillow reads (JPEG, PNG, GIF, BMP, WebP, TIFF, AVIF, ...) except EPS, whose
decoding runs an external program (Ghostscript), and IPTC, whose image data Pillow opens
as any format it reads (EPS included), and any mode: the EXIF orientation
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

A header's size is not all a decoder allocates, nor says how long it runs: a container can
hold a larger picture than it declares (an ICNS or ICO entry holding a PNG of 13300 x 13300,
a BLP holding a JPEG), a TIFF tile can be larger than its image, and a progressive JPEG can
hold thousands of scans, each a pass over every pixel. So what the decoder will do is bounded
too (`DecoderWork`): tiles are counted against the pixel limit and in the memory; a JPEG's
scans, counted in the file, are at most MAX_SCANS and scans x pixels at most SCAN_PASSES times
the pixel limit; and while the picture decodes, Pillow's own bomb check (which its plugins
apply to the images they open inside a file) holds at the size the header declared, so an
inner image larger than that is refused before it is decoded.
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
import threading
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
# EPS is decoded by running Ghostscript on the file; IPTC hands its image data to Image.open
# with every format (an EPS inside included).
REFUSED_FORMATS = {"EPS", "IPTC"}
JPEG_BEARING = {"JPEG", "MPO", "BLP", "TIFF"}   # formats whose data may be JPEG streams, scans and all
MAX_SCANS = 1000                # scans of a JPEG stream: honest progressive JPEGs hold a dozen or so
SCAN_PASSES = 64                # scans x pixels: at most 64 passes over the largest picture allowed
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
    decoder_bytes: int = 0          # what the decoder allocates besides the picture (see `DecoderWork`)


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
    return (header.file_bytes + pixels * per_pixel + size[0] * size[1] * 4 * 2 + header.decoder_bytes
            + DECODER_BYTES)


def read_image(path, size: tuple[int, int], channels: int) -> np.ndarray:
    """Return the image at `path` as uint8 pixels of shape (height, width, channels).

    size: (height, width) to resize to; channels: 1 (grayscale), 3 (RGB) or 4 (RGBA).
    Raises ImageError naming the file for anything refused or that cannot be decoded.
    """
    where = shown(path)
    with _opened(path) as (img, header):
        require_memory(memory_to_decode(header, size, channels), where,
                       f"decoding a {header.width}x{header.height} {header.format} image", ImageError)
        with _decoding(where, header), _pillow_bomb_limit(header.width * header.height):
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


def upright_size(path) -> tuple[int, int]:
    """(width, height) of the picture at `path` as `read_image` turns it (EXIF orientation applied),
    read under the same guards (for some formats the orientation is known only once decoded)."""
    where = shown(path)
    with _opened(path) as (img, header):
        require_memory(memory_to_decode(header, (1, 1), 3), where,
                       f"reading a {header.width}x{header.height} {header.format} image", ImageError)
        with _decoding(where, header), _pillow_bomb_limit(header.width * header.height):
            orientation = img.getexif().get(0x0112)
    # orientations 5 to 8 turn the picture a quarter: width and height swap
    return (header.height, header.width) if orientation in (5, 6, 7, 8) else (header.width, header.height)


# Pillow's bomb limit is one global, read by every plugin: decoding holds it, one image at a time.
_PILLOW = threading.Lock()


@contextlib.contextmanager
def _opened(path) -> Iterator[tuple[Image.Image, ImageHeader]]:
    """The image at `path` opened by Pillow (its header read, nothing decoded) and checked: its
    declared size, and what its decoder will allocate and how long it will run (`DecoderWork`)."""
    where = shown(path)
    with open_regular(path, RefusedImage, "an image file", limits.limit("image_bytes"),
                      limits.hint("image_bytes")) as f, _PILLOW:
        file_bytes = _size(f)
        most = limits.limit("image_pixels")
        with _decoding(where), _pillow_bomb_limit(_opening_limit(most)):
            img = Image.open(f, formats=_formats())
        with img:
            width, height = int(img.size[0]), int(img.size[1])
            if width * height > most:
                raise RefusedImage(f"{where}: refused, too many pixels to decode safely ({width}x{height} = "
                                   f"{width * height:,} pixels, more than the limit of {most:,}; "
                                   f"{limits.hint('image_pixels')})")
            with _decoding(where):
                work = DecoderWork.of(img, f, where, most)
            yield img, ImageHeader(str(img.format), str(img.mode), width, height, file_bytes, _has_alpha(img),
                                   work.allocates)


@dataclass(frozen=True)
class DecoderWork:
    """What decoding an opened image will allocate besides its picture, once its tiles and the
    passes its JPEG scans make are checked against the limits (refused with RefusedImage)."""

    allocates: int              # bytes: a TIFF tile's buffer, a multi-scan JPEG's coefficients

    @classmethod
    def of(cls, img: Image.Image, f, where: str, most: int) -> DecoderWork:
        bands = len(img.getbands())
        allocates = cls._tile_bytes(img, where, most, bands)
        if img.format in JPEG_BEARING and cls._scans(img, f, where, most) > 1:
            # More than one scan: the decoder keeps every coefficient of the image, 2 bytes each.
            allocates += img.size[0] * img.size[1] * bands * 2
        return cls(allocates)

    @staticmethod
    def _tile_bytes(img: Image.Image, where: str, most: int, bands: int) -> int:
        """A TIFF's tile is decoded whole, whatever the image's size: its pixels are held to the limit."""
        if img.format != "TIFF":
            return 0
        width, height = (int(img.tag_v2.get(tag) or 0) for tag in (322, 323))     # TileWidth, TileLength
        if width * height > most:
            raise RefusedImage(f"{where}: refused, its tiles are {width}x{height} = {width * height:,} pixels, more "
                               f"than the limit of {most:,} (a tile is decoded whole; {limits.hint('image_pixels')})")
        return width * height * bands * 8 * 2          # a tile of up to 8 bytes a sample, and its copy

    @staticmethod
    def _scans(img: Image.Image, f, where: str, most: int) -> int:
        """The scans of the file's JPEG streams (an upper bound: its SOS markers, wherever they are),
        refused beyond MAX_SCANS, or beyond SCAN_PASSES passes over the largest picture allowed."""
        scans = count_marker(f, b"\xff\xda", MAX_SCANS + 1)
        pixels = img.size[0] * img.size[1]
        if scans > MAX_SCANS:
            raise RefusedImage(f"{where}: refused, its JPEG data holds more than {MAX_SCANS:,} scans, each a pass "
                               "over every pixel (an honest progressive JPEG holds a dozen or so)")
        if scans * pixels > SCAN_PASSES * most:
            raise RefusedImage(f"{where}: refused, {scans:,} scans of {img.size[0]}x{img.size[1]} pixels would take "
                               f"{scans * pixels:,} pixel passes to decode, more than {SCAN_PASSES} times the "
                               f"pixel limit of {most:,} ({limits.hint('image_pixels')})")
        return scans


def count_marker(f, marker: bytes, most: int) -> int:
    """How many times `marker` occurs in the open file `f`, counted up to `most`; the file is mapped,
    not read into memory."""
    import mmap

    try:
        with mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) as data:
            found, at = 0, data.find(marker)
            while at >= 0 and found < most:
                found += 1
                at = data.find(marker, at + len(marker))
            return found
    except (ValueError, OSError):               # an empty file cannot be mapped
        return 0


def _opening_limit(most: int) -> int:
    """Pillow's bomb limit while a file is opened: ours (raising ours raises Pillow's with it), or
    Pillow's own where a program has lowered it below its default."""
    pillow = Image.MAX_IMAGE_PIXELS
    if pillow is not None and pillow < limits.LIMITS["image_pixels"].default:
        return min(most, pillow)
    return most


@contextlib.contextmanager
def _pillow_bomb_limit(pixels: int) -> Iterator[None]:
    """Pillow's bomb check, which its plugins apply to every image they open inside a file (an ICNS's
    PNG, an ICO's PNG or BMP, a BLP's JPEG, a GIF's first frame), set to `pixels` for the block;
    its warning is an error (see `warnings_off`), so nothing larger is decoded."""
    saved = Image.MAX_IMAGE_PIXELS
    Image.MAX_IMAGE_PIXELS = max(1, int(pixels))
    try:
        yield
    finally:
        Image.MAX_IMAGE_PIXELS = saved


def _size(f) -> int:
    return os.fstat(f.fileno()).st_size


def _formats() -> list[str]:
    Image.init()
    return sorted(set(Image.OPEN) - REFUSED_FORMATS)


@contextlib.contextmanager
def _decoding(where: str, declared: ImageHeader | None = None) -> Iterator[None]:
    """Run Pillow: its warnings unseen, every exception one ImageError naming the file. `declared`:
    the header, while the picture decodes within its size (see `_pillow_bomb_limit`)."""
    _quiet_native_libraries()
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
        if declared is not None:
            raise RefusedImage(f"{where}: refused, it holds a picture of {count}, larger than the "
                               f"{declared.width}x{declared.height} its header declares") from None
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

    # Pillow warns about damaged metadata that it then skips; the image itself decodes or raises. Its
    # bomb warning is an error: an image past the limit is refused, never decoded with a warning.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        warnings.simplefilter("error", Image.DecompressionBombWarning)
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
