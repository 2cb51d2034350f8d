"""A corpus of malformed inputs, one builder per case, for every loader the program has.

Each case builds its input under a folder and returns the command line that reads
it, with the fragment its one-line error must contain. test_robustness runs them
all through the command line; the loader tests reuse the builders.
"""

from __future__ import annotations

import io
import json
import struct
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import h5py
import numpy as np
from PIL import Image


@dataclass(frozen=True)
class Case:
    name: str
    build: Callable[[Path, Path], list]      # (input folder, output folder) -> command line
    fragment: str
    code: int = 1                            # 2 where the command line itself is malformed


# ------------------------------------------------------------------------------ HDF5 files

def h5(path: Path, **datasets) -> Path:
    with h5py.File(path, "w") as f:
        for key, value in datasets.items():
            f[key] = value
    return path


def pixels(m=6, h=4, w=5, c=3, seed=0) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, 256, size=(m, h, w, c), dtype=np.uint8)


LABELS = np.arange(6) % 2


def course_h5(path: Path, x=None, y=None, split="train", classes=(b"non-cat", b"cat")) -> Path:
    datasets = {f"{split}_set_x": pixels() if x is None else x, f"{split}_set_y": LABELS if y is None else y}
    if classes is not None:
        datasets["list_classes"] = np.array(classes)
    return h5(path, **datasets)


def truncated_h5(folder: Path) -> Path:
    full = course_h5(folder / "full.h5", x=pixels(m=50, h=16, w=16))
    cut = folder / "cut.h5"
    cut.write_bytes(full.read_bytes()[:3000])
    full.unlink()
    return cut


def huge_h5(folder: Path) -> Path:
    """Declares 6.4 TiB of pixels in a 24 KB file: every chunk is there, each a few bytes that
    claim to inflate to 4 GiB. Only the memory check stands between the header and the reading."""
    path = folder / "huge.h5"
    rows = 5461                                 # the largest chunk HDF5 allows: just under 4 GiB
    with h5py.File(path, "w") as f:
        x = f.create_dataset("train_set_x", shape=(10**6, 512, 512, 3), dtype=np.uint8,
                             chunks=(rows, 512, 512, 3), compression="gzip")
        for start in range(0, 10**6, rows):
            x.id.write_direct_chunk((start, 0, 0, 0), b"\0" * 8)
        f["train_set_y"] = np.arange(10**6) % 2
    return path


def with_value(value, dtype=float, at=(1, 2, 3, 0)) -> np.ndarray:
    x = pixels().astype(dtype)
    x[at] = value
    return x


def group_as_x(folder: Path) -> Path:
    path = folder / "group.h5"
    with h5py.File(path, "w") as f:
        f.create_group("train_set_x")
        f["train_set_y"] = LABELS
    return path


def external_x(folder: Path) -> Path:
    """A course file whose pixels are an external link to another file's."""
    course_h5(folder / "other.h5")
    path = folder / "ext.h5"
    with h5py.File(path, "w") as f:
        f["train_set_x"] = h5py.ExternalLink(str(folder / "other.h5"), "/train_set_x")
        f["train_set_y"] = LABELS
    return path


def fifo(path: Path) -> Path:
    import os

    os.mkfifo(path)
    return path


def text(path: Path, content: str = "these are not the data you are looking for\n") -> Path:
    path.write_text(content)
    return path


def train(build) -> Callable[[Path, Path], list]:
    return lambda inp, out: ["train", build(inp), "--model-out", out / "m.npz", "--plot", out / "c.png"]


H5_CASES = [
    Case("h5: missing file", train(lambda d: d / "nope.h5"), "no such file or folder"),
    Case("h5: empty folder", train(lambda d: d), "found no data: expected a course HDF5 pair"),
    Case("h5: text file", train(lambda d: text(d / "notes.h5")), "not an HDF5 file"),
    Case("h5: zero bytes", train(lambda d: text(d / "zero.h5", "")), "not an HDF5 file"),
    Case("h5: truncated", train(truncated_h5), "cannot read the HDF5 file"),
    Case("h5: no course datasets", train(lambda d: h5(d / "o.h5", other=np.zeros(3))),
         "expected datasets train_set_x and train_set_y"),
    Case("h5: missing labels", train(lambda d: h5(d / "x.h5", train_set_x=pixels())), "missing dataset train_set_y"),
    Case("h5: missing pixels", train(lambda d: h5(d / "y.h5", train_set_y=LABELS)), "missing dataset train_set_x"),
    Case("h5: label 2", train(lambda d: course_h5(d / "l.h5", y=np.array([0, 1, 2, 0, 1, 0]))),
         "expected labels 0 or 1, got 2 at example 2"),
    Case("h5: label -1", train(lambda d: course_h5(d / "l.h5", y=np.array([0, -1, 1, 0, 1, 0]))),
         "expected labels 0 or 1, got -1 at example 1"),
    Case("h5: label 0.5", train(lambda d: course_h5(d / "l.h5", y=np.array([0, 1, 0.5, 0, 1, 0]))),
         "expected labels 0 or 1, got 0.5 at example 2"),
    Case("h5: nan pixel", train(lambda d: course_h5(d / "n.h5", x=with_value(np.nan))),
         "pixel values must be finite, got nan at index (1, 2, 3, 0)"),
    Case("h5: inf pixel", train(lambda d: course_h5(d / "i.h5", x=with_value(np.inf))),
         "pixel values must be finite, got inf"),
    Case("h5: counts differ", train(lambda d: course_h5(d / "c.h5", y=np.array([0, 1, 1]))),
         "3 labels for 6 images; the counts must match"),
    Case("h5: empty set", train(lambda d: course_h5(d / "e.h5", x=np.zeros((0, 4, 4, 3), np.uint8), y=np.zeros(0, int))),
         "the data set is empty (0 examples)"),
    Case("h5: pixels of rank 2", train(lambda d: course_h5(d / "r.h5", x=np.zeros((6, 12), np.uint8))),
         "expected images of shape (m, height, width, channels)"),
    Case("h5: five channels", train(lambda d: course_h5(d / "ch.h5", x=np.zeros((6, 4, 4, 5), np.uint8))),
         "with 1, 3 or 4 channels, got shape (6, 4, 4, 5)"),
    Case("h5: pixel 300", train(lambda d: course_h5(d / "v.h5", x=with_value(300.0))),
         "expected whole pixel values from 0 to 255, got values from 0.0 to 300.0"),
    Case("h5: fractional pixels", train(lambda d: course_h5(d / "f.h5", x=with_value(0.5))),
         "expected whole pixel values from 0 to 255"),
    Case("h5: text labels", train(lambda d: course_h5(d / "t.h5", y=np.array([b"cat"] * 6))),
         "expected labels 0 or 1, got dtype"),
    Case("h5: text pixels", train(lambda d: course_h5(d / "s.h5", x=np.array([[[[b"a"]]]] * 6))),
         "expected pixel values (uint8), got dtype"),
    Case("h5: huge declared size", train(huge_h5), "(uint8), its labels and its float copy X would need 6.4 TiB"),
    Case("h5: three class names", train(lambda d: course_h5(d / "k.h5", classes=(b"a", b"b", b"c"))),
         "list_classes: expected 2 class names, got 3"),
    Case("h5: pixels are a group", train(group_as_x), "train_set_x is a group, expected a dataset"),
    Case("h5: labels of rank 2", train(lambda d: course_h5(d / "y2.h5", y=np.zeros((6, 2), int))),
         "expected labels of shape (m,), got shape (6, 2)"),
    Case("h5: an external link", train(external_x),
         "train_set_x is an external link to"),
    Case("h5: labels of one class", train(lambda d: course_h5(d / "one.h5", y=np.ones(6, np.int64))),
         "all 6 labels are 1 (cat); training needs examples of both classes"),
    Case("h5: a FIFO", train(lambda d: fifo(d / "train_pipe.h5")), "is a FIFO (named pipe), expected an HDF5 file"),
    Case("h5: test images of another size",
         lambda d, out: ["train", course_h5(d / "train_a.h5"), "--test",
                         course_h5(d / "b.h5", x=pixels(h=2), split="test"), "--model-out", out / "m.npz"],
         "images of shape (2, 5, 3), expected (4, 5, 3) like the training images"),
]


# ------------------------------------------------------------------------------ image files

def png_bytes(size=(20, 16), mode="RGB") -> bytes:
    buf = io.BytesIO()
    Image.new(mode, size, (120, 30, 200) if mode == "RGB" else 128).save(buf, "PNG")
    return buf.getvalue()


def jpeg_bytes(size=(40, 30)) -> bytes:
    buf = io.BytesIO()
    rng = np.random.default_rng(0)
    Image.fromarray(rng.integers(0, 256, (size[1], size[0], 3), dtype=np.uint8)).save(buf, "JPEG")
    return buf.getvalue()


def png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def bomb_png(path: Path) -> Path:
    """A 40-byte PNG header that declares 30,000 x 30,000 pixels: Pillow refuses it before decoding."""
    ihdr = struct.pack(">IIBBBBB", 30000, 30000, 8, 2, 0, 0, 0)
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", ihdr) + png_chunk(b"IEND", b""))
    return path


def digits_model(folder: Path) -> Path:
    """A real, small model: 8x8 grayscale, as the bundled digits give."""
    from single_neuron.io.modelfile import SavedModel, save_model

    path = folder / "model.npz"
    rng = np.random.default_rng(0)
    save_model(path, SavedModel(w=rng.normal(scale=0.01, size=(64, 1)), b=0.0, input_shape=(8, 8, 1),
                                classes=("three", "eight"), costs=[0.69]))
    return path


def predict(build) -> Callable[[Path, Path], list]:
    return lambda inp, out: ["predict", digits_model(inp), build(inp)]


def written(name: str, content: bytes) -> Callable[[Path], Path]:
    def build(folder: Path) -> Path:
        (folder / name).write_bytes(content)
        return folder / name
    return build


def truncated_gif(folder: Path) -> Path:
    buf = io.BytesIO()
    noise = np.random.default_rng(1).integers(0, 256, (30, 30), dtype=np.uint8)
    Image.fromarray(noise, "L").convert("P").save(buf, "GIF")
    data = buf.getvalue()
    return written("broken.gif", data[: len(data) * 2 // 3])(folder)


IMAGE_CASES = [
    Case("image: text file", predict(lambda d: text(d / "photo.jpg")), "not an image Pillow can decode"),
    Case("image: zero bytes", predict(written("empty.png", b"")), "not an image Pillow can decode"),
    Case("image: truncated PNG", predict(written("cut.png", png_bytes()[:50])), "cannot decode the image"),
    Case("image: PNG signature then junk", predict(written("junk.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 64)),
         "not an image Pillow can decode"),
    Case("image: truncated JPEG", predict(written("cut.jpg", jpeg_bytes()[:300])), "cannot decode the image"),
    Case("image: JPEG header only", predict(written("head.jpg", b"\xff\xd8\xff\xe0\x00\x10JFIF\x00")),
         "cannot decode the image"),
    Case("image: decompression bomb", predict(lambda d: bomb_png(d / "bomb.png")), "refused, too many pixels to decode safely"),
    Case("image: a folder with no image", predict(lambda d: d), "the folder holds no image files"),
    Case("image: missing", predict(lambda d: d / "none.png"), "no such file"),
    Case("image: truncated GIF", predict(truncated_gif), "cannot decode the image"),
    Case("image: a FIFO", predict(lambda d: fifo(d / "pipe.png")), "is a FIFO (named pipe), expected an image file"),
]


# ------------------------------------------------------------------------------ model files

def rewrite_npz(path: Path, **changes) -> Path:
    with np.load(path, allow_pickle=False) as f:
        arrays = {k: f[k] for k in f.files}
    arrays.update(changes)
    np.savez(path, **{k: v for k, v in arrays.items() if v is not None})
    return path


def with_metadata(path: Path, **changes) -> Path:
    with np.load(path, allow_pickle=False) as f:
        meta = json.loads(str(f["metadata"]))
    meta.update(changes)
    return rewrite_npz(path, metadata=np.asarray(json.dumps(meta)))


def bare_npy(path: Path) -> Path:
    with open(path, "wb") as f:
        np.save(f, np.zeros(3))
    return path


def zip_of_text(path: Path) -> Path:
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("x.txt", "hi")
    return path


MODEL_DAMAGE = {
    "missing file": (lambda p: p.unlink() or p, "no such file"),
    "text file": (lambda p: text(p), "not a single-neuron model (not an .npz archive)"),
    "truncated": (lambda p: p.write_bytes(p.read_bytes()[:200]) and p, "not a single-neuron model, or a damaged one"),
    "bare npy": (bare_npy, "not a single-neuron model (not an .npz archive)"),
    "other npz": (lambda p: np.savez(p, weights=np.zeros(3)) or p, "missing w, b, costs, metadata"),
    "pickle inside": (lambda p: rewrite_npz(p, w=np.array([{"a": 1}], dtype=object)), "holds pickled objects"),
    "w of the wrong shape": (lambda p: rewrite_npz(p, w=np.zeros((11, 1))), "w has shape (11, 1)"),
    "rank-1 w": (lambda p: rewrite_npz(p, w=np.zeros(64)), "w has shape (64,)"),
    "nan weights": (lambda p: rewrite_npz(p, w=np.full((64, 1), np.nan)), "the weights hold nan or inf"),
    "two biases": (lambda p: rewrite_npz(p, b=np.zeros(2)), "b has shape (2,)"),
    "future version": (lambda p: with_metadata(p, format_version=99), "newer than this release reads"),
    "foreign format": (lambda p: with_metadata(p, format="keras"), "format is 'keras'"),
    "metadata not JSON": (lambda p: rewrite_npz(p, metadata=np.asarray("{oops")), "damaged metadata (not JSON"),
    "metadata not text": (lambda p: rewrite_npz(p, metadata=np.arange(3)), "metadata is not text"),
    "bad input shape": (lambda p: with_metadata(p, input_shape=[2, 2]), "input_shape [2, 2] is not"),
    "three classes": (lambda p: with_metadata(p, classes=["a", "b", "c"]), "expected 2 class names as text, got ['a', 'b', 'c']"),
    "zip of text": (zip_of_text, "missing w, b, costs, metadata"),
    "a FIFO": (lambda p: p.unlink() or fifo(p), "is a FIFO (named pipe), expected a model file"),
    "huge weights": (lambda p: rewrite_npz(p, w=np.full((64, 1), 1e300)), "refused, the weights are too large"),
    "an input shape of Infinity": (lambda p: rewrite_npz(p, metadata=np.asarray(
        '{"format": "single-neuron-model", "format_version": 1, "input_shape": [Infinity, 8, 1]}')),
        "Infinity is not a number"),
}


def damaged_model(damage) -> Callable[[Path, Path], list]:
    def build(inp: Path, out: Path) -> list:
        image = inp / "digit.png"
        Image.new("L", (8, 8), 100).save(image)
        return ["predict", damage(digits_model(inp)), image]
    return build


MODEL_CASES = [Case(f"model: {name}", damaged_model(damage), fragment)
               for name, (damage, fragment) in MODEL_DAMAGE.items()]


# ------------------------------------------------------------------------------ image folders

def image_folder(root: Path, classes=("cat", "dog"), per_class=2) -> Path:
    for name in classes:
        (root / name).mkdir(parents=True)
        for i in range(per_class):
            Image.new("RGB", (12, 10), (40 * i, 90, 200)).save(root / name / f"{i}.png")
    return root


def only_text_in_one_class(folder: Path) -> Path:
    root = image_folder(folder / "imgs")
    for p in (root / "dog").iterdir():
        p.unlink()
    text(root / "dog" / "readme.txt")
    return root


def wrong_classes_txt(folder: Path) -> Path:
    root = image_folder(folder / "imgs")
    text(root / "classes.txt", "cat\nbird\n")
    return root


FOLDER_CASES = [
    Case("folder: one class", train(lambda d: image_folder(d / "imgs", ("cat",))),
         "expected exactly two class folders, found 1 (cat)"),
    Case("folder: three classes", train(lambda d: image_folder(d / "imgs", ("a", "b", "c"))),
         "expected exactly two class folders, found 3 (a, b, c)"),
    Case("folder: a class of text files", train(only_text_in_one_class), "the class folder holds no images"),
    Case("folder: classes.txt disagrees", train(wrong_classes_txt),
         "names ['cat', 'bird'] do not match the class folders ['cat', 'dog']"),
]


# ------------------------------------------------------------------------------ outputs and options

OTHER_CASES = [
    Case("export: into a non-empty folder",
         lambda d, out: ["data", "export", course_h5(d / "train_x.h5"), text(out / "keep.txt").parent],
         "already exists and is not an empty folder"),
    Case("evaluate: data of another shape",
         lambda d, out: ["evaluate", digits_model(d), course_h5(d / "t.h5", split="test")],
         "images of shape (4, 5, 3), expected (8, 8, 1)"),
    Case("train: model into a missing folder", lambda d, out: ["train", "--model-out", out / "no" / "m.npz"],
         "the folder"),
    Case("train: --size 0", lambda d, out: ["train", image_folder(d / "imgs"), "--size", "0"],
         "--size: expected a whole number >= 1, got 0", code=2),
]

CASES = H5_CASES + IMAGE_CASES + MODEL_CASES + FOLDER_CASES + OTHER_CASES
