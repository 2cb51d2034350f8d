"""The command line: parse, call the library, print. Nothing else lives here.

Every error a user can cause becomes one line on stderr and a non-zero exit:
1 for bad data or files, 2 for a bad command line.
"""

from __future__ import annotations

import argparse
import json
import sys

from . import __version__
from .errors import SingleNeuronError

PROG = "single-neuron"


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage error is one line (argparse prints the usage block too)."""

    def error(self, message):
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog=PROG, description="Logistic regression as a one-neuron neural network.")
    parser.add_argument("--version", action="version", version=f"{PROG} {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    commands.required = True

    train = commands.add_parser(
        "train", help="train the neuron on a data set and report costs and accuracy",
        description="Train from zeros by batch gradient descent. TRAIN is a course-format HDF5 file "
                    "(its test_* twin beside it is the test set), a folder holding such a pair, or "
                    "nothing: then scikit-learn's bundled digits, three vs eight.")
    train.add_argument("train", nargs="?", metavar="TRAIN", help="HDF5 file or folder (default: digits)")
    train.add_argument("--test", metavar="TEST", help="HDF5 file of the test set")
    train.add_argument("--learning-rate", type=float, default=0.005, metavar="A",
                       help="alpha, the gradient-descent step (default 0.005)")
    train.add_argument("--iterations", type=int, default=2000, metavar="N",
                       help="number of gradient-descent steps (default 2000)")
    train.add_argument("--print-every", type=int, default=100, metavar="K",
                       help="record and print the cost every K iterations (default 100)")
    train.add_argument("--solver", choices=("auto", "primal", "gram"), default="auto",
                       help="gradient-descent form: same iterates, different speed (default auto)")
    train.add_argument("--dtype", choices=("float64", "float32"), default="float64",
                       help="floating-point type of the training loop (default float64)")
    train.add_argument("--model-out", metavar="FILE", help="save the trained model to FILE (.npz)")
    train.add_argument("--json", action="store_true", help="print one JSON object instead of text")
    train.set_defaults(run=_train)

    predict = commands.add_parser(
        "predict", help="classify image files with a saved model",
        description="Decode each image (any common format and mode), resize it to the model's input "
                    "size, scale it as in training and print its label and probability.")
    predict.add_argument("model", metavar="MODEL", help="model file written by train --model-out")
    predict.add_argument("images", nargs="+", metavar="IMAGE", help="image files")
    predict.add_argument("--json", action="store_true", help="print one JSON object instead of text")
    predict.set_defaults(run=_predict)

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


def _train(args) -> int:
    from .data import load_training_data
    from .atomic import check_writable
    from .modelfile import save_model
    from .validation import count, positive_number
    from .workflow import train

    positive_number("--learning-rate", args.learning_rate)
    count("--iterations", args.iterations, minimum=0)
    count("--print-every", args.print_every, minimum=1)
    if args.model_out:
        check_writable(args.model_out, "model")      # before the work, so a bad path costs nothing
    train_set, test_set = load_training_data(args.train, args.test)

    def show(i, cost):
        if not args.json:
            print(f"Cost after iteration {i}: {cost:f}", flush=True)

    run = train(train_set, test_set, learning_rate=args.learning_rate, num_iterations=args.iterations,
                print_every=args.print_every, solver=args.solver, dtype=args.dtype, on_record=show)
    if args.model_out:
        save_model(args.model_out, run.model)
    report = {**run.report, "model_out": args.model_out}
    if args.json:
        print(json.dumps(report))
    else:
        print(f"train accuracy: {report['train_accuracy']} %")
        if report["test_accuracy"] is None:
            print("test accuracy: none (no test set)")
        else:
            print(f"test accuracy: {report['test_accuracy']} %")
        if args.model_out:
            print(f"model saved to {args.model_out}")
    return 0


def _predict(args) -> int:
    from .modelfile import load_model
    from .workflow import classify

    trained = load_model(args.model)
    predictions, failures = [], 0
    for path in args.images:
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


def _explain(args) -> int:
    from .explain import explain_logistic, explain_notes, write_dot, write_png
    from .atomic import check_writable

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
    from .demo_vectorization import dot_product, gradient_step
    from .validation import count

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
