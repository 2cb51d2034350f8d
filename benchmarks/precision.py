"""How far each solver's recorded costs are from the course's loop run in extended precision.

    python benchmarks/precision.py [--iterations N]

The reference is the course's loop transcribed plainly (course_reference.py) in
np.longdouble: X converted to longdouble, sigmoid and log taken in longdouble
(80-bit on x86-64: 64-bit significand, 2^11 times finer than float64). For each of
the course's runs on the cat set (learning rate 0.005 for 2,000 iterations; 0.01,
0.001 and 0.0001 for 1,500, as its learning-rate section) it prints the largest
distance, over the costs recorded every 100 iterations, of the plain float64 loop,
of `optimize` with each solver, and of the plain Gram form in float64 (what solver
gram runs for wide float64 data). With --iterations N every run stops at N.
The longdouble loop has no BLAS: about 20 ms an iteration, a few minutes in all.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import course_reference  # noqa: E402

RUNS = ((0.005, 2000), (0.01, 1500), (0.001, 1500), (0.0001, 1500))


def extended_course_loop(X, Y, num_iterations: int, learning_rate: float, record_every: int = 100):
    """The course's optimize loop in np.longdouble; the costs recorded every `record_every`
    iterations (before that iteration's update), as longdouble numbers."""
    X = np.asarray(X).astype(np.longdouble)
    Y = np.asarray(Y).astype(np.longdouble)
    m = X.shape[1]
    w, b = np.zeros((X.shape[0], 1), np.longdouble), np.longdouble(0)
    alpha = np.longdouble(learning_rate)
    costs = []
    for i in range(num_iterations):
        A = 1 / (1 + np.exp(-(w.T @ X + b)))
        if i % record_every == 0:
            costs.append(-np.sum(Y * np.log(A) + (1 - Y) * np.log(1 - A)) / m)
        dZ = A - Y
        w = w - alpha * ((X @ dZ.T) / m)
        b = b - alpha * (np.sum(dZ) / m)
    return costs


def distance(costs, reference) -> float:
    """The largest |cost - reference| over the recorded costs, computed in longdouble."""
    return float(np.max(np.abs(np.asarray(costs, dtype=np.longdouble) - np.asarray(reference))))


def measure(X, Y, num_iterations: int, learning_rate: float) -> dict:
    from single_neuron import optimize
    from single_neuron.engines.in_memory import Gram
    from single_neuron.neuron.descent import descend

    reference = extended_course_loop(X, Y, num_iterations, learning_rate)
    w0 = np.zeros((X.shape[0], 1))
    row = {"plain": distance(course_reference.optimize(w0, 0.0, X, Y, num_iterations, learning_rate)[2],
                             reference)}
    for solver in ("primal", "gram", "auto"):
        row[solver] = distance(optimize(w0, 0.0, X, Y, num_iterations, learning_rate, solver=solver)[2], reference)
    # The plain Gram form: K from BLAS, c rounded every step (solver gram on wide float64 data).
    row["plain gram"] = distance(descend(Gram(X, Y), w0, 0.0, num_iterations, learning_rate).costs, reference)
    return row


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--iterations", type=int, default=None, help="stop every run after this many iterations")
    args = parser.parse_args(argv)
    from single_neuron.io.sources import load_training_data

    folder = Path(os.environ.get("SINGLE_NEURON_CATS") or HERE.parent.parent / "shared" / "data" / "cats")
    train, _ = load_training_data(folder)
    X, Y = train.X, train.Y.astype(np.float64)
    print(f"longdouble: {np.finfo(np.longdouble).nmant + 1}-bit significand")
    print("| run | plain loop | primal | gram | auto | auto / plain | plain Gram form |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    for learning_rate, iterations in RUNS:
        iterations = min(iterations, args.iterations or iterations)
        started = time.perf_counter()
        row = measure(X, Y, iterations, learning_rate)
        print(f"| {learning_rate:g} x {iterations} | {row['plain']:.1e} | {row['primal']:.1e} | {row['gram']:.1e} | "
              f"{row['auto']:.1e} | {row['auto'] / row['plain']:.2f} | {row['plain gram']:.1e} |", flush=True)
        print(f"  ({time.perf_counter() - started:.0f} s)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
