"""`predict`: classify image files with a saved model, one line (or one JSON entry) each."""

from __future__ import annotations


def declare(commands) -> None:
    predict = commands.add_parser(
        "predict", help="classify image files with a saved model",
        description="Decode each image (any common format and mode), resize it to the model's input "
                    "size, scale it as in training and print its label and probability.")
    predict.add_argument("model", metavar="MODEL", help="model file written by train --model-out")
    predict.add_argument("images", nargs="+", metavar="IMAGE", help="image files")
    predict.add_argument("--json", action="store_true", help="print one JSON object instead of text")
    predict.add_argument("--quiet", action="store_true", help="no progress bar")
    predict.set_defaults(run=run)


def run(args) -> int:
    from ..app.jobs import classify
    from ..app.progress import items, wanted
    from ..errors import SingleNeuronError
    from ..io.modelfile import load_model
    from .output import fail, print_json, shown

    trained = load_model(args.model)
    predictions, failures = [], 0
    for path in items(args.images, wanted(args.quiet or len(args.images) < 20)):
        try:
            p = classify(trained, path)
        except SingleNeuronError as exc:
            failures += 1
            fail(exc)
            continue
        predictions.append(p)
        if not args.json:
            print(f"{shown(p.image)}: {shown(p.class_name)} (label {p.label}, probability of "
                  f"{shown(trained.classes[1])} {p.probability:.4f})")
    if args.json:
        print_json({"classes": list(trained.classes), "predictions": [p.as_dict() for p in predictions]})
    return 1 if failures else 0
