"""w as an image (`inspect`) and photos explained (`predict --explain`): the files are opened and
looked at (format, size, something drawn, the number of panels), and what they show is checked
against a second route to the same numbers (the model's own w, `classify`'s probability)."""

from __future__ import annotations

import json
from importlib.resources import files

import numpy as np
import pytest

from single_neuron import InputValueError
from PIL import Image

from conftest import files_in
from picture_checks import assert_not_blank, blocks, embedded_images, file_format, png_pixels
from single_neuron.app.jobs import classify, train
from single_neuron.app.weight_figures import explanation_figure, figure_names, save_explanations, weights_figure
from single_neuron.app.weight_maps import describe, photo_view, weights_image
from single_neuron.io.modelfile import SavedModel, load_model, save_model


def image_panels(fig):
    """The axes of a Figure that show a picture, left to right (colour bars are not among them)."""
    bars = {id(ax) for ax in fig.axes if ax.get_label() == "<colorbar>"}
    return sorted((ax for ax in fig.axes if ax.images and id(ax) not in bars),
                  key=lambda ax: ax.get_position().x0)


@pytest.fixture(scope="module")
def digit_model(tmp_path_factory):
    path = tmp_path_factory.mktemp("model") / "digits.npz"
    save_model(path, train(learning_rate=0.05, num_iterations=200).model)
    return path


@pytest.fixture(scope="module")
def photos(tmp_path_factory, cats):
    """A photograph that is neither 64 x 64 nor a cat, and a cat of the course's test set as a PNG."""
    from single_neuron.io.h5 import load_h5

    folder = tmp_path_factory.mktemp("photos")
    (folder / "china.jpg").write_bytes((files("sklearn.datasets.images") / "china.jpg").read_bytes())
    test = load_h5(cats / "test_catvnoncat.h5")
    cat = int(np.flatnonzero(test.y == 1)[0])
    Image.fromarray(test.images[cat]).save(folder / "a cat.png")
    return folder


# ------------------------------------------------------------------------ w as an image


def test_w_is_drawn_one_panel_per_channel_and_the_channels_together(rng):
    w = rng.normal(scale=0.02, size=(6 * 5 * 3, 1))
    trained = SavedModel(w=w, b=0.1, input_shape=(6, 5, 3), classes=("dog", "cat"))
    fig = weights_figure(trained)
    panels = image_panels(fig)
    assert [ax.get_title() for ax in panels] == ["red channel", "green channel", "blue channel",
                                                 "channels together (mean)"]
    picture = weights_image(trained)
    for k, ax in enumerate(panels[:3]):                 # each panel is w itself, not a recomputation
        np.testing.assert_array_equal(ax.images[0].get_array(), picture[..., k])
    np.testing.assert_allclose(panels[3].images[0].get_array(), w.reshape(6, 5, 3).mean(axis=2), rtol=1e-15)
    for ax in panels:                                   # one scale, centred on zero: white is 0
        low, high = ax.images[0].get_clim()
        assert low == -high == -np.abs(w).max()
    assert sum(ax.get_label() == "<colorbar>" for ax in fig.axes) == 1
    caption = fig._supxlabel.get_text()
    assert "towards 'cat' (class 1)" in caption and "towards 'dog' (class 0)" in caption


def test_a_grey_model_has_one_panel(rng):
    trained = SavedModel(w=rng.normal(size=(8 * 8, 1)), b=0.0, input_shape=(8, 8, 1), classes=("3", "8"))
    assert [ax.get_title() for ax in image_panels(weights_figure(trained))] == ["grey channel"]


def test_inspect_tells_what_the_cat_model_holds_and_draws_w(cat_model, tmp_path, run_cli):
    picture = tmp_path / "w.png"
    code, out, err = run_cli("inspect", cat_model, "--weights", picture)
    assert code == 0, err
    trained = load_model(cat_model)
    for line in [f"{cat_model}: single-neuron-model, format version 1",
                 "input: 64 x 64 images, 3 channels, n_x = 12288 weights; pixels divided by 255",
                 "classes: 0 = non-cat, 1 = cat",
                 "accuracy: train 99.04 %, test 70.00 %",
                 "costs: 20 recorded, one every 100 iterations, from 0 to 1900",
                 "final cost: 0.135608, at iteration 2000",               # not the last recorded, 0.140872
                 f"w drawn to {picture}"]:
        assert line in out
    assert "learning_rate 0.005" in out and "num_iterations 2000" in out
    assert f"{trained.costs[-1]:.6g}" == "0.140872"                      # the course's last cost
    pixels = png_pixels(picture)
    height, width, _ = pixels.shape
    assert 900 <= width <= 1300 and 300 <= height <= 500
    assert_not_blank(pixels)
    panels, bars = blocks(pixels)
    assert len(panels) == 4 and len(bars) == 1
    for x0, y0, x1, y1 in panels:                                         # 64 x 64: square panels
        assert abs((x1 - x0) - (y1 - y0)) <= 2 and x1 - x0 >= 150


def test_inspect_json_is_the_model_file(cat_model, run_cli):
    code, out, err = run_cli("inspect", cat_model, "--json")
    assert code == 0, err
    facts = json.loads(out)
    trained = load_model(cat_model)
    assert facts["format_version"] == 1 and facts["input_shape"] == [64, 64, 3]
    assert facts["classes"] == ["non-cat", "cat"] and facts["n_x"] == trained.w.size
    assert facts["costs_recorded"] == len(trained.costs) == 20 and "last_cost" not in facts
    assert facts["final_cost"] == trained.training["final_cost"] == pytest.approx(0.135608, abs=5e-7)
    assert facts["train_accuracy"] == trained.training["train_accuracy"] == 99.04306220095694
    assert facts["training"]["learning_rate"] == 0.005 and "train_accuracy" not in facts["training"]
    assert facts["b"] == trained.b and facts["w_max"] == trained.w.max() and facts["weights_picture"] is None


@pytest.mark.parametrize("name", ["w.svg", "w.pdf"])
def test_inspect_draws_svg_and_pdf_by_name(digit_model, tmp_path, run_cli, name):
    code, _, err = run_cli("inspect", digit_model, "--weights", tmp_path / name)
    assert code == 0, err
    assert file_format(tmp_path / name) == name[-3:]
    assert embedded_images(tmp_path / name) == 2                         # one grey panel, one colour bar


def test_inspect_a_grey_model_draws_one_panel(digit_model, tmp_path, run_cli):
    code, out, err = run_cli("inspect", digit_model, "--weights", tmp_path / "w.png")
    assert code == 0, err
    assert "input: 8 x 8 images, 1 channel, n_x = 64 weights" in out and "classes: 0 = three, 1 = eight" in out
    pixels = png_pixels(tmp_path / "w.png")
    assert_not_blank(pixels)
    panels, bars = blocks(pixels)
    assert len(panels) == 1 and len(bars) == 1


@pytest.mark.parametrize("args, fragment", [
    (["--weights", "w.txt"], "figures are written as PNG, SVG or PDF"),
    (["--weights", "no/such/folder/w.png"], "does not exist"),
])
def test_inspect_refuses_a_bad_picture_name_before_reading(digit_model, tmp_path, run_cli, monkeypatch, args,
                                                           fragment):
    monkeypatch.chdir(tmp_path)
    code, out, err = run_cli("inspect", digit_model, *args)
    assert code == 1 and fragment in err and err.count("\n") == 1 and out == ""
    assert files_in(tmp_path) == []


def test_inspect_never_draws_over_the_model(digit_model, tmp_path, run_cli):
    model = tmp_path / "model.png"
    model.write_bytes(digit_model.read_bytes())
    code, out, err = run_cli("inspect", model, "--weights", model)
    assert code == 1 and "an input of this command" in err and err.count("\n") == 1
    assert model.read_bytes() == digit_model.read_bytes()


def test_inspect_refuses_what_is_not_a_model(tmp_path, run_cli):
    bad = tmp_path / "model.npz"
    bad.write_text("not a model")
    code, out, err = run_cli("inspect", bad)
    assert code == 1 and "not a single-neuron model" in err and err.count("\n") == 1 and out == ""


def test_inspect_prints_names_from_a_file_as_plain_text(tmp_path, run_cli, rng):
    path = tmp_path / "odd.npz"
    # class names with control characters are refused by the model file itself; the training
    # settings are free text and reach the terminal escaped
    with pytest.raises(InputValueError, match="holds the control character"):
        save_model(path, SavedModel(w=rng.normal(size=(4, 1)), b=0.0, input_shape=(2, 2, 1),
                                    classes=("\x1b[31mred", "blue")))
    save_model(path, SavedModel(w=rng.normal(size=(4, 1)), b=0.0, input_shape=(2, 2, 1),
                                classes=("red", "blue"), training={"note\n": "\x1b[31m\x07" + "x" * 500}))
    code, out, err = run_cli("inspect", path)
    assert code == 0, err
    assert "\x1b" not in out and "\x07" not in out and "x" * 100 not in out
    assert "\\x1b[31m" in out


# ------------------------------------------------------------------------ photos explained


def test_an_explanation_shows_the_file_the_view_and_the_contributions(cat_model, photos):
    trained = load_model(cat_model)
    for name in ("china.jpg", "a cat.png"):
        path = photos / name
        photo = photo_view(trained, path)
        fig = explanation_figure(trained, photo)
        panels = image_panels(fig)
        assert len(panels) == 3
        np.testing.assert_array_equal(panels[1].images[0].get_array(), photo.view.pixels)
        contributions = panels[2].images[0].get_array()
        # second route: the course's z and the probability `predict` prints
        p = classify(trained, path)
        assert abs(contributions.sum() + trained.b - photo.view.z) < 1e-9
        assert abs(1 / (1 + np.exp(-photo.view.z)) - p.probability) < 1e-12
        assert f"{p.class_name}   (probability of 'cat' = {p.probability:.3f})" in fig._suptitle.get_text()
    assert photo_view(trained, photos / "china.jpg").original_size == (640, 427)


def test_predict_explain_writes_one_figure_per_image(cat_model, photos, tmp_path, run_cli):
    folder = tmp_path / "why"
    code, out, err = run_cli("predict", cat_model, photos / "china.jpg", photos / "a cat.png", "--explain", folder)
    assert code == 0, err
    assert "china.jpg: non-cat" in out and "a cat.png: cat" in out and f"2 images explained in {folder}" in out
    assert files_in(folder) == ["a_cat.png", "china.png"]
    for name, original in [("china.png", (640, 427)), ("a_cat.png", (64, 64))]:
        pixels = png_pixels(folder / name)
        height, width, _ = pixels.shape
        assert 750 <= width <= 1000 and 350 <= height <= 500
        assert_not_blank(pixels)
        panels, bars = blocks(pixels)
        assert len(panels) == 3 and len(bars) == 1
        x0, y0, x1, y1 = panels[0]                                       # the file, in its proportions
        assert abs((x1 - x0) / (y1 - y0) - original[0] / original[1]) < 0.05
    assert [p.name for p in tmp_path.iterdir()] == ["why"]               # no temporary left beside it


def test_predict_explain_refuses_a_folder_in_use_before_any_work(digit_model, photos, tmp_path, run_cli):
    folder = tmp_path / "used"
    folder.mkdir()
    (folder / "keep.txt").write_text("mine")
    code, out, err = run_cli("predict", digit_model, photos / "china.jpg", "--explain", folder)
    assert code == 1 and "already exists and is not an empty folder" in err and err.count("\n") == 1
    assert out == "" and files_in(folder) == ["keep.txt"]


def test_predict_explain_skips_an_image_it_cannot_read(digit_model, photos, tmp_path, run_cli):
    broken = tmp_path / "broken.png"
    broken.write_bytes(b"\x89PNG\r\n\x1a\n not really")
    code, out, err = run_cli("predict", digit_model, broken, photos / "china.jpg", "--explain", tmp_path / "why")
    assert code == 1 and "broken.png" in err
    assert files_in(tmp_path / "why") == ["china.png"]
    panels, bars = blocks(png_pixels(tmp_path / "why" / "china.png"))
    assert len(panels) == 3 and len(bars) == 1                           # a grey model: a grey view


def test_predict_explain_with_no_readable_image_makes_no_folder(digit_model, tmp_path, run_cli):
    broken = tmp_path / "broken.png"
    broken.write_bytes(b"\x89PNG\r\n\x1a\n not really")
    for images in ([broken], [tmp_path / "missing.jpg"], [broken, tmp_path / "missing.jpg"]):
        code, out, err = run_cli("predict", digit_model, *images, "--explain", tmp_path / "why")
        assert code == 1 and out == "" and not (tmp_path / "why").exists()
        assert err.splitlines()[-1] == f"single-neuron: no image explained: none could be read, so {tmp_path / 'why'} was not made"
    assert save_explanations(tmp_path / "why", load_model(digit_model), []) == []
    assert sorted(p.name for p in tmp_path.iterdir()) == ["broken.png"]


def test_save_explanations_from_python_leaves_nothing_when_it_fails(digit_model, photos, tmp_path):
    from single_neuron.errors import ImageError

    trained = load_model(digit_model)
    with pytest.raises(ImageError):
        save_explanations(tmp_path / "why", trained, [photos / "china.jpg", tmp_path / "missing.png"])
    assert files_in(tmp_path) == []
    written = save_explanations(tmp_path / "why", trained, [photos / "china.jpg"])
    assert written == [tmp_path / "why" / "china.png"] and written[0].is_file()


def test_figure_names_are_safe_and_distinct():
    names = figure_names(["../up/.hidden.png", "a/b c.jpg", "x/b_c.png", "B C.gif", "Été 2024.jpg",
                          "$(rm -rf).png", "..png", "x" * 300 + ".png"])
    assert names[:5] == ["hidden.png", "b_c.png", "b_c-2.png", "B_C-3.png", "Ete_2024.png"]
    assert names[5] == "rm_-rf.png" and names[6] == "image.png" and len(names[7]) == 84
    assert len({n.lower() for n in names}) == len(names)
    assert all("/" not in n and not n.startswith(".") for n in names)


def test_describe_is_plain_json(rng):
    trained = SavedModel(w=rng.normal(size=(12, 1)), b=0.5, input_shape=(2, 2, 3), classes=("a", "b"))
    facts = json.loads(json.dumps(describe(trained)))
    assert facts["costs_recorded"] == 0 and facts["final_cost"] is None and facts["train_accuracy"] is None
    assert facts["w_mean_abs"] == pytest.approx(np.abs(trained.w).mean(), rel=1e-15)
