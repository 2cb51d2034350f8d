"""A few hundred hostile requests at a real server on loopback, then a good one that must succeed.

Each request is sent as raw bytes, so that it can be what no polite client sends: another Host,
another Origin, a body far past the cap, a multipart body cut short, the wrong content type,
random bytes as an image, paths that climb out of the assets, absurd JSON, unknown methods.
Every answer must be a refusal the server chose (4xx, JSON, one line) or a success; none a 5xx;
no file of the machine may come back; and the server must go on answering.
"""

from __future__ import annotations

import json
import socket
import string
import time
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from single_neuron.app.jobs import train
from single_neuron.io.modelfile import save_model
from web_server import Server, body_of, multipart, raw_request

TOKEN = string.ascii_letters + string.digits + "-._~!$&'*+^`|"
HEADER_TEXT = st.text(st.characters(min_codepoint=0x20, max_codepoint=0x7e), max_size=60)
FILE_CONTENTS = (b"[build-system]", b"root:x:0", b"import ", b"def ")


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    folder = tmp_path_factory.mktemp("hostile")
    model = folder / "digits.npz"
    save_model(model, train(num_iterations=200, learning_rate=0.05).model)
    server = Server(model, log=folder / "serve.log")
    yield server
    server.close()


@pytest.fixture(scope="module")
def good_request(server, tmp_path_factory):
    from PIL import Image

    from single_neuron.io.sources import load_digits_task

    _, test = load_digits_task()
    path = tmp_path_factory.mktemp("image") / "eight.png"
    Image.fromarray(test.images[test.y == 1][0][..., 0]).resize((64, 64)).save(path)
    return predict_request(server.port, path.read_bytes(), "eight.png")


def predict_request(port: int, data: bytes, name: str, **headers) -> bytes:
    body, kind = multipart([("image", name, data)])
    return request(port, "POST", "/api/predict", body, {"content-type": kind, **headers})


def request(port: int, method: str, path: str, body: bytes = b"", headers: dict | None = None,
            host: str | None = None) -> bytes:
    headers = {"host": f"127.0.0.1:{port}" if host is None else host, **(headers or {})}
    if body and "content-length" not in headers:
        headers["content-length"] = str(len(body))
    head = "".join(f"{k}: {v}\r\n" for k, v in headers.items())
    return f"{method} {path} HTTP/1.1\r\n{head}connection: close\r\n\r\n".encode() + body


# ---------------------------------------------------------------------- the hostile requests
# Each strategy draws a function of the port (the server's port is known only at run time) that
# makes the request's bytes, with the statuses that may answer it.

def bad_hosts():
    names = st.one_of(st.sampled_from(["attacker.example", "127.0.0.1", "localhost", "127.0.0.1:1",
                                       "127.0.0.1.attacker.example", "[::1]", "0.0.0.0"]), HEADER_TEXT)
    return names.map(lambda name: (lambda port: request(port, "GET", "/api/model", host=name), {403, 400}))


def bad_origins():
    origins = st.one_of(st.sampled_from(["null", "http://attacker.example", "http://127.0.0.1",
                                         "https://127.0.0.1", "file://"]), HEADER_TEXT.filter(lambda o: o))
    paths = st.sampled_from(["/api/train", "/api/train/stop", "/api/train/keep", "/api/predict", "/api/train/pause",
                             "/api/train/play", "/api/train/step", "/api/train/speed"])
    return st.tuples(origins, paths).map(lambda t: (
        lambda port: request(port, "POST", t[1], b"{}", {"origin": t[0], "content-type": "application/json"}),
        {403}))


def huge_bodies():
    sizes = st.integers(min_value=10 * 1000**2 + 1, max_value=10**15)
    paths = st.sampled_from(["/api/predict", "/api/view", "/api/train", "/api/train/keep", "/api/train/step",
                             "/api/train/speed"])
    return st.tuples(sizes, paths).map(lambda t: (
        lambda port: request(port, "POST", t[1], b"x" * 1000,
                             {"content-length": str(t[0]), "content-type": "application/json"}), {413}))


def truncated_multipart():
    return st.tuples(st.binary(min_size=0, max_size=3000), st.floats(0, 1)).map(lambda t: (
        lambda port: _cut(port, t[0], t[1]), {400, 415}))


def _cut(port: int, data: bytes, where: float) -> bytes:
    body, kind = multipart([("image", "cat.jpg", data)])
    return request(port, "POST", "/api/predict", body[:int(len(body) * where)], {"content-type": kind})


def wrong_content_types():
    kinds = st.one_of(st.sampled_from(["text/plain", "application/json", "image/jpeg", "multipart/form-data",
                                       "multipart/form-data; boundary=", "multipart/mixed; boundary=x",
                                       "application/x-www-form-urlencoded"]), HEADER_TEXT)
    return st.tuples(kinds, st.binary(max_size=2000), st.sampled_from(["/api/predict", "/api/view"])).map(
        lambda t: (lambda port: request(port, "POST", t[2], t[1], {"content-type": t[0]}), {400, 415}))


def random_images():
    starts = st.sampled_from([b"", b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff\xe0", b"GIF89a", b"BM",
                              b"RIFF\x00\x00\x00\x00WEBP",
                              b"II*\x00", b"<svg", b"%PDF-1.4"])
    return st.tuples(starts, st.binary(max_size=4000), st.sampled_from(["/api/predict", "/api/view"])).map(
        lambda t: (lambda port: _image(port, t[0] + t[1], t[2]), {400, 200}))


def _image(port: int, data: bytes, path: str) -> bytes:
    body, kind = multipart([("image", "photo.jpg", data)])
    return request(port, "POST", path, body, {"content-type": kind})


def traversals():
    climbs = st.sampled_from(["/assets/../../pyproject.toml", "/assets/..%2f..%2fpyproject.toml",
                              "/assets/%2e%2e/%2e%2e/etc/passwd", "//etc/passwd", "/assets//etc/passwd",
                              "/../../../../etc/passwd", "/assets/..\\..\\pyproject.toml", "/assets/%00",
                              "/static/style.css", "/assets/style.css/../app.py", "/assets/" + "a" * 5000])
    made = st.lists(st.sampled_from(["..", "%2e%2e", "assets", "etc", "passwd", "web", "app.py", "~", "%00"]),
                    min_size=1, max_size=8).map(lambda parts: "/" + "/".join(parts))
    encoded = st.text(max_size=40).map(lambda t: "/assets/" + quote(t, safe=""))
    # 307: Starlette's redirect between "/x" and "/x/" (the mount "/assets/.." + "/"), to the same server.
    return st.one_of(climbs, made, encoded).map(lambda path: (lambda port: request(port, "GET", path),
                                                              {404, 400, 307}))


JSON = st.recursive(st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False)
                    | st.text(max_size=20),
                    lambda inner: (st.lists(inner, max_size=5)
                                   | st.dictionaries(st.text(max_size=10), inner, max_size=5)),
                    max_leaves=20)


def absurd_json():
    bodies = st.one_of(
        JSON.map(lambda v: json.dumps(v).encode()),
        st.fixed_dictionaries({"rates": JSON, "iterations": JSON, "print_every": JSON}).map(
            lambda v: json.dumps(v).encode()),
        st.fixed_dictionaries({"iterations": JSON}).map(lambda v: json.dumps(v).encode()),
        st.fixed_dictionaries({"speed": JSON}).map(lambda v: json.dumps(v).encode()),
        st.sampled_from([b"[" * 50_000, b'{"a":' * 20_000, b"1e999999", b'{"rates": [1e999]}', b"NaN", b"",
                         b'{"rates": "' + b'\\"' * 32_000, b'{"rates": "' + b"[{" * 32_000, b'"' + b"\\" * 64_000,
                         b'["' + b'\\"]' * 21_000, b'{"' + b'\\u00' * 16_000,
                         b'{"rates": [' + b"9" * 5000 + b"]}", b"\xff\xfe{}", b'{"run": -1}', b'{"run": 1e300}',
                         b'{"rates": [0.1], "iterations": 1e308, "print_every": 1}']),
        st.binary(max_size=300))
    paths = st.sampled_from(["/api/train", "/api/train/keep", "/api/train/step", "/api/train/speed",
                             "/api/train/pause", "/api/train/play"])
    return st.tuples(bodies, paths).map(lambda t: (
        lambda port: request(port, "POST", t[1], t[0], {"content-type": "application/json"}),
        {400, 404, 409, 413, 202, 200}))


def absurd_queries():
    names = st.sampled_from(["example", "a", "b", "c", "x1", "w1", "y", "z", "", "a[]"])
    values = st.one_of(st.text(max_size=30), st.sampled_from(["nan", "inf", "-inf", "1e308", "1e-320", "0x10",
                                                             "logistic", "notes", "1_000", " 1 "]))
    queries = st.lists(st.tuples(names, values), max_size=6).map(
        lambda pairs: "&".join(f"{quote(k)}={quote(v)}" for k, v in pairs))
    return queries.map(lambda q: (lambda port: request(port, "GET", f"/api/graph?{q}"), {200, 400}))


def odd_methods():
    methods = st.one_of(st.sampled_from(["PUT", "DELETE", "PATCH", "OPTIONS", "TRACE", "PROPFIND"]),
                        st.text(TOKEN, min_size=1, max_size=12))
    paths = st.sampled_from(["/", "/api/model", "/api/predict", "/api/train", "/assets/style.css", "/nowhere"])
    return st.tuples(methods, paths).map(lambda t: (lambda port: request(port, t[0], t[1]), {404, 405, 400, 200}))


def odd_event_positions():
    latin = st.text(st.characters(min_codepoint=0x20, max_codepoint=0xff, exclude_characters="\x7f"), max_size=12)
    positions = st.one_of(latin, st.sampled_from(["\u00b2", "-1", "1e3", "99999999999", " 1", "0x1"]))
    # Never a valid position: a valid one would follow a job that a valid request may have started.
    bad = positions.map(str.strip).filter(lambda p: p and not (p.isascii() and p.isdigit() and len(p) <= 9))
    return bad.map(lambda p: (lambda port: request(port, "GET", f"/api/train/events?from={quote(p)}",
                                                   headers={"last-event-id": p}), {400}))


HOSTILE = st.one_of(bad_hosts(), bad_origins(), huge_bodies(), truncated_multipart(), wrong_content_types(),
                    random_images(), traversals(), absurd_json(), absurd_queries(), odd_methods(),
                    odd_event_positions())


def check_answer(status, answer: bytes, allowed: set[int]) -> None:
    assert status is not None, f"no answer: {answer[:200]!r}"
    assert status < 500, answer[:500]
    for content in FILE_CONTENTS:
        assert content not in body_of(answer), answer[:300]
    if status >= 400:
        head = answer.partition(b"\r\n\r\n")[0].lower()
        if b"content-type: application/json" in head:
            error = json.loads(body_of(answer))
            assert list(error) == ["error"] and error["error"] and "\n" not in error["error"]
        else:       # refused by the HTTP layer itself, before the application saw it
            assert status == 400 and body_of(answer) == b"Invalid HTTP request received.", answer[:300]
    else:
        assert status in allowed, answer[:300]
    if 300 <= status < 400:                         # a redirect stays on this server
        head = answer.partition(b"\r\n\r\n")[0].lower()
        assert b"\r\nlocation: http://127.0.0.1:" in head, answer[:300]


def test_hostile_requests_get_refusals_and_the_server_lives_on(server, good_request):
    status, before = raw_request(server.port, good_request)
    assert status == 200
    count = 0

    @settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck))
    @given(HOSTILE)
    def hostile(case):
        nonlocal count
        make, allowed = case
        status, answer = raw_request(server.port, make(server.port))
        check_answer(status, answer, allowed)
        count += 1

    hostile()
    assert count >= 300
    for kind in ("multipart/form-data; boundary=", "multipart/form-data"):      # the parser's own complaints
        status, answer = raw_request(server.port, request(server.port, "POST", "/api/predict", b"--\r\nx",
                                                          {"content-type": kind}))
        check_answer(status, answer, {400, 415})
    status, after = raw_request(server.port, good_request)
    assert status == 200 and set(json.loads(body_of(after))) == {"label", "class", "probability"}
    source = json.loads(body_of(raw_request(server.port, request(server.port, "GET", "/api/model"))[1]))["source"]
    if source.startswith("the model file"):         # no drawn request kept another model meanwhile
        assert body_of(after) == body_of(before)
    assert server.process.poll() is None
    assert server.log() == ""                       # an answer for each; not a word on the server's stderr


def test_a_body_past_the_cap_is_refused_while_it_is_read(server):
    """11 MB sent in chunks with no declared length: the 413 comes before the client has sent it all."""
    head = (f"POST /api/predict HTTP/1.1\r\nhost: 127.0.0.1:{server.port}\r\n"
            "content-type: multipart/form-data; boundary=x\r\ntransfer-encoding: chunked\r\n\r\n").encode()
    part = b'--x\r\ncontent-disposition: form-data; name="image"; filename="big.jpg"\r\n\r\n'
    chunk = b"%x\r\n" % 65536 + b"\0" * 65536 + b"\r\n"
    sent, answer = 0, b""
    with socket.create_connection(("127.0.0.1", server.port), timeout=20) as sock:
        sock.sendall(head + b"%x\r\n" % len(part) + part + b"\r\n")
        sock.settimeout(0.002)
        try:
            while sent < 11 * 10**6 and not answer:
                sock.sendall(chunk)
                sent += 65536
                try:
                    answer = sock.recv(65536)
                except TimeoutError:
                    pass
        except (BrokenPipeError, ConnectionResetError):
            pass
        sock.settimeout(20)
        deadline = time.monotonic() + 20
        while b"\r\n\r\n" not in answer and time.monotonic() < deadline:
            try:
                more = sock.recv(65536)
            except ConnectionResetError:
                break
            if not more:
                break
            answer += more
    assert answer.startswith(b"HTTP/1.1 413 "), answer[:200]
    assert sent < 11 * 10**6                  # the server stopped reading near the cap (10 MB)


@pytest.mark.parametrize("body", [b'{"rates": "' + b'\\"' * 32_000, b'{"rates": "' + b"[{" * 32_000,
                                  b'"' + b"\\" * 64_000, b'["' + b'\\"]' * 21_000])
def test_json_that_parsers_find_slow_is_refused_at_once(server, body):
    """The one JSON reader of the package answers in time linear in the body (a scanner that tried again
    from every quote took 10 to 16 s on 64 KiB of escaped quotes)."""
    status, answer = raw_request(server.port, request(server.port, "POST", "/api/train", body,
                                                      {"content-type": "application/json"}), timeout=3)
    check_answer(status, answer, {400})
    assert status == 400 and b"not valid JSON" in body_of(answer)


def _peak_memory(pid: int) -> int:
    """The process's peak resident memory (VmHWM), in bytes."""
    with open(f"/proc/{pid}/status") as f:
        return next(int(line.split()[1]) * 1024 for line in f if line.startswith("VmHWM:"))


def test_container_bombs_are_refused_at_once_and_the_server_s_memory_stays_put(server):
    """The outside tester's uploads: an ICNS declaring 128 x 128 that holds a large PNG (the server grew
    from 68 MB to 742 MB on one upload), a 16 x 16 TIFF of one 20000 x 20000 tile, and a progressive
    JPEG of 20,000 scans (no answer in 30 s)."""
    from test_hostile_images import icns_holding, png_bytes, progressive, tiff_tiled

    bombs = {"icon.icns": icns_holding(png_bytes(8000, "L")), "tile.tif": tiff_tiled(20_000),
             "scans.jpg": progressive(2000, 20_000)}
    before = _peak_memory(server.process.pid)
    for name, data in bombs.items():
        status, answer = raw_request(server.port, predict_request(server.port, data, name), timeout=20)
        check_answer(status, answer, {400})
        assert status == 400 and b"refused" in body_of(answer), answer[:300]
    assert _peak_memory(server.process.pid) - before < 64 * 2**20
    assert server.process.poll() is None


def test_ctrl_c_while_an_upload_decodes_ends_the_server_in_one_line(tmp_path):
    """A Ctrl-C that came while an upload was decoding (a progressive JPEG of 4000 x 4000 and 300 scans,
    within the limits, seconds of work) ended in a traceback of cancelled tasks, and the process waited
    for the decoder until it was killed. The request is answered 503 and the command ends at once."""
    import threading

    from single_neuron.app.jobs import train as train_job
    from test_hostile_images import progressive

    model = tmp_path / "digits.npz"
    save_model(model, train_job(num_iterations=20).model)
    data = progressive(4000, 300)
    server = Server(model, log=tmp_path / "serve.log")
    answers = []
    try:
        sender = threading.Thread(target=lambda: answers.append(
            raw_request(server.port, predict_request(server.port, data, "slow.jpg"), timeout=60)), daemon=True)
        sender.start()
        time.sleep(1.0)                             # the upload is read in milliseconds; decoding takes seconds
        code, _, err = server.interrupt(timeout=20)
        sender.join(20)
    finally:
        server.close()
    assert code == 130 and err == "single-neuron: interrupted\n", err
    assert answers and answers[0][0] == 503, answers
