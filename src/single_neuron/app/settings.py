"""How to train: every setting of a run, checked, and the rules of which settings combine.

One place decides what a run may ask for, for the command line and Python alike:
each value is checked (finite, in range), and a combination that a route cannot
honour is refused with the reason, never dropped or misreported. The matrix:

| setting          | numpy (primal) | numpy (gram) | torch / cupy | dask | streaming (memory_limit) |
| ---------------- | -------------- | ------------ | ------------ | ---- | ------------------------ |
| full batch       | yes            | yes          | yes          | yes  | yes                      |
| batch_size, seed | yes            | refused      | yes          | yes  | yes                      |
| l2               | yes            | yes          | yes          | yes  | yes                      |
| sample_weight    | yes            | yes          | yes          | yes  | yes                      |
| tol (early stop) | yes            | yes          | yes          | yes  | yes                      |
| validation_fraction | yes         | yes          | yes          | yes (in memory) | refused           |
| dtype float32    | yes            | yes          | yes          | yes  | yes                      |

(gram needs every example at every step and K in memory; it runs on NumPy only. The
held-out examples of validation_fraction are kept in memory, so a file read in chunks,
by the stream or by Dask's workers, cannot have them.)
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace

from .. import validation as check
from ..errors import InputValueError
from ..io.limits import COSTS

ENGINES = ("numpy", "torch", "cupy", "dask")
SOLVERS = ("auto", "primal", "gram")
DEFAULT_CHUNK_ROWS = 4096
DEFAULT_PATIENCE = 5


@dataclass(frozen=True)
class Settings:
    """A run's settings; the defaults are the course's (learning rate 0.005, 2,000 iterations,
    a cost recorded every 100) on NumPy in memory, full batch."""

    learning_rate: float = 0.005
    num_iterations: int = 2000
    print_every: int = 100
    solver: str = "auto"
    dtype: str = "float64"
    l2: float = 0.0
    batch_size: int | None = None      # mini-batch gradient descent; None is the full batch
    seed: int | None = None            # shuffles the mini-batches (default 0)
    tol: float | None = None           # early stopping: the least fall in cost that counts
    n_iter_no_change: int | None = None  # early stopping: iterations without it (default 5)
    validation_fraction: float | None = None  # early stopping on this share of the training examples,
                                              # held out (tol then defaults to 0); the best w, b are kept
    engine: str = "numpy"              # numpy, torch, cupy, dask
    device: str | None = None          # torch: cuda (default) or cpu
    memory_limit: int | str | None = None  # stream an HDF5 file within this many bytes ("256MB")
    scheduler: str | None = None       # dask: a scheduler address; None starts a local cluster
    chunk_rows: int | None = None      # dask: examples per chunk (default 4096)

    def checked(self) -> Settings:
        """These settings with every value checked and normalised; raises InputValueError for a
        value out of range or a combination no route can honour."""
        s = replace(
            self,
            learning_rate=check.positive_number("learning_rate", self.learning_rate),
            num_iterations=check.iterations("num_iterations", self.num_iterations),
            print_every=check.count("print_every", self.print_every, minimum=1),
            dtype=str(check.check_dtype(self.dtype)),
            l2=check.non_negative_number("l2", self.l2),
            batch_size=None if self.batch_size is None else check.count("batch_size", self.batch_size, minimum=1),
            seed=None if self.seed is None else check.count("seed", self.seed, maximum=2**63 - 1),
            tol=None if self.tol is None else check.non_negative_number("tol", self.tol),
            n_iter_no_change=(None if self.n_iter_no_change is None
                              else check.count("n_iter_no_change", self.n_iter_no_change, minimum=1)),
            validation_fraction=_fraction("validation_fraction", self.validation_fraction),
            memory_limit=_memory_limit(self.memory_limit),
            chunk_rows=None if self.chunk_rows is None else check.count("chunk_rows", self.chunk_rows, minimum=1),
        )
        if s.solver not in SOLVERS:
            raise InputValueError(f"solver: expected one of {', '.join(SOLVERS)}, got {s.solver!r}")
        if s.engine not in ENGINES:
            raise InputValueError(f"engine: expected one of {', '.join(ENGINES)}, got {s.engine!r}")
        s._refuse_what_no_route_honours()
        if s.validation_fraction is not None and s.tol is None:
            s = replace(s, tol=0.0)            # early stopping on the held-out cost: any fall counts
        return s

    def _refuse_what_no_route_honours(self) -> None:
        def refuse(message):
            raise InputValueError(message)

        recorded = -(-self.num_iterations // self.print_every)       # a cost every print_every iterations
        if recorded > COSTS:
            refuse(f"num_iterations {self.num_iterations:,} with print_every {self.print_every:,} would record "
                   f"{recorded:,} costs, more than the {COSTS:,} a model file holds (raise print_every)")
        if self.seed is not None and self.batch_size is None and self.validation_fraction is None:
            refuse("seed shuffles mini-batches or draws the validation examples: it needs batch_size or "
                   "validation_fraction")
        if self.n_iter_no_change is not None and self.tol is None and self.validation_fraction is None:
            refuse("n_iter_no_change counts iterations for early stopping: it needs tol or validation_fraction")
        if self.validation_fraction is not None and self.memory_limit is not None:
            refuse("validation_fraction holds examples out in memory: it cannot be used when memory_limit "
                   "streams a file (leave one of them out)")
        if self.solver == "gram":
            if self.batch_size is not None:
                refuse("solver gram needs every example at every step: it cannot run mini-batches "
                       "(use solver auto or primal)")
            if self.engine != "numpy" or self.memory_limit is not None:
                refuse("solver gram keeps K = X.T X in memory on NumPy: it cannot run on another engine "
                       "or stream a file (use solver auto or primal)")
        if self.memory_limit is not None and self.engine != "numpy":
            refuse(f"memory_limit streams a file through NumPy; the {self.engine} engine keeps its own "
                   "memory (leave one of them out)")
        if self.device is not None and self.engine not in ("torch", "cupy"):
            refuse(f"device chooses a GPU for the torch or cupy engine, not for {self.engine}")
        if self.engine != "dask" and (self.scheduler is not None or self.chunk_rows is not None):
            refuse("scheduler and chunk_rows are settings of the dask engine: they need engine dask")

    @property
    def seed_or_default(self) -> int:
        return 0 if self.seed is None else self.seed

    @property
    def patience(self) -> int:
        return DEFAULT_PATIENCE if self.n_iter_no_change is None else self.n_iter_no_change

    def recorded(self) -> dict:
        """The settings that were set, for a report and a model file's metadata."""
        return {k: v for k, v in asdict(self).items() if v is not None}


def _fraction(name: str, value) -> float | None:
    """None, or a number strictly between 0 and 1."""
    if value is None:
        return None
    out = check.scalar(name, value)
    if not 0 < out < 1:
        raise InputValueError(f"{name}: expected a number between 0 and 1 (both excluded), got {value}")
    return out


def _memory_limit(value) -> int | None:
    if value is None:
        return None
    from ..sizes import MAX_SIZE, parse_size

    if isinstance(value, str):
        return parse_size(value)
    return check.count("memory_limit", value, minimum=1, maximum=MAX_SIZE)
