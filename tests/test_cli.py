"""The command line end to end: the default data set, output formats, and bad input."""

import json
import os
import subprocess
import sys

import h5py
import numpy as np

from single_neuron.app.weight_maps import probabilities
import pytest
from PIL import Image

from conftest import files_in
from test_data import write_course_h5


def test_train_on_the_embedded_digits_and_predict_its_images(tmp_path, run_cli):
    model = tmp_path / "digits.npz"
    code, out, err = run_cli("train", "--learning-rate", "0.05", "--model-out", model, "--json")
    assert code == 0, err
    report = json.loads(out)
    assert report["classes"] == ["three", "eight"] and (report["m_train"], report["m_test"]) == (267, 90)
    assert len(report["costs"]) == 20 and report["costs"][0] == pytest.approx(np.log(2))
    assert report["costs"] == sorted(report["costs"], reverse=True)
    assert report["test_accuracy"] > 95
    from single_neuron.io.sources import load_digits_task

    _, test = load_digits_task()
    paths = []
    for i in range(6):
        p = tmp_path / f"d{i}.png"
        Image.fromarray(test.images[i, ..., 0]).save(p)
        paths.append(p)
    code, out, err = run_cli("predict", model, *paths, "--json")
    assert code == 0, err
    predictions = json.loads(out)["predictions"]
    from single_neuron.io.modelfile import load_model

    expected = probabilities(load_model(model), test.images[:6])
    np.testing.assert_allclose([p["probability"] for p in predictions], expected, rtol=1e-12)


def test_text_output_has_cost_lines_and_accuracies(run_cli):
    code, out, _ = run_cli("train", "--iterations", "250", "--print-every", "50")
    lines = out.splitlines()
    assert code == 0
    assert [line.split(":")[0] for line in lines[:5]] == [f"Cost after iteration {i}" for i in range(0, 250, 50)]
    assert lines[5].startswith("train accuracy: ") and lines[6].startswith("test accuracy: ")


def test_predict_prints_a_line_per_image(tmp_path, run_cli):
    model = tmp_path / "m.npz"
    assert run_cli("train", "--iterations", "50", "--model-out", model)[0] == 0
    img = tmp_path / "x.jpg"
    Image.new("RGB", (100, 60), (200, 30, 30)).save(img)
    code, out, _ = run_cli("predict", model, img)
    assert code == 0
    assert out.startswith(f"{img}: ") and "probability of eight" in out


# --- bad input: one line, non-zero exit, nothing written (the full corpus is in test_robustness) ---

def test_a_bad_test_file_is_refused_before_training(tmp_path, run_cli):
    x = np.zeros((4, 3, 3, 3), np.uint8)
    train = write_course_h5(tmp_path / "train_a.h5", x, np.array([0, 1, 0, 1]))
    bad = tmp_path / "b.h5"
    bad.write_text("nope")
    code, out, err = run_cli("train", train, "--test", bad, "--model-out", tmp_path / "m.npz")
    assert code == 1 and out == "" and "not an HDF5 file" in err
    assert not (tmp_path / "m.npz").exists()


def test_an_unwritable_model_destination_fails_before_training(tmp_path, run_cli):
    code, out, err = run_cli("train", "--model-out", tmp_path / "missing" / "m.npz")
    assert code == 1 and out == "" and "does not exist" in err


@pytest.mark.parametrize("args, fragment, code", [
    (["train", "--learning-rate", "-1"], "--learning-rate: expected a number > 0 or \"auto\", got -1", 2),
    (["train", "--iterations", "-5"], "--iterations: expected a whole number >= 0, got -5", 2),
    (["train", "--print-every", "0"], "--print-every: expected a whole number >= 1, got 0", 2),
    (["train", "--iterations", "many"], "argument --iterations: invalid int value: 'many'", 2),
    (["train", "--solver", "newton"], "argument --solver: invalid choice: 'newton'", 2),
    (["predict", "m.npz"], "the following arguments are required: IMAGE", 2),
    (["fly"], "invalid choice: 'fly'", 2),
    (["train", "--learning_rate", "0.1"], "unrecognized arguments: --learning_rate (see single-neuron train --help)", 2),
    (["data", "export", "a.h5", "d", "--size", "3"], "(see single-neuron data export --help)", 2),
    (["explain", "notes", "--x", "1"], "--x: not an input of the notes graph (its inputs: --a, --b, --c)", 2),
    (["explain", "logistic", "--a", "3", "--c", "1"], "--a, --c: not an input of the logistic graph", 2),
    (["train", "--size", "32"], "size 32: only image folders are resized; scikit-learn digits", 1),
    (["bench"], "required: vectorization", 2),
])
def test_bad_command_lines_exit_non_zero_with_one_line(capsys, args, fragment, code):
    from single_neuron.cli import main

    try:
        status = main(args)
    except SystemExit as stop:
        status = stop.code
    _, err = capsys.readouterr()
    assert status == code
    assert fragment in err and err.count("\n") == 1


def _model(tmp_path, run_cli):
    model = tmp_path / "m.npz"
    assert run_cli("train", "--iterations", "20", "--model-out", model)[0] == 0
    return model


def test_undecodable_images_fail_each_with_a_line_and_the_rest_are_classified(tmp_path, run_cli):
    model = _model(tmp_path, run_cli)
    good = tmp_path / "good.png"
    Image.new("L", (8, 8), 128).save(good)
    bad = tmp_path / "bad.jpg"
    bad.write_bytes(b"\xff\xd8\xff\xe0 not really a jpeg")
    before = files_in(tmp_path)
    code, out, err = run_cli("predict", model, bad, good)
    assert code == 1
    assert err.count("\n") == 1 and str(bad) in err and "cannot decode the image" in err
    assert out.startswith(f"{good}: ")
    assert files_in(tmp_path) == before


def test_a_model_file_that_is_not_ours_fails_cleanly(tmp_path, run_cli):
    fake = tmp_path / "fake.npz"
    np.savez(fake, w=np.zeros((3, 1)))
    img = tmp_path / "i.png"
    Image.new("L", (8, 8)).save(img)
    before = files_in(tmp_path)
    code, out, err = run_cli("predict", fake, img)
    assert code == 1 and out == "" and err.count("\n") == 1
    assert "not a single-neuron model (missing b, costs, metadata)" in err
    assert files_in(tmp_path) == before


def test_the_installed_command_never_shows_a_traceback(tmp_path):
    """Through a real process: bad data gives one line on stderr and exit status 1."""
    bad = tmp_path / "train_bad.h5"
    with h5py.File(bad, "w") as f:
        f["train_set_x"] = np.zeros((3, 2, 2, 3), np.uint8)
        f["train_set_y"] = np.array([0, 1, 7])
    env = {**os.environ, "PYTHONWARNINGS": "error"}
    proc = subprocess.run([sys.executable, "-m", "single_neuron", "train", str(bad)],
                          capture_output=True, text=True, env=env, timeout=120)
    assert proc.returncode == 1
    assert proc.stdout == ""
    assert proc.stderr == f"single-neuron: error: {bad}: train_set_y: expected labels 0 or 1, got 7 at example 2\n"
    assert "Traceback" not in proc.stderr
