"""Write a few image files for `make demo` to classify: python sample_images.py OUT MODEL [DATA].

Without DATA: four test digits (two threes, two eights), enlarged to 64x64 PNGs,
so that `predict` has to resize them back. With DATA (a course HDF5 file or a
folder holding the pair): four test images as JPEGs, plus the two photographs
that ship with scikit-learn, which are neither cats nor 64x64. Each test image's
name ends with its true class, and the last line printed says how often MODEL (the
model the demo just trained) is right on its test set, so that a wrong answer
among the demo's few is no surprise.
"""

import shutil
import sys
from importlib.resources import files
from pathlib import Path

from PIL import Image

from single_neuron.io.modelfile import load_model
from single_neuron.io.sources import load_training_data


def main(out: str, model: str, data: str | None = None) -> None:
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
    count = len(picks)
    if data is not None:
        photos = files("sklearn.datasets.images")
        for photo in ("china.jpg", "flower.jpg"):
            (out_dir / photo).write_bytes((photos / photo).read_bytes())
        count += 2
    accuracy = load_model(model).training.get("test_accuracy")
    measured = (f"the model's test accuracy is {accuracy:.1f} %: it is wrong on {100 - accuracy:.1f} % of its "
                "test images, so some answers below may be wrong too" if accuracy is not None
                else "the model has no test accuracy (no test set)")
    print(f"{count} images to classify in {out_dir}, a test image's true class at the end of its name; {measured}")


if __name__ == "__main__":
    if len(sys.argv) not in (3, 4):
        sys.exit(__doc__.splitlines()[0])
    main(*sys.argv[1:4])
