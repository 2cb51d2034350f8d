"""A step on Dask against the same step in memory, on the cat set: python benchmarks/run.py --only dask.

The loop runs full-batch iterations of the course's step (learning rate 0.005) over the cat
set's training examples in memory (NumPy, the primal form) and on a local cluster of two worker
processes on loopback, started here as `single-neuron train --engine dask` starts one (TLS, no
dashboard). X is sent to the workers once, in the command line's chunks (4,096 examples: the
whole set in one chunk) and in two chunks (one a worker). The time of a step is the time between
two successive iterations, as the loop's `should_stop` sees them. The routes take turns, a few
steps each, round after round, so that a machine busy with other work slows them alike; the
first `WARM_UP` steps of each turn are left out and the median of the rest is reported. The
overhead of Dask is the difference of the medians. Beside it, the fixed cost of a step: a
mini-batch step of one example on Dask, whose arithmetic is next to nothing, timed over an epoch.
"""

from __future__ import annotations

import os
import statistics
import time
import warnings

import numpy as np

from single_neuron.engines import DEFAULT_CHUNK_ROWS
from single_neuron.neuron.descent import descend

WARM_UP = 2                  # steps of each turn left out: the first records the cost
STEPS = 10                   # steps timed a turn
OVERHEAD_GOAL_MS = 20.0


def step_seconds(data, steps: int, batch_size: int | None = None) -> list[float]:
    """Seconds a step over `data` (a Pass): between successive iterations of WARM_UP + `steps`
    full-batch iterations, the warm-up left out; with `batch_size`, an epoch's time over its
    number of steps, for `steps` epochs after one of warm-up."""
    ticks: list[float] = []

    def tick() -> bool:
        ticks.append(time.perf_counter())
        return False

    warm_up = 1 if batch_size else WARM_UP
    descend(data, np.zeros((data.n_x, 1), np.float64), 0.0, warm_up + steps + 1, 0.005, record_every=10**9,
            should_stop=tick, batch_size=batch_size)
    per_iteration = -(-data.m // batch_size) if batch_size else 1
    return (np.diff(ticks)[warm_up:] / per_iteration).tolist()


def run(repeat: int, cats) -> dict:
    import dask.array as da
    from dask.distributed import wait

    from single_neuron.engines.dask_cluster import DaskPass, session
    from single_neuron.engines.in_memory import Primal
    from single_neuron.io.sources import load_training_data

    train, _ = load_training_data(cats)
    X, Y = train.X.astype(np.float64), train.Y.astype(np.float64)
    chunking = {"cli_chunks": DEFAULT_CHUNK_ROWS, "two_chunks": -(-X.shape[1] // 2)}
    times: dict[str, list[float]] = {"in_memory": [], **{name: [] for name in chunking}}
    with session(workers=2) as client:
        passes = {"in_memory": Primal(X, Y)}
        for name, chunk in chunking.items():
            with warnings.catch_warnings():          # X goes to the workers in the graph, once
                warnings.filterwarnings("ignore", "Sending large graph")
                Xd = da.from_array(X, chunks=(X.shape[0], chunk)).persist()
            wait(Xd)
            passes[name] = DaskPass(Xd, Y)
        for _ in range(repeat):
            for name, data in passes.items():
                times[name] += step_seconds(data, STEPS)
        one_example = {name: statistics.median(step_seconds(passes[name], 3, batch_size=1)) for name in chunking}
        workers = len(client.scheduler_info()["workers"])
        del passes, data                             # the actors go before the cluster does
    in_memory = statistics.median(times["in_memory"])
    rows = {}
    for name, chunk in chunking.items():
        seconds = statistics.median(times[name])
        rows[name] = {"chunk_examples": min(chunk, X.shape[1]), "chunks": -(-X.shape[1] // chunk),
                      "median_seconds_per_step": seconds, "overhead_ms": (seconds - in_memory) * 1e3,
                      "one_example_step_ms": one_example[name] * 1e3}
    worst = max(row["overhead_ms"] for row in rows.values())
    # the machine's load while it ran: on a machine shared with other work, the figures move with it
    return {"repeat": repeat, "steps_timed": repeat * STEPS, "workers": workers, "shape": list(X.shape),
            "load_average_1_minute": os.getloadavg()[0], "cores": os.cpu_count(),
            "in_memory_seconds_per_step": in_memory, "dask": rows,
            "targets": {f"dask_overhead_per_step_at_most_{OVERHEAD_GOAL_MS:g}_ms": worst <= OVERHEAD_GOAL_MS}}


def show(r: dict) -> None:
    print(f"\na full-batch step on the cat set ({r['shape'][0]} x {r['shape'][1]}), median of "
          f"{r['steps_timed']} steps, the routes taking turns (load {r['load_average_1_minute']:.1f} "
          f"on {r['cores']} cores):")
    print(f"  {'':32s} {'step':>8s}    {'overhead':>8s}    {'one-example step':>16s}")
    print(f"  {'in memory':32s} {r['in_memory_seconds_per_step'] * 1e3:8.2f} ms")
    for name, row in r["dask"].items():
        label = f"dask, {r['workers']} workers, {row['chunks']} chunk(s)"
        print(f"  {label:32s} {row['median_seconds_per_step'] * 1e3:8.2f} ms {row['overhead_ms']:8.2f} ms "
              f"{row['one_example_step_ms']:13.3f} ms")
