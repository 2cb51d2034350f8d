"""The one gradient-descent loop, for every route.

It minimises the notes' cost, optionally weighted and L2-regularised,

    J(w, b) = sum_i s_i L(sigmoid(w.T x_i + b), y_i) / M + l2 / (2 M) * ||w||^2

(s_i = 1 and M = m by default; with sample weights M = sum_i s_i, so a weight of 2
is the same as the example written twice), by the notes' step

    dw = X (s * dZ).T / M_B + l2 / M * w,   db = sum(s * dZ) / M_B
    w := w - alpha dw,                       b := b - alpha db

where M_B is the weight of the batch the step uses (all examples by default, or a
mini-batch). `descend` holds w and b and makes every step itself, on every route. Beside
it are the small pieces it calls: `Step` forms alpha dw and alpha db (the learning rate
and L2 are applied there), `Batches` is the mini-batch schedule (a pass learns the batch
size from the loop's `Plan` when it starts), `Watch` records the cost every
`record_every` iterations (before that iteration's update, as the course records them)
and stops a run whose cost leaves the finite numbers, and `EarlyStopping` and `HeldOut`
stop on the training cost or on the cost of held-out examples, keeping the best
parameters. `Momentum` turns the plain steps into Nesterov's accelerated ones and
`GradientSize` stops on the gradient's size; the step 1/L from the cost's curvature is
`curvature.lipschitz`'s.

What varies between routes is only where a pass over the data runs. A route hands the
loop a `Pass`, which, for given parameters, returns the sums of the gradient over its data
(and the loss, in the same pass where that saves a read); a pass never changes w or b. It
may hold them in its own coordinates and numbers: the Gram form holds w = shrink w0 + X c.T
as u = [shrink, c], whose gradient sums are [0, s dZ], and its extended-precision form
holds u and b as an extended-precision anchor plus a float64 residual (see
`single_neuron.engines.in_memory`). The step is linear, so the loop makes it the same way
in any coordinates, and in the precision of the numbers the pass returns.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Callable, Protocol

import numpy as np

from ..errors import DivergenceError, InputValueError
from .formulas import to_numpy

RecordHook = Callable[[int, float], None]
# on_weights(i, current): current() returns (w, b) at the recorded iteration i, computed only when
# called (in the Gram form w = X c.T costs a product), and valid until the hook returns.
WeightsHook = Callable[[int, Callable[[], tuple[object, float]]], None]
ValidationCost = Callable[[object, float], float]     # (w (n_x, 1), b) -> the held-out examples' cost


@dataclass
class Trajectory:
    """What a gradient-descent run leaves: final parameters, last gradients, costs."""

    w: object                # (n_x, 1), on the route's engine
    b: float
    dw: object               # (n_x, 1), the gradient at the parameters of the last step taken
    db: float
    n_iter: int = 0          # steps made, counted in iterations (epochs for mini-batches)
    costs: list[float] = field(default_factory=list)
    solver: str = "primal"
    stopped: str = "done"    # "done", "converged" (early stopping) or "requested"
    lowest_cost: float | None = None   # with early stopping: the lowest training cost seen,
    last_cost: float | None = None     # the last one evaluated (above the lowest: the cost rose)
    highest_cost: float | None = None  # and the highest (a cost far above its start: it diverged)
    validation_costs: list[float] = field(default_factory=list)  # held-out cost at each recorded cost
    best_iteration: int | None = None  # with a validation cost: the iteration whose w, b are returned
    best_validation_cost: float | None = None
    final_cost: float | None = None    # the cost at the parameters returned (None if no step was made)
    learning_rate: float | None = None  # the step alpha taken (1/L for learning_rate "auto")
    restarts: int | None = None        # accelerated descent: how many times the momentum restarted
    gradient_start: float | None = None  # sqrt(||dw||^2 + db^2) at the first step
    gradient_end: float | None = None    # and of the last gradient taken (`dw`, `db`)


@dataclass(frozen=True)
class Plan:
    """What the loop tells a pass before the first step. A pass sizes its buffers for
    `batch_size` (None: every example at every step) or refuses it; a pass that chooses its
    precision from how far a step may overshoot reads `learning_rate` and `l2`."""

    learning_rate: float
    l2: float = 0.0
    batch_size: int | None = None


class Pass(Protocol):
    """A route's pass over its data, for the loop.

    n_x, m: the data's size; total_weight: M, the number of examples or the sum of
    their weights. w is held in the pass's coordinates (w itself, or the Gram form's u)
    and b in its numbers; `index` is a sorted array of example indices (a mini-batch) or
    None for every example.
    """

    n_x: int
    m: int
    total_weight: float
    solver: str

    def start(self, w0, b0, plan: Plan) -> tuple:
        """(w, b) at w0 (n_x, 1) and b0, in the pass's coordinates and numbers: new objects,
        which the loop changes in place."""

    def gradient(self, w, b, index, want_loss: bool) -> tuple:
        """(dw_sum, db_sum, loss, weight) over the examples of `index`: dw_sum = X (s dZ).T in the
        pass's coordinates, db_sum = sum(s dZ), loss = sum(s L) if asked (else None) and weight
        = sum(s), in the pass's numbers (the step takes their precision). dw_sum may be the
        pass's own buffer, valid until its next call of gradient()."""

    def loss(self, w, b): ...                          # sum of s L over every example

    def norm_sq(self, w) -> float: ...                 # ||w||^2

    def weights(self, w): ...                          # w (n_x, 1), from the pass's coordinates

    def dot(self, v, w) -> float: ...                  # v.w of the w-space vectors they stand for

    def curvature_operator(self) -> tuple:
        """(size, times): a symmetric operator on float64 NumPy vectors (size,) whose largest
        eigenvalue is that of X_aug diag(s) X_aug.T (see `curvature`)."""


def descend(data: Pass, w0, b0, num_iterations: int, learning_rate: float | str, *, l2: float = 0.0,
            record_every: int = 100, batch_size: int | None = None, seed: int = 0,
            tol: float | None = None, n_iter_no_change: int = 5, on_record: RecordHook | None = None,
            should_stop: Callable[[], bool] | None = None, on_weights: WeightsHook | None = None,
            validation: ValidationCost | None = None, accelerated: bool = False,
            gtol: float | None = None, centered: bool = False) -> Trajectory:
    """Run gradient descent from (w0, b0) over `data`; the arguments are already checked.

    Full batch by default; with `batch_size`, each iteration is an epoch that visits
    the examples in an order shuffled from `seed`, one step per batch, and the cost
    is recorded over every example. With `tol`, the cost is evaluated at every
    iteration and the run ends once it has failed to fall more than `tol` below its
    best value for `n_iter_no_change` iterations in a row, counted once it has fallen
    below its first value (see `EarlyStopping`). With `validation(w, b)`, the
    cost of held-out examples (needs `tol`), early stopping watches that cost instead,
    and the run returns the parameters at which it was lowest (`best_iteration`); dw
    and db stay the gradient of the last step taken. `should_stop()` is asked before
    every iteration. `on_weights(i, current)` follows `on_record` at each recorded cost,
    for a caller that shows w as it changes. A cost that is not a finite number raises
    DivergenceError, with advice.

    learning_rate "auto" takes the step 1/L from the cost's curvature (`curvature.lipschitz`,
    a few passes over the data first). `accelerated` makes Nesterov's steps (`Momentum`).
    With `gtol`, the run ends (stopped "converged") once the gradient's norm
    sqrt(||dw||^2 + db^2) is at most gtol times its norm at the start. The run's report
    gives the step taken and the gradient's norm at its first and last steps. `centered` steps
    in centred coordinates (`centering.Centered`: the same cost and model, the intercept
    measured at the examples' mean); the hooks, the validation cost and the report still see b.
    """
    check_acceleration(accelerated, gtol, batch_size)
    data, centering, on_weights, validation = _coordinates(data, centered, on_weights, validation)
    alpha = step_size(data, learning_rate, l2)
    w, b = data.start(w0, b0, Plan(alpha, l2, batch_size))
    step = Step(alpha, l2 / data.total_weight)
    batches = Batches(data.m, batch_size, seed)
    held_out = None if validation is None else HeldOut(validation, data)
    stopping = None if tol is None else EarlyStopping(tol, n_iter_no_change)
    watch = Watch(data, l2, alpha, record_every, on_record, on_weights, held_out, stopping)
    momentum = Momentum(data) if accelerated else None
    gradient = GradientSize(data, step, gtol)
    done, stopped = 0, "done"
    # Overflow is found by the finiteness checks and reported as one error, not as NumPy's
    # warnings half-way through.
    with np.errstate(over="ignore", invalid="ignore", divide="ignore", under="ignore"):
        for i in range(num_iterations):
            if should_stop is not None and should_stop():
                stopped = "requested"
                break
            sums = None                   # the full batch's gradient, when it came with the cost
            if watch.due(i):
                if batches.full:
                    sums = data.gradient(w, b, None, True)
                loss = data.loss(w, b) if sums is None else sums[2]
                if watch.converged(i, loss, w, b):
                    stopped = "converged"
                    if sums is not None:
                        step.keep(sums, w)    # dw, db: the gradient at the parameters returned
                    break
            w, b, small = _epoch(data, w, b, sums, batches, step, momentum, gradient)
            if small:
                stopped = "converged"
                break
            done += 1
        if held_out is not None:
            w, b = held_out.finish(done, stopped, w, b)
        run = _trajectory(data, w, b, step, watch, done, stopped)
    run = _with_steps(run, alpha, gradient, momentum, step)
    return run if centering is None else centering.finish(run)


def _coordinates(data: Pass, centered: bool, on_weights, validation) -> tuple:
    """(the pass the loop steps in, its `Centered` wrapper or None, the hooks it calls): with
    `centered`, the pass in centred coordinates and the hooks that turn them back into b."""
    if not centered:
        return data, None, on_weights, validation
    from .centering import Centered, centering_refusal

    reason = centering_refusal(True, data.solver)
    if reason is not None:
        raise InputValueError(reason)
    centering = Centered(data)
    return centering, centering, centering.watching(on_weights), centering.validating(validation)


def _with_steps(run: Trajectory, alpha: float, gradient: GradientSize, momentum: Momentum | None,
                step: Step) -> Trajectory:
    """The report's account of the steps: the step taken, the restarts, the gradient's size."""
    run.learning_rate, run.gradient_start = alpha, gradient.start
    run.restarts = None if momentum is None else momentum.restarts
    if step.dw_sum is not None:
        dw = to_numpy(run.dw)
        run.gradient_end = math.sqrt(float(np.vdot(dw, dw)) + run.db * run.db)
    return run


def _epoch(data: Pass, w, b, sums, batches: Batches, step: Step, momentum: Momentum | None,
           gradient: GradientSize) -> tuple:
    """One iteration's steps from (w, b): (w, b, small), small when gtol ended the run before a step
    (its gradient kept as the one to report). `sums`: the full batch's gradient at (w, b), or None."""
    for index in batches.epoch():
        dw_sum, db_sum, _, weight = sums or data.gradient(w, b, index, False)
        sums = None
        if gradient.small(dw_sum, db_sum, weight, w):
            step.keep((dw_sum, db_sum, None, weight), w)
            return w, b, True
        if momentum is None:
            w -= step.alpha_dw(dw_sum, weight, w)          # w := w - alpha dw
            b -= step.alpha_db(db_sum, weight)             # b := b - alpha db
        else:
            w, b = momentum.step(w, b, step.alpha_dw(dw_sum, weight, w), step.alpha_db(db_sum, weight))
    return w, b, False


def step_size(data: Pass, learning_rate: float | str, l2: float) -> float:
    """The step alpha: the learning rate given, or 1/L from the curvature for "auto"."""
    if isinstance(learning_rate, str) and learning_rate == "auto":
        from .curvature import lipschitz

        return 1.0 / lipschitz(data, l2)
    return float(learning_rate)


def acceleration_refusal(accelerated: bool, gtol: float | None, batch_size: int | None) -> str | None:
    """What combines with accelerated steps and with gtol: both need the full batch's gradient at
    every step (momentum built on noisy mini-batch gradients does not converge). The reason a
    combination cannot run, or None."""
    if batch_size and (accelerated or gtol is not None):
        what = "accelerated descent" if accelerated else "gtol"
        return f"batch_size: {what} needs every example at every step; leave batch_size out, or run plain descent"
    return None


def check_acceleration(accelerated: bool, gtol: float | None, batch_size: int | None) -> None:
    """`acceleration_refusal`'s reason as InputValueError."""
    reason = acceleration_refusal(accelerated, gtol, batch_size)
    if reason is not None:
        raise InputValueError(reason)


class Momentum:
    """Nesterov's accelerated steps (FISTA's sequence t_1 = 1, t_k+1 = (1 + sqrt(1 + 4 t_k^2)) / 2),
    with O'Donoghue and Candes' gradient restart, in the pass's coordinates and numbers.

    The loop holds y_k, where the gradient is taken; with step_k = alpha grad(y_k),
    x_k+1 = y_k - step_k and y_k+1 = x_k+1 + beta_k+1 d_k+1, where d_k+1 = x_k+1 - x_k =
    beta_k d_k - step_k and beta_k+1 = (t_k - 1) / t_k+1. So y moves by step_k - beta_k+1 d_k+1,
    a linear combination of steps, made the way the plain step is (the Gram form's coordinates
    and the extended-precision anchors take it unchanged, in the step's precision). When
    grad(y_k) . d_k+1 > 0 (the momentum points uphill) the sequence restarts: t = 1, beta = 0.
    The dot product is the pass's, of the w the coordinates stand for (`Pass.dot`).
    """

    def __init__(self, data: Pass):
        self.data = data
        self.t, self.beta, self.restarts = 1.0, 0.0, 0
        self.d, self.d_b = None, 0.0
        self.out = _Buffers(1)

    def step(self, w, b, alpha_dw, alpha_db):
        """(y_k+1, b_k+1) from y_k = (w, b) (w changed in place) and the plain step (alpha_dw, alpha_db)."""
        d = self._momentum(alpha_dw)                          # d_k+1 = beta_k d_k - alpha dw
        # in alpha_db's type too: a float step lands in an anchored b's residual, an extended one in its anchor
        d_b = self.beta * (float(self.d_b) if isinstance(alpha_db, float) else self.d_b) - alpha_db
        uphill = self.data.dot(alpha_dw, d) + float(alpha_db) * float(d_b) > 0.0
        if uphill:
            self.restarts += 1
            self.t, self.beta = 1.0, 0.0
        else:
            t_next = (1.0 + math.sqrt(1.0 + 4.0 * self.t * self.t)) / 2.0
            self.t, self.beta = t_next, (self.t - 1.0) / t_next
        self.d, self.d_b = d, d_b
        move = _scaled(d, -self.beta, self.out.like(d, 0))
        move += alpha_dw                                      # alpha dw - beta_k+1 d_k+1
        w -= move
        b -= alpha_db - self.beta * d_b
        return w, b

    def _momentum(self, alpha_dw):
        """d = beta d - alpha_dw, in alpha_dw's dtype (a careful extended step keeps its precision;
        a float64 step stays float64, as the anchored numbers expect)."""
        if self.d is None:
            return -alpha_dw * 1
        d = self.d
        if getattr(d, "dtype", None) != getattr(alpha_dw, "dtype", None):
            d = d.astype(alpha_dw.dtype)
        d *= self.beta
        d -= alpha_dw
        return d


class GradientSize:
    """The gradient's norm sqrt(||dw||^2 + db^2) at the first step, and the stop of `gtol`: at most
    gtol times that. dw = dw_sum / weight + l2 / M w in the pass's coordinates, measured in w
    (`Pass.dot`); computed at the first step only, unless gtol asks for it at every step."""

    def __init__(self, data: Pass, step: Step, gtol: float | None):
        self.data, self.step, self.gtol = data, step, gtol
        self.start: float | None = None

    def norm(self, dw_sum, db_sum, weight, w) -> float:
        if self.step.l2_over_M:
            self.step.keep((dw_sum, db_sum, None, weight), w)
            dw_sq = self.data.dot(self.step.dw, self.step.dw)
        else:
            sum_sq = float(self.data.dot(dw_sum, dw_sum))
            # Sums of huge sample weights square past the float range: then scale first (rare, allocates).
            dw_sq = ((math.sqrt(sum_sq) / float(weight)) ** 2 if math.isfinite(sum_sq)
                     else float(self.data.dot(dw_sum / weight, dw_sum / weight)))
        return math.hypot(math.sqrt(dw_sq), float(db_sum) / float(weight))

    def small(self, dw_sum, db_sum, weight, w) -> bool:
        if self.start is None:
            self.start = self.norm(dw_sum, db_sum, weight, w)
            return self.gtol is not None and self.start == 0.0
        if self.gtol is None:
            return False
        size = self.norm(dw_sum, db_sum, weight, w)
        return size <= self.gtol * self.start


class Step:
    """alpha dw and alpha db for the loop's update, and the gradient of the last step, for the report.

    The pass gives the sums over a batch of `weight`: dw = dw_sum / weight + l2 / M w and
    db = db_sum / weight. Without L2, alpha dw is (alpha / weight) dw_sum, one pass over
    dw_sum; with L2 dw is formed first. On NumPy arrays both go into buffers made once, so
    that a step allocates nothing. alpha / weight takes weight's precision: a pass whose
    sums are in extended precision gives an extended step.
    """

    STEP, DW, PENALTY = range(3)            # the buffers' slots

    def __init__(self, alpha: float, l2_over_M: float):
        self.alpha, self.l2_over_M = alpha, l2_over_M
        self.dw_sum = self.db_sum = self.weight = self.dw = None
        self.buffers = _Buffers(3)

    def alpha_dw(self, dw_sum, weight, w):
        self.dw_sum, self.weight = dw_sum, weight
        if not self.l2_over_M:
            out = self.buffers.like(dw_sum, self.STEP)
            return dw_sum * (self.alpha / weight) if out is None else np.multiply(dw_sum, self.alpha / weight, out=out)
        self.dw = self._dw(dw_sum, weight, w)
        return _scaled(self.dw, self.alpha, self.buffers.like(self.dw, self.STEP))

    def alpha_db(self, db_sum, weight):
        self.db_sum = db_sum
        return (self.alpha / weight) * db_sum

    def keep(self, sums, w) -> None:
        """The gradient `sums` at w, whose step is not taken, as the one to report."""
        self.dw_sum, self.db_sum, _, self.weight = sums
        if self.l2_over_M:
            self.dw = self._dw(self.dw_sum, self.weight, w)

    def report(self, data: Pass, w) -> tuple:
        """(dw, db) of the last gradient, dw (n_x, 1) like w; zeros when no step was made."""
        if self.dw_sum is None:
            return 0 * w, 0.0
        dw = self.dw if self.l2_over_M else self.dw_sum / self.weight
        return data.weights(dw), float(self.db_sum / self.weight)

    def _dw(self, dw_sum, weight, w):
        """dw = dw_sum / weight + l2 / M w, in the pass's coordinates."""
        dw = _scaled(dw_sum, 1.0 / weight, self.buffers.like(dw_sum, self.DW))
        dw += _scaled(w, self.l2_over_M, self.buffers.like(dw_sum, self.PENALTY))
        return dw


class _Buffers:
    """Arrays made once for the products a step forms: `like(x, slot)` is an array of x's dtype and
    shape, the same one step after step (None where x is not a NumPy array: other engines make
    new arrays)."""

    def __init__(self, slots: int):
        self.of, self.out = [None] * slots, [None] * slots

    def like(self, x, slot: int):
        if x is self.of[slot]:                         # the pass's own buffer, as at the last step
            return self.out[slot]
        if type(x) is not np.ndarray:
            return None
        out = self.out[slot]
        if out is None or out.dtype != x.dtype or out.shape != x.shape:
            out = np.empty_like(x)
        self.of[slot], self.out[slot] = x, out
        return out


def _scaled(x, factor, out):
    """factor x, into `out` (a buffer of x's kind) or, where there is none, a new array."""
    if out is None:
        return x * factor
    return np.multiply(x, factor, out=out)


class Batches:
    """The examples of each step: every example (one step an iteration) or, with batch_size, an
    epoch of mini-batches, the examples in an order shuffled from `seed` at each epoch and each
    batch's indices sorted (a pass reads its rows in order)."""

    EVERY = (None,)

    def __init__(self, m: int, batch_size: int | None, seed: int):
        self.m, self.size, self.full = m, batch_size, not batch_size
        self.rng = None if self.full else np.random.default_rng(seed)

    def epoch(self):
        if self.full:
            return self.EVERY
        order = self.rng.permutation(self.m)
        return (np.sort(order[start:start + self.size]) for start in range(0, self.m, self.size))


class Watch:
    """The cost J at the iterations the loop looks at it: every `record_every`-th, where it is
    recorded and handed to the hooks, and every one with early stopping. A J that is not a
    finite number raises DivergenceError, with advice."""

    def __init__(self, data: Pass, l2: float, learning_rate: float, record_every: int,
                 on_record: RecordHook | None, on_weights: WeightsHook | None, held_out: HeldOut | None,
                 stopping: EarlyStopping | None):
        self.data, self.M = data, float(data.total_weight)
        self.penalty = l2 / (2.0 * self.M)
        self.learning_rate, self.record_every = learning_rate, record_every
        self.on_record, self.on_weights = on_record, on_weights
        self.held_out, self.stopping = held_out, stopping
        self.costs: list[float] = []
        self.J: float | None = None          # the last cost evaluated

    def due(self, i: int) -> bool:
        return self.stopping is not None or i % self.record_every == 0

    def cost(self, loss_sum, w) -> float:
        """J = loss_sum / M + l2 / (2 M) ||w||^2, rounded once (a pass may sum in extended precision)."""
        return float(loss_sum / self.M + (self.penalty * self.data.norm_sq(w) if self.penalty else 0.0))

    def converged(self, i: int, loss_sum, w, b) -> bool:
        """Look at the cost at iteration i (before its update); True when early stopping ends the run."""
        J = self.J = self.cost(loss_sum, w)
        if not math.isfinite(J):
            raise DivergenceError(_divergence_advice(i, J, self.learning_rate))
        watched = J if self.held_out is None else self.held_out.cost(i, w, b)
        if i % self.record_every == 0:
            self.costs.append(J)
            if self.held_out is not None:
                self.held_out.costs.append(watched)
            if self.on_record is not None:
                self.on_record(i, J)
            if self.on_weights is not None:
                self.on_weights(i, lambda: (self.data.weights(w), float(b)))
        return self.stopping is not None and self.stopping.stale(watched, J)


class EarlyStopping:
    """Stop once the watched cost has failed to fall more than `tol` below its best value for
    `patience` looks in a row, counting those looks only once it has fallen below its first value.

    scikit-learn's MLP counts from the best cost from the first look. Here a learning rate just past
    the stability limit 2 / L of the start (0.0036 on the course's cats, L the largest eigenvalue of
    the cost's Hessian at w = 0, b = 0) makes the cost rise for a few steps and then fall as the
    sigmoid saturates (on the cats at 0.005: 0.693, 0.741, 0.753, 0.867, 0.769, 0.897, ..., below
    0.693 from iteration 34): counted from the first look, five stale looks end the run in that
    first rise (train accuracy 65.6 %, test 34 %). Waiting for the first fall costs a run that does
    fall nothing, and a run whose cost never falls below its start (a learning rate too large, or
    held-out examples the training does not help) ends at the iteration limit or in DivergenceError,
    and its advice says why. `lowest` and `highest` keep the lowest and highest training cost seen,
    for the run's advice."""

    def __init__(self, tol: float, patience: int):
        self.tol, self.patience = tol, patience
        self.first: float | None = None
        self.best = self.lowest = math.inf
        self.highest = -math.inf
        self.stale_looks = 0

    def stale(self, watched: float, J: float) -> bool:
        if self.first is None:
            self.first = watched
        if watched <= self.best - self.tol:
            self.stale_looks = 0
        elif self.best < self.first:          # past the first rise: the cost has been below its start
            self.stale_looks += 1
        self.best = min(self.best, watched)
        self.lowest, self.highest = min(self.lowest, J), max(self.highest, J)
        return self.stale_looks >= self.patience


class HeldOut:
    """The cost of held-out examples at each look, and the parameters at its lowest.

    The pass's coordinates are kept, not w: for the Gram form they are m + 1 numbers, and w
    is made from them only to measure the held-out cost and once at the end."""

    def __init__(self, cost: ValidationCost, data: Pass):
        self.cost_of, self.data = cost, data
        self.costs: list[float] = []
        self.lowest, self.best_iteration = math.inf, None
        self.kept: tuple | None = None

    def cost(self, i: int, w, b) -> float:
        V = float(self.cost_of(self.data.weights(w), b))
        if not math.isfinite(V):
            raise DivergenceError(f"the validation cost left the finite numbers at iteration {i} (cost {V}): "
                                  "lower the learning rate, or scale the inputs to [0, 1]")
        if V < self.lowest:
            self.lowest, self.best_iteration = V, i
            self.kept = (_copy(w, None if self.kept is None else self.kept[0]), _copy(b))
        return V

    def finish(self, done: int, stopped: str, w, b) -> tuple:
        """(w, b) at the lowest held-out cost, the parameters of the last step taken competing too."""
        if stopped != "converged" and done:
            self.cost(done, w, b)
        return self.kept if self.best_iteration is not None else (w, b)


def _copy(x, into=None):
    """A copy of w or b that later steps leave alone (into `into`, where both are NumPy arrays)."""
    if isinstance(x, (int, float, np.generic)):
        return x                                       # numbers that no step changes in place
    if isinstance(x, np.ndarray):
        if isinstance(into, np.ndarray):
            np.copyto(into, x)
            return into
        return x.copy()
    return x.copy() if hasattr(x, "copy") else x * 1


def _trajectory(data: Pass, w, b, step: Step, watch: Watch, done: int, stopped: str) -> Trajectory:
    """The run's report at its returned parameters (w, b), checked finite."""
    weights = data.weights(w)
    if not _finite(weights, b):
        raise DivergenceError(_divergence_advice(done, math.nan, watch.learning_rate))
    final = None
    if done:                      # finite weights can still give infinite logits in the loop's dtype
        final = watch.cost(data.loss(w, b), w)
        if not math.isfinite(final):
            raise DivergenceError(_divergence_advice(done, final, watch.learning_rate))
    dw, db = step.report(data, weights)
    run = Trajectory(w=weights, b=float(b), dw=dw, db=db, n_iter=done, costs=watch.costs, solver=data.solver,
                     stopped=stopped, final_cost=final)
    if watch.stopping is not None and watch.J is not None:
        run.lowest_cost, run.last_cost, run.highest_cost = watch.stopping.lowest, watch.J, watch.stopping.highest
    held_out = watch.held_out
    if held_out is not None:
        run.validation_costs = held_out.costs
        if held_out.best_iteration is not None:
            run.best_iteration, run.best_validation_cost = held_out.best_iteration, held_out.lowest
    return run


def _finite(w, b) -> bool:
    if isinstance(w, np.ndarray):
        return bool(np.isfinite(w).all()) and math.isfinite(float(b))
    from .formulas import namespace

    xp = namespace(w)
    return bool(xp.all(xp.isfinite(w))) and math.isfinite(float(b))


def _divergence_advice(i: int, J: float, learning_rate: float) -> str:
    return (f"training left the finite numbers at iteration {i} (cost {J}): the learning rate "
            f"{learning_rate:g} is too large for this data; lower it, or scale the inputs to [0, 1]")
