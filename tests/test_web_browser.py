"""The four pages in a real browser: Debian's Chromium, headless, driven by Playwright for Python.

The server runs as a user runs it (a process of its own on loopback, a free port); the browser
is the system's /usr/bin/chromium with a fresh profile, never a browser that Playwright
downloads. Screenshots of the four views go to build/screenshots/. Without Chromium these tests
skip with that reason; under CI=true a missing browser is a failure.
"""

from __future__ import annotations

import base64
import json
import math
import os
import urllib.request
from pathlib import Path

import pytest

from single_neuron.app.jobs import train
from single_neuron.io.modelfile import save_model
from web_server import SCREENSHOTS, Server, cat_photos, multipart, wait_until

CHROMIUM = Path("/usr/bin/chromium")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--no-first-run"]


def _missing(message: str):
    if os.environ.get("CI") == "true":
        pytest.fail(message)
    pytest.skip(message)


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    if not (CHROMIUM.is_file() and os.access(CHROMIUM, os.X_OK)):
        _missing(f"Debian's chromium is not installed at {CHROMIUM} (apt-get install -y chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _missing("Playwright for Python is not installed (pip install -e '.[test]')")
    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            tmp_path_factory.mktemp("chromium-profile"), executable_path=str(CHROMIUM), headless=True, args=FLAGS,
            viewport={"width": 1200, "height": 900})
        context.set_default_timeout(30_000)
        yield context
        context.close()


@pytest.fixture(scope="module")
def server(cats, tmp_path_factory):
    folder = tmp_path_factory.mktemp("served")
    save_model(folder / "cat.npz", train(cats).model)
    server = Server(folder / "cat.npz", "--data", cats, log=folder / "serve.log")
    yield server
    server.close()
    assert "Traceback" not in server.log()


@pytest.fixture(scope="module")
def photos(cats, tmp_path_factory):
    return cat_photos(tmp_path_factory.mktemp("photos"), cats)


@pytest.fixture
def page(browser, request):
    """A new tab; the test fails on any error its scripts or its console report, but for the
    console lines the test function lists in its `expected_console` attribute."""
    page = browser.new_page()
    problems = []
    expected = getattr(request.function, "expected_console", ())

    def console(message):
        if message.type == "error" and not any(text in message.text for text in expected):
            problems.append(f"console: {message.text}")

    page.on("pageerror", lambda error: problems.append(f"page error: {error}"))
    page.on("console", console)
    yield page
    if not page.is_closed():
        page.close()
    assert not problems, problems


def screenshot(page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


def api_predict(server, path: Path) -> dict:
    body, kind = multipart([("image", path.name, path.read_bytes())])
    request = urllib.request.Request(server.url + "/api/predict", data=body, headers={"content-type": kind})
    with urllib.request.urlopen(request, timeout=20) as answer:
        return json.load(answer)


def api_get(server, path: str) -> dict:
    with urllib.request.urlopen(server.url + path, timeout=20) as answer:
        return json.load(answer)


def test_a_photo_chosen_or_dropped_shows_the_apis_probability(server, page, photos):
    page.goto(server.url + "/")
    page.set_input_files("#file", str(photos["cat.jpg"]))
    page.wait_for_selector("body[data-state=classified]")
    expected = api_predict(server, photos["cat.jpg"])
    assert float(page.inner_text("#probability")) == expected["probability"]
    assert page.inner_text("#class-name") == expected["class"] == "cat"
    assert page.inner_text("#label") == f"label {expected['label']}"
    assert page.inner_text("#probability-short") == f"{expected['probability']:.4f}"
    assert page.eval_on_selector("#seen", "c => [c.width, c.height]") == [64, 64]
    screenshot(page, "classify")

    # the same by drag and drop, with another photo
    data = base64.b64encode(photos["non-cat.png"].read_bytes()).decode()
    dropped = page.evaluate_handle("""(data) => {
        const bytes = Uint8Array.from(atob(data), (c) => c.charCodeAt(0));
        const transfer = new DataTransfer();
        transfer.items.add(new File([bytes], "non-cat.png", { type: "image/png" }));
        return transfer; }""", data)
    page.evaluate("() => { document.body.dataset.state = ''; }")
    page.dispatch_event("#drop", "drop", {"dataTransfer": dropped})
    page.wait_for_selector("body[data-state=classified]")
    expected = api_predict(server, photos["non-cat.png"])
    assert float(page.inner_text("#probability")) == expected["probability"]
    assert page.inner_text("#class-name") == expected["class"]


def test_a_file_that_is_not_an_image_gets_its_message(server, page, tmp_path):
    bad = tmp_path / "notes.jpg"
    bad.write_bytes(b"not an image at all")
    page.goto(server.url + "/")
    page.set_input_files("#file", str(bad))
    page.wait_for_selector("body[data-state=failed]")
    assert "upload 'notes.jpg'" in page.inner_text("#error") and "not an image" in page.inner_text("#error")


test_a_file_that_is_not_an_image_gets_its_message.expected_console = ("status of 400",)


def test_what_it_learned_shows_the_served_model(server, page):
    model = api_get(server, "/api/model")
    page.goto(server.url + "/learned")
    page.wait_for_selector("body[data-state=drawn]")
    assert page.inner_text("#b") == repr(model["b"])
    assert page.get_attribute("#costs polyline", "data-points") == str(len(model["costs"]))
    assert page.inner_text("#train-accuracy") == f"{model['train_accuracy']:.2f} %"
    assert page.inner_text("#test-accuracy") == f"{model['test_accuracy']:.2f} %"
    # w drawn: the canvas holds the model's picture, not a blank
    spread = page.eval_on_selector("#w-map", """c => {
        const d = c.getContext("2d").getImageData(0, 0, c.width, c.height).data;
        return new Set(Array.from(d.filter((_, i) => i % 4 === 0))).size; }""")
    assert spread > 50
    screenshot(page, "learned")


def test_the_graph_recomputes_when_an_input_changes(server, page):
    page.goto(server.url + "/graph")
    page.wait_for_selector("body[data-state=drawn]")
    grad = lambda node: float(page.get_attribute(f"g[data-node={node}] text.grad", "data-grad"))  # noqa: E731
    assert (grad("a"), grad("b"), grad("c")) == (3, 6, 9)           # dJ/db = 3c, dJ/dc = 3b
    # the form and the places come from the API's description: its defaults, its columns and rows
    assert [page.input_value(f"#input-{name}") for name in "abc"] == ["5", "3", "2"]
    x = lambda node: float(page.get_attribute(f"g[data-node={node}] rect", "x"))  # noqa: E731
    y = lambda node: float(page.get_attribute(f"g[data-node={node}] rect", "y"))  # noqa: E731
    assert x("b") == x("c") < x("a") == x("u") < x("v") < x("J") and y("b") < y("c") and y("a") < y("u")
    assert page.text_content("g[data-node=u] text.head") == "u = bc"
    page.fill("#input-c", "4")
    page.wait_for_function("() => document.querySelector('g[data-node=b] text.grad').dataset.grad === '12'")
    assert float(page.get_attribute("g[data-node=J] text.value", "data-value")) == 51
    screenshot(page, "graph")
    page.click("#tab-logistic")
    page.wait_for_selector("g[data-node=L]")
    # explain logistic's defaults (w2 = -0.3, so z = 0 and L = log 2), its formulas
    assert page.input_value("#input-w2") == "-0.3" and page.input_value("#input-y") == "1"
    assert float(page.get_attribute("g[data-node=L] text.value", "data-value")) == pytest.approx(math.log(2), rel=1e-15)
    assert page.text_content("g[data-node=z] text.head") == "z = w1x1 + w2x2 + b"
    a = float(page.get_attribute("g[data-node=a] text.value", "data-value"))
    assert grad("z") == pytest.approx(a - 1, rel=1e-12)             # dz = a - y, y = 1
    page.select_option("#input-y", "0")
    page.wait_for_function("(a) => Number(document.querySelector('g[data-node=z] text.grad').dataset.grad) === a",
                           arg=a)
    screenshot(page, "graph-logistic")


def points(page) -> list[int]:
    return [int(n) for n in page.eval_on_selector_all("#chart polyline", "ls => ls.map(l => l.dataset.points)")]


def test_watch_it_learn_live_stop_and_keep(server, page, browser):
    page.goto(server.url + "/learn")
    page.fill("#rates", "0.01 0.001 0.0001")
    page.fill("#iterations", "1500")
    page.fill("#print-every", "100")
    page.click("#start")
    page.wait_for_selector("body[data-state=done]")
    assert points(page) == [15, 15, 15]
    for k in range(3):
        assert "test" in page.inner_text(f".run[data-run='{k}'] .numbers >> nth=1")
        assert page.get_attribute(f".run[data-run='{k}']", "data-weights-at") == "1500"
    screenshot(page, "learn")

    # a long run: the curve grows while we watch, w is redrawn, Stop stops it
    page.fill("#rates", "0.005")
    page.fill("#iterations", "400000")
    page.fill("#print-every", "100")
    page.click("#start")
    seen = set()
    wait_until(lambda: seen.add(tuple(points(page))) or len({p for p in seen if p and p[0] > 0}) >= 4, 30,
               "the curve to grow")
    redrawn = wait_until(lambda: int(page.get_attribute(".run[data-run='0']", "data-weights-at") or 0) > 0, 30,
                         "w to be redrawn")
    assert redrawn
    page.click("#stop")
    page.wait_for_selector("body[data-state=stopped]")
    assert "Stopped: stopped from the page" in page.inner_text("#status")
    status = api_get(server, "/api/train")
    assert status["stopped"] == "stopped from the page" and status["runs"][0]["n_iter"] < 400000
    recorded = len(range(0, status["runs"][0]["n_iter"], 100))
    # the page draws what the stream has delivered: on a busy machine the last events arrive a moment later
    assert wait_until(lambda: points(page)[0] == recorded, 20, "every recorded cost on the page")
    page.click(".run[data-run='0'] button")
    page.wait_for_selector("body[data-kept='0']")
    model = api_get(server, "/api/model")
    assert model["learning_rate"] == 0.005 and model["n_iter"] == status["runs"][0]["n_iter"]

    # a job whose page is closed stops
    other = browser.new_page()
    other.goto(server.url + "/learn")
    other.fill("#rates", "0.005")
    other.fill("#iterations", "400000")
    other.click("#start")
    other.wait_for_selector("body[data-state=running]")
    other.close()
    status = wait_until(lambda: (s := api_get(server, "/api/train"))["running"] is False and s, 20,
                        "the job of the closed page to stop")
    assert status["stopped"] == "no page was watching it"
