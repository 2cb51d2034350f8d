"""A user's own images: `predict` on folders (with --threshold and --csv), and `data import`, a
folder of images written as a chunked course-format HDF5 file that trains to the same numbers."""

import csv
import io
import json

import h5py
import numpy as np
import pytest
from PIL import Image

from conftest import files_in
from single_neuron.io.folders import load_image_folder
from single_neuron.io.h5 import load_h5


def image_folder(root, rng, per_class=(7, 9)):
    """Two classes of images of mixed sizes and modes, nested folders, a text file, a hidden file
    and a file that claims to be an image but is not."""
    for name, count in zip(("dog", "cat"), per_class):
        (root / name / "more").mkdir(parents=True)
        for i in range(count):
            size = (int(rng.integers(20, 90)), int(rng.integers(20, 90)))
            pixels = rng.integers(0, 256, size=(size[1], size[0], 3), dtype=np.uint8)
            img = Image.fromarray(pixels)
            if i % 3 == 1:
                img = img.convert("L")
            where = root / name / ("more" if i % 2 else "") / f"{name}{i}.{('png', 'jpg', 'bmp')[i % 3]}"
            img.save(where)
    (root / "dog" / "notes.txt").write_text("not an image")
    (root / "cat" / ".hidden.png").write_bytes(b"ignored")
    (root / "cat" / "broken.png").write_bytes(b"\x89PNG\r\n\x1a\n broken")
    (root / "classes.txt").write_text("dog\ncat\n")
    return root


def test_import_writes_the_folder_as_the_folder_reads(tmp_path, rng, run_cli):
    folder = image_folder(tmp_path / "pets", rng)
    out = tmp_path / "pets.h5"
    code, stdout, err = run_cli("data", "import", folder, out, "--size", "16")
    assert code == 0, err
    assert stdout == f"wrote train: 16 images (dog: 7, cat: 9) of 16x16x3 to {out}\n"
    assert "skipped 2 file(s)" in err and "notes.txt" in err
    from_folder = load_image_folder(folder, (16, 16))
    from_file = load_h5(out)
    np.testing.assert_array_equal(from_file.images, from_folder.images)
    np.testing.assert_array_equal(from_file.y, from_folder.y)
    assert from_file.classes == from_folder.classes == ("dog", "cat")
    with h5py.File(out) as f:
        assert f["train_set_x"].chunks is not None and f["train_set_x"].dtype == np.uint8
    # trained on the file, in memory and in chunks, and on the folder: the same numbers
    runs = [json.loads(run_cli("train", *args, "--iterations", "300", "--learning-rate", "0.01", "--json")[1])
            for args in ([folder, "--size", "16"], [out], [out, "--memory-limit", "64MB"])]
    assert runs[0]["costs"] == runs[1]["costs"]
    np.testing.assert_allclose(runs[2]["costs"], runs[0]["costs"], rtol=1e-12)
    assert runs[0]["train_accuracy"] == runs[1]["train_accuracy"] == runs[2]["train_accuracy"]


def test_import_of_a_folder_with_train_and_test_writes_both_splits(tmp_path, rng, run_cli):
    image_folder(tmp_path / "split" / "train", rng)
    image_folder(tmp_path / "split" / "test", rng, per_class=(3, 4))
    out = tmp_path / "split.h5"
    code, stdout, err = run_cli("data", "import", tmp_path / "split", out, "--size", "12")
    assert code == 0, err
    assert stdout.startswith("wrote train: 16 images (dog: 7, cat: 9); test: 7 images (dog: 3, cat: 4) of 12x12x3")
    folder_run = json.loads(run_cli("train", tmp_path / "split", "--size", "12", "--iterations", "200", "--json")[1])
    file_run = json.loads(run_cli("train", out, "--iterations", "200", "--json")[1])
    for key in ("costs", "train_accuracy", "test_accuracy", "m_train", "m_test", "classes"):
        assert folder_run[key] == file_run[key], key


def test_the_cat_images_exported_and_imported_train_as_the_course_file(tmp_path, cats, run_cli):
    assert run_cli("data", "export", cats / "train_catvnoncat.h5", tmp_path / "cats")[0] == 0
    assert run_cli("data", "import", tmp_path / "cats", tmp_path / "again.h5")[0] == 0
    original, again = load_h5(cats / "train_catvnoncat.h5"), load_h5(tmp_path / "again.h5")
    by_class = np.argsort(original.y, kind="stable")      # the folder holds one class, then the other
    np.testing.assert_array_equal(again.images, original.images[by_class])
    np.testing.assert_array_equal(again.y, original.y[by_class])
    assert again.classes == original.classes


@pytest.mark.parametrize("case, fragment", [
    ("exists", "already exists; choose a new name"),
    ("inside", "lies inside an input of this command"),
    ("inside the top folder", "lies inside the folder being imported"),
    ("no-folder", "no such folder"),
    ("one-class", "expected exactly two class folders"),
    ("no-decodable", "cat: the class folder holds no images that decode"),
])
def test_import_refuses_bad_requests_with_one_line_and_writes_nothing(tmp_path, rng, run_cli, case, fragment):
    folder = image_folder(tmp_path / "pets", rng, per_class=(2, 2))
    out = tmp_path / "pets.h5"
    if case == "exists":
        out.write_text("keep me")
    elif case == "inside":
        out = folder / "dog" / "pets.h5"
    elif case == "inside the top folder":
        out = folder / "pets.h5"
    elif case == "no-folder":
        folder = tmp_path / "nowhere"
    elif case == "one-class":
        (folder / "classes.txt").unlink()
        for item in (folder / "cat").rglob("*"):
            item.unlink() if item.is_file() else None
        import shutil

        shutil.rmtree(folder / "cat")
    elif case == "no-decodable":
        for item in (folder / "cat").rglob("*"):
            if item.is_file() and item.suffix in (".png", ".jpg", ".bmp"):
                data = item.read_bytes()
                item.write_bytes(data[:len(data) // 3])    # the header, a third of the pixels
    before = files_in(tmp_path)
    code, stdout, err = run_cli("data", "import", folder, out)
    assert code == 1 and stdout == "" and fragment in err
    assert err.count("error:") == 1 and "Traceback" not in err
    assert files_in(tmp_path) == before
    if case == "exists":
        assert out.read_text() == "keep me"


# ------------------------------------------------------------------------------------ predict


@pytest.fixture
def digits_model(tmp_path, run_cli):
    path = tmp_path / "digits.npz"
    assert run_cli("train", "--learning-rate", "0.05", "--iterations", "200", "--model-out", path)[0] == 0
    return path


def digit_folder(folder, count=6):
    from single_neuron.io.sources import load_digits_task

    _, test = load_digits_task()
    (folder / "deeper").mkdir(parents=True)
    paths = []
    for i in range(count):
        path = folder / ("deeper" if i % 2 else "") / f"d{i}.png"
        Image.fromarray(test.images[i, ..., 0]).save(path)
        paths.append(path)
    (folder / "readme.txt").write_text("the digits")
    (folder / ".thumbs").mkdir()
    (folder / ".thumbs" / "t.png").write_bytes(b"hidden")
    return sorted(paths), test.images[:count]


def test_predict_on_a_folder_classifies_every_image_inside(tmp_path, digits_model, run_cli):
    paths, images = digit_folder(tmp_path / "photos")
    code, out, err = run_cli("predict", digits_model, tmp_path / "photos", "--json")
    assert code == 0, err
    assert "skipped 1 file(s) in" in err and "readme.txt" in err
    predictions = json.loads(out)["predictions"]
    assert [p["image"] for p in predictions] == [str(p) for p in paths]
    from single_neuron.app.weight_maps import probabilities
    from single_neuron.io.modelfile import load_model

    order = [int(p.stem[1:]) for p in paths]
    expected = probabilities(load_model(digits_model), images[order])
    np.testing.assert_allclose([p["probability"] for p in predictions], expected, rtol=1e-12)


def test_threshold_moves_the_labels_and_csv_lists_them(tmp_path, digits_model, run_cli):
    digit_folder(tmp_path / "photos")
    _, out, _ = run_cli("predict", digits_model, tmp_path / "photos", "--json")
    probabilities = [p["probability"] for p in json.loads(out)["predictions"]]
    threshold = float(np.median(probabilities))
    code, out, err = run_cli("predict", digits_model, tmp_path / "photos", "--threshold", threshold, "--csv")
    assert code == 0, err
    rows = list(csv.reader(io.StringIO(out)))
    assert rows[0] == ["image", "label", "class", "probability of eight"]
    assert [int(r[1]) for r in rows[1:]] == [int(p > threshold) for p in probabilities]
    assert [r[2] for r in rows[1:]] == [("three", "eight")[p > threshold] for p in probabilities]
    assert [float(r[3]) for r in rows[1:]] == probabilities
    for bad in ("1.5", "-0.1", "nan"):
        code, out, err = run_cli("predict", digits_model, tmp_path / "photos", "--threshold", bad)
        assert code == 2 and out == "" and "--threshold" in err


def test_csv_quotes_names_that_need_it(tmp_path, digits_model, run_cli):
    paths, _ = digit_folder(tmp_path / "a, b")
    code, out, _ = run_cli("predict", digits_model, paths[0], "--csv")
    assert code == 0 and list(csv.reader(io.StringIO(out)))[1][0] == str(paths[0])
    assert out.splitlines()[1].startswith('"')


def test_an_empty_folder_and_a_missing_file_are_errors_the_rest_is_classified(tmp_path, digits_model, run_cli):
    paths, _ = digit_folder(tmp_path / "photos", count=2)
    (tmp_path / "empty").mkdir()
    code, out, err = run_cli("predict", digits_model, tmp_path / "empty", tmp_path / "gone.png", tmp_path / "photos")
    assert code == 1
    assert "empty: the folder holds no image files" in err and "gone.png: no such file" in err
    assert [line.split(":")[0] for line in out.splitlines()] == [str(p) for p in paths]
