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


def test_inspect_shows_the_cost_at_the_end_of_a_run_that_recorded_one(cats, tmp_path, run_cli):
    model = tmp_path / "m.npz"
    code, _, err = run_cli("train", cats, "--learning-rate", "1e6", "--iterations", "3", "--print-every", "1000",
                           "--model-out", model, "--quiet")
    assert code == 0 and "the cost rose" in err
    code, out, _ = run_cli("inspect", model, "--json")
    facts = json.loads(out)
    assert facts["costs_recorded"] == 1 and facts["final_cost"] > 1e3
    assert f"final cost: {facts['final_cost']:.4g}, at iteration 3\n" in run_cli("inspect", model)[1]


def test_compare_rates_warns_for_each_rate_that_went_wrong(cats, run_cli):
    code, out, err = run_cli("compare-rates", cats, "--rates", "1e300", "0.005", "--iterations", "5")
    assert code == 0
    assert "warning: learning rate 1e+300: the cost rose" in err
    assert max(len(line) for line in out.splitlines()) <= 45             # 1e300 shown in ten places


def test_a_folder_is_held_to_the_feature_limit(tmp_path, run_cli, monkeypatch):
    from PIL import Image

    for i, name in enumerate(("a", "b")):
        (tmp_path / "images" / name).mkdir(parents=True)
        Image.new("RGB", (8, 8), (200 * i, 0, 0)).save(tmp_path / "images" / name / "0.png")
    monkeypatch.setenv("SINGLE_NEURON_MAX_FEATURES", "100")
    for args in (["train", tmp_path / "images", "--size", "16"],
                 ["data", "import", tmp_path / "images", tmp_path / "x.h5", "--size", "16"]):
        code, out, err = run_cli(*args)
        assert code == 1 and "refused, 768 values per image (16x16x3), more than the limit of 100" in err
    assert not (tmp_path / "x.h5").exists()


@pytest.mark.parametrize("size", [0, -3, 32.5, True, "32", float("nan"), 10**6])
def test_the_python_job_checks_its_size(size):
    from single_neuron import InputValueError

    with pytest.raises(InputValueError, match="^size: expected a whole number"):
        train(size=size, num_iterations=1)
