"""`inspect`: what a model file holds, and its weights drawn as an image."""

from __future__ import annotations



def declare(commands) -> None:
    inspect = commands.add_parser(
        "inspect", help="show what a model file holds, and draw w as an image",
        description="Print a model file's format version, input shape, classes, training settings, "
                    "accuracies and costs; with --weights, draw w in the shape of the input images "
                    "(one panel per channel and the channels together; red pushes towards class 1, "
                    "blue towards class 0).")
    inspect.add_argument("model", metavar="MODEL", help="model file written by train --model-out")
    inspect.add_argument("--weights", metavar="FILE", help="draw w as an image to FILE (.png, .svg or .pdf)")
    inspect.add_argument("--json", action="store_true", help="print one JSON object instead of text")
    inspect.set_defaults(run=run, outputs={"weights": "picture of w"}, file_inputs=("model",))


def run(args) -> int:
    from .output import print_json, shown
    from ..app.weight_maps import describe
    from ..io.modelfile import load_model

    if args.weights:                       # (main has refused a picture that would replace the model)
        from ..io.figure_writer import check_figure_path

        check_figure_path(args.weights, "picture of w")
    trained = load_model(args.model)
    facts = describe(trained)
    if args.weights:
        from ..app.weight_figures import save_weights

        save_weights(args.weights, trained)
    if args.json:
        print_json({"model": str(args.model), **facts, "weights_picture": args.weights})
        return 0
    print("\n".join(text_lines(args.model, facts)))
    if args.weights:
        print(f"w drawn to {shown(args.weights)}")
    return 0


def text_lines(path, facts: dict) -> list[str]:
    """The facts of `describe`, one line each, for a person."""
    height, width, channels = facts["input_shape"]
    zero, one = (_plain(name) for name in facts["classes"])
    settings = ", ".join(f"{_plain(key)} {_value(value)}" for key, value in sorted(facts["training"].items()))
    accuracy = ", ".join(f"{which} {facts[f'{which}_accuracy']:.2f} %" for which in ("train", "test")
                         if facts[f"{which}_accuracy"] is not None)
    return [
        f"{path}: {facts['format']}, format version {facts['format_version']}",
        f"input: {height} x {width} images, {channels} channel{'s' if channels > 1 else ''}, "
        f"n_x = {facts['n_x']} weights; pixels divided by {facts['pixel_scale']:g}",
        f"classes: 0 = {zero}, 1 = {one}",
        f"training: {settings or 'not recorded'}",
        f"accuracy: {accuracy or 'not recorded'}",
        _costs_line(facts),
        _final_cost_line(facts),
        f"b = {facts['b']:.6g}; w from {facts['w_min']:.6g} to {facts['w_max']:.6g}, "
        f"mean |w| {facts['w_mean_abs']:.6g}",
    ]


def _costs_line(facts: dict) -> str:
    """How many costs the file recorded, and at which iterations; the values are the curve's, not
    the end's (that is the final cost)."""
    count, every = facts["costs_recorded"], facts["training"].get("print_every")
    if count and _whole(every):
        where = "at iteration 0" if count == 1 else f"one every {every} iterations, from 0 to {(count - 1) * every}"
        return f"costs: {count} recorded, {where}"
    return f"costs: {count} recorded"


def _final_cost_line(facts: dict) -> str:
    """The cost at the weights the file holds, named as train --json, compare-rates and the page name it."""
    from .output import cost_text

    final = facts["final_cost"]
    if final is None:
        return "final cost: not recorded"
    training = facts["training"]
    at = training.get("best_iteration") if "best_iteration" in training else training.get("n_iter")
    return f"final cost: {cost_text(final)}" + (f", at iteration {at}" if _whole(at) else "")


def _whole(value) -> bool:
    return type(value) is int and value >= 0


def _value(value) -> str:
    return f"{value:g}" if isinstance(value, float) else _plain(value)


def _plain(value, limit: int = 80) -> str:
    """A value from the file as one short printable line: a file from anyone may hold terminal
    control characters or a megabyte of text where a name should be."""
    text = str(value)
    if not text.isprintable():
        text = text.encode("unicode_escape").decode("ascii")
    return text if len(text) <= limit else text[:limit - 3] + "..."
