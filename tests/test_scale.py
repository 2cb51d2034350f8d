"""Beyond memory and beyond one machine: out-of-core streaming, mini-batches, Dask, GPU engines."""

import importlib.util
import json
import subprocess
import sys

import h5py
import numpy as np
import pytest

from single_neuron import SingleNeuronClassifier, model
from single_neuron.io.sources import load_h5
from single_neuron.engines.in_memory import Primal
from single_neuron.engines.stream import StreamPass
from single_neuron.io.h5 import CourseRows
from single_neuron.neuron.descent import descend
from single_neuron.sizes import parse_size
from conftest import TORCH_MISSING


def streamed(path, T, alpha, memory_limit, batch_size=None, seed=0, record_every=100):
    rows = CourseRows(path)
    try:
        data = StreamPass(rows, memory_limit)
        return descend(data, np.zeros((data.n_x, 1)), 0.0, T, alpha, batch_size=batch_size, seed=seed,
                       record_every=record_every)
    finally:
        rows.close()


def minibatch_descent(w, b, X, Y, T, alpha, batch_size, seed=0, record_every=100):
    return descend(Primal(X, Y), w, b, T, alpha, batch_size=batch_size, seed=seed,
                   record_every=record_every)

HAS_TORCH = importlib.util.find_spec("torch") is not None


def test_sizes_parse_like_people_write_them():
    assert parse_size("256MB") == 256 * 10**6 and parse_size("1GiB") == 2**30 and parse_size("512") == 512
    with pytest.raises(ValueError, match="expected a size such as 256MB"):
        parse_size("lots")


def test_streaming_gives_the_in_memory_run(cats, run_cli):
    path = cats / "train_catvnoncat.h5"
    run = streamed(path, 600, 0.005, memory_limit=parse_size("10MB"))      # 50 images per chunk
    data = load_h5(path)
    d = model(data.X, data.Y, data.X, data.Y, 600, 0.005, solver="primal")
    np.testing.assert_allclose(run.costs, d["costs"], rtol=1e-12)
    np.testing.assert_allclose(run.w, d["w"], rtol=1e-9, atol=1e-14)
    code, out, err = run_cli("train", cats, "--memory-limit", "10MB", "--json")
    report = json.loads(out)
    assert code == 0, err
    assert report["train_accuracy"] == 99.04306220095694 and report["test_accuracy"] == 70.0
    assert report["route"] == "stream" and report["solver"] == "primal" and report["memory_limit"] == 10 * 10**6


def test_a_limit_too_small_for_one_example_is_refused(cats, run_cli):
    code, out, err = run_cli("train", cats, "--memory-limit", "100KB")
    assert code == 1 and "--memory-limit 97.7 KiB is too small for 209 examples of 12288 values: at least" in err


# 20 MB holds a batch of 32 cat images in one chunk; 6 MB holds 13, so a batch of 200 is read in chunks.
@pytest.mark.parametrize("batch_size, limit", [(32, "20MB"), (200, "6MB")])
def test_mini_batches_in_memory_and_streamed_take_the_same_steps(cats, batch_size, limit):
    path = cats / "train_catvnoncat.h5"
    data = load_h5(path)
    a = minibatch_descent(np.zeros((12288, 1)), 0.0, data.X, data.Y.astype(float), 12, 0.002, batch_size, seed=7,
                          record_every=3)
    b = streamed(path, 12, 0.002, memory_limit=parse_size(limit), batch_size=batch_size, seed=7, record_every=3)
    np.testing.assert_allclose(b.costs, a.costs, rtol=1e-12)
    np.testing.assert_allclose(b.w, a.w, rtol=1e-10, atol=1e-15)
    again = minibatch_descent(np.zeros((12288, 1)), 0.0, data.X, data.Y.astype(float), 12, 0.002, batch_size,
                              seed=7, record_every=3)
    np.testing.assert_array_equal(again.w, a.w)                   # the seed fixes the order: bit for bit
    other = minibatch_descent(np.zeros((12288, 1)), 0.0, data.X, data.Y.astype(float), 12, 0.002, batch_size,
                              seed=8, record_every=3)
    assert not np.array_equal(other.w, a.w)
    assert a.costs[-1] < a.costs[0]


def test_partial_fit_takes_one_step_per_batch(rng):
    X = rng.normal(size=(90, 4))
    y = (X[:, 0] - X[:, 1] > 0).astype(int)
    clf = SingleNeuronClassifier(learning_rate=0.5)
    for start in range(0, 90, 30):
        clf.partial_fit(X[start:start + 30], y[start:start + 30], classes=[0, 1])
    assert clf.n_iter_ == 3 and len(clf.costs_) == 3
    for _ in range(30):
        clf.partial_fit(X, y)
    assert clf.score(X, y) > 0.9
    full = SingleNeuronClassifier(learning_rate=0.5, max_iter=1).fit(X, y)
    one = SingleNeuronClassifier(learning_rate=0.5).partial_fit(X, y)
    np.testing.assert_allclose(one.coef_, full.coef_, rtol=1e-12)


def _big_h5(path, m, seed=0, block=8192):
    rng = np.random.default_rng(seed)
    with h5py.File(path, "w") as f:
        x = f.create_dataset("train_set_x", shape=(m, 64, 64, 3), dtype=np.uint8)
        y = f.create_dataset("train_set_y", shape=(m,), dtype=np.int64)
        for start in range(0, m, block):
            n = min(block, m - start)
            labels = rng.integers(0, 2, n)
            colour = rng.integers(0, 200, size=(n, 1, 1, 3)) + labels[:, None, None, None] * 40
            x[start:start + n] = np.broadcast_to(colour.astype(np.uint8), (n, 64, 64, 3))
            y[start:start + n] = labels
    return path


def _peak_rss(args) -> tuple[int, str]:
    """Run the command in a fresh process; return its peak resident memory in bytes and its stdout."""
    wrapper = ("import resource, subprocess, sys; p = subprocess.run(sys.argv[1:], capture_output=True, text=True);"
               "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024);"
               "print(p.stdout, end=''); sys.exit(p.returncode)")
    done = subprocess.run([sys.executable, "-c", wrapper, sys.executable, "-m", "single_neuron", *map(str, args)],
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    first, _, rest = done.stdout.partition("\n")
    return int(first), rest


@pytest.mark.slow
def test_a_2gb_file_trains_within_256mb_plus_a_fixed_overhead(tmp_path):
    big = _big_h5(tmp_path / "big.h5", 163_000)                 # 163,000 x 12,288 bytes = 2.0 GB of pixels
    assert big.stat().st_size > 2 * 10**9
    small = _big_h5(tmp_path / "small.h5", 3000)
    # the fixed overhead: the program itself (interpreter, libraries, HDF5), its peak on a small file
    # with a 5 MB budget
    overhead, _ = _peak_rss(["train", small, "--memory-limit", "5MB", "--iterations", "1", "--json"])
    try:
        peak, out = _peak_rss(["train", big, "--memory-limit", "256MB", "--iterations", "2", "--print-every", "1",
                               "--json", "--dtype", "float32"])
    finally:
        big.unlink()                                            # pytest keeps its temporary folders: not 2 GB of them
    report = json.loads(out)
    assert report["m_train"] == 163_000 and len(report["costs"]) == 2
    assert peak < parse_size("256MB") + overhead, (peak, overhead)
    # the same streaming on a subset that fits gives the in-memory numbers
    code_small, out_small = _peak_rss(["train", small, "--memory-limit", "8MB", "--iterations", "20",
                                       "--print-every", "5", "--json"])
    in_memory = json.loads(_peak_rss(["train", small, "--iterations", "20", "--print-every", "5", "--json",
                                      "--solver", "primal"])[1])
    np.testing.assert_allclose(json.loads(out_small)["costs"], in_memory["costs"], rtol=1e-12)


def test_a_two_worker_local_cluster_fits_like_numpy(cats, run_cli):
    from dask.distributed import Client, LocalCluster

    from single_neuron import optimize
    from single_neuron.engines.dask_cluster import chunked

    data = load_h5(cats / "train_catvnoncat.h5")
    reference, _, ref_costs = optimize(np.zeros((12288, 1)), 0.0, data.X, data.Y, 60, 0.005, solver="primal",
                                       print_every=20)
    with LocalCluster(n_workers=2, threads_per_worker=1, host="127.0.0.1", dashboard_address=None,
                      processes=True) as cluster, Client(cluster) as client:
        assert len(client.scheduler_info()["workers"]) == 2
        rows = CourseRows(cats / "train_catvnoncat.h5")
        X = chunked(rows.images, rows.m, 12288, chunk_rows=50)
        Y, classes, shape = rows.y.reshape(1, -1), rows.classes, rows.image_shape
        assert X.numblocks == (1, 5) and classes == ("non-cat", "cat") and shape == (64, 64, 3)
        params, _, costs = optimize(np.zeros((12288, 1)), 0.0, X.persist(), Y, 60, 0.005, print_every=20)
        np.testing.assert_allclose(np.asarray(params["w"].compute()), reference["w"], rtol=1e-9, atol=1e-14)
        np.testing.assert_allclose(costs, ref_costs, rtol=1e-12)
        code, out, err = run_cli("train", cats, "--engine", "dask", "--scheduler", cluster.scheduler_address,
                                 "--chunk-rows", "64", "--iterations", "60", "--print-every", "20", "--json")
    assert code == 0, err
    report = json.loads(out)
    np.testing.assert_allclose(report["costs"], ref_costs, rtol=1e-12)
    assert report["route"] == "dask" and report["solver"] == "primal" and report["m_train"] == 209


def test_an_unreachable_scheduler_is_one_line(cats, run_cli):
    code, out, err = run_cli("train", cats, "--engine", "dask", "--scheduler", "tcp://127.0.0.1:9", "--iterations", "1")
    assert code == 1 and "cannot reach the Dask scheduler" in err and err.count("\n") == 1


@pytest.mark.parametrize("engine", ["torch", "cupy"])
def test_a_gpu_engine_without_a_gpu_says_so_in_one_line(run_cli, engine):
    import importlib

    present = importlib.util.find_spec(engine) is not None
    if engine == "torch" and present:
        import torch

        if torch.cuda.is_available():
            pytest.skip("this machine has a CUDA GPU: the message for its absence cannot be seen here")
    code, out, err = run_cli("train", "--engine", engine)
    assert code == 1 and out == "" and err.count("\n") == 1
    assert f"engine {engine}: " in err and ("not installed" in err or "no CUDA GPU" in err)


@pytest.mark.skipif(not HAS_TORCH, reason=TORCH_MISSING)
def test_the_torch_engine_on_the_cpu_trains_like_numpy(cats, run_cli, rng):
    code, out, err = run_cli("train", cats, "--engine", "torch", "--device", "cpu", "--iterations", "300", "--json")
    assert code == 0, err
    data = load_h5(cats / "train_catvnoncat.h5")
    d = model(data.X, data.Y, data.X, data.Y, 300, 0.005, solver="primal")
    np.testing.assert_allclose(json.loads(out)["costs"], d["costs"], rtol=1e-9)
    X = rng.normal(size=(50, 3))
    y = (X[:, 0] > 0).astype(int)
    a = SingleNeuronClassifier(learning_rate=0.3, max_iter=100, engine="torch", device="cpu").fit(X, y)
    b = SingleNeuronClassifier(learning_rate=0.3, max_iter=100).fit(X, y)
    np.testing.assert_allclose(a.coef_, b.coef_, rtol=1e-9)
    assert isinstance(a.coef_, np.ndarray)
