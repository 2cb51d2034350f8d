"""The course's run on a GPU, when there is one: PyTorch CUDA and CuPy against NumPy, side by side.

python benchmarks/gpu.py [--iterations N] [--out FILE]: with no GPU (or neither library) it says
so and records why; run.py includes its result in results.json.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import numpy as np

from single_neuron import optimize
from single_neuron.engines.devices import resolve
from single_neuron.io.sources import load_training_data
from single_neuron.neuron.formulas import to_numpy
from single_neuron.teaching.vectorization import median_seconds


def run(iterations: int = 2000, repeat: int = 3) -> dict:
    folder = Path(os.environ.get("SINGLE_NEURON_CATS") or Path(__file__).resolve().parents[2] / "shared/data/cats")
    if (folder / "train_catvnoncat.h5").is_file():
        train, _ = load_training_data(folder)
        X, Y, data = train.X, train.Y.astype(np.float64), "cat set (209 x 12,288)"
    else:                                   # a machine without the course's files still gets a number
        rng = np.random.default_rng(0)
        X, Y, data = rng.random((12288, 2048)), (rng.random((1, 2048)) < 0.5) * 1.0, "random (2,048 x 12,288)"
    w0 = np.zeros((X.shape[0], 1))
    base, (reference, _, ref_costs) = median_seconds(
        lambda: optimize(w0, 0.0, X, Y, iterations, 0.005, solver="primal"), repeat)
    result = {"data": data, "iterations": iterations, "numpy_primal_seconds": base, "engines": {}}
    for name in ("torch", "cupy"):
        try:
            engine = resolve(name)
        except ValueError as exc:
            result["engines"][name] = {"skipped": str(exc)}
            continue
        Xe, Ye, we = engine.to_engine(X), engine.to_engine(Y), engine.to_engine(w0)
        optimize(we, 0.0, Xe, Ye, 5, 0.005)                         # warm-up: kernels, allocator
        seconds, (params, _, costs) = median_seconds(lambda: optimize(we, 0.0, Xe, Ye, iterations, 0.005), repeat)
        result["engines"][name] = {
            "seconds": seconds, "speedup_vs_numpy_primal": base / seconds,
            "max_cost_difference": float(np.max(np.abs(np.array(costs) - ref_costs))),
            "max_weight_difference": float(np.max(np.abs(to_numpy(params["w"]) - reference["w"]))),
        }
    return result


if __name__ == "__main__":
    iterations = int(sys.argv[sys.argv.index("--iterations") + 1]) if "--iterations" in sys.argv else 2000
    out = run(iterations)
    print(json.dumps(out, indent=2))
    if "--out" in sys.argv:
        Path(sys.argv[sys.argv.index("--out") + 1]).write_text(json.dumps(out, indent=2))
