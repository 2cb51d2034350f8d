"""`predict`: classify image files (or every image in folders) with a saved model.

One result per image, as text lines, CSV rows or one JSON object. The run is a
pipeline of small steps, each its own function: the IMAGE arguments become a list
of files (`app.model.image_files`), each file is classified, and each result goes to the
chosen output (`TextOutput`, `CsvOutput`, `JsonOutput`). An option that does more
per image adds a step in the loop of `run`.
"""

from __future__ import annotations

from .output import fail, note, print_json, shown
from .options import probability


def declare(commands) -> None:
    predict = commands.add_parser(
        "predict", help="classify image files, or every image in folders, with a saved model",
        description="Decode each image (any common format and mode), resize it to the model's input "
                    "size, scale it as in training and print its label and the probability of the second "
                    "class. A folder stands for every image inside it, sub-folders included.")
    predict.add_argument("model", metavar="MODEL", help="model file written by train --model-out")
    predict.add_argument("images", nargs="+", metavar="IMAGE", help="image files or folders of images")
    predict.add_argument("--threshold", type=probability, default=0.5, metavar="T",
                         help="label 1 when the probability of the second class is above T (default 0.5)")
    formats = predict.add_mutually_exclusive_group()
    formats.add_argument("--json", action="store_true", help="print one JSON object instead of text")
    formats.add_argument("--csv", action="store_true",
                         help="print CSV instead of text: a header (image,label,class,probability of "
                              "CLASS1), then one row per image")
    predict.add_argument("--quiet", action="store_true", help="print only the results: no progress bar")
    predict.add_argument("--explain", metavar="FOLDER",
                         help="also draw each image explained (the file, the model's view of it, which "
                              "pixels pushed towards which class) into FOLDER, a new folder")
    predict.set_defaults(run=run, folders={"explain": "folder of explanations"}, file_inputs=("model", "images"))


def run(args) -> int:
    from ..app.model import classify, image_files
    from ..app.progress import Progress, wanted
    from ..errors import SingleNeuronError
    from ..io.modelfile import load_model

    trained = load_model(args.model)
    listed = image_files(args.images)
    for message in listed.missing:
        fail(message)
    for message in listed.notes:
        note(message)
    files, failures = listed.files, len(listed.missing)
    classified = []
    output = (JsonOutput if args.json else CsvOutput if args.csv else TextOutput)(trained.classes)
    # A bar only where there is something to wait for.
    with Progress(len(files), wanted(args.quiet) and len(files) >= 20, unit="image", what="images") as progress:
        for path in files:
            try:
                prediction = classify(trained, path, args.threshold)
            except SingleNeuronError as exc:
                failures += 1
                with progress.paused():
                    fail(exc)
                progress.advance()
                continue
            output.add(prediction, progress.print)
            classified.append(prediction.image)
            progress.advance()
    output.end()
    if args.explain:
        from ..app.weight_figures import save_explanations

        written = save_explanations(args.explain, trained, classified)
        if not written:
            note(f"no image explained: none could be read, so {args.explain} was not made")
        elif not (args.json or args.csv):
            print(f"{len(written)} image{'s' * (len(written) != 1)} explained in {shown(args.explain)}")
    return 1 if failures else 0


class TextOutput:
    """One line per image: `IMAGE: CLASS (label L, probability of CLASS1 p)`.

    Every output takes the model's class names, then each prediction through `add(prediction,
    print_line)` (print_line writes one line of results, clear of any progress bar), then
    `end()`."""

    def __init__(self, classes):
        self.classes = classes

    def add(self, p, print_line) -> None:
        print_line(f"{shown(p.image)}: {shown(p.class_name)} (label {p.label}, probability of "
                   f"{shown(self.classes[1])} {p.probability:.4f})")

    def end(self) -> None:
        pass


class CsvOutput(TextOutput):
    """A header row, then one row per image: image, label, class, and the probability of class 1 (in full)."""

    def __init__(self, classes):
        import csv
        import io

        super().__init__(classes)
        self._buffer = io.StringIO()
        self._writer = csv.writer(self._buffer, lineterminator="\n")
        self._row(["image", "label", "class", f"probability of {shown(classes[1])}"], print)

    def _row(self, cells, print_line) -> None:
        self._writer.writerow(cells)
        print_line(self._buffer.getvalue().rstrip("\n"))
        self._buffer.seek(0)
        self._buffer.truncate()

    def add(self, p, print_line) -> None:
        self._row([shown(p.image), p.label, shown(p.class_name), repr(p.probability)], print_line)


class JsonOutput(TextOutput):
    """One JSON object, written at the end: the classes and every prediction."""

    def __init__(self, classes):
        super().__init__(classes)
        self.predictions = []

    def add(self, p, print_line) -> None:
        self.predictions.append(p.as_dict())

    def end(self) -> None:
        print_json({"classes": list(self.classes), "predictions": self.predictions})
