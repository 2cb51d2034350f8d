"""`train` and `compare-rates`: options in, `single_neuron.train(data, **settings)` called, results out."""

from __future__ import annotations

import re

from ..errors import InputValueError
from .interruption import should_stop
from .output import cost_text, note, print_json, shown
from ..io.limits import RESIZE_SIDE
from ..app.setting_table import BY_NAME, TABLE, options
from .options import of_setting, setting_arguments, whole


def _data_arguments(cmd) -> None:
    cmd.add_argument("data", nargs="?", metavar="DATA",
                     help="training data: a course HDF5 file, a folder holding a train_*.h5 / test_*.h5 pair, "
                          "or a folder of images with one sub-folder per class (default: the bundled digits)")
    cmd.add_argument("--test", metavar="TEST", help="test data (HDF5 file or image folder)")
    cmd.add_argument("--size", type=whole(1, RESIZE_SIDE), metavar="PX",
                     help="image folders: resize every image to PX x PX (default 64)")


def _loop_arguments(cmd, iterations: int) -> None:
    for name in ("num_iterations", "print_every", "solver", "dtype"):
        setting_arguments(cmd, BY_NAME[name], iterations if name == "num_iterations" else None)


def declare(commands) -> None:
    train = commands.add_parser(
        "train", help="train the neuron on a data set and report costs and accuracy",
        description="Train from zeros by gradient descent and print the cost every K iterations "
                    "and the train and test accuracy.")
    _data_arguments(train)
    for setting in TABLE:                    # every setting of a run, as the table declares it
        if setting.flag:
            setting_arguments(train, setting)
    train.add_argument("--model-out", metavar="FILE", help="save the trained model to FILE (.npz)")
    train.add_argument("--plot", metavar="FILE", help="draw the cost curve to FILE (.png, .svg or .pdf)")
    train.add_argument("--json", action="store_true", help="print one JSON object instead of text")
    train.add_argument("--quiet", action="store_true", help="print only the results: no cost lines, no progress bar")
    train.set_defaults(run=run_train, outputs={"model_out": "model", "plot": "plot"}, data_inputs=("data", "test"))

    rates = commands.add_parser(
        "compare-rates", help="train with several learning rates and compare them",
        description="The notes' learning-rate comparison: one run per rate, the cost curves on one "
                    "figure, and a table of train and test accuracy.")
    _data_arguments(rates)
    rates.add_argument("--rates", type=of_setting(BY_NAME["learning_rate"]), nargs="+",
                       default=[0.01, 0.001, 0.0001], metavar="A",
                       help="learning rates, numbers or auto (default 0.01 0.001 0.0001)")
    _loop_arguments(rates, 1500)
    rates.add_argument("--plot", metavar="FILE", help="draw the cost curves to FILE (.png, .svg or .pdf)")
    rates.add_argument("--json", action="store_true", help="print one JSON object instead of text")
    rates.set_defaults(run=run_compare_rates, outputs={"plot": "plot"}, data_inputs=("data", "test"))


def _settings(args) -> dict:
    """The command line's options as the keywords of `single_neuron.train`."""
    return {setting.name: getattr(args, setting.name) for setting in TABLE if hasattr(args, setting.name)}


# The library names settings as Python does; its messages name them as the command line does.
OPTIONS = options()


def _as_options(exc: Exception) -> InputValueError:
    return InputValueError(_option_names(str(exc)))


def _option_names(text: str) -> str:
    # Names with an underscore are the settings wherever they stand; plain words only where a
    # message starts with one ("seed shuffles mini-batches", not "the Dask scheduler").
    names = "|".join(name for name in OPTIONS if "_" in name)
    text = re.sub(rf"\b({names})\b", lambda m: OPTIONS[m.group(1)], text)
    return re.sub(r"^(\w+)\b(?=[ :])", lambda m: OPTIONS.get(m.group(1), m.group(1)), text)


def _skipped(report_sources) -> None:
    for source, skipped in report_sources:
        if skipped:
            note(f"skipped {len(skipped)} file(s) in {source} that are not images (first: {skipped[0]})")


def run_train(args) -> int:
    from ..io.atomic import check_writable

    settings = _checked(args)                            # refused before any file is touched
    if args.model_out:                                   # before the work, so a bad path costs nothing
        check_writable(args.model_out, "model")
    if args.plot:
        from ..io.figure_writer import check_figure_path

        check_figure_path(args.plot)
    run = _trained(args, settings)
    if args.model_out:                      # first: a model it refuses to save is the one line to say
        from ..io.modelfile import save_model

        save_model(args.model_out, run.model)
    _skipped(run.report.get("skipped", []))
    if run.report["warning"]:
        note(f"warning: {_option_names(run.report['warning'])}")
    if args.plot:
        from ..app.run_plots import cost_curve

        report = run.report
        end = report["best_iteration"] if report.get("best_iteration") is not None else report["n_iter"]
        cost_curve(args.plot, report["costs"], settings.print_every, _step_taken(report), end=end,
                   final_cost=report["final_cost"])
    report = {**run.report, "model_out": args.model_out, "plot": args.plot}
    report.pop("skipped", None)
    if args.json:
        print_json(report)
        return 0
    _print_results(args, report, _step(settings))
    return 0


def _checked(args):
    """The run's settings, checked once, and the engine's device found (a missing GPU is one line,
    before any loading)."""
    from ..app.jobs import ready
    from ..app.settings import Settings

    try:
        return ready(Settings(**_settings(args)).checked())
    except InputValueError as exc:
        raise _as_options(exc) from None


def _step(settings) -> str:
    return "epoch" if settings.batch_size else "iteration"


def _trained(args, settings):
    from ..app.jobs import train_with
    from ..app.progress import Progress, wanted

    step = _step(settings)
    with Progress(settings.num_iterations, wanted(args.quiet), unit="it" if step == "iteration" else step,
                  what="training") as progress:
        def show(i, cost):
            progress.at(i, f"cost {cost:.6f}")
            if not (args.json or args.quiet):
                progress.print(f"Cost after {step} {i}: {cost:f}")

        try:
            return train_with(settings, args.data, test=args.test, size=args.size, on_record=show,
                              should_stop=should_stop)
        except InputValueError as exc:
            raise _as_options(exc) from None


def _step_taken(report: dict) -> float:
    """The step alpha the run took: the learning rate given, or auto's 1/L."""
    return report.get("learning_rate_used", report["learning_rate"])


def _print_results(args, report: dict, step: str) -> None:
    if "learning_rate_used" in report:
        print(f"learning rate auto: {report['learning_rate_used']:.3g} (1/L)")
    if "restarts" in report:
        print(f"accelerated descent: {report['restarts']} restart(s) of the momentum")
    if args.validation_fraction is not None:
        print(_early_stopping_line(report, step))
    print(f"train accuracy: {report['train_accuracy']} %")
    if report["test_accuracy"] is None:
        print("test accuracy: none (no test set)")
    else:
        print(f"test accuracy: {report['test_accuracy']} %")
    for path, what in ((args.model_out, "model saved to"), (args.plot, "cost curve drawn to")):
        if path:
            print(f"{what} {shown(path)}")


def _early_stopping_line(report: dict, step: str) -> str:
    held = f"{report['m_validation']} examples held out"
    if report["best_iteration"] is None:
        return f"validation: {held}, no {step} run"
    ended = (f"stopped at {step} {report['n_iter']}" if report["stopped"] == "converged"
             else f"ran all {report['n_iter']} {step}s")
    return (f"validation: {held}; {ended}; kept the weights of {step} {report['best_iteration']}, "
            f"validation cost {report['validation_cost']:f}")


def run_compare_rates(args) -> int:
    from ..app.jobs import rate_text, train
    from ..io.sources import load_training_data

    if args.plot:
        from ..io.figure_writer import check_figure_path

        check_figure_path(args.plot)
    train_set, test_set = load_training_data(args.data, args.test, size=args.size)
    _skipped([(d.source, d.skipped) for d in (train_set, test_set) if d is not None])
    rows = []
    for rate in args.rates:
        run = train(train_set, test=test_set, learning_rate=rate, num_iterations=args.num_iterations,
                    print_every=args.print_every, solver=args.solver, dtype=args.dtype,
                    should_stop=should_stop)
        if run.report["warning"]:
            note(f"warning: learning rate {rate_text(run.report)}: {_option_names(run.report['warning'])}")
        used = {"learning_rate_used": run.report["learning_rate_used"]} if rate == "auto" else {}
        rows.append({"learning_rate": rate, **used, "costs": run.report["costs"], "n_iter": run.report["n_iter"],
                     "final_cost": run.report["final_cost"],
                     "train_accuracy": run.report["train_accuracy"], "test_accuracy": run.report["test_accuracy"]})
    if args.plot:
        from ..app.run_plots import learning_rates

        learning_rates(args.plot, [{**r, "learning_rate": _step_taken(r)} for r in rows], args.print_every)
    if args.json:
        print_json({"iterations": args.num_iterations, "runs": rows, "plot": args.plot})
        return 0
    print(f"{'learning rate':>14s} {'final cost':>10s} {'train %':>8s} {'test %':>8s}")
    for r in rows:
        test = "-" if r["test_accuracy"] is None else f"{r['test_accuracy']:8.2f}"
        cost = r["final_cost"]
        last = "-" if cost is None else cost_text(cost)
        print(f"{rate_text(r):>14s} {last:>10s} {r['train_accuracy']:8.2f} {test:>8s}")
    if args.plot:
        print(f"cost curves drawn to {shown(args.plot)}")
    return 0
