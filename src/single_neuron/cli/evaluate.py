"""`evaluate`: a saved model's accuracy, precision, recall, F1, ROC AUC and confusion matrix."""

from __future__ import annotations


def declare(commands) -> None:
    evaluate = commands.add_parser(
        "evaluate", help="accuracy, precision, recall, F1, ROC AUC and confusion matrix of a model",
        description="Measure a saved model on labelled data (default: the bundled digits' test split).")
    evaluate.add_argument("model", metavar="MODEL", help="model file written by train --model-out")
    evaluate.add_argument("data", nargs="?", metavar="DATA",
                          help="an HDF5 file (its test split), a folder with an HDF5 pair (the test file) "
                               "or an image folder")
    evaluate.add_argument("--errors", metavar="FILE", help="draw the misclassified images to FILE (.png, .svg or .pdf)")
    evaluate.add_argument("--json", action="store_true", help="print one JSON object instead of text")
    evaluate.set_defaults(run=run, outputs={"errors": "picture of the errors"}, data_inputs=("data",),
                          file_inputs=("model",))


def run(args) -> int:
    from ..app.evaluation import evaluate
    from ..io.atomic import check_writable
    from ..io.modelfile import load_model
    from ..io.sources import load_evaluation_data
    from .output import print_json, shown

    if args.errors:
        from ..io.figure_writer import check_figure_path

        check_figure_path(args.errors)
    trained = load_model(args.model)
    data = load_evaluation_data(args.data, trained.input_shape, trained.classes)
    result = evaluate(trained, data)
    report = dict(result.report)
    if args.errors:
        from ..app.run_plots import misclassified

        wrong = result.wrong
        report["errors_shown"] = misclassified(args.errors, data.images[wrong], result.labels[wrong],
                                               result.predicted[wrong], result.probabilities[wrong],
                                               trained.classes)
        report["errors_plot"] = args.errors
    if args.json:
        print_json(report)
        return 0
    (tn, fp), (fn, tp) = report["confusion_matrix"]
    auc = "n/a (one class)" if report["roc_auc"] is None else f"{report['roc_auc']:.4f}"
    c0, c1 = (shown(c) for c in trained.classes)
    print(f"{report['m']} examples from {shown(report['source'])}")
    print(f"accuracy:  {report['accuracy']:.2f} %")
    print(f"precision: {report['precision']:.4f}   (of {c1})")
    print(f"recall:    {report['recall']:.4f}")
    print(f"F1:        {report['f1']:.4f}")
    print(f"ROC AUC:   {auc}")
    print(f"log loss:  {report['log_loss']:.4f}")
    width = max(len(c0), len(c1), 9)
    print("confusion matrix (rows: true, columns: predicted):")
    print(f"  {'':{width}s}  {c0:>{width}s}  {c1:>{width}s}")
    print(f"  {c0:>{width}s}  {tn:>{width}d}  {fp:>{width}d}")
    print(f"  {c1:>{width}s}  {fn:>{width}d}  {tp:>{width}d}")
    if args.errors:
        print(f"{report['errors_shown']} misclassified image(s) drawn to {shown(args.errors)}")
    return 0
