"""Advice for a run that went wrong, in words: what happened and what to change.

The job API puts it in its report (the command line prints it as a warning) and the
estimator raises it as scikit-learn's ConvergenceWarning, so the same run gets the
same advice on every surface. Four cases, checked in this order:

- the held-out examples' cost never fell below where it started: the model kept is
  the starting one, and what training learns does not carry over to new examples;
- early stopping ended a run whose cost rose: it stopped because the cost went up,
  not because it levelled off (too large a learning rate);
- the cost at the end is above the first one recorded: the run diverged or oscillated
  (the end, not the last recorded cost: a run shorter than print_every records one);
- early stopping was asked for, and the iteration limit came first.
"""

from __future__ import annotations

from typing import Callable


def run_advice(run, learning_rate: float, tol: float | None, limit: int, limit_name: str,
               inputs_unscaled: Callable[[], bool] | None = None) -> str | None:
    """A sentence of advice for `run` (a neuron.descent.Trajectory), or None when it went well.

    limit_name names the iteration limit as the caller's user knows it (max_iter,
    num_iterations). inputs_unscaled() says whether the inputs go beyond [-1, 1], asked only
    when the advice is about a learning rate (pixels divided by 255 never do: leave it out)."""
    scale = ", or scale the inputs to [0, 1]" if inputs_unscaled is not None and inputs_unscaled() else ""
    too_large = f"the learning rate {learning_rate:g} is too large for this data; lower it{scale}"
    if run.best_iteration == 0 and run.n_iter > 0:
        return ("the validation cost never fell below its starting value: the model kept is the untrained one "
                "(w = 0, b = 0), as what training learns does not carry over to the held-out examples; more "
                "examples, an l2 penalty or a smaller learning rate may help")
    if run.stopped == "converged" and _rose(run.lowest_cost, run.last_cost):
        return (f"early stopping ended the run at iteration {run.n_iter} because the cost rose (from "
                f"{run.lowest_cost:.6g} to {run.last_cost:.6g}) instead of levelling off: {too_large}")
    costs = run.costs
    end = run.final_cost if run.final_cost is not None else (costs[-1] if costs else None)
    if costs and end is not None and end > costs[0]:
        return f"the cost rose from {costs[0]:.6g} to {end:.6g} during training: {too_large}"
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


def far_from_minimum(run) -> str | None:
    """A line for a run (a neuron.descent.Trajectory) whose last gradient is still more than
    FAR_FROM_MINIMUM of its size at the first step, sqrt(||dw||^2 + db^2) both; else None."""
    start, end = run.gradient_start, run.gradient_end
    if not start or end is None or end <= FAR_FROM_MINIMUM * start:
        return None
    return (f"the run ended far from a minimum: the gradient is still {end / start:.0%} of its size at the start "
            f"({end:.3g} against {start:.3g}); try the learning rate \"auto\" with accelerated descent, or more "
            "iterations")
