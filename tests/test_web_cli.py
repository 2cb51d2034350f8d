"""`single-neuron serve` as a user runs it: a process that prints its address, serves, and ends on
Ctrl-C with one line; bad arguments are one line before anything listens."""

from __future__ import annotations

import json
import socket
import time
import urllib.request

import pytest

from single_neuron.app.jobs import train
from web_server import Server, raw_request, read_until, wait_until


def get_json(url: str):
    with urllib.request.urlopen(url, timeout=20) as answer:
        return json.load(answer)


def post_json(url: str, body: dict):
    request = urllib.request.Request(url, data=json.dumps(body).encode(), method="POST",
                                     headers={"content-type": "application/json"})
    with urllib.request.urlopen(request, timeout=20) as answer:
        return answer.status, json.load(answer)


def test_serve_without_a_model_trains_one_and_ends_on_ctrl_c(tmp_path):
    server = Server(log=tmp_path / "serve.log")
    try:
        model = get_json(server.url + "/api/model")
        direct = train()                     # the same defaults: the digits, the course's settings
        assert model["b"] == direct.model.b and model["costs"] == direct.report["costs"]
        assert model["classes"] == ["three", "eight"] and "trained when the server started" in model["source"]
        assert model["test_accuracy"] == direct.report["test_accuracy"]
        code, out, err = server.interrupt()
    finally:
        server.close()
    assert code == 130 and out == ""
    lines = err.splitlines()
    assert lines == [lines[0], "single-neuron: interrupted"], err
    assert lines[0].startswith("single-neuron: no MODEL given: training one on scikit-learn digits")


def test_closing_the_page_stops_its_job(tmp_path):
    server = Server(log=tmp_path / "serve.log")
    try:
        status, answer = post_json(server.url + "/api/train",
                                   {"rates": [0.005], "iterations": 1_000_000, "print_every": 1000})
        assert status == 202
        with socket.create_connection(("127.0.0.1", server.port), timeout=20) as page:
            page.sendall(f"GET /api/train/events HTTP/1.1\r\nHost: 127.0.0.1:{server.port}\r\n\r\n".encode())
            read_until(page, b"event: start")
            assert get_json(server.url + "/api/train")["watchers"] == 1
        closed = time.monotonic()                  # the page is gone
        job = wait_until(lambda: (s := get_json(server.url + "/api/train"))["running"] is False and s, 15,
                         "the job to stop")
        assert job["stopped"] == "no page was watching it" and time.monotonic() - closed < 8
        assert job["runs"][0]["stopped"] == "requested"
        code, _, err = server.interrupt()
    finally:
        server.close()
    assert code == 130 and "Traceback" not in err


def test_ctrl_c_during_a_live_stream_still_ends_with_one_line(tmp_path, cats):
    server = Server("--data", cats, log=tmp_path / "serve.log")
    try:
        post_json(server.url + "/api/train", {"rates": [0.005], "iterations": 1_000_000, "print_every": 1000})
        with socket.create_connection(("127.0.0.1", server.port), timeout=20) as page:
            page.sendall(f"GET /api/train/events HTTP/1.1\r\nHost: 127.0.0.1:{server.port}\r\n\r\n".encode())
            read_until(page, b"event: start")
            started = time.monotonic()
            code, _, err = server.interrupt()
            assert time.monotonic() - started < 10
    finally:
        server.close()
    assert code == 130
    assert err.splitlines()[1:] == ["single-neuron: interrupted"], err


@pytest.mark.parametrize("round_", range(4))
def test_ctrl_c_after_requests_ends_with_one_line_every_time(tmp_path, cats, round_):
    """uvicorn raises a signal again once shut down; inside the event loop that was a traceback."""
    model = tmp_path / "cat.npz"
    from single_neuron.app.jobs import train
    from single_neuron.io.modelfile import save_model

    save_model(model, train(cats, num_iterations=10).model)
    server = Server(model, log=tmp_path / "serve.log")
    try:
        for path in ("/api/model", "/", "/graph"):
            with socket.create_connection(("127.0.0.1", server.port), timeout=20) as page:
                page.sendall(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{server.port}\r\nConnection: close\r\n\r\n"
                             .encode())
                page.recv(65536)
        code, _, err = server.interrupt()
    finally:
        server.close()
    assert code == 130 and err == "single-neuron: interrupted\n", err


def test_a_busy_port_is_one_line(run_cli):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        code, out, err = run_cli("serve", "--port", port)
    assert code == 1 and out == ""
    assert err == f"single-neuron: error: cannot listen on 127.0.0.1:{port} (Address already in use)\n"


def test_a_bad_model_is_one_line_and_nothing_listens(run_cli, tmp_path):
    bad = tmp_path / "model.npz"
    bad.write_text("not a model")
    code, out, err = run_cli("serve", bad, "--port", "0")
    assert code == 1 and out == "" and err.count("\n") == 1
    assert "not a single-neuron model" in err and str(bad) in err


@pytest.mark.parametrize("args, words, status", [
    (["--max-upload", "ten"], "argument --max-upload: expected a size", 2),
    (["--data", "/nonexistent/folder"], "/nonexistent/folder: no such file or folder", 1),
])
def test_bad_options_are_one_line(run_cli, args, words, status):
    code, out, err = run_cli("serve", "--port", "0", *args)
    assert code == status and out == "" and err.count("\n") == 1 and words in err


def test_bad_port_is_a_usage_error(run_cli):
    code, _, err = run_cli("serve", "--port", "70000")
    assert code == 2 and "expected a whole number <= 65535" in err


def test_the_server_answers_a_name_it_was_given(tmp_path):
    server = Server("--allow-host", "neuron.test", log=tmp_path / "serve.log")
    try:
        request = f"GET /api/graph HTTP/1.1\r\nHost: neuron.test:{server.port}\r\nConnection: close\r\n\r\n"
        assert raw_request(server.port, request.encode())[0] == 200
        request = f"GET /api/graph HTTP/1.1\r\nHost: other.test:{server.port}\r\nConnection: close\r\n\r\n"
        assert raw_request(server.port, request.encode())[0] == 403
    finally:
        server.close()
