"""Write a few image files for `make demo` to classify: python sample_images.py OUT [DATA].

Without DATA: four test digits (two threes, two eights), enlarged to 64x64 PNGs,
so that `predict` has to resize them back. With DATA (a course HDF5 file or a
folder holding the pair): four test images as JPEGs, plus the two photographs
that ship with scikit-learn, which are neither cats nor 64x64.
"""

import shutil
from importlib.resources import files
import sys
from pathlib import Path

from PIL import Image

from single_neuron.io.sources import load_training_data


def main(out: str, data: str | None = None) -> None:
    out_dir = Path(out)
    if out_dir.exists():
        shutil.rmtree(out_dir)
    out_dir.mkdir(parents=True)
    train_set, test_set = load_training_data(data)
    sample = test_set if test_set is not None else train_set
    # two of each class, so both labels show up
    picks = [i for label in (0, 1) for i in (sample.y == label).nonzero()[0][:2]]
    for i in picks:
        pixels = sample.images[i]
        name = sample.classes[sample.y[i]]
        if pixels.shape[2] == 1:
            img = Image.fromarray(pixels[..., 0], "L").resize((64, 64), Image.Resampling.NEAREST)
            img.save(out_dir / f"test{i:03d}-{name}.png")
        else:
            Image.fromarray(pixels).save(out_dir / f"test{i:03d}-{name}.jpg", quality=95)
    if data is not None:
        photos = files("sklearn.datasets.images")
        for photo in ("china.jpg", "flower.jpg"):
            (out_dir / photo).write_bytes((photos / photo).read_bytes())


if __name__ == "__main__":
    main(*sys.argv[1:3])
