"""When a run is told its learning rate is too large, and when early stopping ends it: the rule on
made-up cost sequences, checked against the rule written out, and the course's cats on the command
line, the job API and the estimator."""

import math
import warnings

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from sklearn.exceptions import ConvergenceWarning

from single_neuron import SingleNeuronClassifier, train
from single_neuron.app.advice import FAR_ABOVE, run_advice
from single_neuron.neuron.descent import EarlyStopping, Trajectory

TOO_LARGE = "is too large for this data; lower it"


def stop_at(costs, tol, patience):
    """The look at which EarlyStopping ends a run with these costs, or None."""
    stopping = EarlyStopping(tol, patience)
    return next((i for i, J in enumerate(costs) if stopping.stale(J, J)), None)


def stop_at_written_out(costs, tol, patience):
    """The rule in words: after the first look below the first cost, a look is stale when it is not
    more than tol below every cost before it; patience stale looks in a row end the run."""
    fell = next((i for i, J in enumerate(costs) if J < costs[0]), None)
    if fell is None:
        return None
    in_a_row = 0
    for i in range(fell + 1, len(costs)):
        in_a_row = in_a_row + 1 if costs[i] > min(costs[:i]) - tol else 0
        if in_a_row == patience:
            return i
    return None


costs_st = st.lists(st.floats(0.0, 1e4, allow_nan=False), min_size=1, max_size=60)


@given(costs=costs_st, tol=st.sampled_from([0.0, 1e-4, 0.1]), patience=st.integers(1, 6))
def test_early_stopping_is_the_rule_written_out(costs, tol, patience):
    assert stop_at(costs, tol, patience) == stop_at_written_out(costs, tol, patience)


@given(rise=st.lists(st.floats(0.0, 1e4), min_size=1, max_size=40), patience=st.integers(1, 6),
       tol=st.sampled_from([0.0, 1e-4]))
def test_a_first_rise_never_stops_a_run(rise, patience, tol):
    first = 0.693
    costs = [first] + [first + r for r in rise]           # never below the start
    assert stop_at(costs, tol, patience) is None
    # ...and once the cost has fallen, patience looks that do not improve on it end the run
    falls = costs + [0.5] + [0.6] * patience
    assert stop_at(falls, tol, patience) == len(costs) + patience


def test_the_sequence_of_the_course_run_is_waited_out():
    # the first costs of the cats at 0.005, then a steady fall of 1e-5 an iteration
    start = [0.693147, 0.741029, 0.753154, 0.866709, 0.768564, 0.897014, 0.755613, 0.880437]
    assert stop_at(start, 1e-4, 5) is None
    assert stop_at([0.693147] + [0.69 - 1e-5 * k for k in range(10)], 1e-4, 5) == 6
    stopping = EarlyStopping(1e-4, 5)
    for J in start:
        stopping.stale(J, J)
    assert (stopping.lowest, stopping.highest) == (0.693147, 0.897014)


def run_of(costs, final, **report):
    return Trajectory(w=np.zeros((1, 1)), b=0.0, dw=np.zeros((1, 1)), db=0.0, n_iter=len(costs) * 100,
                      costs=list(costs), final_cost=final, **report)


def advice(run, tol=None):
    return run_advice(run, 0.5, tol, run.n_iter, "num_iterations")


@pytest.mark.parametrize("costs, final", [
    ([0.693], 0.719),                                    # cut short in its first rise
    ([0.693, 0.741, 0.753, 0.867], 0.769),               # the same, every cost recorded
    ([0.693], 0.693 * FAR_ABOVE * 0.99),                 # a first rise that stays within the bound
    ([0.693, 0.9, 0.69, 0.8, 0.68], 0.79),               # ends mid-oscillation, below a cost since the fall
    ([0.693, 0.5, 0.3], 0.2),                            # the course's kind of run
    ([0.693], None),                                     # one iteration asked for, none made
])
def test_a_first_rise_and_a_settling_oscillation_get_no_advice(costs, final):
    assert advice(run_of(costs, final)) is None


@pytest.mark.parametrize("costs, final, highest, said", [
    ([0.693, 113.1, 809.2, 30.6, 0.1], 1e-6, None,
     "the cost rose from 0.693 to 809.2 during training, then fell to 1e-06"),
    ([0.693], 1844.4, None, "the cost rose from 0.693 to 1844.4 during training"),
    ([0.693, 0.4], 1e-3, 2060.0, "the cost rose from 0.693 to 2060 during training, then fell to 0.001"),
    ([0.693, 0.4, 0.5], 0.8, None, "the cost rose from 0.693 to 0.8 during training, after it had fallen to 0.4"),
])
def test_a_cost_far_above_its_start_or_grown_back_is_told(costs, final, highest, said):
    told = advice(run_of(costs, final, highest_cost=highest))
    assert told == f"{said}: the learning rate 0.5 {TOO_LARGE}"


def test_the_advice_checks_its_cases_in_order():
    # early stopping on a rise is named as such, even when the cost also went far above its start
    run = run_of([0.693, 900.0], 5.0, stopped="converged", lowest_cost=0.3, last_cost=5.0, highest_cost=900.0)
    assert advice(run, tol=1e-4).startswith("early stopping ended the run at iteration 200 because the cost rose")
    # the iteration limit is named only when nothing went wrong with the rate
    assert advice(run_of([0.693, 0.5], 0.4), tol=1e-4).startswith("num_iterations=200 ended the run before")
    assert "too large" in advice(run_of([0.693, 0.5], 1e3), tol=1e-4)


# ------------------------------------------------------------------------------ on the course's cats


@pytest.fixture(scope="module")
def rate_runs(cats):
    """The cats at learning rates 5 and 1000 (2,000 iterations), through the job API."""
    return {rate: train(cats, learning_rate=rate).report for rate in (5, 1000)}


@pytest.mark.parametrize("rate, peak", [(5, 809.23), (1000, 92217.1)])
def test_rates_that_overshoot_are_told_on_the_job_api(rate_runs, rate, peak):
    report = rate_runs[rate]
    assert report["final_cost"] < 1e-5 < report["costs"][0]      # it ends below its start...
    highest = max(report["costs"])
    # the peak's sixth digit depends on the BLAS kernels of the machine (809.23 or 809.229)
    assert highest == pytest.approx(peak, rel=2e-6)
    assert report["warning"] == (f"the cost rose from 0.693147 to {highest:.6g} during training, then fell to "
                                 f"{report['final_cost']:.6g}: the learning rate {rate} {TOO_LARGE}")


@pytest.mark.parametrize("rate", [5, 1000])
def test_rates_that_overshoot_are_told_on_the_command_line(cats, run_cli, rate_runs, rate):
    code, out, err = run_cli("train", cats, "--learning-rate", rate, "--quiet")
    assert code == 0 and err == f"single-neuron: warning: {rate_runs[rate]['warning']}\n"


def test_rates_that_overshoot_are_told_by_the_estimator(cat_sets):
    train_set, _ = cat_sets
    for rate in (5, 1000):        # 300 iterations see the rise (every 100th cost is recorded)
        with pytest.warns(ConvergenceWarning, match=f"the cost rose from 0.693147 to .*: the learning rate {rate} "):
            SingleNeuronClassifier(learning_rate=rate, max_iter=300).fit(train_set.X.T, train_set.y)


def test_early_stopping_waits_out_the_course_runs_first_rise(cats, run_cli):
    report = train(cats, tol=1e-4, n_iter_no_change=5).report
    assert report["stopped"] == "converged" and report["n_iter"] > 1000 and report["warning"] is None
    assert report["test_accuracy"] == 70.0 and report["train_accuracy"] > 95
    code, out, err = run_cli("train", cats, "--tol", "1e-4", "--n-iter-no-change", "5", "--quiet")
    assert code == 0 and err == "" and "test accuracy: 70.0 %" in out


def test_early_stopping_still_ends_a_run_that_overshoots_and_says_why(cats):
    report = train(cats, learning_rate=5, tol=1e-4, num_iterations=1000).report
    assert report["stopped"] == "converged" and report["n_iter"] < 1000
    assert report["warning"].startswith("early stopping ended the run at iteration ") and TOO_LARGE in report["warning"]


@pytest.mark.parametrize("settings", [
    {},                                                   # the course's run
    {"num_iterations": 20},
    {"num_iterations": 20, "print_every": 1},
    {"batch_size": 1, "num_iterations": 1},
    {"batch_size": 1, "num_iterations": 3, "print_every": 1},
])
def test_the_course_run_and_runs_cut_short_get_no_advice(cats, settings):
    report = train(cats, **settings).report
    # about the learning rate, none; and runs of fewer than 100 steps are try-outs, not told they
    # ended far from a minimum (test_auto_step tells a run of 200)
    assert report["warning"] is None
    # the runs cut short end above their start, in the first rise; the course's run far below it
    assert (report["final_cost"] > report["costs"][0] == pytest.approx(math.log(2))) is bool(settings)


def test_the_estimator_says_nothing_on_the_course_run_cut_short(cat_sets):
    train_set, _ = cat_sets
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        SingleNeuronClassifier(max_iter=20).fit(train_set.X.T, train_set.y)
        SingleNeuronClassifier(max_iter=200).fit(train_set.X.T, train_set.y)
    # nothing about the learning rate: only that 200 steps end far from a minimum (20 are a try-out)
    assert [str(w.message).partition(":")[0] for w in caught] == ["the run ended far from a minimum"]


def test_held_out_early_stopping_waits_for_the_first_fall_too(cats):
    # On the cats the held-out cost (41 examples) never falls below its start, in 2,000 iterations at
    # 0.005 either: the run is not ended in its first steps but at the limit, keeps the untrained
    # neuron and says so.
    report = train(cats, validation_fraction=0.2, num_iterations=60).report
    assert (report["n_iter"], report["stopped"], report["best_iteration"]) == (60, "done", 0)
    assert min(report["validation_costs"]) == report["validation_cost"] == pytest.approx(math.log(2))
    assert report["warning"].startswith("the validation cost never fell below its starting value")
