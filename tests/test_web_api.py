"""The web API through Starlette's test client: the same numbers as the command line and the library,
errors as one JSON line, the pages and their assets from the installed package."""

from __future__ import annotations

import base64
import json
import math
import re
from importlib.resources import files

import numpy as np
import pytest
from starlette.testclient import TestClient

from single_neuron.app.weight_maps import image_view, weights_image
from single_neuron.io.images import read_image
from single_neuron.io.modelfile import load_model
from single_neuron.teaching.graph import logistic_example, notes_example
from single_neuron.web.app import create_app
from single_neuron.web.guard import host_names
from single_neuron.web.state import ServerState, Served
from web_server import cat_photos, multipart

BASE = "http://127.0.0.1:8000"
PAGES = {"/": "Is it a cat?", "/learned": "What it learned", "/learn": "Watch it learn", "/graph": "The graph"}


@pytest.fixture(scope="module")
def photos(cats, tmp_path_factory):
    return cat_photos(tmp_path_factory.mktemp("photos"), cats)


@pytest.fixture(scope="module")
def state(cat_model, cat_sets):
    return ServerState(Served(load_model(cat_model), "the test's model"), *cat_sets, grace=0.5)


@pytest.fixture(scope="module")
def client(state):
    app = create_app(state, hosts=host_names("127.0.0.1", 8000), upload_limit=10**6)
    with TestClient(app, base_url=BASE) as client:
        yield client


def post_image(client, path, endpoint="/api/predict", **headers):
    body, content_type = multipart([("image", path.name, path.read_bytes())])
    return client.post(endpoint, content=body, headers={"content-type": content_type, **headers})


def floats(packed) -> np.ndarray:
    return np.frombuffer(base64.b64decode(packed["float32"]), "<f4").reshape(packed["shape"])


def one_error(response, status: int, *words: str) -> str:
    """The answer is `status` with a JSON body {"error": one line} that says `words`."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/json"
    body = response.json()
    assert list(body) == ["error"] and "\n" not in body["error"] and body["error"]
    for word in words:
        assert word in body["error"]
    return body["error"]


# ---------------------------------------------------------------------- classify


def test_predict_gives_the_numbers_of_predict_json(client, photos, cat_model, run_cli):
    code, out, err = run_cli("predict", cat_model, *photos.values(), "--json", "--quiet")
    assert code == 0, err
    expected = {p["image"]: p for p in json.loads(out)["predictions"]}
    for path in photos.values():
        answer = post_image(client, path)
        assert answer.status_code == 200, answer.text
        cli = expected[str(path)]
        assert answer.json() == {"label": cli["label"], "class": cli["class"], "probability": cli["probability"]}
    assert expected[str(photos["cat.jpg"])]["class"] == "cat"      # the course's model knows this one


def test_view_shows_what_the_model_sees(client, photos, cat_model):
    trained = load_model(cat_model)
    answer = post_image(client, photos["cat.jpg"], "/api/view").json()
    pixels = read_image(photos["cat.jpg"], (64, 64), 3)
    seen = np.frombuffer(base64.b64decode(answer["pixels"]["uint8"]), np.uint8).reshape(answer["pixels"]["shape"])
    np.testing.assert_array_equal(seen, pixels)
    reference = image_view(trained, pixels)
    contributions = floats(answer["contributions"])
    np.testing.assert_array_equal(contributions, reference.contributions.astype(np.float32))
    assert answer["z"] == reference.z
    # a second route to z and to the probability: w.T x + b from the model file's w and b
    x = pixels.reshape(-1, 1) / 255.0
    z = float((trained.w.T @ x)[0, 0] + trained.b)
    assert answer["z"] == pytest.approx(z, abs=1e-12)
    assert answer["probability"] == pytest.approx(1 / (1 + math.exp(-z)), rel=1e-12)
    assert answer["probability"] == post_image(client, photos["cat.jpg"]).json()["probability"]


def test_uploads_that_are_not_images_are_refused_with_their_name(client, tmp_path):
    bad = tmp_path / "notes.txt"
    bad.write_text("not a picture")
    message = one_error(post_image(client, bad), 400, "upload 'notes.txt'", "not an image")
    assert "single-neuron-upload" not in message and "/tmp" not in message     # no server path leaks
    truncated = tmp_path / "half.png"
    from PIL import Image

    Image.new("RGB", (200, 200), "red").save(truncated)
    truncated.write_bytes(truncated.read_bytes()[:300])
    one_error(post_image(client, truncated), 400, "upload 'half.png'")


def test_uploads_need_a_multipart_image_field(client, photos):
    one_error(client.post("/api/predict", content=b"abc", headers={"content-type": "image/jpeg"}), 415, "multipart")
    one_error(client.post("/api/predict", content=b""), 415, "multipart")
    body, kind = multipart([("photo", "cat.jpg", photos["cat.jpg"].read_bytes())])
    one_error(client.post("/api/predict", content=body, headers={"content-type": kind}), 400, "'image'", "'photo'")
    body, kind = multipart([("image", None, b"just text")])
    one_error(client.post("/api/predict", content=body, headers={"content-type": kind}), 400, "'image'")
    body, kind = multipart([("image", "a.jpg", b"1"), ("image", "b.jpg", b"2")])
    one_error(client.post("/api/predict", content=body, headers={"content-type": kind}), 400)


def test_uploads_past_the_cap_are_refused(client):
    body, kind = multipart([("image", "big.jpg", bytes(10**6 + 1))])
    one_error(client.post("/api/predict", content=body, headers={"content-type": kind}), 413, "at most 976.6 KiB")


# ---------------------------------------------------------------------- the model


def test_model_is_the_served_one(client, cat_model):
    trained = load_model(cat_model)
    answer = client.get("/api/model").json()
    w = np.array(answer["w"]["values"]).reshape(answer["w"]["shape"])
    np.testing.assert_array_equal(w, weights_image(trained))
    np.testing.assert_array_equal(w.reshape(-1, 1), trained.w)      # second route: the file's own layout
    assert answer["b"] == trained.b and answer["costs"] == trained.costs
    assert answer["classes"] == ["non-cat", "cat"] and answer["input_shape"] == [64, 64, 3]
    assert answer["train_accuracy"] == trained.training["train_accuracy"]
    assert answer["test_accuracy"] == trained.training["test_accuracy"]
    assert answer["learning_rate"] == 0.005 and answer["n_iter"] == 2000 and answer["print_every"] == 100


def test_model_metadata_is_shown_only_where_it_is_a_number(cat_model, cat_sets):
    trained = load_model(cat_model)
    trained.training = {"train_accuracy": "<script>", "test_accuracy": float("nan"), "learning_rate": [1] * 3,
                        "n_iter": True, "solver": "<b>gram</b>"}
    state = ServerState(Served(trained, "a model from elsewhere"), *cat_sets)
    with TestClient(create_app(state, hosts=host_names("127.0.0.1", 8000), upload_limit=10**6),
                    base_url=BASE) as client:
        answer = client.get("/api/model").json()
    assert [answer[k] for k in ("train_accuracy", "test_accuracy", "learning_rate", "n_iter", "solver")] == [None] * 5


# ---------------------------------------------------------------------- the graph


def test_notes_graph_is_the_engines_and_the_chain_rule(client):
    answer = client.get("/api/graph", params={"example": "notes", "a": 5, "b": 3, "c": 4}).json()
    nodes = {n["name"]: n for n in answer["nodes"]}
    engine = notes_example(5, 3, 4)
    for name, value in engine.items():
        assert (nodes[name]["value"], nodes[name]["grad"]) == (value.data, value.grad)
    # by hand: J = 3(a + bc), so dJ/da = 3, dJ/db = 3c, dJ/dc = 3b
    assert nodes["J"]["value"] == 51 and [nodes[k]["grad"] for k in "abc"] == [3, 12, 9]
    assert nodes["v"]["inputs"] == ["a", "u"] and nodes["J"]["inputs"] == ["v"]
    assert [n["name"] for n in answer["nodes"]][:3] == ["a", "b", "c"]


def test_logistic_graph_is_the_engines_and_the_notes_derivatives(client):
    inputs = {"x1": 1.5, "x2": -2.0, "w1": 0.3, "w2": 0.7, "b": -0.2, "y": 0}
    answer = client.get("/api/graph", params={"example": "logistic", **inputs}).json()
    nodes = {n["name"]: n for n in answer["nodes"]}
    engine = logistic_example([1.5, -2.0], [0.3, 0.7], -0.2, 0)
    for name, value in engine.items():
        assert (nodes[name]["value"], nodes[name]["grad"]) == (value.data, value.grad)
    # the notes: dz = a - y, dw_i = x_i dz, db = dz
    a = 1 / (1 + math.exp(-(0.3 * 1.5 + 0.7 * -2.0 - 0.2)))
    assert nodes["z"]["grad"] == pytest.approx(a - 0, rel=1e-12)
    assert nodes["w1"]["grad"] == pytest.approx(1.5 * a, rel=1e-12)
    assert nodes["b"]["grad"] == pytest.approx(a, rel=1e-12)
    assert sorted(nodes["z"]["inputs"]) == ["b", "w1", "w2", "x1", "x2"] and nodes["L"]["inputs"] == ["a"]


@pytest.mark.parametrize("query, words", [
    ({"example": "neither"}, ["notes, logistic"]),
    ({"example": "notes", "d": "1"}, ["unknown input 'd'"]),
    ({"example": "notes", "a": "five"}, ["a: expected a number"]),
    ({"example": "notes", "a": "nan"}, ["between"]),
    ({"example": "notes", "b": "1e300"}, ["between"]),
    ({"example": "logistic", "y": "2"}, ["y: expected 0 or 1"]),
    ({"example": "logistic", "x1": "1e6", "w1": "1e6", "y": "0"}, ["so close to 1", "|z| below 709"]),
])
def test_graph_inputs_are_checked(client, query, words):
    one_error(client.get("/api/graph", params=query), 400, *words)


def test_the_loss_graph_holds_where_a_rounds_to_1(client):
    answer = client.get("/api/graph", params={"example": "logistic", "x1": "1e6", "w1": "1e6", "y": "1"})
    assert answer.status_code == 200, answer.text
    nodes = {node["name"]: node for node in answer.json()["nodes"]}
    assert nodes["a"]["value"] == 1.0 and nodes["a"]["grad"] == -1.0 and nodes["L"]["value"] == 0.0


# ---------------------------------------------------------------------- safety


def test_requests_for_another_host_are_refused(client):
    one_error(client.get("/api/model", headers={"host": "attacker.example:8000"}), 403, "Host header")
    one_error(client.get("/", headers={"host": "127.0.0.1:9999"}), 403, "127.0.0.1:8000")
    assert client.get("/api/model", headers={"host": "localhost:8000"}).status_code == 200


def test_changes_from_another_origin_are_refused(client, photos):
    one_error(post_image(client, photos["cat.jpg"], origin="http://attacker.example"), 403, "another origin")
    one_error(client.post("/api/train/stop", headers={"origin": "null"}), 403, "another origin")
    assert post_image(client, photos["cat.jpg"], origin="http://127.0.0.1:8000").status_code == 200
    assert client.get("/api/model", headers={"origin": "http://attacker.example"}).status_code == 200


@pytest.mark.parametrize("path", ["/api/train/pause", "/api/train/play", "/api/train/step", "/api/train/speed"])
def test_the_controls_of_a_job_pass_the_same_door(client, path):
    """Each control of a running job is refused, before anything else, as every request that changes
    something is: another host, another origin, a body past the JSON cap, a length that is no number."""
    body = {"/api/train/step": {"iterations": 1}, "/api/train/speed": {"speed": 5}}.get(path, {})
    one_error(client.post(path, json=body, headers={"host": "attacker.example:8000"}), 403, "Host header")
    one_error(client.post(path, json=body, headers={"origin": "http://attacker.example"}), 403, "another origin")
    one_error(client.post(path, json=body, headers={"origin": "null"}), 403, "another origin")
    one_error(client.post(path, content=b"{}" * 40_000, headers={"content-type": "application/json"}), 413,
              "at most 64.0 KiB")
    one_error(client.post(path, content=b"{}", headers={"content-type": "application/json",
                                                        "content-length": "2x"}), 400, "Content-Length")
    # the same origin passes the door, and the route says what is missing: a job to control
    one_error(client.post(path, json=body, headers={"origin": "http://127.0.0.1:8000"}), 404, "no training job")


def test_errors_are_json_with_one_line(client):
    one_error(client.get("/nowhere"), 404, "/nowhere")
    one_error(client.delete("/api/model"), 405, "DELETE", "GET")
    one_error(client.get("/assets/..%2f..%2fpyproject.toml"), 404)
    one_error(client.get("/assets/app.py"), 404, "no such asset")
    one_error(client.post("/api/train", content=b"{", headers={"content-type": "application/json"}), 400, "JSON")
    one_error(client.post("/api/train", content=b"[" * 60_000, headers={"content-type": "application/json"}), 400)
    one_error(client.post("/api/train", content=b"{}" * 40_000, headers={"content-type": "application/json"}), 413)
    one_error(client.post("/api/train", content=b'{"rates": [NaN]}', headers={"content-type": "application/json"}),
              400, "NaN")
    one_error(client.post("/api/train", content=b'{"rates": [1e400]}', headers={"content-type": "application/json"}),
              400, "rates", "inf")
    one_error(client.post("/api/train", data={"rates": "0.1"}), 415, "application/json")


def test_every_answer_carries_the_security_headers(client):
    refused = client.get("/", headers={"host": "attacker.example"})
    for response in (client.get("/"), client.get("/api/model"), client.get("/nowhere"), refused):
        assert "script-src 'self'" in response.headers["content-security-policy"]
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["x-frame-options"] == "DENY"


def test_host_names_of_an_address():
    assert host_names("127.0.0.1", 8000) == {"127.0.0.1:8000", "localhost:8000", "[::1]:8000"}
    assert host_names("192.0.2.7", 80) == {"192.0.2.7:80", "192.0.2.7"}
    assert host_names("::1", 8000) == {"127.0.0.1:8000", "localhost:8000", "[::1]:8000"}
    assert "localhost:5000" in host_names("0.0.0.0", 5000)
    assert host_names("192.0.2.7", 8000, ["Neuron.example"]) == {"192.0.2.7:8000", "neuron.example:8000"}


# ---------------------------------------------------------------------- pages


def test_the_four_pages_and_their_assets_come_from_the_package(client):
    for path, title in PAGES.items():
        page = client.get(path)
        assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
        assert f"<h1>{title}</h1>" in page.text
        for link in PAGES:
            assert f'href="{link}"' in page.text                          # the header links every view
        for asset in re.findall(r'(?:src|href)="(/assets/[^"]+)"', page.text):
            assert client.get(asset).status_code == 200, asset


def test_no_asset_fetches_anything_from_elsewhere():
    for entry in (files("single_neuron.web") / "static").iterdir():
        text = entry.read_text()
        addresses = set(re.findall(r"(?:https?:)?//[\w.-]+\.\w+", text)) - {"http://www.w3.org"}
        assert not addresses, f"{entry.name} names {addresses}"
