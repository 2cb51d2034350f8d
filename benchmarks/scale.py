"""Throughput beyond one machine's comfort: in memory, out of core (streamed HDF5), and on Dask.

For each size (n_x features, m examples), examples per second of full-batch
gradient descent on each path, and the peak resident memory of the streamed run
against its --memory-limit. Synthetic uint8 images in the course's HDF5 layout;
the paths read the same file. Called by run.py; results go to results.json.
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import h5py
import numpy as np

from single_neuron import optimize
from single_neuron.engines.stream import StreamPass
from single_neuron.io.h5 import CourseRows
from single_neuron.neuron.descent import descend
from single_neuron.sizes import parse_size

SHAPES = {100: (10, 10), 12288: (64, 64, 3)}


def write_h5(path: Path, n_x: int, m: int, block: int = 65536) -> Path:
    rng = np.random.default_rng(0)
    shape = SHAPES[n_x]
    with h5py.File(path, "w") as f:
        x = f.create_dataset("train_set_x", shape=(m, *shape), dtype=np.uint8)
        y = f.create_dataset("train_set_y", shape=(m,), dtype=np.int64)
        for start in range(0, m, block):
            n = min(block, m - start)
            labels = rng.integers(0, 2, n)
            x[start:start + n] = rng.integers(0, 200, size=(n, *shape), dtype=np.uint8) + \
                (labels * 50).astype(np.uint8).reshape(-1, *([1] * len(shape)))
            y[start:start + n] = labels
    return path


def peak_rss_of(args: list[str]) -> tuple[int, float]:
    """Peak resident bytes and seconds of `single-neuron ARGS` in a fresh process."""
    wrapper = ("import resource, subprocess, sys, time; t = time.perf_counter();"
               "p = subprocess.run(sys.argv[1:], capture_output=True); t = time.perf_counter() - t;"
               "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024, t); sys.exit(p.returncode)")
    done = subprocess.run([sys.executable, "-c", wrapper, sys.executable, "-m", "single_neuron", *args],
                          capture_output=True, text=True, check=True)
    rss, seconds = done.stdout.split()
    return int(rss), float(seconds)


def in_memory(path: Path, iterations: int) -> float:
    with h5py.File(path, "r") as f:
        x = f["train_set_x"][()]
        y = f["train_set_y"][()].reshape(1, -1).astype(np.float64)
    X = np.divide(x.reshape(x.shape[0], -1).T, 255.0)
    del x
    w = np.zeros((X.shape[0], 1))
    optimize(w, 0.0, X, y, 1, 0.01, solver="primal")
    start = time.perf_counter()
    optimize(w, 0.0, X, y, iterations, 0.01, solver="primal")
    return time.perf_counter() - start


def out_of_core(path: Path, iterations: int, limit: str) -> float:
    start = time.perf_counter()
    rows = CourseRows(path)
    try:
        data = StreamPass(rows, parse_size(limit))
        descend(data, np.zeros((data.n_x, 1)), 0.0, iterations, 0.01)
    finally:
        rows.close()
    return time.perf_counter() - start


def on_dask(path: Path, iterations: int, client) -> float:
    from dask.distributed import wait

    from single_neuron.engines.dask_cluster import DaskPass, chunked

    rows = CourseRows(path)
    X = chunked(rows.images, rows.m, X_width(path), max(1000, int(8e6 // X_width(path)))).persist()
    wait(X)
    data = DaskPass(X, rows.y.reshape(1, -1))
    rows.close()
    descend(data, np.zeros((X.shape[0], 1)), 0.0, 1, 0.01)
    start = time.perf_counter()
    descend(data, np.zeros((X.shape[0], 1)), 0.0, iterations, 0.01)
    seconds = time.perf_counter() - start
    del X
    client.run(lambda: __import__("gc").collect())
    return seconds


def X_width(path: Path) -> int:
    with h5py.File(path, "r") as f:
        return int(np.prod(f["train_set_x"].shape[1:]))


def run(quick: bool = False, limit: str = "256MB") -> dict:
    from dask.distributed import Client, LocalCluster

    if quick:
        grid = [(100, 10_000), (100, 100_000), (12288, 10_000)]
    else:
        grid = [(100, 10_000), (100, 100_000), (100, 1_000_000), (100, 10_000_000), (12288, 10_000),
                (12288, 100_000)]
    rows = []
    with tempfile.TemporaryDirectory() as tmp, \
            LocalCluster(n_workers=2, threads_per_worker=1, host="127.0.0.1", dashboard_address=None) as cluster, \
            Client(cluster) as client:
        tiny = write_h5(Path(tmp) / "tiny.h5", 100, 1000)
        # the program's own fixed overhead (interpreter, libraries, HDF5): its peak on a tiny file
        # with a 5 MB budget
        overhead, _ = peak_rss_of(["train", str(tiny), "--memory-limit", "5MB", "--iterations", "1", "--json"])
        for n_x, m in grid:
            path = write_h5(Path(tmp) / f"x{n_x}_{m}.h5", n_x, m)
            X_bytes = n_x * m * 8
            iterations = max(2, min(50, int(2e9 / (n_x * m))))
            row = {"n_x": n_x, "m": m, "file_bytes": path.stat().st_size, "iterations": iterations}
            if X_bytes <= 8 * 2**30:
                row["in_memory_examples_per_second"] = m * iterations / in_memory(path, iterations)
            else:
                row["in_memory"] = f"skipped: X would take {X_bytes / 2**30:.1f} GiB"
            row["out_of_core_examples_per_second"] = m * iterations / out_of_core(path, iterations, limit)
            rss, _ = peak_rss_of(["train", str(path), "--memory-limit", limit, "--iterations", "1", "--json",
                                  "--print-every", "1"])
            row["out_of_core_peak_rss_bytes"] = rss
            row["out_of_core_peak_over_limit_plus_overhead"] = rss / (parse_size(limit) + overhead)
            if X_bytes <= 2 * 2**30:
                row["dask_examples_per_second"] = m * iterations / on_dask(path, iterations, client)
            else:
                row["dask"] = f"skipped: X would take {X_bytes / 2**30:.1f} GiB on 2 local workers"
            rows.append(row)
            path.unlink()
            print(json.dumps(row), flush=True)
    return {"memory_limit": limit, "fixed_overhead_rss_bytes": overhead, "rows": rows}


if __name__ == "__main__":
    print(json.dumps(run("--quick" in sys.argv), indent=2))
