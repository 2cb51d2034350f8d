"""A run that leaves the finite numbers is one line with advice and no model; no NaN ever reaches
a user as a probability or as JSON; every numeric option is honoured or refused."""

import json
import subprocess
import sys

import h5py
import numpy as np
import pytest
from PIL import Image

from conftest import files_in
from single_neuron import DivergenceError, InputValueError, SingleNeuronClassifier
from single_neuron.io.modelfile import FORMAT, FORMAT_VERSION, SavedModel, save_model


@pytest.mark.parametrize("options", [["--learning-rate", "1e308"],
                                     ["--learning-rate", "1e38", "--dtype", "float32"],
                                     ["--learning-rate", "1e308", "--batch-size", "10"],
                                     ["--learning-rate", "1e38", "--dtype", "float32", "--batch-size", "7"]])
def test_a_diverging_run_is_one_line_with_advice_and_writes_no_model(tmp_path, run_cli, options):
    model = tmp_path / "m.npz"
    code, out, err = run_cli("train", "--iterations", "10", "--model-out", model, "--json", *options)
    assert code == 1 and out == "" and err.count("\n") == 1, err
    assert "left the finite numbers" in err and "lower it" in err
    assert files_in(tmp_path) == []


@pytest.mark.parametrize("rate", ["1e200", "1e300"])
def test_a_run_whose_weights_outgrow_a_model_file_saves_nothing(tmp_path, run_cli, rate):
    # The costs stay finite (the stable cost), the weights reach 1e203: a model predict would refuse.
    model = tmp_path / "m.npz"
    code, out, err = run_cli("train", "--iterations", "20", "--learning-rate", rate, "--model-out", model, "--quiet")
    assert code == 1 and err.count("\n") == 1, err
    assert f"{model}: not saved: refused, the weights are too large" in err and "lower the learning rate" in err
    assert files_in(tmp_path) == []


def test_a_diverging_streamed_run_through_a_real_process_prints_no_numpy_warning(tmp_path):
    data = tmp_path / "train_big.h5"
    rng = np.random.default_rng(0)
    with h5py.File(data, "w") as f:
        f["train_set_x"] = rng.integers(0, 256, size=(40, 4, 4, 3), dtype=np.uint8)
        f["train_set_y"] = np.arange(40) % 2
    for extra in (["--memory-limit", "8MB"], ["--dtype", "float32", "--learning-rate", "1e38"]):
        done = subprocess.run([sys.executable, "-m", "single_neuron", "train", data, "--iterations", "10",
                               "--learning-rate", "1e308", "--model-out", tmp_path / "m.npz", *extra],
                              capture_output=True, text=True, timeout=120)
        assert done.returncode == 1 and done.stderr.count("\n") == 1, done.stderr
        assert "Warning" not in done.stderr and "lower it" in done.stderr
        assert not (tmp_path / "m.npz").exists()


def _separable(rng, m=40, n=3, scale=1.0, dtype=np.float64):
    X = rng.normal(size=(m, n))
    y = (X[:, 0] > 0).astype(int)
    return (X * scale).astype(dtype), y


@pytest.mark.parametrize("seed", range(4))
def test_fit_with_an_enormous_rate_raises_or_gives_finite_numbers(seed):
    X, y = _separable(np.random.default_rng(seed))
    try:
        clf = SingleNeuronClassifier(learning_rate=1e308, max_iter=50).fit(X, y)
    except DivergenceError as exc:
        assert "learning rate" in str(exc)
        return
    assert np.isfinite(clf.coef_).all() and np.isfinite(clf.intercept_).all() and np.isfinite(clf.costs_).all()
    assert np.isfinite(clf.predict_proba(X)).all()


def test_fit_on_float32_values_of_1e30_raises():
    X, y = _separable(np.random.default_rng(1), scale=1e30, dtype=np.float32)
    with pytest.raises(DivergenceError, match="lower it, or scale the inputs"):
        SingleNeuronClassifier(dtype="float32", max_iter=20).fit(X, y)


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_sample_weights_too_large_to_add_up_are_refused_with_the_reason(dtype):
    X, y = _separable(np.random.default_rng(2))
    with pytest.raises(ValueError, match="add up to .* divide them all by a common factor"):
        SingleNeuronClassifier(dtype=dtype).fit(X, y, sample_weight=np.full(40, 1e308))
    from single_neuron import train

    images = np.random.default_rng(3).integers(0, 256, size=(6, 2, 2, 1), dtype=np.uint8)
    with pytest.raises(InputValueError, match="add up to"):
        train((images, np.arange(6) % 2), sample_weight=np.full(6, 1e308), dtype=dtype, num_iterations=2)


def test_weights_that_fit_but_are_large_give_the_same_model_as_small_ones():
    X, y = _separable(np.random.default_rng(4))
    small = SingleNeuronClassifier(max_iter=30).fit(X, y, sample_weight=np.full(40, 1.0))
    large = SingleNeuronClassifier(max_iter=30).fit(X, y, sample_weight=np.full(40, 1e300))
    np.testing.assert_allclose(large.coef_, small.coef_, rtol=1e-12)


def test_max_iter_true_is_refused():
    X, y = _separable(np.random.default_rng(5))
    with pytest.raises(InputValueError, match="max_iter"):
        SingleNeuronClassifier(max_iter=True).fit(X, y)


@pytest.mark.parametrize("w_value, b", [(1e308, 1e308), (1e306, -1e308), (1e300, 0.0)])
def test_a_crafted_model_of_finite_values_never_gives_a_nan_probability(tmp_path, run_cli, w_value, b):
    w = np.full((4 * 4 * 3, 1), w_value)
    w[::2] *= -1                                       # huge terms of both signs: inf - inf = nan
    model = tmp_path / "crafted.npz"
    with pytest.raises(DivergenceError, match="not saved: refused, the weights are too large"):
        save_model(model, SavedModel(w=w, b=b, input_shape=(4, 4, 3), classes=("a", "b")))
    meta = {"format": FORMAT, "format_version": FORMAT_VERSION, "input_shape": [4, 4, 3], "pixel_scale": 255.0,
            "classes": ["a", "b"], "training": {}}
    np.savez(model, w=w, b=np.float64(b), costs=np.zeros(0), metadata=np.asarray(json.dumps(meta)))
    image = tmp_path / "x.png"
    Image.new("RGB", (4, 4), (255, 255, 255)).save(image)
    code, out, err = run_cli("predict", model, image, "--json")
    if code == 1:                                      # refused on loading, in one line
        assert out == "" and err.count("\n") == 1 and "crafted.npz" in err
        return
    assert code == 0, err
    probability = json.loads(out)["predictions"][0]["probability"]
    assert probability is not None and 0.0 <= probability <= 1.0


@pytest.mark.parametrize("args, fragment", [
    (["train", "--print-every", "1e30"], "--print-every"),
    (["train", "--seed", "-1", "--batch-size", "2"], "--seed"),
    (["train", "--memory-limit", "0"], "--memory-limit"),
    (["train", "--memory-limit", "-1"], "--memory-limit"),
    (["train", "--memory-limit", "nan"], "--memory-limit"),
    (["train", "--memory-limit", "1e308"], "--memory-limit"),
    (["serve", "--max-upload", "abc"], "--max-upload"),
    (["serve", "--max-upload", "1.5"], "expected a whole number of bytes"),
    (["train", "--memory-limit", "0.5"], "expected a whole number of bytes"),
    (["train", "--iterations", "100000000", "--print-every", "1"], "more than the 10,000,000 a model file holds"),
    (["train", "--model-out", ""], "--model-out"),
    (["train", "--test", ""], "--test"),
    (["train", "--engine", "dask", "--scheduler", ""], "--scheduler"),
    (["explain", "logistic", "--x", "nan"], "--x"),
    (["bench", "vectorization", "-n", "3e9"], "-n"),
    (["predict", "", "x.png"], "MODEL"),
])
def test_every_option_value_is_honoured_or_refused_in_one_line(tmp_path, run_cli, args, fragment):
    code, out, err = run_cli(*args)
    assert code in (1, 2) and out == "" and err.count("\n") == 1 and fragment in err, err
    assert files_in(tmp_path) == []


@pytest.mark.parametrize("options", [["--memory-limit", "1MB"], ["--engine", "dask", "--chunk-rows", "2"], []])
def test_images_of_no_pixels_are_refused_on_every_route(tmp_path, run_cli, options):
    data = tmp_path / "train_empty.h5"
    with h5py.File(data, "w") as f:
        f["train_set_x"] = np.zeros((6, 0, 4, 3), np.uint8)
        f["train_set_y"] = np.arange(6) % 2
    code, out, err = run_cli("train", data, "--model-out", tmp_path / "m.npz", *options)
    assert code == 1 and out == "" and "expected images of at least 1x1 pixels" in err and err.count("\n") == 1
    assert not (tmp_path / "m.npz").exists()


@pytest.mark.parametrize("setting", [{"memory_limit": 0}, {"memory_limit": "0"}, {"num_iterations": True},
                                     {"print_every": 0.5}, {"seed": -1, "batch_size": 2},
                                     {"engine": "dask", "scheduler": ""}, {"engine": "dask", "scheduler": " "},
                                     {"num_iterations": 10**8, "print_every": 1}])
def test_the_python_job_refuses_what_the_command_line_refuses(setting):
    from single_neuron import train

    images = np.random.default_rng(6).integers(0, 256, size=(6, 2, 2, 1), dtype=np.uint8)
    with pytest.raises(InputValueError):
        train((images, np.arange(6) % 2), num_iterations=setting.pop("num_iterations", 2), **setting)


@pytest.mark.parametrize("option", [["--memory-limit", "-1"], ["--memory-limit", "abc"]])
def test_a_malformed_size_is_a_usage_error(run_cli, option):
    code, out, err = run_cli("train", *option)
    assert code == 2 and "expected a size such as 256MB" in err and err.count("\n") == 1
