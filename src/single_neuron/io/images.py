"""Image files in, pixel arrays of a model's input shape out (Pillow does the decoding).

Any format Pillow reads (JPEG, PNG, GIF, BMP, WebP, TIFF, ...) and any mode:
the EXIF orientation is applied, the first frame of an animation is used,
transparency is laid over white, 16-bit and float images are brought to 8 bits,
and the image is converted to the model's channels and resized (stretched, as
the course does) to its height and width with a Lanczos filter.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from ..errors import ImageError

MODES = {1: "L", 3: "RGB", 4: "RGBA"}


def read_image(path, size: tuple[int, int], channels: int) -> np.ndarray:
    """Return the image at `path` as uint8 pixels of shape (height, width, channels).

    size: (height, width) to resize to; channels: 1 (grayscale), 3 (RGB) or 4 (RGBA).
    Raises ImageError naming the file for anything that cannot be decoded.
    """
    path = Path(path)
    if not path.exists():
        raise ImageError(f"{path}: no such file")
    if path.is_dir():
        raise ImageError(f"{path}: is a folder, expected an image file")
    try:
        with warnings.catch_warnings():
            # Pillow only warns between its two size limits; a file that large is refused outright.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(path) as img:
                img.seek(0)
                img.load()
                img = ImageOps.exif_transpose(img)
                img = _to_mode(img, MODES[channels])
                img = img.resize((size[1], size[0]), Image.Resampling.LANCZOS)
                pixels = np.asarray(img, dtype=np.uint8)
    except UnidentifiedImageError:
        raise ImageError(f"{path}: not an image Pillow can decode") from None
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        # Pillow's message reads "Image size (N pixels) exceeds limit of L pixels, could be ..."
        raise ImageError(f"{path}: refused, too many pixels to decode safely "
                         f"({str(exc).split(',')[0]})") from None
    except (OSError, ValueError, SyntaxError, EOFError) as exc:
        # Pillow reports truncated and corrupt data as OSError (or SyntaxError for some headers).
        raise ImageError(f"{path}: cannot decode the image ({exc})") from None
    return pixels.reshape(size[0], size[1], channels)


def _to_mode(img: Image.Image, mode: str) -> Image.Image:
    if img.mode in ("I;16", "I;16B", "I;16L", "I;16N", "I", "F"):
        img = _to_8_bit(img)
    has_alpha = img.mode in ("RGBA", "LA", "PA", "RGBa", "La") or (
        img.mode == "P" and "transparency" in img.info)
    if has_alpha and mode != "RGBA":
        rgba = img.convert("RGBA")
        white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        img = Image.alpha_composite(white, rgba)
    return img if img.mode == mode else img.convert(mode)


def _to_8_bit(img: Image.Image) -> Image.Image:
    values = np.asarray(img, dtype=np.float64)
    top = 65535.0 if img.mode.startswith("I;16") else max(float(np.nanmax(values)), 1.0)
    values = np.nan_to_num(values, nan=0.0, posinf=top, neginf=0.0)
    return Image.fromarray(np.clip(np.rint(values * (255.0 / top)), 0, 255).astype(np.uint8), "L")
