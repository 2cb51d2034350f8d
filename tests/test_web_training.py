"""Watch it learn: the training job behind the page gives the library's numbers, one job at a time,
and stops when asked or when nobody watches; the descent loop's on_weights hook it draws w from."""

from __future__ import annotations

import base64
import json
import time

import numpy as np
import pytest
from starlette.testclient import TestClient

from single_neuron.app.jobs import train
from single_neuron.io.modelfile import SavedModel
from single_neuron.web.app import create_app
from single_neuron.web.guard import host_names
from single_neuron.web.state import ServerState, Served
from web_server import wait_until

BASE = "http://127.0.0.1:8000"


@pytest.fixture
def client(cat_sets):
    train_set, _ = cat_sets
    placeholder = SavedModel(w=np.zeros((train_set.X.shape[0], 1)), b=0.0, input_shape=train_set.image_shape,
                             classes=train_set.classes)
    state = ServerState(Served(placeholder, "zeros"), *cat_sets, grace=0.5)
    with TestClient(create_app(state, hosts=host_names("127.0.0.1", 8000), upload_limit=10**6),
                    base_url=BASE) as client:
        yield client
    state.close()


def events(client, start: int = 0) -> list[dict]:
    """Every event of the current job, read as a browser's EventSource reads them, until the stream ends."""
    found, block = [], {}
    with client.stream("GET", "/api/train/events", headers={"last-event-id": str(start)}) as stream:
        assert stream.headers["content-type"].startswith("text/event-stream")
        for line in stream.iter_lines():
            if not line:
                if "data" in block:
                    found.append({**json.loads(block["data"]), "id": int(block["id"]), "event": block["event"]})
                block = {}
            elif not line.startswith(":"):
                field, _, value = line.partition(": ")
                block[field] = value
    return found


def start(client, **body):
    return client.post("/api/train", json=body)


def w_of(event) -> np.ndarray:
    return np.frombuffer(base64.b64decode(event["w"]["float32"]), "<f4").reshape(-1, 1)


@pytest.mark.parametrize("solver", ["primal", "gram"])
def test_on_weights_gives_w_as_it_is_at_each_record(cat_sets, solver):
    train_set, _ = cat_sets
    some = (train_set.images[:40], train_set.y[:40])       # the primal form on all 209 takes seconds
    seen = {}

    def keep(i, current):
        seen[i] = np.array(current()[0])            # a copy: the loop goes on changing its own

    train(some, num_iterations=30, print_every=10, solver=solver, on_weights=keep)
    assert sorted(seen) == [0, 10, 20]
    np.testing.assert_array_equal(seen[0], 0.0)
    for i in (10, 20):              # a second route: a run that stops there
        shorter = train(some, num_iterations=i, solver=solver).model.w
        np.testing.assert_allclose(seen[i], shorter, rtol=1e-12, atol=1e-15)


def test_a_comparison_gives_the_librarys_runs_and_can_be_kept(client, cat_sets):
    train_set, test_set = cat_sets
    answer = start(client, rates=[0.01, 0.001], iterations=300, print_every=20)
    assert answer.status_code == 202
    stream = events(client)
    assert [e["id"] for e in stream] == list(range(1, len(stream) + 1))
    assert stream[0]["event"] == "start" and stream[-1] == {**stream[-1], "event": "end", "stopped": None}
    for k, rate in enumerate([0.01, 0.001]):
        direct = train(train_set, test_set, learning_rate=rate, num_iterations=300, print_every=20)
        costs = [e["cost"] for e in stream if e["event"] == "record" and e["run"] == k]
        assert costs == direct.report["costs"]
        drawn = [e for e in stream if e["event"] == "weights" and e["run"] == k]
        assert drawn[0]["i"] == 0 and drawn[-1]["i"] == 300
        np.testing.assert_array_equal(w_of(drawn[-1]), direct.model.w.astype(np.float32))
        end = next(e for e in stream if e["event"] == "run-end" and e["run"] == k)
        assert (end["train_accuracy"], end["test_accuracy"]) == (direct.report["train_accuracy"],
                                                                 direct.report["test_accuracy"])
    assert events(client, start=len(stream) - 1) == stream[-1:]          # a page that reconnects resumes
    kept = client.post("/api/train/keep", json={"run": 1})
    assert kept.status_code == 200 and "learning rate 0.001" in kept.json()["source"]
    model = client.get("/api/model").json()
    direct = train(train_set, test_set, learning_rate=0.001, num_iterations=300, print_every=20)
    assert model["b"] == direct.model.b and model["costs"] == direct.report["costs"]
    assert model["test_accuracy"] == direct.report["test_accuracy"]


def test_one_job_at_a_time_and_stop_stops_it(client):
    assert start(client, rates=[0.005], iterations=1_000_000, print_every=1000).status_code == 202
    second = start(client, rates=[0.01], iterations=10, print_every=1)
    assert second.status_code == 409 and "already running" in second.json()["error"]
    assert client.post("/api/train/keep", json={"run": 0}).status_code == 409
    assert client.post("/api/train/stop").json()["stopping"] is True
    status = wait_until(lambda: (s := client.get("/api/train").json())["running"] is False and s, 10, "the stop")
    assert status["stopped"] == "stopped from the page"
    assert status["runs"][0]["stopped"] == "requested" and status["runs"][0]["n_iter"] < 1_000_000
    assert start(client, rates=[0.01], iterations=10, print_every=1).status_code == 202    # free again


def test_a_job_nobody_watches_stops(client):
    started = time.monotonic()
    start(client, rates=[0.005], iterations=1_000_000, print_every=1000)
    status = wait_until(lambda: (s := client.get("/api/train").json())["running"] is False and s, 10, "the stop")
    assert status["stopped"] == "no page was watching it"
    assert time.monotonic() - started < 5


@pytest.mark.parametrize("body, words", [
    ({"rates": [], "iterations": 10, "print_every": 1}, "rates: expected a list of 1 to 8"),
    ({"rates": [0.1] * 9, "iterations": 10, "print_every": 1}, "rates: expected a list of 1 to 8"),
    ({"rates": "0.1", "iterations": 10, "print_every": 1}, "rates: expected a list"),
    ({"rates": [-0.1], "iterations": 10, "print_every": 1}, "rates: expected numbers > 0"),
    ({"rates": [True], "iterations": 10, "print_every": 1}, "rates: expected numbers > 0"),
    ({"rates": [0.1], "iterations": 0, "print_every": 1}, "iterations: expected a whole number from 1"),
    ({"rates": [0.1], "iterations": 2.5, "print_every": 1}, "iterations: expected a whole number"),
    ({"rates": [0.1], "iterations": 10**12, "print_every": 1}, "iterations: expected a whole number"),
    ({"rates": [0.1], "iterations": 10, "print_every": 11}, "print_every: expected a whole number from 1 to 10"),
    ({"rates": [0.1], "iterations": 100_000, "print_every": 1}, "at most 5000"),
    ({"rates": [0.1], "iterations": 10, "print_every": 1, "solver": "gram"}, "unknown field 'solver'"),
])
def test_job_requests_are_checked(client, body, words):
    answer = start(client, **body)
    assert answer.status_code == 400 and words in answer.json()["error"]


def test_no_job_yet_and_runs_that_left_no_model(client):
    assert client.get("/api/train").json() == {"job": None, "running": False}
    assert client.get("/api/train/events").status_code == 404
    assert "no training job" in client.post("/api/train/keep", json={"run": 0}).json()["error"]
    start(client, rates=[0.005, 0.01], iterations=1_000_000, print_every=1000)
    client.post("/api/train/stop")
    stream = events(client)
    assert [e["run"] for e in stream if e["event"] == "run-end"] == [0]      # the second never started
    refused = client.post("/api/train/keep", json={"run": 1})
    assert refused.status_code == 404 and "runs with one: 0" in refused.json()["error"]
    assert client.post("/api/train/keep", json={"run": "0"}).status_code == 400
    assert client.post("/api/train/keep", json={"run": 0}).status_code == 200
