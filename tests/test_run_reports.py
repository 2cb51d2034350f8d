"""What a run reports about itself: the cost at its end, the warning a run that went wrong
gets however few costs it recorded, and accuracies exact in any dtype."""

import json

import numpy as np
import pytest

from single_neuron import propagate, train
from single_neuron.io.sources import load_training_data


def _cost_at(run, data) -> float:
    """The course's cost of the model at the end of `run`, by `propagate`."""
    train_set, _ = load_training_data(data)
    _, cost = propagate(run.model.w, run.model.b, train_set.X, train_set.y.reshape(1, -1))
    return float(cost)


@pytest.mark.parametrize("iterations, print_every", [(50, 100), (150, 100), (1, 100), (300, 7)])
def test_the_report_gives_the_cost_at_the_end_not_the_last_recorded(cats, iterations, print_every):
    run = train(cats, num_iterations=iterations, print_every=print_every, learning_rate=0.005)
    assert run.report["final_cost"] == pytest.approx(_cost_at(run, cats), rel=1e-12)
    assert len(run.report["costs"]) == -(-iterations // print_every)


def test_a_run_that_rose_is_told_so_even_with_one_recorded_cost(cats):
    run = train(cats, num_iterations=50, learning_rate=1000)
    assert len(run.report["costs"]) == 1
    warning = run.report["warning"]
    assert warning.startswith("the cost rose from 0.693147 to ") and "lower it" in warning
    assert "scale the inputs" not in warning                    # pixels divided by 255 are scaled already


def test_the_estimator_suggests_scaling_only_for_inputs_beyond_one(recwarn):
    from single_neuron import SingleNeuronClassifier

    rng = np.random.default_rng(3)
    X = rng.normal(size=(60, 4))
    y = rng.integers(0, 2, 60)                    # not separable: a step too long overshoots
    for scale, says in ((1000.0, True), (0.1, False)):
        recwarn.clear()
        SingleNeuronClassifier(learning_rate=1e6, max_iter=20).fit(X * scale, y)
        messages = [str(w.message) for w in recwarn if "cost rose" in str(w.message)]
        assert messages and ("scale the inputs to [0, 1]" in messages[0]) is says, messages


def test_compare_rates_shows_the_cost_after_the_last_iteration(cats, run_cli):
    code, out, err = run_cli("compare-rates", cats, "--rates", "0.005", "--iterations", "100", "--json")
    assert code == 0, err
    row = json.loads(out)["runs"][0]
    assert row["costs"] == [pytest.approx(0.6931471805599453)]
    assert row["final_cost"] == pytest.approx(train(cats, num_iterations=100).report["final_cost"], rel=1e-15)
    assert row["final_cost"] < 0.6


@pytest.mark.parametrize("options", [["--dtype", "float32"], ["--dtype", "float32", "--solver", "primal"], []])
def test_accuracies_are_exact_counts_in_every_dtype(cats, run_cli, options):
    code, out, err = run_cli("train", cats, "--json", *options)
    report = json.loads(out)
    assert code == 0 and report["train_accuracy"] == 100 * (1 - 2 / 209) == 99.04306220095694
    assert report["test_accuracy"] == 70.0


def test_a_size_that_data_do_not_have_is_refused_not_ignored(cats):
    from single_neuron import DataError

    for options in ({}, {"memory_limit": "64MB"}):
        with pytest.raises(DataError, match="size 32: only image folders are resized; .* holds 64x64 images"):
            train(cats, size=32, num_iterations=1, **options)
    assert train(cats, size=64, num_iterations=1).model.input_shape == (64, 64, 3)   # the size it has


def test_labels_out_of_0_and_1_are_named_with_their_place():
    from single_neuron import InputValueError

    with pytest.raises(InputValueError, match=r"data labels: expected 0 or 1, got 2 at example 1$"):
        train((np.zeros((10, 4, 4, 1), np.uint8), np.array([0, 2] * 5)))
