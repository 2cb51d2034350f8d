"""One final cost: the cost at the parameters a run returns, the same number under the same name on
compare-rates, train --json, inspect and the web page's API, checked against the course's propagate."""

from __future__ import annotations

import json

import numpy as np
import pytest
from starlette.testclient import TestClient

from single_neuron import propagate
from single_neuron.io.modelfile import SavedModel, load_model
from single_neuron.web.app import create_app
from single_neuron.web.guard import host_names
from single_neuron.web.state import ServerState, Served


def page_run(cat_sets, **job) -> tuple[dict, dict, dict]:
    """A job of the web page: (its run-end event, its state, the model it serves once kept)."""
    train_set, _ = cat_sets
    placeholder = SavedModel(w=np.zeros((train_set.X.shape[0], 1)), b=0.0, input_shape=train_set.image_shape,
                             classes=train_set.classes)
    state = ServerState(Served(placeholder, "zeros"), *cat_sets, grace=5)
    with TestClient(create_app(state, hosts=host_names("127.0.0.1", 8000), upload_limit=10**6),
                    base_url="http://127.0.0.1:8000") as client:
        assert client.post("/api/train", json=job).status_code == 202
        with client.stream("GET", "/api/train/events") as stream:
            lines = list(stream.iter_lines())
        ends = [json.loads(line[6:]) for line in lines if line.startswith("data: ") and '"run-end"' in line]
        status = client.get("/api/train").json()
        assert client.post("/api/train/keep", json={"run": 0}).status_code == 200
        model = client.get("/api/model").json()
    state.close()
    return ends[0], status, model


def test_the_notes_comparison_has_one_final_cost_everywhere(cats, cat_sets, run_cli, tmp_path):
    code, table, err = run_cli("compare-rates", cats, "--rates", "0.01", "--iterations", "1500")
    assert code == 0, err
    code, out, err = run_cli("compare-rates", cats, "--rates", "0.01", "--iterations", "1500", "--json")
    row = json.loads(out)["runs"][0]
    code, out, err = run_cli("train", cats, "--learning-rate", "0.01", "--iterations", "1500", "--json",
                             "--model-out", tmp_path / "m.npz")
    report = json.loads(out)
    facts = json.loads(run_cli("inspect", tmp_path / "m.npz", "--json")[1])
    text = run_cli("inspect", tmp_path / "m.npz")[1]
    end, status, served = page_run(cat_sets, rates=[0.01], iterations=1500, print_every=100)

    final = row["final_cost"]
    assert (report["final_cost"], facts["final_cost"], end["final_cost"], status["runs"][0]["final_cost"],
            served["final_cost"]) == (final,) * 5
    # printed the same way: the table's column and inspect's line, six decimals as the cost lines
    assert f"{final:.6f}" == "0.087453"
    assert table.splitlines()[1].split() == ["0.01", "0.087453", "99.52", "68.00"]
    assert "final cost: 0.087453, at iteration 1500\n" in text
    # it is the end of the run, not the last record (iteration 1400: 0.092043), and the curves reach it
    assert f"{row['costs'][-1]:.6f}" == "0.092043" and row["n_iter"] == report["n_iter"] == 1500
    assert served["curve"]["iterations"][-2:] == [1400, 1500] and served["curve"]["costs"][-1] == final
    # a second route: the course's propagate at the parameters the file holds
    train_set, _ = cat_sets
    trained = load_model(tmp_path / "m.npz")
    _, cost = propagate(trained.w, trained.b, train_set.X, train_set.y.reshape(1, -1))
    assert float(cost) == pytest.approx(final, rel=1e-12)


@pytest.mark.parametrize("iterations, print_every", [(1, 100), (250, 100), (300, 7)])
def test_short_and_uneven_runs_name_the_end_too(cats, cat_sets, run_cli, tmp_path, iterations, print_every):
    args = ["--iterations", str(iterations), "--print-every", str(print_every)]
    row = json.loads(run_cli("compare-rates", cats, "--rates", "0.005", *args, "--json")[1])["runs"][0]
    run_cli("train", cats, *args, "--model-out", tmp_path / "m.npz", "--quiet")
    facts = json.loads(run_cli("inspect", tmp_path / "m.npz", "--json")[1])
    end, _, served = page_run(cat_sets, rates=[0.005], iterations=iterations, print_every=min(print_every, iterations))
    assert row["final_cost"] == facts["final_cost"] == end["final_cost"] == served["final_cost"]
    assert served["curve"]["iterations"][-1] == iterations
    assert f"final cost: {row['final_cost']:.6f}, at iteration {iterations}" in run_cli("inspect", tmp_path / "m.npz")[1]
