"""The one gradient-descent loop, for every route.

It minimises the notes' cost, optionally weighted and L2-regularised,

    J(w, b) = sum_i s_i L(sigmoid(w.T x_i + b), y_i) / M + l2 / (2 M) * ||w||^2

(s_i = 1 and M = m by default; with sample weights M = sum_i s_i, so a weight of 2
is the same as the example written twice), by

    dw = X (s * dZ).T / M_B + l2 / M * w,   db = sum(s * dZ) / M_B
    w := w - alpha dw,                       b := b - alpha db

where M_B is the weight of the batch the step uses (all examples by default, or a
mini-batch). The loop owns everything about the iteration: the step count, the
learning rate, L2, the costs recorded every `record_every` iterations (before that
iteration's update, as the course records them), early stopping (on the training
cost, or on the cost of held-out examples, keeping the best parameters), the
mini-batch schedule and its seeded shuffling, the record hook, stopping on request,
and stopping when the numbers leave the finite range.

What varies between routes is only where a pass over the data runs. A route hands
the loop a `Pass`, which, for given parameters, returns the gradient's sums over
its data (and the loss, in the same pass where that saves a read). A pass may
keep w in its own coordinates: the Gram form keeps w = shrink * w0 + X c.T and
works on the dual coefficients c (see `single_neuron.engines.in_memory`). The
update is linear, so the loop applies it the same way to either.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Callable, Protocol

import numpy as np

from ..errors import DivergenceError

RecordHook = Callable[[int, float], None]
# on_weights(i, current): current() returns (w, b) at the recorded iteration i, computed only when
# called (in the Gram form w = X c costs a product), and valid until the hook returns.
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
    last_cost: float | None = None     # and the last one evaluated (above the lowest: the cost rose)
    validation_costs: list[float] = field(default_factory=list)  # held-out cost at each recorded cost
    best_iteration: int | None = None  # with a validation cost: the iteration whose w, b are returned
    best_validation_cost: float | None = None
    final_cost: float | None = None    # the cost at the parameters returned (None if no step was made)


class Pass(Protocol):
    """A route's pass over its data, for the loop.

    n_x, m: the data's size; total_weight: M, the number of examples or the sum of
    their weights. `coords` are the pass's coordinates of w (w itself, or dual
    coefficients), `shrink` the factor the loop has applied to the starting w so far
    (the product of the L2 decays), `index` a sorted array of example indices (a
    mini-batch) or None for every example.
    """

    n_x: int
    m: int
    total_weight: float
    solver: str

    def start(self, w0): ...                 # coordinates of the starting w

    def gradient(self, coords, shrink: float, b, index, want_loss: bool):
        """(g, db, loss, weight): g the sum X (s dZ).T in the pass's coordinates, db the sum
        of s dZ, loss the sum of s L if asked (else None), weight the sum of s, all over
        the examples of `index`. g may be the pass's own buffer, which the loop then
        scales in place into dw."""

    def loss(self, coords, shrink: float, b) -> float: ...          # sum of s L over every example

    def norm_sq(self, coords, shrink: float) -> float: ...          # ||w||^2

    def weights(self, coords, start: float): ...                    # w = coords (+ start * w0)

    # Optional: a pass that keeps its coordinates and b in extended precision makes the update
    # itself, w := decay w - alpha X (s dZ).T / weight, b := b - alpha sum(s dZ) / weight, from
    # the sums of its last gradient(); it writes w's coordinates, rounded, into coords wherever
    # the loop reads them (with L2, and before weights()) and returns b rounded to a float.
    # def advance(self, alpha: float, weight: float, decay: float) -> float: ...


def descend(data: Pass, w0, b0, num_iterations: int, learning_rate: float, *, l2: float = 0.0,
            record_every: int = 100, batch_size: int | None = None, seed: int = 0,
            tol: float | None = None, n_iter_no_change: int = 5, on_record: RecordHook | None = None,
            should_stop: Callable[[], bool] | None = None, on_weights: WeightsHook | None = None,
            validation: ValidationCost | None = None) -> Trajectory:
    """Run gradient descent from (w0, b0) over `data`; the arguments are already checked.

    Full batch by default; with `batch_size`, each iteration is an epoch that visits
    the examples in an order shuffled from `seed`, one step per batch, and the cost
    is recorded over every example. With `tol`, the cost is evaluated at every
    iteration and the run ends once it has failed to fall more than `tol` below its
    best value for `n_iter_no_change` iterations in a row. With `validation(w, b)`, the
    cost of held-out examples (needs `tol`), early stopping watches that cost instead,
    and the run returns the parameters at which it was lowest (`best_iteration`); dw
    and db stay the gradient of the last step taken. `should_stop()` is asked before
    every iteration. `on_weights(i, current)` follows `on_record` at each recorded cost,
    for a caller that shows w as it changes. A cost that is not a finite number raises
    DivergenceError, with advice.
    """
    alpha, M = float(learning_rate), float(data.total_weight)
    penalty, decay = l2 / (2.0 * M), 1.0 - alpha * l2 / M
    coords = data.start(w0)
    in_place = isinstance(coords, np.ndarray)
    tmp = np.empty_like(coords) if in_place else None
    b = float(b0) if in_place else b0
    shrink = 1.0                  # the factor applied to w0 so far; the Gram form needs it
    g, db, g_scale, g_shrink = None, 0.0, 1.0, 1.0
    costs: list[float] = []
    best, stale, done, stopped = math.inf, 0, 0, "done"
    lowest, J = math.inf, None
    held_out = _HeldOut(validation, data) if validation is not None else None
    rng = np.random.default_rng(seed) if batch_size else None
    advance = getattr(data, "advance", None) if batch_size is None else None

    def step(g, db, weight, move=True):
        """The pass's sums over a batch of `weight` -> dw = g / weight + l2 / M * w and db; then,
        if `move`, w := w - alpha dw and b := b - alpha db. Returns (g, db, the factor g still
        needs to be dw): without L2, NumPy's g is scaled only when dw is reported, at the end,
        so that a step costs one pass over g instead of two."""
        nonlocal coords, b, shrink
        scale = 1.0 / weight
        db = db * scale
        if advance is not None:                  # the pass moves its own, more precise, copy
            if l2:
                g = g * scale + (l2 / M) * coords
                scale = 1.0
            if move:
                b = advance(alpha, weight, decay)
                shrink *= decay
            return g, db, scale
        if in_place and not l2:
            if move:
                np.multiply(g, alpha * scale, out=tmp)
                coords -= tmp
        elif in_place:
            np.multiply(g, scale, out=g)
            np.multiply(coords, l2 / M, out=tmp)
            g += tmp
            scale = 1.0
            if move:
                np.multiply(g, alpha, out=tmp)
                coords -= tmp
        else:
            g = g * scale + (l2 / M) * coords if l2 else g * scale
            scale = 1.0
            if move:
                coords = coords - alpha * g
        if move:
            b = b - alpha * db
            shrink *= decay
        return g, db, scale

    # Overflow is found by the finiteness checks below and reported as one error, not as
    # NumPy's warnings half-way through.
    with np.errstate(over="ignore", invalid="ignore", divide="ignore", under="ignore"):
        for i in range(num_iterations):
            if should_stop is not None and should_stop():
                stopped = "requested"
                break
            watch = tol is not None or i % record_every == 0
            if batch_size is None:
                g_sum, db_sum, loss_sum, weight = data.gradient(coords, shrink, b, None, watch)
            else:
                loss_sum = data.loss(coords, shrink, b) if watch else None
            if watch:
                # float(): a pass may return its sum in extended precision, rounded here once.
                J = float(loss_sum / M + (penalty * data.norm_sq(coords, shrink) if l2 else 0.0))
                if not math.isfinite(J):
                    raise DivergenceError(_divergence_advice(i, J, learning_rate))
                watched = J if held_out is None else held_out.cost(i, coords, shrink, b)
                if i % record_every == 0:
                    costs.append(J)
                    if held_out is not None:
                        held_out.costs.append(watched)
                    if on_record is not None:
                        on_record(i, J)
                    if on_weights is not None:
                        on_weights(i, lambda: (data.weights(coords, shrink), b))
                if tol is not None:
                    stale = stale + 1 if watched > best - tol else 0
                    best = min(best, watched)
                    lowest = min(lowest, J)
            converged = tol is not None and stale >= n_iter_no_change
            if batch_size is None:
                g_shrink = shrink
                g, db, g_scale = step(g_sum, db_sum, weight, move=not converged)
                if converged:
                    stopped = "converged"
                    break
            else:
                if converged:
                    stopped = "converged"
                    break
                order = rng.permutation(data.m)
                for start in range(0, data.m, batch_size):
                    index = np.sort(order[start:start + batch_size])
                    g_sum, db_sum, _, weight = data.gradient(coords, shrink, b, index, False)
                    g_shrink = shrink
                    g, db, g_scale = step(g_sum, db_sum, weight)
            done += 1
        if held_out is not None:
            if stopped != "converged" and done:
                held_out.cost(done, coords, shrink, b)     # the last step's parameters are candidates too
            if held_out.best_iteration is not None:
                coords, b, shrink = held_out.best()
        w = data.weights(coords, shrink)
        if not _finite(w, b):
            raise DivergenceError(_divergence_advice(done, math.nan, learning_rate))
        final = None
        if done:                  # finite weights can still give infinite logits in the loop's dtype
            final = float(data.loss(coords, shrink, b) / M + (penalty * data.norm_sq(coords, shrink) if l2 else 0.0))
            if not math.isfinite(final):
                raise DivergenceError(_divergence_advice(done, final, learning_rate))
        if g is None:
            dw = 0 * w
        else:
            if g_scale != 1.0:
                g = g * g_scale
            dw = data.weights(g, (l2 / M) * g_shrink)
    trajectory = Trajectory(w=w, b=float(b), dw=dw, db=float(db), n_iter=done, costs=costs, solver=data.solver,
                            stopped=stopped, final_cost=final)
    if tol is not None and J is not None:
        trajectory.lowest_cost, trajectory.last_cost = lowest, J
    if held_out is not None:
        trajectory.validation_costs = held_out.costs
        if held_out.best_iteration is not None:
            trajectory.best_iteration, trajectory.best_validation_cost = held_out.best_iteration, held_out.lowest
    return trajectory


class _HeldOut:
    """The cost of held-out examples at each iteration, and the parameters at its lowest.

    The pass's coordinates are kept, not w: for the Gram form they are m numbers, and w
    is made from them only to measure the held-out cost and once at the end."""

    def __init__(self, cost: ValidationCost, data: Pass):
        self.cost_of, self.data = cost, data
        self.costs: list[float] = []
        self.lowest, self.best_iteration = math.inf, None
        self.kept = None

    def cost(self, i: int, coords, shrink: float, b) -> float:
        V = float(self.cost_of(self.data.weights(coords, shrink), b))
        if not math.isfinite(V):
            raise DivergenceError(f"the validation cost left the finite numbers at iteration {i} (cost {V}): "
                                  "lower the learning rate, or scale the inputs to [0, 1]")
        if V < self.lowest:
            self.lowest, self.best_iteration = V, i
            if isinstance(coords, np.ndarray) and self.kept is not None:
                np.copyto(self.kept[0], coords)
                self.kept = (self.kept[0], b, shrink)
            else:
                self.kept = (coords.copy() if isinstance(coords, np.ndarray) else coords * 1, b, shrink)
        return V

    def best(self):
        """(coords, b, shrink) at the lowest held-out cost."""
        return self.kept


def _finite(w, b) -> bool:
    if isinstance(w, np.ndarray):
        return bool(np.isfinite(w).all()) and math.isfinite(float(b))
    from .formulas import namespace

    xp = namespace(w)
    return bool(xp.all(xp.isfinite(w))) and math.isfinite(float(b))


def _divergence_advice(i: int, J: float, learning_rate: float) -> str:
    return (f"training left the finite numbers at iteration {i} (cost {J}): the learning rate "
            f"{learning_rate:g} is too large for this data; lower it, or scale the inputs to [0, 1]")
