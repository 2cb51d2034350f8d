"""Reading image files for predict: any common format, mode and size, and clear refusals."""

import io

import numpy as np
import pytest
from PIL import Image

from single_neuron import ImageError
from single_neuron.io.images import read_image


@pytest.fixture
def photo(rng):
    """A 40x30 RGB image with structure (a gradient and noise), not a flat colour."""
    yy, xx = np.mgrid[0:30, 0:40]
    base = np.stack([xx * 6, yy * 8, (xx + yy) * 3], axis=-1)
    return np.clip(base + rng.integers(0, 20, size=base.shape), 0, 255).astype(np.uint8)


@pytest.mark.parametrize("fmt, ext", [("JPEG", "jpg"), ("PNG", "png"), ("GIF", "gif"), ("BMP", "bmp"),
                                      ("WEBP", "webp"), ("TIFF", "tif")])
@pytest.mark.parametrize("channels", [1, 3, 4])
def test_common_formats_decode_to_the_model_shape(tmp_path, photo, fmt, ext, channels):
    path = tmp_path / f"img.{ext}"
    Image.fromarray(photo).save(path, fmt)
    pixels = read_image(path, (8, 6), channels)
    assert pixels.shape == (8, 6, channels) and pixels.dtype == np.uint8
    assert pixels.std() > 5            # not blank


@pytest.mark.parametrize("mode", ["RGB", "RGBA", "L", "LA", "P", "CMYK", "1", "I;16", "I", "F"])
def test_every_mode_converts(tmp_path, photo, mode):
    img = Image.fromarray(photo)
    if mode in ("I;16", "I", "F"):
        img = Image.fromarray(photo[..., 0].astype(np.uint16) * 257)
        assert img.mode == "I;16"
        if mode != "I;16":
            img = img.convert(mode)
    else:
        img = img.convert(mode)
    path = tmp_path / "img.tif"
    img.save(path)
    pixels = read_image(path, (30, 40), 3)
    assert pixels.shape == (30, 40, 3) and pixels.std() > 5


def test_lossless_same_size_images_come_back_unchanged(tmp_path, photo):
    path = tmp_path / "same.png"
    Image.fromarray(photo).save(path)
    np.testing.assert_array_equal(read_image(path, (30, 40), 3), photo)


def test_transparency_is_laid_over_white(tmp_path):
    clear = np.zeros((4, 4, 4), np.uint8)          # fully transparent black
    path = tmp_path / "clear.png"
    Image.fromarray(clear, "RGBA").save(path)
    assert (read_image(path, (4, 4), 3) == 255).all()


def test_exif_orientation_is_applied(tmp_path):
    tall = np.zeros((20, 10, 3), np.uint8)
    tall[:10] = 255                                 # top half white
    img = Image.fromarray(tall)
    exif = Image.Exif()
    exif[0x0112] = 6                                # "rotate 90 clockwise to display"
    path = tmp_path / "rot.jpg"
    img.save(path, exif=exif.tobytes(), quality=100)
    shown = read_image(path, (10, 20), 3)           # displayed as 10 high, 20 wide
    assert shown[:, :8].mean() < 40 and shown[:, 12:].mean() > 215


def test_animated_images_use_the_first_frame(tmp_path):
    frames = [Image.new("L", (6, 6), v) for v in (200, 10)]
    path = tmp_path / "anim.gif"
    frames[0].save(path, save_all=True, append_images=frames[1:])
    assert abs(int(read_image(path, (6, 6), 1).mean()) - 200) <= 2


def _truncated(path, photo):
    buf = io.BytesIO()
    Image.fromarray(photo).save(buf, "PNG")
    path.write_bytes(buf.getvalue()[:200])


@pytest.mark.parametrize("make, fragment", [
    (lambda p, photo: p.write_text("not an image"), "not an image Pillow can decode"),
    (lambda p, photo: p.write_bytes(b""), "not an image Pillow can decode"),
    (_truncated, "cannot decode the image"),
    (lambda p, photo: p.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 40), "not an image Pillow can decode"),
])
def test_undecodable_files_raise_one_clear_image_error(tmp_path, photo, make, fragment):
    path = tmp_path / "bad.png"
    make(path, photo)
    with pytest.raises(ImageError) as info:
        read_image(path, (8, 8), 3)
    assert fragment in str(info.value) and str(path) in str(info.value) and "\n" not in str(info.value)


def test_missing_files_and_folders_are_refused(tmp_path):
    with pytest.raises(ImageError, match="no such file"):
        read_image(tmp_path / "none.jpg", (8, 8), 3)
    with pytest.raises(ImageError, match="is a folder"):
        read_image(tmp_path, (8, 8), 3)


def test_decompression_bombs_are_refused(tmp_path, monkeypatch):
    path = tmp_path / "big.png"
    Image.new("L", (300, 300)).save(path)
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 100 * 100)   # Pillow's own limit, made small
    with pytest.raises(ImageError, match="too many pixels"):
        read_image(path, (8, 8), 1)
