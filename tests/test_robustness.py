"""Nothing breaks, nothing is lost: malformed inputs, fuzzing, killed writers, extreme numbers, reruns."""

import os
import signal
import subprocess
import sys
import textwrap

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import files_in
from corpus import CASES
from hostile import mutate

from single_neuron import SingleNeuronError, optimize, predict, propagate, sigmoid
from single_neuron.app.weight_maps import probabilities
from single_neuron.neuron import formulas


def test_the_corpus_is_large_and_every_case_is_distinct():
    assert len(CASES) >= 40
    assert len({c.name for c in CASES}) == len(CASES)


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_every_malformed_input_gets_one_clear_line_and_writes_nothing(tmp_path, run_cli, case):
    inputs, outputs = tmp_path / "in", tmp_path / "out"
    inputs.mkdir()
    outputs.mkdir()
    args = case.build(inputs, outputs)
    before = files_in(tmp_path)
    code, out, err = run_cli(*args)
    assert code == case.code, (out, err)
    assert out == ""
    assert err.startswith("single-neuron: error: ") and err.count("\n") == 1, err
    assert case.fragment in err, err
    assert files_in(tmp_path) == before


def test_through_a_real_process_there_is_no_traceback(tmp_path):
    """A sample of the corpus through the installed entry point, as a user meets it."""
    sample = [c for c in CASES if c.name in ("h5: truncated", "image: decompression bomb", "model: pickle inside",
                                             "folder: three classes")]
    for case in sample:
        inputs, outputs = tmp_path / case.name.replace(" ", "_").replace(":", ""), tmp_path / "out"
        inputs.mkdir()
        outputs.mkdir(exist_ok=True)
        args = [str(a) for a in case.build(inputs, outputs)]
        done = subprocess.run([sys.executable, "-m", "single_neuron", *args], capture_output=True,
                              text=True, timeout=120)
        assert done.returncode == 1 and "Traceback" not in done.stderr
        assert done.stderr.count("\n") == 1 and case.fragment in done.stderr


# ------------------------------------------------------------------------------ fuzzing

def _valid_inputs(folder):
    from corpus import course_h5, digits_model, jpeg_bytes, png_bytes

    h5_path = course_h5(folder / "train_seed.h5")
    model_path = digits_model(folder)
    return {"h5": h5_path.read_bytes(), "png": png_bytes(), "jpeg": jpeg_bytes(), "model": model_path.read_bytes()}


@pytest.fixture(scope="module")
def seeds(tmp_path_factory):
    return _valid_inputs(tmp_path_factory.mktemp("seeds"))


def _mutations():
    flip = st.tuples(st.just("flip"), st.integers(0, 10**6), st.integers(1, 255))
    cut = st.tuples(st.just("cut"), st.integers(0, 10**6), st.just(0))
    junk = st.tuples(st.just("insert"), st.integers(0, 10**6), st.integers(0, 255))
    return st.lists(st.one_of(flip, cut, junk), min_size=1, max_size=6)


FUZZ = settings(max_examples=150, deadline=None, derandomize=True,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])


def _only_our_errors(load, path):
    try:
        load(path)
    except SingleNeuronError as exc:
        assert "\n" not in str(exc)


@FUZZ
@given(edits=_mutations())
def test_fuzz_hdf5_loader(tmp_path_factory, seeds, edits):
    from single_neuron.io.sources import load_h5

    path = tmp_path_factory.mktemp("f") / "train_f.h5"
    path.write_bytes(mutate(seeds["h5"], edits))
    _only_our_errors(load_h5, path)


@FUZZ
@given(edits=_mutations(), kind=st.sampled_from(["png", "jpeg"]))
def test_fuzz_image_reader(tmp_path_factory, seeds, edits, kind):
    from single_neuron.io.images import read_image

    path = tmp_path_factory.mktemp("f") / f"x.{kind}"
    path.write_bytes(mutate(seeds[kind], edits))
    _only_our_errors(lambda p: read_image(p, (8, 8), 3), path)


@FUZZ
@given(edits=_mutations())
def test_fuzz_model_loader(tmp_path_factory, seeds, edits):
    from single_neuron.io.modelfile import load_model

    path = tmp_path_factory.mktemp("f") / "m.npz"
    path.write_bytes(mutate(seeds["model"], edits))
    _only_our_errors(load_model, path)


# ------------------------------------------------------------------------------ killed writers

WRITER = textwrap.dedent("""
    import sys, time
    import numpy as np
    from single_neuron.io import modelfile
    from single_neuron.io.modelfile import SavedModel, save_model

    def half_then_wait(f, arrays):
        f.write(b"PK\\x03\\x04" + b"\\0" * 100000)
        f.flush()
        print("writing", flush=True)
        time.sleep(60)

    modelfile._write_npz = half_then_wait
    save_model(sys.argv[1], SavedModel(w=np.ones((12, 1)), b=1.0, input_shape=(2, 2, 3), classes=("a", "b")))
""")


def test_a_writer_killed_mid_save_leaves_the_old_model_and_no_temporaries(tmp_path):
    from single_neuron.io.modelfile import SavedModel, load_model, save_model

    path = tmp_path / "m.npz"
    save_model(path, SavedModel(w=np.zeros((12, 1)), b=-2.0, input_shape=(2, 2, 3), classes=("a", "b")))
    before = path.read_bytes()
    with subprocess.Popen([sys.executable, "-c", WRITER, str(path)], stdout=subprocess.PIPE, text=True) as proc:
        assert proc.stdout.readline().strip() == "writing"      # half of the new file is out
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL
    assert path.read_bytes() == before and load_model(path).b == -2.0
    assert [p.name for p in tmp_path.iterdir()] == ["m.npz"]


def test_a_killed_export_is_swept_by_the_next_one(tmp_path):
    from single_neuron.io.atomic import atomic_folder

    stale = tmp_path / ".out.999999999.abcd1234.tmp"            # left by a writer that is gone
    stale.mkdir()
    (stale / "half.png").write_bytes(b"half")
    with atomic_folder(tmp_path / "out") as tmp:
        (tmp / "done.txt").write_text("ok")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


# ------------------------------------------------------------------------------ the math under stress

finite = st.floats(-1e300, 1e300, allow_nan=False)


@settings(max_examples=1000, deadline=None)
@given(z=st.lists(finite, min_size=1, max_size=8), y=st.lists(st.sampled_from([0.0, 1.0]), min_size=8, max_size=8),
       scale=st.sampled_from([1.0, 255.0, 1e6]), lr=st.sampled_from([1e-3, 1.0, 1e3]))
def test_extreme_inputs_never_give_nan_or_inf(z, y, scale, lr):
    Z = np.array([z])
    Y = np.array([y[: len(z)]])
    assert np.isfinite(formulas.cost(Z, Y))
    s = sigmoid(Z)
    assert np.all((s >= 0) & (s <= 1))
    X = np.clip(Z, -scale, scale).reshape(1, -1)            # one feature, values up to the scale
    params, grads, costs = optimize(np.zeros((1, 1)), 0.0, X, Y, 20, lr, print_every=5)
    assert np.all(np.isfinite(params["w"])) and np.isfinite(params["b"]) and np.all(np.isfinite(costs))
    assert np.all(np.isfinite(grads["dw"]))


def test_unscaled_pixels_and_a_huge_learning_rate_stay_finite_and_warn(cat_sets, run_cli, cats):
    train, _ = cat_sets
    X = train.images.reshape(train.m, -1).T.astype(np.float64)    # 0..255, not scaled
    params, _, costs = optimize(np.zeros((X.shape[0], 1)), 0.0, X, train.Y, 300, 1e3)
    assert np.all(np.isfinite(costs)) and np.all(np.isfinite(params["w"]))
    code, out, err = run_cli("train", cats, "--learning-rate", "1000", "--iterations", "300")
    assert code == 0 and "warning: the cost rose" in err and "lower it" in err


def _problem(draw_seed, n_x=5, m=12):
    rng = np.random.default_rng(draw_seed)
    X = rng.normal(scale=3, size=(n_x, m))
    Y = (rng.random((1, m)) < 0.5).astype(int)
    w = rng.normal(size=(n_x, 1))
    return X, Y, w, float(rng.normal())


@settings(max_examples=100, deadline=None)
@given(seed=st.integers(0, 2**32 - 1))
def test_vectorized_equals_loops_equals_graph(seed):
    from single_neuron.teaching.graph import logistic_example
    from single_neuron.teaching.loops import propagate_one_loop, propagate_two_loops

    X, Y, w, b = _problem(seed, n_x=3, m=6)
    grads, cost = propagate(w, b, X, Y)
    for other in (propagate_two_loops, propagate_one_loop):
        g, c = other(w, b, X, Y)
        np.testing.assert_allclose(g["dw"], grads["dw"], rtol=1e-12, atol=1e-14)
        assert c == pytest.approx(cost, rel=1e-12)
    # the graph builds the notes' plain log(1 - a), which loses digits once a saturates: keep z moderate
    Xs, ws = X * 0.2, w * 0.2
    small = propagate(ws, b * 0.2, Xs, Y)
    nodes = [logistic_example(list(Xs[:, i]), list(ws[:, 0]), b * 0.2, int(Y[0, i])) for i in range(6)]
    assert np.mean([n["L"].data for n in nodes]) == pytest.approx(small[1], rel=1e-12)
    dw = np.mean([[n["w1"].grad, n["w2"].grad, n["w3"].grad] for n in nodes], axis=0)
    np.testing.assert_allclose(dw, small[0]["dw"][:, 0], rtol=1e-10, atol=1e-14)


@settings(max_examples=100, deadline=None)
@given(seed=st.integers(0, 2**32 - 1))
def test_the_cost_and_gradient_ignore_the_order_of_examples(seed):
    X, Y, w, b = _problem(seed)
    order = np.random.default_rng(seed).permutation(X.shape[1])
    (g1, c1), (g2, c2) = propagate(w, b, X, Y), propagate(w, b, X[:, order], Y[:, order])
    assert c2 == pytest.approx(c1, rel=1e-13)
    np.testing.assert_allclose(g2["dw"], g1["dw"], rtol=1e-12, atol=1e-15)


@settings(max_examples=100, deadline=None)
@given(seed=st.integers(0, 2**32 - 1))
def test_gradients_equal_finite_differences(seed):
    from single_neuron.teaching.gradcheck import check_propagate

    X, Y, w, b = _problem(seed)
    assert check_propagate(w * 0.3, b * 0.3, X * 0.3, Y).relative_error < 1e-6


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(seed=st.integers(0, 2**32 - 1))
def test_predictions_are_labels_and_a_saved_model_predicts_the_same(tmp_path, seed):
    from single_neuron.io.modelfile import SavedModel, load_model, save_model

    rng = np.random.default_rng(seed)
    images = rng.integers(0, 256, size=(9, 3, 2, 1), dtype=np.uint8)
    w = rng.normal(scale=0.1, size=(6, 1))
    X = images.reshape(9, -1).T / 255
    assert set(np.unique(predict(w, 0.1, X))) <= {0.0, 1.0}
    trained = SavedModel(w=w, b=0.1, input_shape=(3, 2, 1), classes=("no", "yes"))
    p = probabilities(trained, images)
    assert np.all((p >= 0) & (p <= 1))
    path = tmp_path / f"{seed}.npz"
    save_model(path, trained)
    np.testing.assert_array_equal(probabilities(load_model(path), images), p)
    np.testing.assert_array_equal(predict(w, 0.1, X)[0], (p > 0.5).astype(float))


# ------------------------------------------------------------------------------ reproducibility

def test_the_same_run_gives_the_same_model_file_byte_for_byte(tmp_path, run_cli):
    for name in ("a.npz", "b.npz"):
        assert run_cli("train", "--iterations", "300", "--model-out", tmp_path / name)[0] == 0
    assert (tmp_path / "a.npz").read_bytes() == (tmp_path / "b.npz").read_bytes()


def test_thread_count_changes_nothing_beyond_1e_12(cat_sets):
    from threadpoolctl import threadpool_limits

    from single_neuron import model

    train, test = cat_sets
    runs = {}
    for threads in (1, 2):
        with threadpool_limits(threads):
            for solver in ("primal", "gram"):
                runs[threads, solver] = model(train.X, train.Y, test.X, test.Y, 300, 0.005, solver=solver)
    for solver in ("primal", "gram"):
        a, b = runs[1, solver], runs[2, solver]
        np.testing.assert_allclose(a["costs"], b["costs"], rtol=1e-12)
        np.testing.assert_allclose(a["w"], b["w"], rtol=1e-12, atol=1e-15)
