"""Every setting of a run, declared once: its default, its check, the command line's option, which
routes honour it, and where else it appears (the estimator, the course's functions, the page).

Every surface is derived from this table: `Settings` (and so `single_neuron.train`), the
options of `single-neuron train` and `compare-rates`, `SingleNeuronClassifier`'s parameter
check, the page's training request. A new setting is one entry here plus the code that uses it.

Each check is a function of `validation` (check(name, value) -> the value, normalised, or
InputValueError "name: expected ..., got ..."), so the course's functions, which may not import
this layer, check their settings with the very same functions, and every surface refuses a
value with the same words. One rule per setting: where the surfaces once disagreed (the page
refused learning rates above 1000, the command line took them) the table takes what any surface
took; a rate that diverges is reported by the run's advice, not refused.

`needs(settings)` is the setting's rule about the others: the reason this combination cannot
be honoured by any route, or None. The matrix those rules make:

| setting          | numpy (primal) | numpy (gram) | torch / cupy | dask | streamed file (memory_limit) |
| ---------------- | -------------- | ------------ | ------------ | ---- | ---------------------------- |
| full batch       | yes            | yes          | yes          | yes  | yes                          |
| batch_size, seed | yes            | refused      | yes          | yes  | yes                          |
| l2               | yes            | yes          | yes          | yes  | yes                          |
| sample_weight    | yes            | yes          | yes          | yes  | yes                          |
| tol (early stop) | yes            | yes          | yes          | yes  | yes                          |
| validation_fraction | yes         | yes          | yes          | yes (in memory) | refused               |
| dtype float32    | yes            | yes          | yes          | yes  | yes                          |
| learning_rate auto | yes          | yes          | yes          | yes  | yes                          |
| accelerated, gtol | yes (full batch) | yes        | yes          | yes  | yes                          |
| centered         | yes            | refused      | yes          | yes  | yes                          |

(gram needs every example at every step and K in memory; it runs on NumPy only, and its
coordinates are combinations of examples, where the intercept cannot be moved to the mean. The
held-out examples of validation_fraction are kept in memory, so a file read in chunks,
by the stream or by Dask's workers, cannot have them.)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from .. import validation as check
from ..errors import InputValueError
from ..io.limits import COSTS
from ..neuron.centering import centering_refusal
from ..neuron.descent import acceleration_refusal
from ..neuron.passes import ENGINES, SOLVERS

EVERY_ROUTE = "every route"


@dataclass(frozen=True)
class Setting:
    """One setting of a run.

    name: its Python name (`Settings`, `single_neuron.train`); default: its value when not
    given (None: off); type: its annotation; check: a `validation` function; flag, metavar,
    help: the command line's option (flag None: not an option); read: how the command line
    reads its text ("number", "whole", "choice", "text": as the check reads it, "rate": a number or
    "auto", "flag": an option without a value, "free": any text, as given); routes: which routes honour it, in
    words; needs: the rule about the other settings; estimator: the estimator's parameter
    name (None: not a parameter); course: a keyword of the course's `optimize` and `model`;
    page: the field of the page's training request (None: the page does not expose it).
    """

    name: str
    default: object
    type: str
    check: Callable[[str, object], object]
    help: str
    flag: str | None = None
    metavar: str | None = None
    read: str = "number"
    routes: str = EVERY_ROUTE
    needs: Callable[[object], str | None] | None = None
    estimator: str | None = None
    course: bool = False
    page: str | None = None

    @property
    def choices(self) -> tuple | None:
        return getattr(self.check, "values", None)

    def checked(self, value, name: str | None = None):
        """`value` checked (None passes where the setting's default is None: the setting is off)."""
        if value is None and self.default is None:
            return None
        return self.check(name or self.name, value)


def _costs_recorded(s) -> str | None:
    recorded = -(-s.num_iterations // s.print_every)       # a cost every print_every iterations
    if recorded > COSTS:
        return (f"num_iterations {s.num_iterations:,} with print_every {s.print_every:,} would record "
                f"{recorded:,} costs, more than the {COSTS:,} a model file holds (raise print_every)")
    return None


def _gram(s) -> str | None:
    if s.solver != "gram":
        return None
    if s.batch_size is not None:
        return "solver gram needs every example at every step: it cannot run mini-batches (use solver auto or primal)"
    if s.engine != "numpy" or s.memory_limit is not None:
        return ("solver gram keeps K = X.T X in memory on NumPy: it cannot run on another engine or stream a "
                "file (use solver auto or primal)")
    return None


def _when(condition: Callable[[object], bool], message) -> Callable[[object], str | None]:
    """A rule: `message` (text, or a function of the settings) when `condition(settings)` holds."""
    return lambda s: (message(s) if callable(message) else message) if condition(s) else None


DASK_ONLY = "scheduler and chunk_rows are settings of the dask engine: they need engine dask"

TABLE: tuple[Setting, ...] = (
    Setting("learning_rate", 0.005, "float | str", check.learning_rate,
            "alpha, the gradient-descent step (default 0.005), or auto: 1/L from the cost's curvature, L the "
            "largest eigenvalue of X X^T / (4m) (+ the L2 term), found in a few passes over the data",
            "--learning-rate", "A", read="rate", estimator="learning_rate", course=True, page="rates"),
    Setting("accelerated", False, "bool", check.flag,
            "Nesterov's accelerated steps, the momentum restarted when it points uphill (with --learning-rate "
            "auto: no step to choose)", "--accelerated", read="flag", routes="full batch",
            needs=lambda s: acceleration_refusal(s.accelerated, None, s.batch_size),
            estimator="accelerated", course=True),
    Setting("centered", False, "bool", check.flag,
            "step in centred coordinates, the intercept measured at the examples' mean: the same cost, model and "
            "minimum; on features far from centred (pixels in [0, 1]) a far larger step auto and far fewer steps",
            "--centered", read="flag", routes="every route but gram",
            needs=lambda s: centering_refusal(s.centered, s.solver), estimator="centered"),
    Setting("num_iterations", 2000, "int", check.iterations, "number of gradient-descent steps (default {default})",
            "--iterations", "N", read="whole", estimator="max_iter", course=True, page="iterations"),
    Setting("print_every", 100, "int", check.at_least_one, "record the cost every K iterations (default 100)",
            "--print-every", "K", read="whole", needs=_costs_recorded, estimator="print_every", course=True,
            page="print_every"),
    Setting("solver", "auto", "str", check.one_of(*SOLVERS),
            "gradient-descent form: same iterates, different speed (default auto)", "--solver", read="choice",
            routes="gram: numpy in memory, full batch", needs=_gram, estimator="solver", course=True),
    Setting("dtype", "float64", "str", check.float_type, "floating-point type of the training loop (default float64)",
            "--dtype", read="choice", estimator="dtype", course=True),
    Setting("l2", 0.0, "float", check.non_negative_number,
            "L2 penalty: adds LAMBDA / (2m) ||w||^2 to the cost (default 0)", "--l2", "LAMBDA",
            estimator="l2", course=True),
    Setting("batch_size", None, "int | None", check.at_least_one,
            "mini-batch gradient descent with batches of B examples (1: stochastic); --iterations then counts "
            "epochs", "--batch-size", "B", read="whole", routes="every route but gram"),
    Setting("seed", None, "int | None", check.seed, "seed of the mini-batch shuffling (default 0)", "--seed",
            read="whole", routes="with batch_size or validation_fraction",
            needs=_when(lambda s: s.seed is not None and s.batch_size is None and s.validation_fraction is None,
                        "seed shuffles mini-batches or draws the validation examples: it needs batch_size or "
                        "validation_fraction")),
    Setting("tol", None, "float | None", check.non_negative_number,
            "early stopping on the cost's fall: stop once the cost (with --validation-fraction, the validation "
            "cost) has not fallen by more than T below its lowest value for --n-iter-no-change iterations; the "
            "cost is watched once it has fallen below its start", "--tol", "T", estimator="tol"),
    Setting("gtol", None, "float | None", check.non_negative_number,
            "stop on the gradient's size: once the norm sqrt(||dw||^2 + db^2) is at most G times its norm at "
            "the first step", "--gtol", "G", routes="full batch",
            needs=lambda s: acceleration_refusal(False, s.gtol, s.batch_size),
            estimator="gtol"),
    Setting("n_iter_no_change", None, "int | None", check.at_least_one,
            "early stopping: iterations without improvement before stopping (default 5)", "--n-iter-no-change", "N",
            read="whole", routes="with tol or validation_fraction", estimator="n_iter_no_change",
            needs=_when(lambda s: s.n_iter_no_change is not None and s.tol is None and s.validation_fraction is None,
                        "n_iter_no_change counts iterations for early stopping: it needs tol or validation_fraction")),
    Setting("validation_fraction", None, "float | None", check.fraction,
            "early stopping on held-out examples: hold out this share of the training set (drawn from --seed, by "
            "class), stop once their cost stops falling (--tol, default 0) and keep the best weights",
            "--validation-fraction", "F", routes="data in memory",
            needs=_when(lambda s: s.validation_fraction is not None and s.memory_limit is not None,
                        "validation_fraction holds examples out in memory: it cannot be used when memory_limit "
                        "streams a file (leave one of them out)")),
    Setting("memory_limit", None, "int | str | None", check.memory_size,
            "out-of-core: stream an HDF5 file in chunks within SIZE (e.g. 256MB), with the exact full-batch "
            "gradient", "--memory-limit", "SIZE", read="text", routes="streamed file, numpy engine",
            needs=_when(lambda s: s.memory_limit is not None and s.engine != "numpy",
                        lambda s: f"memory_limit streams a file through NumPy; the {s.engine} engine keeps its own "
                                  "memory (leave one of them out)")),
    Setting("engine", "numpy", "str", check.one_of(*ENGINES), "array engine of the training loop (default numpy)",
            "--engine", read="choice", estimator="engine"),
    Setting("device", None, "str | None", check.text, "torch: cuda (default) or cpu", "--device", "DEV",
            read="free", routes="torch, cupy", estimator="device",
            needs=_when(lambda s: s.device is not None and s.engine not in ("torch", "cupy"),
                        lambda s: f"device chooses a GPU for the torch or cupy engine, not for {s.engine}")),
    Setting("scheduler", None, "str | None", check.text,
            "dask: address of a running scheduler (default: a local cluster of 2 workers)", "--scheduler",
            "ADDRESS", read="free", routes="dask",
            needs=_when(lambda s: s.scheduler is not None and s.engine != "dask", DASK_ONLY)),
    Setting("chunk_rows", None, "int | None", check.at_least_one, "dask: examples per chunk (default 4096)",
            "--chunk-rows", "N", read="whole", routes="dask",
            needs=_when(lambda s: s.chunk_rows is not None and s.engine != "dask", DASK_ONLY)),
)

BY_NAME = {setting.name: setting for setting in TABLE}


def check_values(values: dict, names: dict | None = None) -> dict:
    """`values` ({setting: value}) with each value checked by its setting's check, named in messages
    as `names` says (default: the setting's own name); raises InputValueError."""
    names = names or {}
    out = {}
    for key, value in values.items():
        if key not in BY_NAME:
            raise InputValueError(f"{key}: not a setting of a run (the settings: {', '.join(BY_NAME)})")
        out[key] = BY_NAME[key].checked(value, names.get(key))
    return out


def refusal(settings) -> str | None:
    """The first reason no route can honour `settings` together, or None."""
    for setting in TABLE:
        if setting.needs is not None:
            reason = setting.needs(settings)
            if reason is not None:
                return reason
    return None


def options() -> dict:
    """{setting: its command-line option}, for messages written in the command line's words."""
    return {setting.name: setting.flag for setting in TABLE if setting.flag}
