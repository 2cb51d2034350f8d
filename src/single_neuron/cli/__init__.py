"""The command line: parse, call the library, print. Nothing else lives here.

Every error a user can cause becomes one line on stderr and a non-zero exit:
1 for bad data or files, 2 for a bad command line.
"""

from __future__ import annotations

import argparse
import json
import sys

from .. import __version__
from ..errors import SingleNeuronError

PROG = "single-neuron"


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage error is one line (argparse prints the usage block too)."""

    def error(self, message):
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def _data_arguments(cmd, what: str = "training") -> None:
    cmd.add_argument("data", nargs="?", metavar="DATA",
                     help=f"{what} data: a course HDF5 file, a folder holding a train_*.h5 / test_*.h5 pair, "
                          "or a folder of images with one sub-folder per class (default: the bundled digits)")
    cmd.add_argument("--test", metavar="TEST", help="test data (HDF5 file or image folder)")
    cmd.add_argument("--size", type=int, default=64, metavar="PX",
                     help="image folders: resize every image to PX x PX (default 64)")


def _training_arguments(cmd, iterations: int) -> None:
    cmd.add_argument("--iterations", type=int, default=iterations, metavar="N",
                     help=f"number of gradient-descent steps (default {iterations})")
    cmd.add_argument("--print-every", type=int, default=100, metavar="K",
                     help="record the cost every K iterations (default 100)")
    cmd.add_argument("--solver", choices=("auto", "primal", "gram"), default="auto",
                     help="gradient-descent form: same iterates, different speed (default auto)")
    cmd.add_argument("--dtype", choices=("float64", "float32"), default="float64",
                     help="floating-point type of the training loop (default float64)")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog=PROG, description="Logistic regression as a one-neuron neural network.")
    parser.add_argument("--version", action="version", version=f"{PROG} {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    commands.required = True

    train = commands.add_parser(
        "train", help="train the neuron on a data set and report costs and accuracy",
        description="Train from zeros by batch gradient descent and print the cost every K iterations "
                    "and the train and test accuracy.")
    _data_arguments(train)
    train.add_argument("--learning-rate", type=float, default=0.005, metavar="A",
                       help="alpha, the gradient-descent step (default 0.005)")
    _training_arguments(train, 2000)
    train.add_argument("--batch-size", type=int, metavar="B",
                       help="mini-batch gradient descent with batches of B examples (1: stochastic); "
                            "--iterations then counts epochs")
    train.add_argument("--seed", type=int, default=0, help="seed of the mini-batch shuffling (default 0)")
    train.add_argument("--memory-limit", metavar="SIZE",
                       help="out-of-core: stream an HDF5 file in chunks within SIZE (e.g. 256MB), with the "
                            "exact full-batch gradient")
    train.add_argument("--engine", choices=("numpy", "torch", "cupy", "dask"), default="numpy",
                       help="array engine of the training loop (default numpy)")
    train.add_argument("--device", metavar="DEV", help="torch: cuda (default) or cpu")
    train.add_argument("--scheduler", metavar="ADDRESS",
                       help="dask: address of a running scheduler (default: a local cluster of 2 workers)")
    train.add_argument("--chunk-rows", type=int, default=4096, metavar="N",
                       help="dask: examples per chunk (default 4096)")
    train.add_argument("--model-out", metavar="FILE", help="save the trained model to FILE (.npz)")
    train.add_argument("--plot", metavar="FILE", help="draw the cost curve to FILE (.png)")
    train.add_argument("--json", action="store_true", help="print one JSON object instead of text")
    train.add_argument("--quiet", action="store_true", help="no progress bar")
    train.set_defaults(run=_train)

    predict = commands.add_parser(
        "predict", help="classify image files with a saved model",
        description="Decode each image (any common format and mode), resize it to the model's input "
                    "size, scale it as in training and print its label and probability.")
    predict.add_argument("model", metavar="MODEL", help="model file written by train --model-out")
    predict.add_argument("images", nargs="+", metavar="IMAGE", help="image files")
    predict.add_argument("--json", action="store_true", help="print one JSON object instead of text")
    predict.add_argument("--quiet", action="store_true", help="no progress bar")
    predict.set_defaults(run=_predict)

    evaluate = commands.add_parser(
        "evaluate", help="accuracy, precision, recall, F1, ROC AUC and confusion matrix of a model",
        description="Measure a saved model on labelled data (default: the bundled digits' test split).")
    evaluate.add_argument("model", metavar="MODEL", help="model file written by train --model-out")
    evaluate.add_argument("data", nargs="?", metavar="DATA",
                          help="an HDF5 file (its test split), a folder with an HDF5 pair (the test file) "
                               "or an image folder")
    evaluate.add_argument("--errors", metavar="FILE", help="draw the misclassified images to FILE (.png)")
    evaluate.add_argument("--json", action="store_true", help="print one JSON object instead of text")
    evaluate.set_defaults(run=_evaluate)

    rates = commands.add_parser(
        "compare-rates", help="train with several learning rates and compare them",
        description="The notes' learning-rate comparison: one run per rate, the cost curves on one "
                    "figure, and a table of train and test accuracy.")
    _data_arguments(rates)
    rates.add_argument("--rates", type=float, nargs="+", default=[0.01, 0.001, 0.0001], metavar="A",
                       help="learning rates (default 0.01 0.001 0.0001)")
    _training_arguments(rates, 1500)
    rates.add_argument("--plot", metavar="FILE", help="draw the cost curves to FILE (.png)")
    rates.add_argument("--json", action="store_true", help="print one JSON object instead of text")
    rates.set_defaults(run=_compare_rates)

    data = commands.add_parser("data", help="convert data sets",
                               description="export: write a course HDF5 file as a folder of PNG images.")
    data_commands = data.add_subparsers(dest="data_command", metavar="ACTION", parser_class=_Parser)
    data_commands.required = True
    export = data_commands.add_parser(
        "export", help="write an HDF5 data set as DIR/<class>/<n>.png (plus classes.txt)",
        description="Write every image of a course HDF5 file as a PNG in one sub-folder per class, so "
                    "that `train DIR` learns exactly what `train FILE.h5` learns.")
    export.add_argument("source", metavar="FILE.h5", help="course-format HDF5 file")
    export.add_argument("folder", metavar="DIR", help="new folder to create")
    export.set_defaults(run=_export)

    explain = commands.add_parser(
        "explain", help="show a computation graph forward and backward, with numbers",
        description="Walk a computation graph as the notes do: each value on the way forward, each "
                    "derivative on the way back by the chain rule. 'notes' is J = 3(a + bc); "
                    "'logistic' is the loss of one example of logistic regression.")
    explain.add_argument("graph", nargs="?", choices=("notes", "logistic"), default="notes",
                         help="which graph (default notes)")
    explain.add_argument("--a", type=float, default=5.0, help="notes: a (default 5)")
    explain.add_argument("--b", type=float, default=None, help="notes: b (default 3); logistic: the bias (default 0.1)")
    explain.add_argument("--c", type=float, default=2.0, help="notes: c (default 2)")
    explain.add_argument("--x", type=float, nargs="+", default=[1.0, 2.0], metavar="X", help="logistic: features")
    explain.add_argument("--w", type=float, nargs="+", default=[0.5, -0.3], metavar="W", help="logistic: weights")
    explain.add_argument("--y", type=int, default=1, help="logistic: the label, 0 or 1 (default 1)")
    explain.add_argument("--dot", metavar="FILE", help="also write the graph in Graphviz DOT")
    explain.add_argument("--png", metavar="FILE", help="also draw the graph as PNG")
    explain.set_defaults(run=_explain)

    bench = commands.add_parser(
        "bench", help="time an explicit loop against vectorized NumPy (the notes' demo)",
        description="vectorization: the dot product of two vectors of N elements with a Python loop "
                    "and with np.dot, and one gradient step with the notes' two loops and vectorized.")
    bench.add_argument("what", choices=("vectorization",), help="which demonstration")
    bench.add_argument("-n", type=int, default=1_000_000, metavar="N", help="vector length (default 1,000,000)")
    bench.add_argument("--repeat", type=int, default=3, metavar="R", help="runs per timing; the median is shown")
    bench.add_argument("--json", action="store_true", help="print one JSON object instead of text")
    bench.set_defaults(run=_bench)
    return parser


def main(argv=None) -> int:
    """Run the command line with `argv` (default sys.argv[1:]); return the exit status."""
    args = build_parser().parse_args(argv)
    try:
        return args.run(args)
    except SingleNeuronError as exc:
        return _fail(exc)
    except KeyboardInterrupt:
        print(f"{PROG}: interrupted", file=sys.stderr)
        return 130


def _fail(exc: Exception) -> int:
    print(f"{PROG}: error: {exc}", file=sys.stderr)
    return 1


def _note(message: str) -> None:
    print(f"{PROG}: {message}", file=sys.stderr)


def _check_training_arguments(args) -> None:
    from ..validation import count, positive_number

    for rate in getattr(args, "rates", None) or [args.learning_rate]:
        positive_number("--rates" if hasattr(args, "rates") else "--learning-rate", rate)
    count("--iterations", args.iterations, minimum=0)
    count("--print-every", args.print_every, minimum=1)
    count("--size", args.size, minimum=1)


def _load(args):
    from ..io.sources import load_training_data

    train_set, test_set = load_training_data(args.data, args.test, size=args.size)
    for data in (train_set, test_set):
        if data is not None and data.skipped:
            _note(f"skipped {len(data.skipped)} file(s) in {data.source} that are not images "
                  f"(first: {data.skipped[0]})")
    return train_set, test_set


def _settings(args):
    from ..engines.stream import parse_size
    from ..validation import count
    from ..app.jobs import Settings

    _check_training_arguments(args)
    if args.batch_size is not None:
        count("--batch-size", args.batch_size, minimum=1)
    count("--chunk-rows", args.chunk_rows, minimum=1)
    limit = parse_size(args.memory_limit) if args.memory_limit else None
    if limit and args.engine != "numpy":
        raise SingleNeuronError("--memory-limit streams with the numpy engine; leave out --engine")
    if args.batch_size and args.engine != "numpy":
        raise SingleNeuronError("--batch-size runs on the numpy engine; leave out --engine")
    if args.engine in ("torch", "cupy"):
        from ..engines.devices import resolve

        resolve(args.engine, args.device)          # a missing GPU is one line, before any loading
    return Settings(learning_rate=args.learning_rate, num_iterations=args.iterations,
                    print_every=args.print_every, solver=args.solver, dtype=args.dtype,
                    batch_size=args.batch_size, seed=args.seed, engine=args.engine, device=args.device,
                    memory_limit=limit, scheduler=args.scheduler, chunk_rows=args.chunk_rows)


def _is_h5_source(data) -> bool:
    from pathlib import Path

    return data is not None and (Path(data).suffix == ".h5" or any(Path(data).glob("*.h5")))


def _train(args) -> int:
    from ..io.atomic import check_writable
    from ..io.modelfile import save_model
    from ..app.figures import cost_curve
    from ..app.progress import TrainingProgress, wanted
    from ..app.jobs import train, train_dask_h5, train_streaming

    settings = _settings(args)
    for path, what in ((args.model_out, "model"), (args.plot, "plot")):
        if path:
            check_writable(path, what)      # before the work, so a bad path costs nothing
    progress = TrainingProgress(args.iterations, wanted(args.quiet))

    step = "epoch" if settings.batch_size else "iteration"

    def show(i, cost):
        progress.at(i, cost)
        if not args.json:
            progress.print(f"Cost after {step} {i}: {cost:f}")

    try:
        if settings.memory_limit or (settings.engine == "dask" and _is_h5_source(args.data)):
            from ..io.sources import h5_training_files

            train_file, test_set = h5_training_files(args.data, args.test)
            job = train_streaming if settings.memory_limit else train_dask_h5
            run = job(train_file, test_set, settings, on_record=show)
        else:
            train_set, test_set = _load(args)
            run = train(train_set, test_set, settings, on_record=show)
    finally:
        progress.close()
    if run.report["warning"]:
        _note(f"warning: {run.report['warning']}")
    if args.model_out:
        save_model(args.model_out, run.model)
    if args.plot:
        cost_curve(args.plot, run.report["costs"], args.print_every, args.learning_rate)
    report = {**run.report, "model_out": args.model_out, "plot": args.plot}
    if args.json:
        print(json.dumps(report))
        return 0
    print(f"train accuracy: {report['train_accuracy']} %")
    if report["test_accuracy"] is None:
        print("test accuracy: none (no test set)")
    else:
        print(f"test accuracy: {report['test_accuracy']} %")
    for path, what in ((args.model_out, "model saved to"), (args.plot, "cost curve drawn to")):
        if path:
            print(f"{what} {path}")
    return 0


def _predict(args) -> int:
    from ..io.modelfile import load_model
    from ..app.progress import items, wanted
    from ..app.jobs import classify

    trained = load_model(args.model)
    predictions, failures = [], 0
    for path in items(args.images, wanted(args.quiet or len(args.images) < 20)):
        try:
            p = classify(trained, path)
        except SingleNeuronError as exc:
            failures += 1
            _fail(exc)
            continue
        predictions.append(p)
        if not args.json:
            print(f"{p.image}: {p.class_name} (label {p.label}, probability of "
                  f"{trained.classes[1]} {p.probability:.4f})")
    if args.json:
        print(json.dumps({"classes": list(trained.classes),
                          "predictions": [p.as_dict() for p in predictions]}))
    return 1 if failures else 0


def _evaluate(args) -> int:
    from ..io.atomic import check_writable
    from ..io.sources import load_evaluation_data
    from ..app.evaluation import evaluate
    from ..io.modelfile import load_model
    from ..app.figures import misclassified

    if args.errors:
        check_writable(args.errors, "plot")
    trained = load_model(args.model)
    data = load_evaluation_data(args.data, trained.input_shape, trained.classes)
    result = evaluate(trained, data)
    report = dict(result.report)
    if args.errors:
        wrong = result.wrong
        report["errors_shown"] = misclassified(args.errors, data.images[wrong], result.labels[wrong],
                                               result.predicted[wrong], result.probabilities[wrong],
                                               trained.classes)
        report["errors_plot"] = args.errors
    if args.json:
        print(json.dumps(report))
        return 0
    (tn, fp), (fn, tp) = report["confusion_matrix"]
    auc = "n/a (one class)" if report["roc_auc"] is None else f"{report['roc_auc']:.4f}"
    c0, c1 = trained.classes
    print(f"{report['m']} examples from {report['source']}")
    print(f"accuracy:  {report['accuracy']:.2f} %")
    print(f"precision: {report['precision']:.4f}   (of {c1})")
    print(f"recall:    {report['recall']:.4f}")
    print(f"F1:        {report['f1']:.4f}")
    print(f"ROC AUC:   {auc}")
    width = max(len(c0), len(c1), 9)
    print(f"confusion matrix (rows: true, columns: predicted):")
    print(f"  {'':{width}s}  {c0:>{width}s}  {c1:>{width}s}")
    print(f"  {c0:>{width}s}  {tn:>{width}d}  {fp:>{width}d}")
    print(f"  {c1:>{width}s}  {fn:>{width}d}  {tp:>{width}d}")
    if args.errors:
        print(f"{report['errors_shown']} misclassified image(s) drawn to {args.errors}")
    return 0


def _compare_rates(args) -> int:
    from ..io.atomic import check_writable
    from ..app.figures import learning_rates
    from ..app.jobs import train

    _check_training_arguments(args)
    if args.plot:
        check_writable(args.plot, "plot")
    train_set, test_set = _load(args)
    rows = []
    for rate in args.rates:
        run = train(train_set, test_set, learning_rate=rate, num_iterations=args.iterations,
                    print_every=args.print_every, solver=args.solver, dtype=args.dtype)
        rows.append({"learning_rate": rate, "costs": run.report["costs"],
                     "final_cost": run.report["costs"][-1] if run.report["costs"] else None,
                     "train_accuracy": run.report["train_accuracy"], "test_accuracy": run.report["test_accuracy"]})
    if args.plot:
        learning_rates(args.plot, [(r["learning_rate"], r["costs"]) for r in rows], args.print_every)
    if args.json:
        print(json.dumps({"iterations": args.iterations, "runs": rows, "plot": args.plot}))
        return 0
    print(f"{'learning rate':>14s} {'last cost':>10s} {'train %':>8s} {'test %':>8s}")
    for r in rows:
        test = "-" if r["test_accuracy"] is None else f"{r['test_accuracy']:8.2f}"
        last = "-" if r["final_cost"] is None else f"{r['final_cost']:10.6f}"
        print(f"{r['learning_rate']:14g} {last:>10s} {r['train_accuracy']:8.2f} {test:>8s}")
    if args.plot:
        print(f"cost curves drawn to {args.plot}")
    return 0


def _export(args) -> int:
    from ..io.sources import load_h5
    from ..io.folders import export_image_folder

    data = load_h5(args.source)
    count = export_image_folder(data, args.folder)
    print(f"wrote {count} images of {data.image_shape[0]}x{data.image_shape[1]} to {args.folder} "
          f"({data.classes[0]}: {int((data.y == 0).sum())}, {data.classes[1]}: {int((data.y == 1).sum())})")
    return 0


def _explain(args) -> int:
    from ..io.atomic import check_writable
    from ..teaching.explain import explain_logistic, explain_notes, write_dot, write_png

    for path in (args.dot, args.png):
        if path:
            check_writable(path, "output")
    if args.graph == "notes":
        b = 3.0 if args.b is None else args.b
        lines, root = explain_notes(args.a, b, args.c)
        title = "J = 3(a + bc)"
    else:
        b = 0.1 if args.b is None else args.b
        lines, root = explain_logistic(args.x, args.w, b, args.y)
        title = "L(a, y) for one example"
    print("\n".join(lines))
    if args.dot:
        write_dot(args.dot, root, title)
        print(f"graph written to {args.dot}")
    if args.png:
        how = write_png(args.png, root, title)
        print(f"graph drawn to {args.png} (with {how})")
    return 0


def _bench(args) -> int:
    from ..teaching.vectorization import dot_product, gradient_step
    from ..validation import count

    n = count("-n", args.n, minimum=1)
    repeat = count("--repeat", args.repeat, minimum=1)
    dot, step = dot_product(n, repeat), gradient_step(repeat=repeat)
    if args.json:
        print(json.dumps({"dot_product": dot, "gradient_step": step}))
        return 0
    print(f"dot product of two vectors of {n:,} elements:")
    print(f"  explicit loop: {dot['loop_seconds'] * 1e3:10.3f} ms   (c = {dot['loop_result']:.6f})")
    print(f"  np.dot:        {dot['vectorized_seconds'] * 1e3:10.3f} ms   (c = {dot['vectorized_result']:.6f})")
    print(f"  the loop is {dot['ratio']:.0f}x slower")
    print(f"one gradient step, n_x = {step['n_x']}, m = {step['m']}:")
    print(f"  two loops:     {step['loop_seconds'] * 1e3:10.3f} ms")
    print(f"  vectorized:    {step['vectorized_seconds'] * 1e3:10.3f} ms")
    print(f"  the loops are {step['ratio']:.0f}x slower; largest difference in dw: "
          f"{step['max_abs_difference_dw']:.1e}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
