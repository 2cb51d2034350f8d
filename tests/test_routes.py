"""Every setting on every route: one descent loop, the same numbers wherever the pass runs.

Each cell of the matrix (route x setting) either gives the NumPy primal run's costs and
weights, or is refused by the library with the package's error saying why.
"""

from __future__ import annotations

import importlib.util

import h5py
import numpy as np
import pytest

from single_neuron import InputValueError, train
from single_neuron.app.settings import Settings
from single_neuron.engines import in_memory
from single_neuron.engines.array_api import ArrayPass
from single_neuron.engines.dask_cluster import DaskPass
from single_neuron.engines.stream import StreamPass
from single_neuron.io.h5 import CourseRows
from single_neuron.neuron.descent import descend
from single_neuron.neuron.formulas import to_numpy, unroll
from conftest import TORCH_MISSING

M, SHAPE = 60, (4, 4, 3)
SETTINGS = {
    "full batch": {},
    "mini-batch": {"batch_size": 16, "seed": 3},
    "l2": {"l2": 0.7},
    "sample weights": {"weighted": True},
    "early stopping": {"tol": 3e-3, "n_iter_no_change": 3},
    "float32": {"dtype": "float32"},
    "centered": {"centered": True},
    "centered mini-batch": {"centered": True, "batch_size": 16, "seed": 3},
}
HAS_TORCH = importlib.util.find_spec("torch") is not None


@pytest.fixture(scope="module")
def problem(tmp_path_factory):
    rng = np.random.default_rng(11)
    y = (np.arange(M) % 3 == 0).astype(np.int64)
    images = rng.integers(0, 256, size=(M, *SHAPE), dtype=np.uint8)
    images[y == 1, :2] //= 2                     # a pattern to learn
    path = tmp_path_factory.mktemp("routes") / "train_routes.h5"
    with h5py.File(path, "w") as f:
        f["train_set_x"], f["train_set_y"] = images, y
        f["list_classes"] = np.array([b"plain", b"dim"])
    weights = rng.uniform(0.2, 3.0, M)
    return path, images, y, weights


def _arrays(problem, dtype):
    _, images, y, weights = problem
    X = unroll(images, dtype=dtype)
    return X, y.reshape(1, -1).astype(dtype), weights.reshape(1, -1).astype(dtype)


def _strict(X, Y, s, options):
    import array_api_strict as xp

    return ArrayPass(xp.asarray(X), xp.asarray(Y), None if s is None else xp.asarray(s))


def _torch(X, Y, s, options):
    import torch

    return ArrayPass(torch.as_tensor(X), torch.as_tensor(Y), None if s is None else torch.as_tensor(s))


def _dask(X, Y, s, options):
    import dask.array as da

    return DaskPass(da.from_array(X, chunks=(X.shape[0], 25)), Y, s)


def _stream(problem, s, options):
    rows = CourseRows(problem[0])
    limit = 40_000_000 if options.get("batch_size") else 4_207_700       # full batch: chunks of 25 or 47
    return StreamPass(rows, limit, options.get("dtype", "float64"), s)


ROUTES = {
    "numpy primal": lambda p, X, Y, s, o: in_memory.Primal(X, Y, s),
    "numpy gram": lambda p, X, Y, s, o: in_memory.in_memory_pass(X, Y, "gram", 50, s, o.get("batch_size")),
    "array-api-strict": lambda p, X, Y, s, o: _strict(X, Y, s, o),
    "torch (cpu)": lambda p, X, Y, s, o: _torch(X, Y, s, o),
    "dask": lambda p, X, Y, s, o: _dask(X, Y, s, o),
    "streaming": lambda p, X, Y, s, o: _stream(p, s, o),
}
REFUSED = {("numpy gram", "mini-batch"): "solver gram needs every example at every step",
           ("numpy gram", "centered mini-batch"): "solver gram needs every example at every step",
           ("numpy gram", "centered"): "centred coordinates need the primal form"}


def _run(data_pass, dtype, options):
    loop = {k: v for k, v in options.items() if k not in ("weighted", "dtype")}
    return descend(data_pass, np.zeros((data_pass.n_x, 1), dtype), 0.0, 50, 0.02, record_every=5, **loop)


@pytest.mark.parametrize("setting", list(SETTINGS))
@pytest.mark.parametrize("route", list(ROUTES))
def test_every_setting_on_every_route(problem, route, setting):
    if route == "torch (cpu)" and not HAS_TORCH:
        pytest.skip(TORCH_MISSING)
    options = SETTINGS[setting]
    dtype = np.dtype(options.get("dtype", "float64"))
    X, Y, s = _arrays(problem, dtype)
    s = s if options.get("weighted") else None
    if (route, setting) in REFUSED:
        with pytest.raises(InputValueError, match=REFUSED[route, setting]):
            _run(ROUTES[route](problem, X, Y, s, options), dtype, options)
        return
    reference = _run(in_memory.Primal(X, Y, s), dtype, options)
    data_pass = ROUTES[route](problem, X, Y, s, options)
    try:
        run = _run(data_pass, dtype, options)
    finally:
        if route == "streaming":
            data_pass.source.close()
    assert_same_run(run, reference, setting, dtype)


def assert_same_run(run, reference, setting: str, dtype) -> None:
    """`run` made the steps of `reference` (the in-memory primal run of the same setting), to the dtype's rounding."""
    tol = 2e-5 if dtype == np.float32 else 1e-10
    assert run.n_iter == reference.n_iter and run.stopped == reference.stopped
    np.testing.assert_allclose(run.costs, reference.costs, rtol=tol)
    np.testing.assert_allclose(to_numpy(run.w), reference.w, rtol=tol * 100, atol=tol * 1e-2)
    assert run.b == pytest.approx(reference.b, rel=tol * 100, abs=tol * 1e-2)
    if setting == "early stopping":
        assert run.stopped == "converged" and run.n_iter < 50
    if setting == "float32":
        assert to_numpy(run.w).dtype == np.float32


def _wide(problem):
    """The problem with each image repeated, so that m * 30 <= n_x: the extended Gram form's data."""
    X, Y, s = _arrays(problem, np.float64)
    return np.tile(X, (40, 1)) / 40, Y, s


class _Inspected:
    """A real pass, each of whose calls is checked to leave w and b as they were: the loop makes every
    step itself, on every route."""

    def __init__(self, inner):
        self.inner = inner
        self.n_x, self.m, self.total_weight, self.solver = inner.n_x, inner.m, inner.total_weight, inner.solver
        self.calls = 0

    def start(self, w0, b0, plan):
        return self.inner.start(w0, b0, plan)

    def _unchanged(self, name, w, b, *args):
        value = lambda: (np.array(to_numpy(w), dtype=np.longdouble), float(b))        # a copy, exact
        before = value()
        out = getattr(self.inner, name)(w, b, *args)
        after = value()
        np.testing.assert_array_equal(after[0], before[0], err_msg=f"{name} changed w")
        assert after[1] == before[1], f"{name} changed b"
        self.calls += 1
        return out

    def gradient(self, w, b, index, want_loss):
        return self._unchanged("gradient", w, b, index, want_loss)

    def loss(self, w, b):
        return self._unchanged("loss", w, b)

    def norm_sq(self, w):
        return self.inner.norm_sq(w)

    def dot(self, v, w):
        return self.inner.dot(v, w)

    def weights(self, w):
        return self.inner.weights(w)


@pytest.mark.parametrize("route, setting", [
    (route, setting) for route in [*ROUTES, "numpy extended gram"]
    for setting in ("full batch", "mini-batch", "l2", "early stopping")
    if not (setting == "mini-batch" and "gram" in route)])          # refused: see REFUSED
def test_no_pass_changes_the_parameters(problem, route, setting):
    if route == "torch (cpu)" and not HAS_TORCH:
        pytest.skip(TORCH_MISSING)
    options = SETTINGS[setting]
    X, Y, s = _wide(problem) if route == "numpy extended gram" else _arrays(problem, np.float64)
    if route == "numpy extended gram":
        inner = in_memory.in_memory_pass(X, Y, "gram", 50, s)
        assert isinstance(inner, in_memory.ExtendedGram)
    else:
        inner = ROUTES[route](problem, X, Y, s, options)
    data_pass = _Inspected(inner)
    try:
        run = descend(data_pass, np.zeros((inner.n_x, 1)), 0.0, 30, 0.5 if "extended" in route else 0.02,
                      record_every=5, **{k: v for k, v in options.items() if k != "weighted"})
    finally:
        if route == "streaming":
            inner.source.close()
    assert data_pass.calls >= run.n_iter and run.n_iter > 0


def test_the_loop_tells_a_pass_the_batch_size(problem):
    """The mini-batch schedule has one reader, the loop: a pass made without a batch size runs the
    loop's mini-batches, whose steps are the notes' written out plainly; a pass that cannot run
    them says so."""
    X, Y, _ = _arrays(problem, np.float64)
    run = descend(in_memory.Primal(X, Y), np.zeros((X.shape[0], 1)), 0.0, 3, 0.02, batch_size=7, seed=5,
                  record_every=1)
    rng = np.random.default_rng(5)
    w, b = np.zeros((X.shape[0], 1)), 0.0
    for _ in range(3):
        order = rng.permutation(M)
        for start in range(0, M, 7):
            i = np.sort(order[start:start + 7])
            dZ = 1 / (1 + np.exp(-(w.T @ X[:, i] + b))) - Y[:, i]
            w = w - 0.02 * (X[:, i] @ dZ.T) / i.size
            b = b - 0.02 * float(np.sum(dZ)) / i.size
    np.testing.assert_allclose(run.w, w, rtol=1e-12, atol=1e-15)
    assert run.b == pytest.approx(b, rel=1e-12)
    for gram in (in_memory.Gram(X, Y), in_memory.ExtendedGram(*_wide(problem)[:2])):
        with pytest.raises(InputValueError, match="solver gram needs every example at every step"):
            descend(gram, np.zeros((gram.n_x, 1)), 0.0, 3, 0.02, batch_size=7)


def test_the_job_api_runs_every_route_and_reports_what_ran(problem, tmp_path):
    path, images, y, weights = problem
    common = {"num_iterations": 40, "learning_rate": 0.02, "print_every": 10}
    memory = train(path, **common, solver="primal")
    for route in ({"memory_limit": "5MB"}, {"solver": "gram"}, {"engine": "dask", "chunk_rows": 25},
                  {"batch_size": 60}):
        run = train(path, **common, **route)
        np.testing.assert_allclose(run.report["costs"], memory.report["costs"], rtol=1e-10)
        assert run.report["train_accuracy"] == memory.report["train_accuracy"]
        for key, value in route.items():
            assert run.report[key] == (5_000_000 if key == "memory_limit" else value)
    weighted = train((images, y), **common, sample_weight=weights)
    assert weighted.report["weighted"] is True and weighted.report["costs"] != memory.report["costs"]


@pytest.mark.parametrize("settings, message", [
    ({"memory_limit": 10}, None),
    ({"engine": "dask", "batch_size": 8, "solver": "gram"}, "solver gram needs every example at every step"),
    ({"solver": "gram", "engine": "torch"}, "solver gram keeps K = X.T X in memory on NumPy"),
    ({"memory_limit": "1GB", "engine": "dask"}, "memory_limit streams a file through NumPy"),
    ({"seed": 4}, "seed shuffles mini-batches or draws the validation examples: it needs batch_size or "
                  "validation_fraction"),
    ({"n_iter_no_change": 4}, "n_iter_no_change counts iterations for early stopping: it needs tol"),
    ({"device": "cuda"}, "device chooses a GPU for the torch or cupy engine, not for numpy"),
    ({"scheduler": "tcp://127.0.0.1:8786"}, "scheduler and chunk_rows are settings of the dask engine"),
    ({"chunk_rows": 10}, "scheduler and chunk_rows are settings of the dask engine"),
    ({"learning_rate": float("inf")}, "learning_rate: expected a finite number"),
    ({"num_iterations": True}, "num_iterations: expected a whole number"),
    ({"print_every": 0}, "print_every: expected a whole number >= 1, got 0"),
    ({"memory_limit": "0"}, "memory_limit: expected a size of at least one byte"),
    ({"dtype": "float16"}, "dtype: expected float32 or float64, got float16"),
    ({"engine": "jax"}, "engine: expected one of numpy, torch, cupy, dask, got 'jax'"),
])
def test_what_no_route_can_honour_is_refused_by_the_library(problem, settings, message):
    if message is None:                       # a limit too small for one example: refused, with the size needed
        with pytest.raises(InputValueError, match="memory_limit 10 bytes is too small for 60 examples of 48 values"):
            train(problem[0], **settings)
        return
    with pytest.raises(InputValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
        Settings(**settings).checked()
    with pytest.raises(InputValueError):
        train(problem[0], **settings)


def test_a_memory_limit_needs_a_file_to_stream(problem):
    _, images, y, _ = problem
    with pytest.raises(InputValueError, match="memory_limit streams an HDF5 file"):
        train((images, y), memory_limit="1GB")
