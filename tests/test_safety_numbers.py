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


# ---------------------------------------------------------------------- one rule for every number, generated

# Values no numeric option may take, whatever its range: numbers of hundreds of digits, beyond the
# floats, not numbers, and digits of other scripts (int() reads '٣' as 3; '²' passes str.isdigit(),
# which int() refuses).
ABSURD_TEXT = ["9" * 400, "-" + "9" * 400, "1" + "0" * 41, "1e400", "-1e400", "nan", "inf", "\u00b2", "\u0663",
               "\uff13", "1\u0663", "\u00bd", "9" * 20 + "e-5" + "0" * 30]


def numeric_options():
    """(command path, positional arguments, option) for every option of every command whose value is
    a number or a size, read off the argparse tree itself: a new option is covered when it is added."""
    import argparse

    from single_neuron.cli import options
    from single_neuron.cli.parser import build_parser

    found = []

    def walk(parser, path):
        positionals = []
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction):
                for name, sub in action.choices.items():
                    walk(sub, path + [name])
            elif not action.option_strings and action.nargs != "?":
                positionals.append(next(iter(action.choices)) if action.choices else "x")
        for action in parser._actions:
            if action.option_strings and getattr(action.type, "__module__", None) == options.__name__:
                found.append((path, positionals, action.option_strings[-1]))

    walk(build_parser(), [])
    return found


NUMERIC_OPTIONS = numeric_options()


def test_the_numeric_options_are_found_in_the_parser():
    names = {(tuple(path), option) for path, _, option in NUMERIC_OPTIONS}
    assert {(("train",), "--iterations"), (("train",), "--memory-limit"), (("serve",), "--max-upload"),
            (("serve",), "--port"), (("predict",), "--threshold"), (("data", "import"), "--size"),
            (("explain",), "--x"), (("compare-rates",), "--rates")} <= names
    assert len(NUMERIC_OPTIONS) >= 25


@pytest.mark.parametrize("path, positionals, option", NUMERIC_OPTIONS,
                         ids=[" ".join(p) + " " + o for p, _, o in NUMERIC_OPTIONS])
def test_every_numeric_option_refuses_absurd_values_in_one_line(run_cli, path, positionals, option):
    import signal

    def overdue(signum, frame):                 # a value let through would start the work (serve: forever)
        raise TimeoutError(f"{option} was not refused at once")

    previous = signal.signal(signal.SIGALRM, overdue)
    signal.alarm(60)
    try:
        _refused_at_once(run_cli, path, positionals, option)
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def _refused_at_once(run_cli, path, positionals, option):
    for value in ABSURD_TEXT:
        code, out, err = run_cli(*path, *positionals, f"{option}={value}")
        assert code == 2 and out == "" and err.count("\n") == 1, (value, err)
        assert err.startswith(f"single-neuron: error: argument {option}"), (value, err)
        assert "Traceback" not in err and "unexpected" not in err


def _image_folder(root):
    for i, name in enumerate(("a", "b")):
        (root / name).mkdir(parents=True)
        Image.new("L", (4, 4), 60 + 100 * i).save(root / name / "0.png")
        Image.new("L", (4, 4), 70 + 100 * i).save(root / name / "1.png")
    return root


LIMIT_NAMES = sorted(__import__("single_neuron.io.limits", fromlist=["LIMITS"]).LIMITS)


def _reading(name: str, tmp_path) -> list:
    """A command line that reads the limit called `name`: training on an image folder reads the
    data sets' and the images' limits, a check the learner's file's."""
    if name == "code_bytes":
        learner = tmp_path / "mine.py"
        learner.write_text("def sigmoid(z):\n    return 1 / (1 + z)\n")
        return ["check", learner]
    return ["train", _image_folder(tmp_path / "images"), "--size", "4", "--iterations", "1"]


def test_every_limit_has_a_command_that_reads_it():
    assert set(LIMIT_NAMES) == {"examples", "features", "image_pixels", "image_bytes", "code_bytes"}


@pytest.mark.parametrize("name", LIMIT_NAMES)
def test_every_limit_variable_refuses_absurd_values_in_one_line(tmp_path, run_cli, monkeypatch, name):
    from single_neuron.io.limits import LIMITS

    variable = LIMITS[name].variable
    command = _reading(name, tmp_path)
    before = files_in(tmp_path)
    for value in [*ABSURD_TEXT, "0", "-1", "1e9", " ", "1.5", "0x10"]:
        monkeypatch.setenv(variable, value)
        code, out, err = run_cli(*command)
        if not value.strip():                                 # unset in effect: the default holds
            assert code in (0, 1) and "expected a whole number" not in err, err     # (a check may find mistakes)
            continue
        assert code == 1 and out == "" and err.count("\n") == 1, (value, err)
        assert err.startswith(f"single-neuron: error: {variable}: expected a whole number"), (value, err)
    assert files_in(tmp_path) == before


ABSURD_VALUES = [10**400, -(10**400), float("nan"), float("inf"), float("-inf"), "\u00b2", "\u0663", True,
                 __import__("decimal").Decimal("1e400"), None]


def numeric_arguments():
    """(where, call) for every numeric argument of the Python API: the job's settings, the
    estimator's parameters, the course's functions and classify's threshold, read off their
    declarations (a new one is covered when it is added)."""
    import dataclasses
    import inspect

    from single_neuron import Settings, SingleNeuronClassifier, initialize_with_zeros, model, optimize, train
    from single_neuron.app.model import classify

    images = np.random.default_rng(6).integers(0, 256, size=(6, 2, 2, 1), dtype=np.uint8)
    labels = np.arange(6) % 2
    found = []
    for field in dataclasses.fields(Settings):
        if "int" in str(field.type) or "float" in str(field.type):
            def call(value, name=field.name):
                settings = {"num_iterations": 2, name: value}
                if name in ("seed", "n_iter_no_change"):
                    settings.update(batch_size=2, tol=0.0) if name == "seed" else settings.update(tol=0.0)
                if name == "chunk_rows":
                    settings["engine"] = "dask"
                if name == "memory_limit":
                    return train(None, **settings)            # refused before the data is read, or at it
                return train((images, labels), **settings)
            found.append((f"train({field.name}=...)", call))
    for name, default in SingleNeuronClassifier().get_params().items():
        if isinstance(default, (int, float)) and not isinstance(default, bool) or name == "tol":
            found.append((f"SingleNeuronClassifier({name}=...)", lambda v, n=name: SingleNeuronClassifier(
                **{"max_iter": 2, n: v}).fit(images.reshape(6, -1) / 255, labels)))
    X, Y = images.reshape(6, -1).T / 255, labels.reshape(1, -1)
    for function in (optimize, model):
        for name, parameter in inspect.signature(function).parameters.items():
            if isinstance(parameter.default, (int, float)) and not isinstance(parameter.default, bool):
                def call(value, f=function, n=name):
                    settings = {"num_iterations": 2, n: value}
                    if f is optimize:
                        return f(np.zeros((4, 1)), 0.0, X, Y, **settings)
                    return f(X, Y, X, Y, **settings)
                found.append((f"{function.__name__}({name}=...)", call))
    found.append(("initialize_with_zeros(dim=...)", lambda v: initialize_with_zeros(v)))
    found.append(("classify(threshold=...)", lambda v: classify(_classify_model(), _classify_image(), v)))
    from single_neuron import check
    from single_neuron.app.model import Model

    loaded = Model.of(_classify_model())
    found += [("Model.classify(threshold=...)", lambda v: loaded.classify(_classify_image(), v)),
              ("Model.predict(threshold=...)", lambda v: loaded.predict(np.zeros((2, 2, 1)), v))]
    for name, parameter in inspect.signature(check).parameters.items():
        if parameter.kind is inspect.Parameter.KEYWORD_ONLY:
            found.append((f"check({name}=...)", lambda v, n=name: check([], **{n: v})))
    return found


def _classify_model():
    return SavedModel(w=np.zeros((4, 1)), b=0.0, input_shape=(2, 2, 1), classes=("a", "b"))


_IMAGES = {}


def _classify_image():
    if "path" not in _IMAGES:
        import tempfile

        folder = tempfile.mkdtemp(prefix="single-neuron-numbers-")
        _IMAGES["path"] = f"{folder}/x.png"
        Image.new("L", (2, 2), 90).save(_IMAGES["path"])
    return _IMAGES["path"]


NUMERIC_ARGUMENTS = numeric_arguments()


def test_the_numeric_arguments_are_found_in_the_api():
    names = {where for where, _ in NUMERIC_ARGUMENTS}
    assert {"train(memory_limit=...)", "train(learning_rate=...)", "train(num_iterations=...)",
            "SingleNeuronClassifier(max_iter=...)", "optimize(learning_rate=...)", "model(num_iterations=...)",
            "initialize_with_zeros(dim=...)", "classify(threshold=...)"} <= names
    assert len(names) >= 25


@pytest.mark.parametrize("where, call", NUMERIC_ARGUMENTS, ids=[w for w, _ in NUMERIC_ARGUMENTS])
def test_every_numeric_python_argument_refuses_absurd_values_with_the_package_s_error(where, call):
    from single_neuron import SingleNeuronError

    for value in ABSURD_VALUES:
        if value is None and ("tol" in where or where.startswith("train(") or "memory_limit" in where):
            continue                                      # None: the setting left out, a valid choice
        with pytest.raises(SingleNeuronError):
            call(value)


def test_one_rule_reads_whole_numbers_and_sizes():
    from single_neuron.sizes import parse_size, real_number, whole_number

    assert whole_number(" 42 ") == 42 and whole_number("1_000") == 1000 and whole_number("+7") == 7
    assert whole_number("9" * 19) == int("9" * 19)
    for text in ["\u00b2", "\u0663", "4\u0662", "1e3", "0x10", "9" * 20, "", "1__0", "_1"]:
        with pytest.raises(ValueError):
            whole_number(text)
    assert real_number("1e-3") == 0.001
    for text in ["\u0663", "\u0661.\u0665", "1" * 41]:
        with pytest.raises(ValueError):
            real_number(text)
    assert parse_size("1.5MB") == 1_500_000 and parse_size("1EB".replace("E", "T")) == 10**12
    for text in ["9" * 400, "2000000000GB", "1" + "0" * 19, "\u0663MB", "1e3"]:
        with pytest.raises(InputValueError):
            parse_size(text)


# ---------------------------------------------------------------------- the course API's edges


def test_a_cost_that_would_be_nan_or_inf_is_refused_with_what_to_do():
    from single_neuron import propagate

    Y = np.array([[0, 1, 0]])
    cases = [(np.ones((2, 1)), np.full((2, 3), 1e308)),                              # X of 1e308: z = inf
             (np.array([[1e308], [-1e308]]), np.full((2, 3), 10.0)),                # inf - inf = nan
             (np.ones((1, 1)), np.full((1, 3), 1e308))]                             # finite z, losses sum to inf
    for w, X in cases:
        with pytest.raises(InputValueError, match="overflow.* float64.*scale X"):
            propagate(w, 0.0, X, Y)
    grads, cost = propagate(np.ones((2, 1)), 0.0, np.full((2, 3), 1e150), Y)    # large, but every number fits
    assert np.isfinite(cost) and np.isfinite(grads["dw"]).all()


def test_predict_refuses_a_logit_that_is_not_a_number():
    from single_neuron import predict

    # 1e309 - 1e309: nan where BLAS rounds each product, inf where it fuses multiply and add (FMA)
    with pytest.raises(InputValueError, match="z = w.T X \\+ b is (nan|inf) for example 1"):
        predict(np.array([[1e308], [-1e308]]), 0.0, np.array([[1.0, 10.0], [1.0, 10.0]]) * [[1, 1], [0, 1]])
    assert predict(np.array([[1e300], [-1e300]]), 0.0, np.ones((2, 3))).tolist() == [[0.0, 0.0, 0.0]]


@pytest.mark.parametrize("prediction, labels, fragment", [
    (np.array([[1, 0, 1]]), np.array([[1], [0], [1]]), "Y: expected shape \\(1, m\\), got \\(3, 1\\)"),
    (np.array([[1, 0, 1]]), np.array([[1, 0, 1, 1]]), "Y_prediction: expected shape \\(1, 4\\), got \\(1, 3\\)"),
    (np.array([[2, 0, 1]]), np.array([[1, 0, 1]]), "Y_prediction: expected labels 0 or 1, got 2"),
    (np.array([[1, 0, 1]]), np.array([[1, 0, -1]]), "Y: expected labels 0 or 1, got -1"),
    (np.array([[1, 0, np.nan]]), np.array([[1, 0, 1]]), "Y_prediction: expected finite numbers"),
])
def test_accuracy_checks_shapes_and_labels(prediction, labels, fragment):
    from single_neuron import accuracy

    with pytest.raises(ValueError, match=fragment):
        accuracy(prediction, labels)
    assert accuracy(np.array([1.0, 0.0, 1.0]), np.array([[1, 1, 1]])) == pytest.approx(100 * 2 / 3)


@pytest.mark.parametrize("threshold", [float("nan"), 7, -0.1, float("inf"), "0.5"])
def test_classify_takes_a_threshold_from_0_to_1_only(tmp_path, threshold):
    from single_neuron import SingleNeuronError
    from single_neuron.app.model import classify

    with pytest.raises(SingleNeuronError, match="threshold"):
        classify(_classify_model(), _classify_image(), threshold)
    assert classify(_classify_model(), _classify_image(), 0.0).label == 1
    assert classify(_classify_model(), _classify_image(), 1).label == 0
