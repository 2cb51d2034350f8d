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
from single_neuron.app.weight_maps import weights_map
from single_neuron.io.modelfile import SavedModel
from single_neuron.web.app import create_app
from single_neuron.web.guard import host_names
from single_neuron.web.state import ServerState, Served
from single_neuron.web.training import DISPLAY_POINTS, Gate
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


def events(client, start: int = 0, into: list | None = None) -> list[dict]:
    """Every event of the current job, read as a browser's EventSource reads them, until the stream ends;
    each appended to `into` as it comes, if given."""
    found, block = [] if into is None else into, {}
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


def points(stream, run: int) -> list[tuple[int, float]]:
    """The (iteration, cost) points a page got for one run, in order."""
    return [(i, c) for e in stream if e["event"] == "costs" and e["run"] == run for i, c in zip(e["i"], e["cost"])]


def map_of(event) -> np.ndarray:
    return np.frombuffer(base64.b64decode(event["map"]["float32"]), "<f4").reshape(event["map"]["shape"])


def test_a_comparison_gives_the_librarys_runs_and_can_be_kept(client, cat_sets):
    train_set, test_set = cat_sets
    answer = start(client, rates=[0.01, 0.001], iterations=300, print_every=20)
    assert answer.status_code == 202
    stream = events(client)
    assert [e["id"] for e in stream] == list(range(1, len(stream) + 1))
    assert stream[0]["event"] == "start" and stream[-1] == {**stream[-1], "event": "end", "stopped": None}
    directs = {}
    for k, rate in enumerate([0.01, 0.001]):
        # what the page shows: the cost of every iteration, then the final cost at the end of the run
        shown = train(train_set, test_set, learning_rate=rate, num_iterations=300, print_every=1)
        assert points(stream, k) == [*enumerate(shown.report["costs"]), (300, shown.report["final_cost"])]
        drawn = [e for e in stream if e["event"] == "weights" and e["run"] == k]
        assert drawn[0]["i"] == 0 and drawn[-1]["i"] == 300
        np.testing.assert_array_equal(map_of(drawn[0]), 0.0)                     # w = 0: the start, not a black square
        np.testing.assert_array_equal(map_of(drawn[-1]), weights_map(shown.model.w, (64, 64, 3)).astype(np.float32))
        end = next(e for e in stream if e["event"] == "run-end" and e["run"] == k)
        # one final cost: the page's, the library's and the command line's route (a cost every 20) alike
        direct = directs[k] = train(train_set, test_set, learning_rate=rate, num_iterations=300, print_every=20)
        assert end["final_cost"] == shown.report["final_cost"] == direct.report["final_cost"]
        assert (end["train_accuracy"], end["test_accuracy"]) == (direct.report["train_accuracy"],
                                                                 direct.report["test_accuracy"])
    assert events(client, start=len(stream) - 1) == stream[-1:]          # a page that reconnects resumes
    assert client.get("/api/train").json()["served_run"] is None
    kept = client.post("/api/train/keep", json={"run": 1})
    assert kept.status_code == 200 and "learning rate 0.001" in kept.json()["source"]
    assert client.get("/api/train").json()["served_run"] == 1
    model = client.get("/api/model").json()
    direct = directs[1]
    assert model["b"] == direct.model.b and model["costs"] == direct.report["costs"]     # as train --print-every 20
    assert model["print_every"] == 20 and model["final_cost"] == direct.report["final_cost"]
    assert model["curve"]["iterations"][-2:] == [280, 300] and model["curve"]["costs"][-1] == model["final_cost"]
    assert model["test_accuracy"] == direct.report["test_accuracy"]


def test_a_long_run_shows_the_lowest_and_highest_cost_of_each_stretch(client, cat_sets):
    train_set, test_set = cat_sets
    iterations = DISPLAY_POINTS + 1000                   # more than the page draws: buckets of 3 iterations
    start(client, rates=[0.01], iterations=iterations, print_every=100)
    stream = events(client)
    truth = train(train_set, test_set, learning_rate=0.01, num_iterations=iterations, print_every=1).report
    k = -(-iterations // (DISPLAY_POINTS // 2))
    expected = []
    for first in range(0, iterations, k):
        bucket = list(enumerate(truth["costs"]))[first:first + k]
        expected += sorted({min(bucket, key=lambda p: p[1]), max(bucket, key=lambda p: p[1])})
    assert k == 3 and points(stream, 0) == [*expected, (iterations, truth["final_cost"])]
    assert len(expected) <= DISPLAY_POINTS
    # the oscillation at 0.01 survives the thinning: the first 300 iterations still swing to 3.2
    assert max(c for i, c in points(stream, 0) if i < 300) == max(truth["costs"][:300]) > 3.0


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


class Reader:
    """The job's events read in a thread, as a page's EventSource reads them while it watches."""

    def __init__(self, client):
        import threading

        self.found: list[dict] = []
        self.thread = threading.Thread(target=events, args=(client, 0, self.found), daemon=True)
        self.thread.start()

    def held_at(self, next_iteration: int) -> dict:
        return wait_until(lambda: next((e for e in self.found if e["event"] == "held" and e["next"] == next_iteration),
                                       None), 20, f"the job to hold before iteration {next_iteration}")


def test_pause_step_and_play_are_controls_of_the_live_run(client, cat_sets):
    train_set, test_set = cat_sets
    kept = []
    iterations = DISPLAY_POINTS                           # every iteration's cost is sent
    assert start(client, rates=[0.01], iterations=iterations, print_every=100, paused=True).status_code == 202
    reader = Reader(client)
    reader.held_at(0)                                   # paused before the first iteration: nothing computed
    status = client.get("/api/train").json()
    assert (status["paused"], status["iteration"], status["run"]) == (True, None, 0)
    for steps, then in ((1, 1), (10, 11), (100, 111)):
        answer = client.post("/api/train/step", json={"iterations": steps})
        assert answer.status_code == 200 and answer.json()["paused"] is True
        reader.held_at(then)
    truth = train(train_set, test_set, learning_rate=0.01, num_iterations=iterations, print_every=1,
                  on_weights=lambda i, current: i == 110 and kept.append(np.array(current()[0])))
    assert points(reader.found, 0) == list(enumerate(truth.report["costs"][:111]))     # exactly 111 iterations
    held = [e for e in reader.found if e["event"] == "weights"]
    assert [e["i"] for e in held] == [0, 10, 110]        # w at each hold: after the first step, the tenth, the 110th
    np.testing.assert_array_equal(map_of(held[-1]), weights_map(kept[0], (64, 64, 3)).astype(np.float32))
    assert client.get("/api/train").json()["iteration"] == 110
    # play runs on (at 500 a second: the run cannot end before the pause comes), pause holds again where
    # it is, and the page is told where
    assert client.post("/api/train/speed", json={"speed": 500}).json()["speed"] == 500
    assert client.post("/api/train/play").json()["paused"] is False
    wait_until(lambda: client.get("/api/train").json()["iteration"] > 500, 20, "the run to go on")
    assert client.get("/api/train").json()["running"] is True
    job = client.get("/api/train").json()["job"]
    assert client.post("/api/train/pause").json() == {"job": job, "running": True, "paused": True, "speed": 500,
                                                      "allowed": 0}
    wait_until(lambda: any(e["event"] == "held" and e["next"] > 500 for e in reader.found), 20, "the hold")
    at = client.get("/api/train").json()["iteration"]
    assert wait_until(lambda: client.get("/api/train").json()["iteration"] == at, 5, "the run to stay held")
    controls = [(e["paused"], e["speed"]) for e in reader.found if e["event"] == "control"]
    assert controls == [(True, None)] * 3 + [(True, 500), (False, 500), (True, 500)]
    # a stop reaches a held run at once
    client.post("/api/train/stop")
    status = wait_until(lambda: (s := client.get("/api/train").json())["running"] is False and s, 10, "the stop")
    assert status["stopped"] == "stopped from the page" and status["runs"][0]["n_iter"] == at + 1
    reader.thread.join(10)
    assert reader.found[-1]["event"] == "end"


def test_the_speed_paces_the_run_and_steps_are_not_paced():
    import threading

    gate = Gate(speed=50.0)
    started = time.monotonic()
    for _ in range(11):
        gate.wait(lambda: False)
    assert time.monotonic() - started >= 10 / 50              # at most 50 a second: 11 take 0.2 s at least
    gate.step(1000)                                           # a step goes at once, whatever the pace
    for _ in range(1000):
        gate.wait(lambda: False)
    assert gate.holding()
    gate.set_speed(None)
    done = threading.Event()
    threading.Thread(target=lambda: (gate.wait(lambda: False), done.set()), daemon=True).start()
    assert not done.wait(0.3)                                 # held: paused, no step left
    gate.play()
    assert done.wait(5)
    stop = threading.Event()
    gate.pause()
    waiting = threading.Thread(target=lambda: gate.wait(stop.is_set), daemon=True)
    waiting.start()
    stop.set()
    waiting.join(5)
    assert not waiting.is_alive()                             # a held gate lets a stopping job go


def test_a_speed_set_while_running_and_at_the_start(client):
    assert start(client, rates=[0.005], iterations=100_000, print_every=100, speed=20).status_code == 202
    reader = Reader(client)
    assert reader.found is not None
    wait_until(lambda: client.get("/api/train").json()["iteration"] is not None, 20, "the first iteration")
    assert client.get("/api/train").json()["speed"] == 20
    answer = client.post("/api/train/speed", json={"speed": None})
    assert answer.status_code == 200 and answer.json()["speed"] is None
    wait_until(lambda: client.get("/api/train").json()["iteration"] > 1000, 30, "the run to speed up")
    client.post("/api/train/stop")
    reader.thread.join(10)
    assert [e["speed"] for e in reader.found if e["event"] in ("start", "control")] == [20, None]


def test_a_held_job_whose_page_is_gone_stops(client):
    start(client, rates=[0.005], iterations=1_000, print_every=100, paused=True)
    status = wait_until(lambda: (s := client.get("/api/train").json())["running"] is False and s, 10, "the stop")
    assert status["stopped"] == "no page was watching it" and status["paused"] is True


@pytest.mark.parametrize("path, body, status, words", [
    ("/api/train/step", {"iterations": 0}, 400, "iterations: expected a whole number from 1 to 1000000"),
    ("/api/train/step", {"iterations": 2.5}, 400, "iterations: expected a whole number"),
    ("/api/train/step", {"iterations": True}, 400, "iterations: expected a whole number"),
    ("/api/train/step", {}, 400, "iterations: expected a whole number"),
    ("/api/train/step", {"iterations": 1, "then": "play"}, 400, "unknown field 'then' (expected iterations)"),
    ("/api/train/speed", {"speed": 0}, 400, "speed: expected iterations a second from 0.1 to 1e+06, or null"),
    ("/api/train/speed", {"speed": "fast"}, 400, "speed: expected iterations a second"),
    ("/api/train/speed", {"speed": 1e7}, 400, "speed: expected iterations a second"),
    ("/api/train/speed", {}, 400, "speed: expected iterations a second, or null for as fast as it goes (the field"),
    ("/api/train/speed", {"pace": 3}, 400, "unknown field 'pace' (expected speed)"),
])
def test_control_requests_are_checked(client, path, body, status, words):
    start(client, rates=[0.005], iterations=1_000_000, print_every=1000)
    answer = client.post(path, json=body)
    assert answer.status_code == status and words in answer.json()["error"], answer.text
    client.post("/api/train/stop")


@pytest.mark.parametrize("body, words", [
    ({"rates": [0.1], "iterations": 10, "print_every": 1, "paused": "yes"}, "paused: expected true or false"),
    ({"rates": [0.1], "iterations": 10, "print_every": 1, "speed": -1}, "speed: expected iterations a second"),
    ({"rates": [0.1], "iterations": 10, "print_every": 1, "speed": float("inf")}, None),
])
def test_a_job_starts_paused_or_paced_only_as_asked(client, body, words):
    if words is None:                            # Infinity is not JSON: refused as the body it is
        answer = client.post("/api/train", content=json.dumps(body).encode(), headers={"content-type": "application/json"})
        assert answer.status_code == 400 and "Infinity" in answer.json()["error"]
        return
    answer = start(client, **body)
    assert answer.status_code == 400 and words in answer.json()["error"]


def test_controls_need_a_running_job(client):
    for path in ("/api/train/pause", "/api/train/play"):
        answer = client.post(path)
        assert answer.status_code == 404 and "no training job" in answer.json()["error"]
    assert client.post("/api/train/step", json={"iterations": 1}).status_code == 404
    assert client.post("/api/train/speed", json={"speed": 5}).status_code == 404
    start(client, rates=[0.01], iterations=10, print_every=1)
    events(client)
    for path, body in (("/api/train/pause", None), ("/api/train/play", None), ("/api/train/step", {"iterations": 1}),
                       ("/api/train/speed", {"speed": 5})):
        answer = client.post(path, json=body) if body else client.post(path)
        assert answer.status_code == 409 and "has ended (done); start another" in answer.json()["error"]
    for path in ("/api/train/pause", "/api/train/play", "/api/train/step", "/api/train/speed"):
        answer = client.get(path)
        assert answer.status_code == 405 and "allowed: POST" in answer.json()["error"]
    answer = client.post("/api/train/step", content=b"iterations=1", headers={"content-type": "text/plain"})
    assert answer.status_code == 415
