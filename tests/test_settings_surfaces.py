"""Every surface of a run's settings accepts and refuses the same values with the same words, for every
setting of the one table (`app.setting_table.TABLE`): the command line, `single_neuron.train`, the
estimator, the course's `optimize` and `model`, and the page's training request.

The values come from each setting's check: its boundaries, the values just beyond them, and what
no check may take (nan, inf, numbers beyond the floats, text, booleans). The expected message is
the check's own; each surface must refuse with it, named as that surface names the setting."""

from __future__ import annotations

import math
import warnings

import h5py
import numpy as np
import pytest
from sklearn.exceptions import ConvergenceWarning
from starlette.testclient import TestClient

from single_neuron import SingleNeuronClassifier, model, optimize, train
from single_neuron import validation as check
from single_neuron.app.setting_table import TABLE
from single_neuron.app.settings import Settings
from single_neuron.cli.parser import build_parser
from single_neuron.errors import InputValueError, SingleNeuronError
from single_neuron.validation import LARGEST, MAX_ITERATIONS

ABSURD = [float("nan"), float("inf"), float("-inf"), 10**400, True, "1", [1, 2]]
SAMPLES = {   # check: (accepted, refused) beside ABSURD
    check.learning_rate: ([1e-300, 0.005, 1, 5000.0, 10**6, "auto"], [0, -1, -1e-300, "Auto", "fast", ""]),
    check.flag: ([True, False, np.True_], [1, 0, "yes", None]),
    check.non_negative_number: ([0, 0.5, 10**6], [-1, -1e-9]),
    check.iterations: ([0, 1, 2, 2.0], [-1, 2.5, MAX_ITERATIONS + 1]),
    check.at_least_one: ([1, 2, 3.0], [0, -1, 2.5, LARGEST + 1]),
    check.seed: ([0, 7, LARGEST], [-1, 1.5, LARGEST + 1]),
    check.fraction: ([0.25, 0.5], [0, 1, -0.1, 1.5]),
    check.float_type: (["float64", "float32"], ["float16", "int8", 5]),
    check.memory_size: (["10MB", 10**7], [0, -1, "0.5", "lots", 2**61]),
    check.text: (["cpu"], [5]),
}
# What a setting needs beside it to be honoured (its `needs` rule), so that a good value is accepted.
BESIDE = {"seed": {"batch_size": 2}, "n_iter_no_change": {"tol": 0.0}, "device": {"engine": "torch"},
          "scheduler": {"engine": "dask"}, "chunk_rows": {"engine": "dask"}}


def _samples(setting) -> tuple[list, list]:
    if setting.choices is not None:
        accepted = list(setting.choices)
        refused = ["newton", "", 1, None] if setting.check is not check.float_type else SAMPLES[check.float_type][1]
        return accepted, refused + ([] if setting.check is check.float_type else ABSURD[:2])
    accepted, refused = SAMPLES[setting.check]
    absurd = [v for v in ABSURD if not (setting.check in (check.memory_size, check.text) and isinstance(v, str))
              and not (setting.check is check.flag and v is True)]
    if setting.check is check.text:
        absurd = [v for v in absurd if not isinstance(v, str)]
    return accepted, refused + absurd


CASES = [(s, v, ok) for s in TABLE for ok, values in zip((True, False), _samples(s)) for v in values]
IDS = [f"{s.name}={v!r}:{'ok' if ok else 'refused'}"[:60] for s, v, ok in CASES]


def _refusal(setting, value, name=None) -> str:
    """The words of the setting's own check for `value`, after the setting's name."""
    with pytest.raises(SingleNeuronError) as caught:
        setting.check(name or setting.name, value)
    text = str(caught.value)
    assert text.startswith(f"{name or setting.name}: ")
    return text.partition(": ")[2]


def _is_checked(setting, value) -> bool:
    try:
        setting.check(setting.name, value)
    except SingleNeuronError:
        return False
    return True


@pytest.mark.parametrize("setting, value, ok", CASES, ids=IDS)
def test_the_table_s_samples_are_what_its_checks_say(setting, value, ok):
    assert _is_checked(setting, value) is ok


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    rng = np.random.default_rng(3)
    images = rng.integers(0, 256, size=(12, 2, 2, 1), dtype=np.uint8)
    y = np.arange(12) % 2
    path = tmp_path_factory.mktemp("surfaces") / "train_tiny.h5"
    with h5py.File(path, "w") as f:
        f["train_set_x"], f["train_set_y"] = images, y
        f["list_classes"] = np.array([b"a", b"b"])
    return images, y, path


# -------------------------------------------------------------------------- single_neuron.train

@pytest.mark.parametrize("setting, value, ok", CASES, ids=IDS)
def test_train(tiny, setting, value, ok):
    images, y, path = tiny
    settings = {"num_iterations": 2, **BESIDE.get(setting.name, {}), setting.name: value}
    if setting.name == "num_iterations" and ok:
        settings["num_iterations"] = min(value, 2)
    if not ok:
        with pytest.raises(SingleNeuronError) as caught:
            train((images, y), **settings)
        assert str(caught.value) == f"{setting.name}: {_refusal(setting, value)}"
        return
    if setting.name in ("engine", "device", "scheduler", "chunk_rows") and settings.get("engine", "numpy") != "numpy":
        Settings(**settings).checked()                  # accepted; running it needs a GPU or a cluster
        return
    data = path if setting.name == "memory_limit" else (images, y)
    run = train(data, **settings)
    if setting.name == "solver":                     # the report says the form that ran: auto picks one
        assert run.report["solver"] in ("primal", "gram") and value in ("auto", run.report["solver"])
    else:
        assert run.report.get(setting.name) == Settings(**settings).checked().recorded().get(setting.name)


# ------------------------------------------------------------------------------ the command line

def _is_number(text) -> bool:
    try:
        _read(text)
    except ValueError:
        return False
    return True


def _read(text, setting=None):
    """The number a command line's text writes, as the option reads it (a learning rate's word,
    "auto" or not, as it is)."""
    if setting is not None and setting.read == "rate" and not _is_number(text):
        return text
    from single_neuron.sizes import real_number, whole_number

    try:
        return whole_number(text)
    except ValueError:
        return real_number(text)


def _cli_text(value, setting=None):
    """The text a command line would carry for `value`, or None where it has none: a command line
    holds no booleans or lists, its strings are what numbers are read from, and text of over 40
    characters is refused as text before it is read as a number (see test_safety_numbers)."""
    if isinstance(value, (bool, list)) or value is None or len(str(value)) > 40:
        return None
    if setting is not None and setting.read == "flag":
        return None                     # an option without a value: given or not
    if isinstance(value, str) and setting is not None and setting.read in ("number", "whole"):
        return None
    if isinstance(value, str) and setting is not None and setting.read == "rate" and _is_number(value):
        return None                     # "1" is the number 1 on a command line
    if not isinstance(value, str) and setting is not None and setting.read == "free":
        return None                     # any text is a device's or an address's name until it is used
    return str(value)


CLI = [(c, i) for c, i in zip(CASES, IDS) if c[0].flag and _cli_text(c[1], c[0]) is not None]


@pytest.mark.parametrize("setting, value, ok", [c for c, _ in CLI], ids=[i for _, i in CLI])
def test_command_line(capsys, setting, value, ok):
    from single_neuron.cli import main

    text = _cli_text(value)
    if not ok:
        assert main(["train", f"{setting.flag}={text}"]) == 2
        err = capsys.readouterr().err
        assert err.startswith(f"single-neuron: error: argument {setting.flag}: ") and err.count("\n") == 1
        assert _refusal(setting, text if setting.read in ("choice", "text") else _read(text, setting)) in err
        return
    args = build_parser().parse_args(["train", f"{setting.flag}={text}"])
    assert getattr(args, setting.name) == setting.check(setting.name, value)


def test_the_command_line_s_options_are_the_table_s():
    train_parser = next(a for a in build_parser()._actions if a.dest == "command").choices["train"]
    flags = {a.option_strings[-1]: a for a in train_parser._actions if a.option_strings}
    for setting in TABLE:
        assert setting.flag in flags, setting.name
        action = flags[setting.flag]
        assert action.dest == setting.name and action.default == setting.default and action.metavar == setting.metavar


# ---------------------------------------------------------------------------------- the estimator

ESTIMATED = [c for c in CASES if c[0].estimator]


@pytest.mark.parametrize("setting, value, ok", ESTIMATED, ids=[i for c, i in zip(CASES, IDS) if c[0].estimator])
def test_estimator(tiny, setting, value, ok):
    images, y, _ = tiny
    X = images.reshape(12, -1) / 255
    name = setting.estimator
    params = {"max_iter": 2, name: value}
    if name == "max_iter" and ok:
        params[name] = min(value, 2)
    if not ok:
        with pytest.raises(SingleNeuronError) as caught:
            SingleNeuronClassifier(**params).fit(X, y)
        assert str(caught.value) == f"{name}: {_refusal(setting, value, name)}"
        return
    estimator = SingleNeuronClassifier(**params)
    if name in ("engine", "device") and value not in ("numpy", "cpu"):
        estimator._checked_settings()                    # accepted; fitting it needs a GPU or a cluster
        return
    with warnings.catch_warnings():                      # advice about the run (a rate too large), not a refusal
        warnings.simplefilter("ignore", ConvergenceWarning)
        assert estimator.fit(X, y).n_iter_ <= 2


def test_the_estimator_s_defaults_are_the_table_s():
    defaults = SingleNeuronClassifier().get_params()
    for setting in TABLE:
        if setting.estimator and setting.estimator not in ("max_iter", "n_iter_no_change"):
            assert defaults[setting.estimator] == setting.default, setting.name


# --------------------------------------------------------------------------- the course's functions

COURSE = [c for c in CASES if c[0].course]


@pytest.mark.parametrize("setting, value, ok", COURSE, ids=[i for c, i in zip(CASES, IDS) if c[0].course])
@pytest.mark.parametrize("function", ["optimize", "model"])
def test_course_functions(tiny, function, setting, value, ok):
    images, y, _ = tiny
    X, Y = images.reshape(12, -1).T / 255, y.reshape(1, -1)
    settings = {"num_iterations": 2, setting.name: value}
    if setting.name == "num_iterations" and ok:
        settings["num_iterations"] = min(value, 2)

    def call():
        if function == "optimize":
            return optimize(np.zeros((4, 1)), 0.0, X, Y, **settings)[2]
        return model(X, Y, X, Y, **settings)["costs"]

    if not ok:
        with pytest.raises(SingleNeuronError) as caught:
            call()
        assert str(caught.value) == f"{setting.name}: {_refusal(setting, value)}"
        return
    assert all(math.isfinite(c) for c in call())


# -------------------------------------------------------------------------------------- the page

@pytest.fixture(scope="module")
def page(tiny):
    from single_neuron.io.dataset import Dataset
    from single_neuron.io.modelfile import SavedModel
    from single_neuron.web.app import create_app
    from single_neuron.web.guard import host_names
    from single_neuron.web.state import Served, ServerState

    images, y, _ = tiny
    data = Dataset(images=images, y=y, classes=("a", "b"), source="tiny")
    state = ServerState(Served(SavedModel(w=np.zeros((4, 1)), b=0.0, input_shape=(2, 2, 1), classes=("a", "b")),
                               "zeros"), data, data, grace=0.5)
    with TestClient(create_app(state, hosts=host_names("127.0.0.1", 8000), upload_limit=10**6),
                    base_url="http://127.0.0.1:8000") as client:
        yield client
    state.close()


def _json(value) -> bool:
    return not (isinstance(value, float) and not math.isfinite(value)) and value != 10**400


PAGED = [c for c in CASES if c[0].page and _json(c[1])
         and (c[0].page == "rates" or not c[2] or 1 <= c[1] <= 5)]      # the page's own caps: a short run


@pytest.mark.parametrize("setting, value, ok", PAGED,
                         ids=[f"{s.name}={v!r}:{'ok' if ok else 'refused'}"[:60] for s, v, ok in PAGED])
def test_page(page, setting, value, ok):
    body = {"rates": [0.01], "iterations": 5, "print_every": 1}
    body[setting.page] = [value] if setting.page == "rates" else value
    if setting.page == "iterations" and ok:
        body["print_every"] = 1
    answer = page.post("/api/train", json=body)
    if not ok:
        assert answer.status_code == 400, answer.text
        error = answer.json()["error"]
        assert error.startswith(f"{setting.page}: ")
        if not _is_checked(setting, value):              # else refused by the page's own caps, in its words
            assert _refusal(setting, value) in error
        return
    assert answer.status_code == 202, answer.text
    page.post("/api/train/stop")
    import time

    for _ in range(200):
        if page.get("/api/train").json()["running"] is False:
            break
        time.sleep(0.02)


def test_the_page_takes_learning_rates_the_command_line_takes(page):
    """One rule: the page once refused rates above 1000 that every other surface took."""
    answer = page.post("/api/train", json={"rates": [5000.0], "iterations": 1, "print_every": 1})
    assert answer.status_code == 202, answer.text
    page.post("/api/train/stop")


def test_no_setting_is_refused_by_one_surface_and_taken_by_another():
    # The course's functions and the estimator check with the very functions of the table.
    from single_neuron.neuron import course

    from pathlib import Path

    assert 'check.learning_rate("learning_rate"' in Path(course.__file__).read_text()
    assert 'check.flag("accelerated"' in Path(course.__file__).read_text()
    for setting in TABLE:
        assert setting.check.__module__ == check.__name__, setting.name
    with pytest.raises(InputValueError, match='learning_rate: expected a number > 0 or "auto", got 0'):
        Settings(learning_rate=0).checked()


FLAGS = [s for s in TABLE if s.read == "flag"]


@pytest.mark.parametrize("setting", FLAGS, ids=[s.name for s in FLAGS])
def test_a_flag_is_an_option_without_a_value(capsys, setting):
    from single_neuron.cli import main

    assert getattr(build_parser().parse_args(["train", setting.flag]), setting.name) is True
    assert getattr(build_parser().parse_args(["train"]), setting.name) is setting.default is False
    assert main(["train", f"{setting.flag}=yes"]) == 2
    err = capsys.readouterr().err
    assert f"argument {setting.flag}: ignored explicit argument 'yes'" in err and err.count("\n") == 1
