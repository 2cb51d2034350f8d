"""Benchmarks, measured side by side in one run: python benchmarks/run.py [--quick] [--out FILE].

1. The course's run on the cat set (2,000 iterations, learning rate 0.005): the
   plain transcription of the course's loop (course_reference.py), our `model`
   with each solver and dtype, and scikit-learn's LogisticRegression (lbfgs) and
   SGDClassifier(loss="log_loss"), each repeated, reported as medians and as
   ratios to the baseline measured in the same run.
2. The primal solver's time per iteration against the memory-bound floor of one
   gradient step: streaming X twice (w.T X and X v, each one np.dot).
3. Peak memory of training, traced with tracemalloc, against the size of X.
4. Scaling: time per iteration and peak memory for m = 1e3 .. 1e6 examples and
   n_x = 100 .. 12,288 features (synthetic data of those shapes), where X fits in
   a few GiB.
5. Start-up, as whole processes: `single-neuron --version`, `--help` and `train` on the
   cat set against the floor `python -c "import numpy, h5py"`, interleaved, medians.
6. `single-neuron check` on the course-shaped notebook (examples/learner/assignment.ipynb) as a
   whole process, against `python -c "import numpy"`; the goal is at most 3 s.
7. A full-batch step on the cat set on a local two-worker Dask cluster against the same step in
   memory (dask_step.py); the goal is at most 20 ms of overhead a step.
8. Time to accuracy (time_to_accuracy.py): seconds and iterations to L* + 1e-3 and L* + 1e-5 on
   1e6 x 100 standardized data, 1e5 x 1000 correlated pixel-like data and the cat set, for
   scikit-learn's lbfgs, newton-cholesky and saga and ours (learning rate "auto", plain and
   accelerated, float64 and float32); --quick uses 1e5 and 2e4 examples.

Results go to benchmarks/results.json (written atomically) and a table is printed.
`--only startup` (or `--only check`, `--only dask`, `--only accuracy`) measures that part alone and
updates it in the file.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import time
import tracemalloc
import warnings
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import course_reference  # noqa: E402

from single_neuron import model  # noqa: E402
from single_neuron.io.atomic import atomic_write  # noqa: E402
from single_neuron.io.sources import load_training_data  # noqa: E402
from single_neuron import optimize  # noqa: E402
from single_neuron.engines.in_memory import choose_solver  # noqa: E402


def median_time(fn, repeat: int):
    times, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), times, result


def peak_extra_bytes(fn) -> int:
    """Bytes allocated at the peak of fn(), beyond what was allocated when it started."""
    tracemalloc.start()
    tracemalloc.reset_peak()
    before, _ = tracemalloc.get_traced_memory()
    fn()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak - before


def log_loss(p, y) -> float:
    p = np.clip(p, 1e-300, 1 - 1e-16)
    return float(-np.mean(y * np.log(p) + (1 - y) * np.log1p(-p)))


def accuracy(pred, y) -> float:
    return float(100.0 * np.mean(np.asarray(pred).reshape(-1) == np.asarray(y).reshape(-1)))


def cats_folder() -> Path:
    folder = Path(os.environ.get("SINGLE_NEURON_CATS") or HERE.parent.parent / "shared" / "data" / "cats")
    if not (folder / "train_catvnoncat.h5").is_file():
        sys.exit(f"benchmarks: the cat data set is not at {folder}; set SINGLE_NEURON_CATS to its folder")
    return folder


def cat_benchmarks(repeat: int) -> dict:
    from sklearn.linear_model import LogisticRegression, SGDClassifier
    from sklearn.preprocessing import StandardScaler

    train, test = load_training_data(cats_folder())
    X, Y, Xt, Yt = train.X, train.Y, test.X, test.Y
    y, yt = Y.reshape(-1), Yt.reshape(-1)
    rows = {}

    def ours(**kw):
        return lambda: model(X, Y, Xt, Yt, 2000, 0.005, **kw)

    def report_ours(d):
        p = 1 / (1 + np.exp(-(d["w"].astype(np.float64).T @ X + d["b"])))
        return {"final_cost": log_loss(p[0], y), "recorded_last_cost": d["costs"][-1],
                "train_accuracy": d["train_accuracy"], "test_accuracy": d["test_accuracy"],
                "solver": d["solver"]}

    def report_reference(d):
        p = 1 / (1 + np.exp(-(d["w"].T @ X + d["b"])))
        return {"final_cost": log_loss(p[0], y), "recorded_last_cost": d["costs"][-1],
                "train_accuracy": accuracy(d["Y_prediction_train"], Y),
                "test_accuracy": accuracy(d["Y_prediction_test"], Yt)}

    candidates = {
        "course_baseline": (lambda: course_reference.model(X, Y, Xt, Yt), report_reference),
        "ours_auto": (ours(), report_ours),
        "ours_gram": (ours(solver="gram"), report_ours),
        "ours_primal": (ours(solver="primal"), report_ours),
        "ours_primal_float32": (ours(solver="primal", dtype=np.float32), report_ours),
        "ours_gram_float32": (ours(solver="gram", dtype=np.float32), report_ours),
    }
    rows_X, rows_Xt = X.T, Xt.T                    # scikit-learn's (m, n_x) layout: free views
    scaler = StandardScaler().fit(rows_X)
    S, St = scaler.transform(rows_X), scaler.transform(rows_Xt)

    def sk(make, A, At):
        def fit():
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                return make().fit(A, y)

        def report(est):
            return {"final_cost": log_loss(est.predict_proba(A)[:, 1], y),
                    "train_accuracy": accuracy(est.predict(A), y), "test_accuracy": accuracy(est.predict(At), yt),
                    "n_iter": int(np.max(est.n_iter_))}
        return fit, report

    candidates["sklearn_lbfgs_scaled_pixels"] = sk(lambda: LogisticRegression(max_iter=1000), rows_X, rows_Xt)
    candidates["sklearn_lbfgs_standardized"] = sk(lambda: LogisticRegression(max_iter=1000), S, St)
    candidates["sklearn_sgd_standardized"] = sk(lambda: SGDClassifier(loss="log_loss", random_state=0), S, St)

    # Interleave the repeats so that a slow patch of the machine hits every candidate alike.
    times = {name: [] for name in candidates}
    results = {}
    for _ in range(repeat):
        for name, (fit, _) in candidates.items():
            start = time.perf_counter()
            results[name] = fit()
            times[name].append(time.perf_counter() - start)
    base = statistics.median(times["course_baseline"])
    for name, (_, report) in candidates.items():
        med = statistics.median(times[name])
        rows[name] = {"median_seconds": med, "seconds": times[name], "speedup_vs_course": base / med,
                      **report(results[name])}
    return rows


def floor_benchmark(repeat: int, iterations: int = 200) -> dict:
    train, _ = load_training_data(cats_folder())
    X, Y = train.X, train.Y.astype(np.float64)
    w, v, z, g = np.zeros((X.shape[0], 1)), np.full((1, X.shape[1]), 0.1), np.empty((1, X.shape[1])), np.empty((X.shape[0], 1))

    def two_passes():
        for _ in range(iterations):
            np.matmul(w.T, X, out=z)
            np.matmul(X, v.T, out=g)

    def primal():
        optimize(w, 0.0, X, Y, iterations, 0.005, solver="primal")

    floor_times, primal_times = [], []
    for _ in range(repeat):
        floor_times.append(median_time(two_passes, 1)[0] / iterations)
        primal_times.append(median_time(primal, 1)[0] / iterations)
    floor, prim = statistics.median(floor_times), statistics.median(primal_times)
    return {"X_shape": list(X.shape), "X_bytes": X.nbytes, "floor_seconds_per_iteration": floor,
            "primal_seconds_per_iteration": prim, "primal_over_floor": prim / floor,
            "floor_bandwidth_GBps": 2 * X.nbytes / floor / 1e9}


def memory_benchmark() -> dict:
    from single_neuron.app.jobs import train as train_workflow

    train, test = load_training_data(cats_folder())
    X, Y, Xt, Yt = train.X, train.Y, test.X, test.Y
    out = {"X_train_bytes": X.nbytes}
    for solver in ("gram", "primal"):
        extra = peak_extra_bytes(lambda: model(X, Y, Xt, Yt, 50, 0.005, solver=solver))
        out[f"model_{solver}_extra_peak_bytes"] = extra
        out[f"model_{solver}_extra_peak_over_X"] = extra / X.nbytes
    extra = peak_extra_bytes(lambda: train_workflow(train, test, num_iterations=50))
    out["workflow_from_pixels_peak_bytes"] = extra
    out["workflow_from_pixels_peak_over_X_train_and_test"] = extra / (X.nbytes + Xt.nbytes)
    extra = peak_extra_bytes(lambda: train_workflow(train, test, num_iterations=50, dtype="float32"))
    out["workflow_float32_peak_over_float64_X"] = extra / (X.nbytes + Xt.nbytes)
    return out


def scaling_benchmarks(grid, budget_bytes: int) -> list[dict]:
    rows = []
    rng = np.random.default_rng(0)
    for n_x, m in grid:
        if n_x * m * 8 > budget_bytes:
            rows.append({"n_x": n_x, "m": m, "skipped": f"X would take {n_x * m * 8 / 2**30:.1f} GiB"})
            continue
        X = rng.standard_normal((m, n_x)).T        # examples contiguous, as unrolled images are
        X *= 0.1
        Y = (rng.random((1, m)) < 0.5).astype(np.float64)
        w = np.zeros((n_x, 1))
        optimize(w, 0.0, X, Y, 1, 0.01, solver="primal")       # warm-up
        iterations = max(3, min(200, int(2e8 / (n_x * m))))
        seconds = median_time(lambda: optimize(w, 0.0, X, Y, iterations, 0.01, solver="primal"), 3)[0]
        extra = peak_extra_bytes(lambda: optimize(w, 0.0, X, Y, 3, 0.01, solver="primal"))
        rows.append({"n_x": n_x, "m": m, "X_bytes": X.nbytes, "iterations_timed": iterations,
                     "primal_seconds_per_iteration": seconds / iterations,
                     "nanoseconds_per_element_per_iteration": seconds / iterations / (n_x * m) * 1e9,
                     "primal_extra_peak_bytes": extra, "auto_would_choose": choose_solver(n_x, m, 2000)})
        del X
    return rows


def whole_processes(commands: dict, repeat: int, statuses: dict | None = None) -> tuple[dict, dict]:
    """Wall and CPU seconds of each command (name -> argv) as a whole process, `repeat` times, each
    command run in turn so that a slow patch of the machine hits all of them alike; the first round
    warms the file cache and is not counted. `statuses` gives the exit status a command must end
    with where it is not 0."""
    wall = {name: [] for name in commands}
    cpu = {name: [] for name in commands}
    for run in range(repeat + 1):
        for name, argv in commands.items():
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            start = time.perf_counter()
            proc = subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            seconds = time.perf_counter() - start
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            if proc.returncode != (statuses or {}).get(name, 0):
                raise SystemExit(f"benchmarks: {' '.join(argv)} ended with status {proc.returncode}")
            if run:
                wall[name].append(seconds)
                cpu[name].append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
    return wall, cpu


def process_rows(commands: dict, wall: dict, cpu: dict, floor: str) -> dict:
    """Each command's medians, and its wall time over the `floor` command's."""
    floor_seconds = statistics.median(wall[floor])
    shown = {sys.executable, str(Path(sys.executable).with_name("single-neuron"))}
    return {name: {"command": " ".join(Path(a).name if a in shown else a for a in argv),
                   "median_seconds": statistics.median(wall[name]), "seconds": wall[name],
                   "median_cpu_seconds": statistics.median(cpu[name]),
                   "over_floor": statistics.median(wall[name]) / floor_seconds}
            for name, argv in commands.items()}


def startup_benchmarks(repeat: int) -> dict:
    """Whole-process wall and CPU seconds of the command line, against Python importing NumPy
    and h5py (what any run needs)."""
    command = str(Path(sys.executable).with_name("single-neuron"))
    cats = str(cats_folder())
    commands = {
        "floor_import_numpy_h5py": [sys.executable, "-c", "import numpy, h5py"],
        "version": [command, "--version"],
        "help": [command, "--help"],
        "train_cats": [command, "train", cats, "--quiet"],
    }
    rows = process_rows(commands, *whole_processes(commands, repeat), floor="floor_import_numpy_h5py")
    return {"repeat": repeat, "machine": machine(), "commands": rows,
            "targets": {"version_within_1.5x_of_floor": rows["version"]["over_floor"] <= 1.5,
                        "train_cats_within_4x_of_floor": rows["train_cats"]["over_floor"] <= 4.0}}


CHECK_SECONDS = 3.0          # the goal for checking a whole course-shaped notebook, as a whole process


def check_benchmarks(repeat: int) -> dict:
    """`single-neuron check` on the course-shaped notebook (examples/learner/assignment.ipynb: every
    cell of the assignment, one function wrong, so exit status 1) as a whole process, against
    Python importing NumPy."""
    command = str(Path(sys.executable).with_name("single-neuron"))
    notebook = HERE.parent / "examples" / "learner" / "assignment.ipynb"
    commands = {"floor_import_numpy": [sys.executable, "-c", "import numpy"],
                "check_notebook": [command, "check", str(notebook)]}
    rows = process_rows(commands, *whole_processes(commands, repeat, statuses={"check_notebook": 1}),
                        floor="floor_import_numpy")
    return {"repeat": repeat, "machine": machine(), "commands": rows,
            "targets": {f"check_notebook_within_{CHECK_SECONDS:g}_seconds":
                        rows["check_notebook"]["median_seconds"] <= CHECK_SECONDS}}


def print_check(c: dict) -> None:
    print(f"\nsingle-neuron check on the course-shaped notebook, whole processes, median of {c['repeat']}:")
    for name, row in c["commands"].items():
        print(f"  {name:26s} {row['median_seconds']:8.3f} s {row['median_cpu_seconds']:7.3f} cpu s "
              f"{row['over_floor']:7.2f}x")


def print_startup(s: dict) -> None:
    print(f"\nstart-up, whole processes, median of {s['repeat']} interleaved runs:")
    print(f"  {'':26s} {'seconds':>8s} {'cpu s':>7s} {'x floor':>8s}")
    for name, row in s["commands"].items():
        print(f"  {name:26s} {row['median_seconds']:8.3f} {row['median_cpu_seconds']:7.3f} {row['over_floor']:7.2f}x")


def machine() -> dict:
    from threadpoolctl import threadpool_info

    blas = [{k: i.get(k) for k in ("internal_api", "version", "num_threads", "architecture")}
            for i in threadpool_info() if i.get("user_api") == "blas"]
    model_name = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model_name = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {"cpu": model_name or platform.processor(), "cores": os.cpu_count(), "python": platform.python_version(),
            "numpy": np.__version__, "blas": blas, "platform": platform.platform(),
            "OPENBLAS_CORETYPE": os.environ.get("OPENBLAS_CORETYPE")}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer repeats and a smaller scaling grid")
    parser.add_argument("--out", default=str(HERE / "results.json"), help="where to write the JSON results")
    parser.add_argument("--only", choices=tuple(PARTS), help="measure only this part and update it in --out")
    args = parser.parse_args(argv)
    repeat = 3 if args.quick else 7
    if args.only:
        measure, show = PARTS[args.only]
        previous = json.loads(Path(args.out).read_text()) if Path(args.out).is_file() else {}
        previous[args.only] = measure(repeat=max(repeat, 11), quick=args.quick)
        previous.setdefault("targets", {}).update(previous[args.only]["targets"])
        with atomic_write(args.out) as f:
            f.write(json.dumps(previous, indent=2).encode())
        show(previous[args.only])
        print("\ntargets:", ", ".join(f"{k}: {'met' if v else 'NOT MET'}"
                                      for k, v in previous[args.only]["targets"].items()))
        return 0
    if args.quick:
        grid = [(100, 1000), (100, 10_000), (100, 100_000), (12288, 1000)]
    else:
        grid = [(n_x, m) for n_x in (100, 1000, 12288) for m in (1000, 10_000, 100_000, 1_000_000)]
    started = time.perf_counter()
    results = {"machine": machine(), "repeat": repeat}
    results["cat"] = cat_benchmarks(repeat)
    results["floor"] = floor_benchmark(repeat)
    results["memory"] = memory_benchmark()
    results["scaling"] = scaling_benchmarks(grid, budget_bytes=8 * 2**30)
    import scale  # noqa: E402  (beside this file)

    results["beyond_memory"] = scale.run(quick=args.quick)
    import gpu  # noqa: E402

    results["gpu"] = gpu.run(iterations=500 if args.quick else 2000)
    results["web"] = __import__("web").run(quick=args.quick)     # serve: predict latency, live-update cost
    results["startup"] = startup_benchmarks(repeat=max(repeat, 11))
    results["check"] = check_benchmarks(repeat=max(repeat, 11))
    results["dask"] = dask_benchmarks(repeat)
    results["accuracy"] = accuracy_benchmarks(quick=args.quick)
    cat = results["cat"]
    results["targets"] = {
        "auto_speedup_vs_course_at_least_25": cat["ours_auto"]["speedup_vs_course"] >= 25,
        "auto_faster_than_sklearn_lbfgs": cat["ours_auto"]["median_seconds"]
        < min(cat["sklearn_lbfgs_scaled_pixels"]["median_seconds"], cat["sklearn_lbfgs_standardized"]["median_seconds"]),
        "primal_within_1.5x_of_streaming_floor": results["floor"]["primal_over_floor"] <= 1.5,
        "training_holds_at_most_one_float_copy_of_X": max(results["memory"]["model_gram_extra_peak_over_X"],
                                                          results["memory"]["model_primal_extra_peak_over_X"]) < 1.0,
        "out_of_core_peak_within_limit_plus_overhead": all(
            row["out_of_core_peak_over_limit_plus_overhead"] <= 1.0 for row in results["beyond_memory"]["rows"]),
        **results["startup"]["targets"],
        **results["check"]["targets"],
        **results["dask"]["targets"],
        **results["accuracy"]["targets"],
    }
    results["total_seconds"] = time.perf_counter() - started
    with atomic_write(args.out) as f:
        f.write(json.dumps(results, indent=2).encode())
    print_table(results)
    print(f"\nresults written to {args.out}")
    return 0


def print_table(r: dict) -> None:
    print(f"machine: {r['machine']['cpu']}, {r['machine']['cores']} cores, numpy {r['machine']['numpy']}")
    print(f"\nthe course's run on the cat set (209 x 12,288, 2,000 iterations), median of {r['repeat']}:")
    print(f"  {'':32s} {'seconds':>9s} {'speed-up':>9s} {'cost':>9s} {'train %':>8s} {'test %':>7s}")
    for name, row in r["cat"].items():
        print(f"  {name:32s} {row['median_seconds']:9.4f} {row['speedup_vs_course']:8.1f}x "
              f"{row['final_cost']:9.6f} {row['train_accuracy']:8.2f} {row['test_accuracy']:7.1f}")
    f = r["floor"]
    print(f"\nprimal step {f['primal_seconds_per_iteration'] * 1e3:.3f} ms, streaming floor "
          f"{f['floor_seconds_per_iteration'] * 1e3:.3f} ms: {f['primal_over_floor']:.2f}x the floor "
          f"({f['floor_bandwidth_GBps']:.1f} GB/s)")
    mem = r["memory"]
    print(f"peak extra memory while training, as a fraction of X: gram {mem['model_gram_extra_peak_over_X']:.3f}, "
          f"primal {mem['model_primal_extra_peak_over_X']:.3f}")
    print("\nscaling (primal solver):")
    print(f"  {'n_x':>6s} {'m':>9s} {'ms / iter':>10s} {'ns / elem':>10s} {'extra MiB':>10s}")
    for row in r["scaling"]:
        if "skipped" in row:
            print(f"  {row['n_x']:6d} {row['m']:9d}   skipped: {row['skipped']}")
        else:
            print(f"  {row['n_x']:6d} {row['m']:9d} {row['primal_seconds_per_iteration'] * 1e3:10.3f} "
                  f"{row['nanoseconds_per_element_per_iteration']:10.3f} {row['primal_extra_peak_bytes'] / 2**20:10.2f}")
    b = r["beyond_memory"]
    print(f"\nthroughput, examples per second (out-of-core limit {b['memory_limit']}, "
          f"fixed overhead {b['fixed_overhead_rss_bytes'] / 2**20:.0f} MiB):")
    print(f"  {'n_x':>6s} {'m':>10s} {'in memory':>12s} {'out of core':>12s} {'dask':>12s} {'peak MiB':>9s}")
    for row in b["rows"]:
        cells = [f"{row[k]:12.3g}" if k in row else f"{'-':>12s}" for k in
                 ("in_memory_examples_per_second", "out_of_core_examples_per_second", "dask_examples_per_second")]
        print(f"  {row['n_x']:6d} {row['m']:10d} {' '.join(cells)} {row['out_of_core_peak_rss_bytes'] / 2**20:9.0f}")
    print_startup(r["startup"])
    print_check(r["check"])
    print_dask(r["dask"])
    print_accuracy(r["accuracy"])
    print("\ntargets:", ", ".join(f"{k}: {'met' if v else 'NOT MET'}" for k, v in r["targets"].items()))


def dask_benchmarks(repeat: int) -> dict:
    import dask_step  # noqa: E402  (beside this file)

    return dask_step.run(repeat, cats_folder())


def print_dask(d: dict) -> None:
    import dask_step  # noqa: E402

    dask_step.show(d)


def accuracy_benchmarks(repeat: int = 3, quick: bool = False) -> dict:
    """Part 8 (time_to_accuracy.py): three repeats whatever `repeat` the other parts take, as each is a whole run."""
    import time_to_accuracy  # noqa: E402  (beside this file)

    return time_to_accuracy.run(quick=quick, repeat=3)


def print_accuracy(r: dict) -> None:
    import time_to_accuracy  # noqa: E402

    time_to_accuracy.show(r)


# The parts that `--only` measures on their own: (measure, print); measure(repeat=, quick=).
PARTS = {"startup": (lambda repeat, quick: startup_benchmarks(repeat), print_startup),
         "check": (lambda repeat, quick: check_benchmarks(repeat), print_check),
         "dask": (lambda repeat, quick: dask_benchmarks(repeat), print_dask),
         "accuracy": (accuracy_benchmarks, print_accuracy)}

if __name__ == "__main__":
    sys.exit(main())
