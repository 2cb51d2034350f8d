"""Links in every position a data layout has, and outputs that would change a data set, through the
real command line: a data set from elsewhere may hold links, and each one that leads out of the
folder given is refused in one line wherever a reader finds it (a split, a class folder, an
image at any depth, classes.txt, a file of an HDF5 pair, the test twin of a training file), on
every command that reads it, so that no byte of the planted secret reaches an output. Links that
stay inside the folder read as what they point at. An output that would take a name a data
folder's reader looks for (classes.txt, another .h5 beside the class folders, a second training
file, a test twin) is refused before any work.
"""

from __future__ import annotations

import os

import h5py
import numpy as np
import pytest
from PIL import Image

from hostile import Attack, assert_all_hold, digits_model, remove_tree, run_attacks

CLASSES = ("three", "eight")            # the digits model's: a folder of these names is one it can score
SIDE = 32                               # a secret image's rows are the secret's bytes, kept by the resizing


def secret_rows(place) -> np.ndarray:
    row = np.frombuffer(place.secret.token, np.uint8)
    return np.tile(row[:SIDE], (SIDE, 1))


def image_folder(root, place, secret=False, classes=CLASSES, count=2):
    """root/<class>/<i>.png, grayscale SIDE x SIDE; with `secret`, every image's rows are the secret."""
    for label, name in enumerate(classes):
        (root / name).mkdir(parents=True, exist_ok=True)
        for i in range(count):
            pixels = secret_rows(place) if secret else np.full((SIDE, SIDE), 40 + 150 * label + i, np.uint8)
            Image.fromarray(pixels).save(root / name / f"{i}.png")
    return root


def elsewhere(place):
    """A data set outside the attacked folder, holding the secret: images, classes.txt, HDF5 files."""
    root = place.inp / "elsewhere"
    if not root.exists():
        for split in ("train", "test"):
            image_folder(root / split, place, secret=True)
            (root / split / "classes.txt").write_bytes(b"three\t\"" + place.secret.token + b"\"\neight\n")
        (root / "harmless.txt").write_text("three\neight\n")
        with h5py.File(root / "secret.h5", "w") as f:
            for split in ("train", "test"):
                f[f"{split}_set_x"] = place.secret.pixels((6, 4, 5, 3))
                f[f"{split}_set_y"] = np.arange(6) % 2
    return root


def link(path, target):
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.exists() or path.is_symlink():
        if path.is_dir() and not path.is_symlink():
            import shutil

            shutil.rmtree(path)
        else:
            path.unlink()
    os.symlink(target, path)


# Each position: how to plant the link in a fresh layout; which layout; and what reads it.
def flat(place):
    return image_folder(place.inp / "data", place)


def split(place):
    root = place.inp / "data"
    image_folder(root / "train", place)
    image_folder(root / "test", place)
    return root


def listed(place):
    root = flat(place)
    (root / "classes.txt").write_text("three\neight\n")
    return root


def course_pair(place, name="train_x.h5"):
    root = place.inp / "data"
    root.mkdir(exist_ok=True)
    rng = np.random.default_rng(0)
    for split_name in ("train", "test"):
        with h5py.File(root / name.replace("train", split_name, 1), "w") as f:
            f[f"{split_name}_set_x"] = rng.integers(0, 256, (6, 4, 5, 3), dtype=np.uint8)
            f[f"{split_name}_set_y"] = np.arange(6) % 2
    return root


POSITIONS = {
    # name: (layout, change(root, place), the split it lies in: routes that read only test/ never meet train/)
    "a class folder": (flat, lambda r, p: link(r / "eight", elsewhere(p) / "train" / "eight"), None),
    "an image in a class folder": (flat, lambda r, p: link(r / "eight" / "zz.png",
                                                          elsewhere(p) / "train" / "eight" / "0.png"), None),
    "an image five folders down": (flat, lambda r, p: link(r / "eight" / "a/b/c/d/e" / "zz.png",
                                                          elsewhere(p) / "train" / "eight" / "0.png"), None),
    "classes.txt": (flat, lambda r, p: link(r / "classes.txt", elsewhere(p) / "train" / "classes.txt"), None),
    "classes.txt of harmless names": (flat, lambda r, p: link(r / "classes.txt", elsewhere(p) / "harmless.txt"),
                                      None),
    "the train/ split": (split, lambda r, p: link(r / "train", elsewhere(p) / "train"), "train"),
    "the test/ split": (split, lambda r, p: link(r / "test", elsewhere(p) / "test"), "test"),
    "train/classes.txt": (split, lambda r, p: link(r / "train" / "classes.txt",
                                                  elsewhere(p) / "train" / "classes.txt"), "train"),
    "test/classes.txt": (split, lambda r, p: link(r / "test" / "classes.txt",
                                                 elsewhere(p) / "test" / "classes.txt"), "test"),
    "a class folder of train/": (split, lambda r, p: link(r / "train" / "eight", elsewhere(p) / "train" / "eight"),
                                 "train"),
    "a class folder of test/": (split, lambda r, p: link(r / "test" / "eight", elsewhere(p) / "test" / "eight"),
                                "test"),
    "an image in test/": (split, lambda r, p: link(r / "test" / "three" / "zz.png",
                                                  elsewhere(p) / "test" / "three" / "0.png"), "test"),
    "the train_*.h5 of a pair": (course_pair, lambda r, p: link(r / "train_x.h5", elsewhere(p) / "secret.h5"),
                                 "train"),
    "the test_*.h5 of a pair": (course_pair, lambda r, p: link(r / "test_x.h5", elsewhere(p) / "secret.h5"),
                                "test"),
}
IMAGE_LAYOUTS = {flat, split}


def planted(position):
    layout, change, _ = POSITIONS[position]

    def make(place):
        root = layout(place)
        change(root, place)
        return root
    return make


def routes(position):
    """The command lines that read the layout of `position`: {route: (builder (place) -> argv, whether
    the route reads the position at all)}. Those that never meet it must succeed, reading nothing of it."""
    layout, _, part = POSITIONS[position]
    data = planted(position)
    if layout in IMAGE_LAYOUTS:
        return {
            "train": (lambda p: ["train", data(p), "--iterations", "1", "--size", "8", "--model-out",
                                 p.out / "m.npz"], True),
            "data import": (lambda p: ["data", "import", data(p), p.out / "d.h5", "--size", str(SIDE)], True),
            "evaluate": (lambda p: ["evaluate", digits_model(p.out.parent), data(p)], part != "train"),
            "train --test": (lambda p: ["train", image_folder(p.inp / "mine", p), "--test", data(p),
                                        "--iterations", "1", "--size", "8"], part != "train"),
        }
    model = dict(input_shape=(4, 5, 3), w=np.zeros((60, 1)), classes=("non-cat", "cat"))
    return {
        "train": (lambda p: ["train", data(p), "--iterations", "1", "--model-out", p.out / "m.npz"], True),
        "stream": (lambda p: ["train", data(p), "--iterations", "1", "--memory-limit", "64MB"], True),
        "evaluate": (lambda p: ["evaluate", digits_model(p.out.parent, **model), data(p)], True),
        # named on the command line, the training file is the user's choice; its twin is found, not named
        "train FILE": (lambda p: ["train", data(p) / "train_x.h5", "--iterations", "1"], part == "test"),
    }


def link_attacks():
    found = []
    for position in POSITIONS:
        for route, (build, reads) in routes(position).items():
            if reads:
                found.append(Attack(f"{route}: a link out as {position}", build, "refused",
                                    "a link that leads out of the data folder"))
            else:
                found.append(Attack(f"{route}: a link out as {position}, never read", build, "accepted"))
    return found


def inside_links():
    """Links that stay inside the folder are read as what they point at."""
    def split_through_link(place):
        root = place.inp / "data"
        image_folder(root / ".real-train", place)
        image_folder(root / "test", place)
        os.symlink(".real-train", root / "train")
        return root

    def class_through_link(place):
        root = image_folder(place.inp / "data", place)
        os.rename(root / "eight", root / ".eight")
        os.symlink(".eight", root / "eight")
        return root

    def twin_through_link(place):
        root = course_pair(place, "train_y.h5")
        os.rename(root / "test_y.h5", root / "kept.h5.bak")
        os.symlink("kept.h5.bak", root / "test_y.h5")
        return root / "train_y.h5"

    return [
        Attack("train: a split linked inside the folder", lambda p: ["train", split_through_link(p), "--iterations",
                                                                   "1", "--size", "8"], "accepted"),
        Attack("train: a class folder linked inside the folder", lambda p: ["train", class_through_link(p),
                                                                          "--iterations", "1", "--size", "8"],
               "accepted"),
        Attack("train: a twin linked inside its folder", lambda p: ["train", twin_through_link(p), "--iterations", "1"],
               "accepted"),
        Attack("train: a folder linked inside a class folder is passed over", lambda p: [
            "train", link_folder_in_class(p), "--iterations", "1", "--size", "8"], "accepted"),
    ]


DEEP = []          # the deep folders made, removed by the test itself (see hostile.remove_tree)


def deep(place):
    """An image 1,100 folders down a class folder: read like any other (a recursive walk would
    exhaust Python's recursion limit)."""
    root = image_folder(place.inp / "data", place)
    folder = os.fspath(root / "eight")
    DEEP.append(root / "eight" / "d")
    for _ in range(1100):
        folder += "/d"
        os.mkdir(folder)
    Image.fromarray(np.full((SIDE, SIDE), 200, np.uint8)).save(folder + "/deep.png")
    return root


def depth_attacks():
    return [
        Attack("train: an image 1,100 folders down", lambda p: ["train", deep(p), "--iterations", "1", "--size", "8",
                                                               "--json"], "accepted"),
        Attack("data import: an image 1,100 folders down", lambda p: ["data", "import", deep(p), p.out / "d.h5"],
               "accepted"),
        Attack("predict: an image 1,100 folders down", lambda p: ["predict", digits_model(p.out.parent), deep(p)],
               "accepted"),
    ]


def link_folder_in_class(place):
    """A link to a folder out of the data folder, inside a class folder: folders reached through links
    are not walked, so it is passed over and nothing of it is read."""
    root = image_folder(place.inp / "data", place)
    os.symlink(elsewhere(place) / "train" / "eight", root / "eight" / "more")
    return root


# ------------------------------------------------------------------------------ outputs that change a data set

def output_attacks():
    def model_out(layout, target):
        def build(place):
            root = layout(place)
            return ["train", root, "--iterations", "1", "--size", "8", "--model-out", target(root)]
        return build

    def pair_out(target):
        def build(place):
            root = course_pair(place)
            return ["train", root, "--iterations", "1", "--model-out", target(root)]
        return build

    def twin_out(place):
        root = course_pair(place, "train_z.h5")
        (root / "test_z.h5").unlink()
        return ["train", root / "train_z.h5", "--iterations", "1", "--model-out", root / "test_z.h5"]

    def test_classes_out(place):
        mine = image_folder(place.inp / "mine", place)
        theirs = image_folder(place.inp / "theirs", place)
        return ["train", mine, "--test", theirs, "--iterations", "1", "--size", "8", "--model-out",
                theirs / "classes.txt"]

    def import_into_split(place):
        root = split(place)
        return ["data", "import", root, root / "train" / "classes.txt"]

    fragment = "refused, a file of this name would change what a data folder"
    return [
        Attack("--model-out DATA/classes.txt", model_out(flat, lambda r: r / "classes.txt"), "refused", fragment),
        Attack("--model-out DATA/classes.txt that exists", model_out(listed, lambda r: r / "classes.txt"),
               "refused", fragment),
        Attack("--model-out DATA/train/classes.txt", model_out(split, lambda r: r / "train" / "classes.txt"),
               "refused", fragment),
        Attack("--model-out DATA/test/classes.txt", model_out(split, lambda r: r / "test" / "classes.txt"),
               "refused", fragment),
        Attack("--model-out TEST/classes.txt", test_classes_out, "refused", fragment),
        Attack("--model-out DATA/train_m.h5 beside class folders", model_out(flat, lambda r: r / "train_m.h5"),
               "refused", fragment),
        Attack("--model-out DATA/model.h5 beside the splits", model_out(split, lambda r: r / "model.h5"),
               "refused", fragment),
        Attack("--model-out a second training file of a pair", pair_out(lambda r: r / "train_more.h5"), "refused",
               fragment),
        Attack("--model-out the missing test twin", twin_out, "refused", fragment),
        Attack("data import into a split's classes.txt", import_into_split, "refused",
               "lies inside the folder being imported"),
        Attack("--model-out beside a pair, another name", pair_out(lambda r: r / "model.npz"), "accepted"),
        Attack("--model-out beside class folders, another name", model_out(flat, lambda r: r / "model.npz"),
               "accepted"),
    ]


ATTACKS = link_attacks() + inside_links() + depth_attacks() + output_attacks()


def test_the_catalogue_has_every_position_on_every_route():
    assert len(POSITIONS) >= 14 and len(ATTACKS) >= 60


def test_links_out_are_refused_everywhere_and_inputs_are_never_changed(tmp_path):
    try:
        outcomes = run_attacks(ATTACKS, tmp_path)
    finally:
        while DEEP:
            remove_tree(DEEP.pop())
    assert_all_hold(outcomes)


@pytest.mark.parametrize("position", ["the train/ split", "the test_*.h5 of a pair", "classes.txt"])
def test_the_python_job_refuses_the_same_links(tmp_path, position):
    from hostile import Place, plant_secret
    from single_neuron import DataError, train

    place = Place(tmp_path / "case", plant_secret(tmp_path / "secret"))
    place.inp.mkdir(parents=True)
    data = planted(position)(place)
    with pytest.raises(DataError, match="a link that leads out of the data folder"):
        train(data, num_iterations=1, size=8 if POSITIONS[position][0] in IMAGE_LAYOUTS else None)


def test_predict_names_a_link_out_of_a_folder_of_images_and_classifies_the_rest(tmp_path, run_cli):
    from hostile import Place, plant_secret

    place = Place(tmp_path / "case", plant_secret(tmp_path / "secret"))
    place.inp.mkdir(parents=True)
    root = planted("an image in a class folder")(place)
    os.symlink(elsewhere(place) / "train", root / "linked-folder")          # a folder through a link: not walked
    code, out, err = run_cli("predict", digits_model(place.inp), root)
    assert code == 1 and err.count("\n") == 1 and "zz.png: refused, a link that leads out of the data folder" in err
    assert len(out.splitlines()) == 4 and "zz.png" not in out and "linked-folder" not in out
    assert place.secret.token not in (out + err).encode()
