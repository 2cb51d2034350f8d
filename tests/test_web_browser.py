"""The four pages in a real browser: Debian's Chromium, headless, driven by Playwright for Python.

The server runs as a user runs it (a process of its own on loopback, a free port); the browser
is the system's /usr/bin/chromium with a fresh profile, never a browser that Playwright
downloads. Screenshots of the four views go to build/screenshots/. Without Chromium these tests
skip with that reason; under CI=true a missing browser is a failure.
"""

from __future__ import annotations

import base64
import time
import json
import math
import os
import urllib.request
from pathlib import Path

import pytest

from single_neuron.app.jobs import train
from single_neuron.io.modelfile import save_model
from single_neuron.web.training import DISPLAY_POINTS
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
    # numbers rounded for reading, each exact on hover
    assert page.inner_text("#b") == "-0.01591" and page.get_attribute("#b", "data-exact") == repr(model["b"])
    assert page.get_attribute("#b", "title") == f"exactly {model['b']!r}"
    assert page.inner_text("#final-cost") == "0.135608" == f"{model['final_cost']:.6f}"
    # the curve: the 20 recorded costs, then the final cost at iteration 2000, the end of the run
    assert page.get_attribute("#costs polyline", "data-points") == str(len(model["costs"]) + 1) == "21"
    assert model["curve"]["iterations"][-2:] == [1900, 2000]
    assert page.inner_text("#train-accuracy") == f"{model['train_accuracy']:.2f} %"
    assert page.inner_text("#test-accuracy") == f"{model['test_accuracy']:.2f} %"
    # each card holds what its title says
    assert page.eval_on_selector_all("section.card", """cards => cards.map(c => [c.querySelector("h2").textContent,
        Array.from(c.querySelectorAll("th")).map(th => th.textContent)])""") == [
        ["w, one weight per input value, and b", []], ["Accuracy", ["training set", "test set"]],
        ["The model", ["classes", "input", "pixels divided by"]],
        ["Training", ["learning rate", "iterations", "solver", "final cost"]], ["The cost J during training", []]]
    # w drawn: the canvas holds the model's picture, not a blank
    spread = page.eval_on_selector("#w-map", """c => {
        const d = c.getContext("2d").getImageData(0, 0, c.width, c.height).data;
        return new Set(Array.from(d.filter((_, i) => i % 4 === 0))).size; }""")
    assert spread > 50
    # the map is the command line's (the mean of the colours), on its colour scale
    largest = max(abs(v) for v in model["weights_map"]["values"])
    assert float(page.get_attribute("#w-scale", "data-largest")) == largest
    assert page.eval_on_selector_all("#w-scale .scale-words span", "s => s.map(x => x.textContent)") == [
        "towards non-cat", "towards cat"]
    screenshot(page, "learned")


def test_the_maps_colours_are_the_command_lines(server, page):
    """The page's diverging colours are matplotlib's RdBu_r, the figures' (app/weight_figures.py), to a level."""
    from matplotlib import colormaps

    page.goto(server.url + "/learned")
    page.wait_for_selector("body[data-state=drawn]")
    values = [k / 50 - 1 for k in range(101)]
    drawn = page.evaluate("(ts) => ts.map((t) => SN.diverging(t))", values)
    reference = colormaps["RdBu_r"]
    for t, rgb in zip(values, drawn):
        expected = [round(255 * c) for c in reference((t + 1) / 2)[:3]]
        assert max(abs(a - b) for a, b in zip(rgb, expected)) <= 1, (t, rgb, expected)
    assert min(drawn[50]) >= 245                         # zero: near white, never black


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


def job_events(server) -> list[dict]:
    """Every event of the server's last job, which has ended, as its stream replays them."""
    found = []
    with urllib.request.urlopen(server.url + "/api/train/events", timeout=60) as stream:
        for block in stream.read().decode().split("\n\n"):
            fields = dict(line.split(": ", 1) for line in block.splitlines() if line and not line.startswith(":"))
            if "data" in fields:
                found.append({**json.loads(fields["data"]), "event": fields["event"]})
    return found


def open_learn(server, page, rates: str, iterations: int = 1500, every: int = 100) -> None:
    """Watch it learn, with its form filled in."""
    page.goto(server.url + "/learn")
    page.fill("#rates", rates)
    page.fill("#iterations", str(iterations))
    page.fill("#print-every", str(every))


def points(page) -> list[int]:
    return [int(n) for n in page.eval_on_selector_all("#chart polyline", "ls => ls.map(l => l.dataset.points)")]


def test_watch_it_learn_live_stop_and_keep(server, page, browser):
    open_learn(server, page, "0.01 0.001 0.0001")
    page.click("#start")
    page.wait_for_selector("body[data-state=done]")
    assert points(page) == [1501, 1501, 1501]          # every iteration's cost, and the final one at 1500
    for k in range(3):
        assert "test" in page.inner_text(f".run[data-run='{k}'] .numbers >> nth=1")
        assert page.get_attribute(f".run[data-run='{k}']", "data-weights-at") == "1500"
    assert page.inner_text(".run[data-run='0'] .numbers >> nth=0") == "final cost 0.087453 after 1500 iterations"
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
    sent = sum(len(e["i"]) for e in job_events(server) if e["event"] == "costs")
    assert sent <= DISPLAY_POINTS + 1                  # a long run thinned for display
    # the page draws what the stream has delivered: on a busy machine the last events arrive a moment later
    assert wait_until(lambda: points(page)[0] == sent, 20, "every point sent on the page")
    page.click(".run[data-run='0'] button")
    page.wait_for_selector("body[data-kept='0']")
    model = api_get(server, "/api/model")
    assert model["learning_rate"] == 0.005 and model["n_iter"] == status["runs"][0]["n_iter"]
    # the served run is marked: its card, and its curve in the legend
    assert page.get_attribute(".run[data-run='0']", "data-served") == "true"
    assert page.is_visible(".run[data-run='0'] .badge") and page.inner_text(".run[data-run='0'] .badge") == "served"
    assert page.text_content("#chart .legend-item.marked") == "learning rate 0.005 (served)"
    assert api_get(server, "/api/train")["served_run"] == 0
    page.reload()                                       # a page opened later draws the last job, marked
    page.wait_for_selector(".run[data-run='0'][data-served=true]")

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


def chart_points(page, k: int) -> list[tuple[float, float]]:
    """Curve k's points as drawn, in the chart's own units."""
    text = page.get_attribute(f"#chart polyline >> nth={k}", "points")
    return [tuple(map(float, pair.split(","))) for pair in text.split()]


def to_screen(page, x: float, y: float) -> tuple[float, float]:
    """A point in the chart's units where it is on the screen."""
    box = page.locator("#chart").bounding_box()
    width, height = map(float, page.get_attribute("#chart", "viewBox").split()[2:])
    return box["x"] + x * box["width"] / width, box["y"] + y * box["height"] / height


def held_at(page) -> tuple[int, int]:
    page.wait_for_function("() => document.body.dataset.state === 'paused' && document.body.dataset.heldAt")
    return tuple(int(n) for n in page.evaluate("() => document.body.dataset.heldAt").split(":"))


def test_play_pause_step_speed_the_log_axis_and_hover_values(server, page, cats):
    open_learn(server, page, "0.01")
    # a step with no job running starts one, paused, and lets one iteration through
    page.click("#step-1")
    page.wait_for_function("() => document.body.dataset.heldAt === '0:1'")
    assert points(page) == [1] and page.inner_text("#play") == "Play"
    page.click("#step-10")
    page.wait_for_function("() => document.body.dataset.heldAt === '0:11'")
    assert points(page) == [11]
    page.click("#step-100")
    page.wait_for_function("() => document.body.dataset.heldAt === '0:111'")
    assert points(page) == [111] and page.get_attribute(".run[data-run='0']", "data-weights-at") == "110"
    truth = train(cats, learning_rate=0.01, num_iterations=1500, print_every=1).report
    assert page.get_attribute(".run[data-run='0'] .numbers >> nth=0", "data-exact") == repr(truth["costs"][110])
    assert "Paused before iteration 111" in page.inner_text("#status")
    # at 10 iterations a second, play, then pause: never more than the pace allows
    page.select_option("#speed", "10")
    page.wait_for_function("() => document.body.dataset.state === 'paused'")
    started = time.monotonic()
    page.click("#play")
    page.wait_for_selector("body[data-state=running]")
    assert page.inner_text("#play") == "Pause"
    wait_until(lambda: points(page)[0] >= 114, 30, "a few paced iterations")
    page.click("#play")
    run, next_iteration = held_at(page)
    elapsed = time.monotonic() - started
    assert run == 0 and 114 <= next_iteration <= 111 + 10 * elapsed + 2
    assert api_get(server, "/api/train")["speed"] == 10
    # as fast as it goes, to the end
    page.select_option("#speed", "")
    page.click("#play")
    page.wait_for_selector("body[data-state=done]")
    assert points(page) == [1501]
    # the legend names the curve; the hover gives the nearest point's iteration and cost, exactly
    assert page.eval_on_selector_all("#chart .legend-item", "items => items.map(i => i.textContent)") == [
        "learning rate 0.01"]
    drawn = chart_points(page, 0)
    for k in (0, 750, 1500):
        page.mouse.move(*to_screen(page, drawn[k][0], drawn[k][1]))
        page.wait_for_selector("#chart .hover[visibility=visible]")
        row = page.locator("#chart .hover-row")
        i = int(row.get_attribute("data-iteration"))
        assert abs(i - k) <= 1                            # the nearest point to where the pointer is
        cost = truth["costs"][i] if i < 1500 else truth["final_cost"]
        assert float(row.get_attribute("data-cost")) == cost
        assert row.text_content() == f"learning rate 0.01: iteration {i}, cost {cost:.6f}"
    # the log axis stretches the first iterations, where the cost swings
    linear_gap = drawn[1][0] - drawn[0][0]
    page.select_option("#axis", "log")
    page.wait_for_selector("#chart[data-axis=log]")
    logged = chart_points(page, 0)
    assert logged[1][0] - logged[0][0] > 20 * linear_gap
    labels = page.eval_on_selector_all("#chart text.tick", "ts => ts.map(t => t.textContent)")
    assert {"0", "1", "10", "100", "1000"} <= set(labels)
    assert page.text_content("#chart text.title") == "iteration (log scale)"
    screenshot(page, "learn-log")


NO_OVERFLOW = """() => {
    const found = [], width = document.documentElement.clientWidth;
    if (document.documentElement.scrollWidth > width) found.push(`the page is ${document.documentElement.scrollWidth} px wide`);
    for (const node of document.querySelectorAll("main *")) {
        if (node.closest("svg") && node.tagName.toLowerCase() !== "svg") continue;
        const box = node.getBoundingClientRect(), name = `${node.tagName}#${node.id}.${node.className}`;
        if (box.width && (box.right > width + 0.5 || box.left < -0.5)) found.push(`${name} at ${box.left}..${box.right}`);
        if (getComputedStyle(node).overflowX === "visible" && node.clientWidth && node.scrollWidth > node.clientWidth + 1
            && !["SELECT", "INPUT"].includes(node.tagName)) found.push(`${name} holds ${node.scrollWidth} px in ${node.clientWidth}`);
    }
    for (const svg of document.querySelectorAll("svg.chart")) {
        const frame = svg.getBoundingClientRect();
        for (const text of svg.querySelectorAll("text")) {
            const box = text.getBoundingClientRect();
            if (box.width && (box.left < frame.left - 0.5 || box.right > frame.right + 0.5 || box.top < frame.top - 0.5
                              || box.bottom > frame.bottom + 0.5)) found.push(`chart text '${text.textContent}' leaves the chart`);
        }
    }
    return found;
}"""


def test_nothing_is_clipped_at_1280_by_900_and_at_420_wide(server, browser, tmp_path):
    import importlib.util

    spec = importlib.util.spec_from_file_location("screenshots", Path(__file__).resolve().parents[1] / "docs" / "screenshots.py")
    shots = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(shots)
    # the pictures of docs/serve.md, taken again as `make screenshots` takes them: the same sizes
    taken = shots.shoot(browser, server.url, tmp_path)
    from PIL import Image

    for name, path in taken.items():
        with Image.open(path) as fresh, Image.open(Path(shots.ROOT) / "docs" / name) as committed:
            assert fresh.width == committed.width, name
            assert abs(fresh.height - committed.height) <= 0.1 * committed.height, (name, fresh.size, committed.size)
    with Image.open(taken["serve.png"]) as window:
        assert window.size == (1280, 900)
    for width, height in ((1280, 900), (420, 900)):
        page = browser.new_page()
        page.set_viewport_size({"width": width, "height": height})
        try:
            page.goto(server.url + "/learn")             # the comparison shoot() ran, drawn again, the served run marked
            page.wait_for_selector(".run[data-run='0'][data-served=true]")
            page.locator("#chart").scroll_into_view_if_needed()
            box = page.locator("#chart").bounding_box()
            page.mouse.move(box["x"] + box["width"] - 18, box["y"] + box["height"] / 2)  # the tooltip at the edge
            page.wait_for_selector("#chart .hover[visibility=visible]")
            assert page.evaluate(NO_OVERFLOW) == [], f"/learn at {width} px"
            labels = page.eval_on_selector_all("#chart text.tick", "ts => ts.map(t => t.textContent)")
            assert all(label.replace(",", "").replace(".", "").isdigit() for label in labels), labels
            page.select_option("#axis", "log")
            page.wait_for_selector("#chart[data-axis=log]")
            assert page.evaluate(NO_OVERFLOW) == [], f"/learn, log axis, at {width} px"
            # as the run that showed "50000(": a tick label at the very end of the axis, on both axes
            for log in ("false", "true"):
                page.evaluate(f"""() => {{
                    const svg = document.createElementNS("http://www.w3.org/2000/svg", "svg");
                    svg.setAttribute("class", "chart"); svg.setAttribute("viewBox", "0 0 760 360"); svg.id = "long";
                    document.querySelector("main").appendChild(svg);
                    new SN.Chart(svg).draw([{{ label: "learning rate 0.005", colour: SN.COLOURS[0],
                                               points: [[0, 0.693147], [99900, 0.0213], [100000, 0.0212]] }}],
                                           {{ xMax: 100000, log: {log} }}); }}""")
                page.wait_for_selector("#long polyline")
                labels = page.eval_on_selector_all("#long text.tick", "ts => ts.map(t => t.textContent)")
                assert "100,000" in labels, labels                # the end of the axis keeps its label
                assert page.evaluate(NO_OVERFLOW) == [], f"a chart to 100,000 at {width} px"
                page.evaluate("() => document.getElementById('long').remove()")
            for path, ready in (("/learned", "body[data-state=drawn]"), ("/graph", "body[data-state=drawn]"), ("/", "#drop")):
                page.goto(server.url + path)
                page.wait_for_selector(ready)
                assert page.evaluate(NO_OVERFLOW) == [], f"{path} at {width} px"
        finally:
            page.close()
