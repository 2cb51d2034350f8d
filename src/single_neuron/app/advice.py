"""Advice for a run that went wrong, in words: what happened and what to change.

The job API puts it in its report (the command line prints it as a warning) and the
estimator raises it as scikit-learn's ConvergenceWarning, so the same run gets the
same advice on every surface. Five cases, checked in this order, one function each:

- the held-out examples' cost never fell below where it started: the model kept is
  the starting one, and what training learns does not carry over to new examples;
- early stopping ended a run whose cost rose: it stopped because the cost went up,
  not because it levelled off (too large a learning rate);
- the cost went far above where it started, more than `FAR_ABOVE` times its first
  value, at a recorded cost, at the end or at any look of early stopping: the steps
  overshot, even where the run then settled (too large a learning rate);
- the cost grew back: it fell below where it started and ends above that, and above
  every cost recorded since (too large a learning rate);
- early stopping was asked for, and the iteration limit came first.

A first rise is not advised against. Where the learning rate is just past the stability
limit 2 / L of the start, the cost rises for a few steps and then falls as the sigmoid
saturates: on the course's cats at 0.005 it peaks at 1.3 times its start (0.897 at
iteration 5), at 0.01 4.6 times, and in five epochs of mini-batches of 1 at 0.005 up to
9.5 times (seeds 0 to 7). The course's run is one of those, and so is any run cut
short in that rise (its cost is still above its start, and has not yet fallen below it).
The runs that overshoot go much further: 0.5 to 296 times, 5 to over 2,900 times and 1000
to over 590,000 times, before they fall to almost nothing on these separable examples. The
costs seen are those recorded (every print_every iterations) and the one at the end, and
with early stopping every one, so a rise between two recorded costs may go unseen.
"""

from __future__ import annotations

from typing import Callable

# How far above its start the cost may go in a first rise before the run is told its steps
# overshoot: the figures above, two orders of magnitude.
FAR_ABOVE = 100.0


def run_advice(run, learning_rate: float, tol: float | None, limit: int, limit_name: str,
               inputs_unscaled: Callable[[], bool] | None = None) -> str | None:
    """A sentence of advice for `run` (a neuron.descent.Trajectory), or None when it went well.

    limit_name names the iteration limit as the caller's user knows it (max_iter,
    num_iterations). inputs_unscaled() says whether the inputs go beyond [-1, 1], asked only
    when the advice is about a learning rate (pixels divided by 255 never do: leave it out)."""
    def too_large() -> str:
        scale = ", or scale the inputs to [0, 1]" if inputs_unscaled is not None and inputs_unscaled() else ""
        return f"the learning rate {learning_rate:g} is too large for this data; lower it{scale}"

    for case in (_held_out_never_fell, _stopped_on_a_rise, _rose_far, _grew_back):
        told = case(run)
        if told is not None:
            return told if case is _held_out_never_fell else f"{told}: {too_large()}"
    return _limit_first(run, tol, limit, limit_name)


def _held_out_never_fell(run) -> str | None:
    if run.best_iteration == 0 and run.n_iter > 0:
        return ("the validation cost never fell below its starting value: the model kept is the untrained one "
                "(w = 0, b = 0), as what training learns does not carry over to the held-out examples; more "
                "examples, an l2 penalty or a smaller learning rate may help")
    return None


def _stopped_on_a_rise(run) -> str | None:
    if run.stopped == "converged" and _rose(run.lowest_cost, run.last_cost):
        return (f"early stopping ended the run at iteration {run.n_iter} because the cost rose (from "
                f"{run.lowest_cost:.6g} to {run.last_cost:.6g}) instead of levelling off")
    return None


def _rose_far(run) -> str | None:
    if not run.costs:
        return None
    first, end = run.costs[0], run.final_cost
    peak = max(c for c in (*run.costs, end, run.highest_cost) if c is not None)
    if not peak > FAR_ABOVE * first:
        return None
    fell = f", then fell to {end:.6g}" if end is not None and end < peak else ""
    return f"the cost rose from {first:.6g} to {peak:.6g} during training{fell}"


def _grew_back(run) -> str | None:
    costs, end = run.costs, run.final_cost
    fell = next((k for k, c in enumerate(costs) if c < costs[0]), None) if costs else None
    if fell is None or end is None or not (end > costs[0] and end > max(costs[fell:])):
        return None
    return f"the cost rose from {costs[0]:.6g} to {end:.6g} during training, after it had fallen to {min(costs):.6g}"


def _limit_first(run, tol: float | None, limit: int, limit_name: str) -> str | None:
    if tol is not None and run.stopped == "done" and limit > 0 and run.n_iter == limit:
        watched = "the validation cost" if run.best_iteration is not None else "the cost"
        return (f"{limit_name}={limit} ended the run before {watched} stopped falling by more than tol={tol:g}: "
                f"raise {limit_name}, or the learning rate")
    return None


def _rose(lowest: float | None, last: float | None) -> bool:
    # A relative margin: at the end of a converged run the cost may tick up by rounding alone.
    return lowest is not None and last is not None and last - lowest > 1e-7 * max(abs(lowest), 1e-300)


# |grad_end| / |grad_start| above which a run is said to have ended far from a minimum. The course's
# run (cats, 0.005, 2,000 iterations) ends at 0.015; the same step on standardized data
# (make_classification, 1e5 x 100) ends at 0.16, 0.023 above the optimal cost.
FAR_FROM_MINIMUM = 0.05
# Runs shorter than this are try-outs (a smoke test, a first look at the data, one step to see a
# shape): they are far from a minimum by design, and a line on each would only be noise.
TRY_OUT_STEPS = 100


def far_from_minimum(run) -> str | None:
    """A line for a run (a neuron.descent.Trajectory) that ran all its iterations and whose last
    gradient is still more than FAR_FROM_MINIMUM of its size at the first step, sqrt(||dw||^2 +
    db^2) both, in a run of at least TRY_OUT_STEPS iterations; else None. A run that early stopping
    ended stopped where it was asked to (on held-out examples, on purpose before the training
    cost's minimum)."""
    start, end = run.gradient_start, run.gradient_end
    if run.stopped != "done" or run.n_iter < TRY_OUT_STEPS or not start or end is None or end <= FAR_FROM_MINIMUM * start:
        return None
    return (f"the run ended far from a minimum: the gradient is still {end / start:.0%} of its size at the start "
            f"({end:.3g} against {start:.3g}); try the learning rate \"auto\" with accelerated descent, or more "
            "iterations")
