"""Take the screenshots of the web page in docs/serve.md again.

    python docs/screenshots.py          (or: make screenshots)

It serves the course's data as a user would (`single-neuron serve --data ../shared/data/cats`,
or $SINGLE_NEURON_CATS, on a free loopback port), opens *Watch it learn* in Debian's chromium
(headless, through Playwright, with a fresh profile), runs the course's learning-rate comparison,
serves the first run's model and points at the curves, and saves

    docs/serve.png          the window at 1280 x 900
    docs/serve-narrow.png   the whole page at 420 px wide, as on a phone

The browser tests take the same pictures with `shoot` and compare their sizes with these.
"""

from __future__ import annotations

import os
import re
import selectors
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = "/usr/bin/chromium"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--no-first-run"]
# name: (viewport width, viewport height, the whole page rather than the window)
SHOTS = {"serve.png": (1280, 900, False), "serve-narrow.png": (420, 900, True)}


def shoot(browser, url: str, folder: Path) -> dict[str, Path]:
    """The pictures of SHOTS, taken on the server at `url` with the Playwright browser context
    `browser`, written into `folder`. The server must have no job running."""
    folder.mkdir(parents=True, exist_ok=True)
    taken = {}
    for name, (width, height, whole) in SHOTS.items():
        page = browser.new_page()
        try:
            page.set_viewport_size({"width": width, "height": height})
            page.goto(url + "/learn")
            page.fill("#rates", "0.01 0.001 0.0001")
            page.fill("#iterations", "1500")
            page.fill("#print-every", "100")
            page.select_option("#speed", "")
            page.select_option("#axis", "linear")
            page.click("#start")
            page.wait_for_selector("body[data-state=done]", timeout=120_000)
            page.click(".run[data-run='0'] button")
            page.wait_for_selector("body[data-kept='0']")
            if whole:
                page.locator("#chart").scroll_into_view_if_needed()
            else:
                page.evaluate("() => window.scrollTo(0, 0)")      # the button scrolled the window down to it
            box = page.locator("#chart").bounding_box()
            page.mouse.move(box["x"] + 0.32 * box["width"], box["y"] + 0.6 * box["height"])
            page.wait_for_selector("#chart .hover[visibility=visible]")
            taken[name] = folder / name
            page.screenshot(path=str(taken[name]), full_page=whole)
        finally:
            page.close()
    return taken


class _Serve:
    """`single-neuron serve --data CATS --port 0` in a process of its own; `url` once it listens."""

    def __init__(self, cats: Path):
        (ROOT / "build").mkdir(exist_ok=True)
        self.log = open(ROOT / "build" / "screenshots-serve.log", "w")     # its stderr, there if it fails
        self.process = subprocess.Popen([sys.executable, "-m", "single_neuron", "serve", "--data", str(cats),
                                         "--port", "0"], stdout=subprocess.PIPE, stderr=self.log, text=True,
                                        cwd=ROOT)
        with selectors.DefaultSelector() as selector:
            selector.register(self.process.stdout, selectors.EVENT_READ)
            if not selector.select(120):
                self.close()
                raise RuntimeError("serve printed nothing in 120 s (its stderr: build/screenshots-serve.log)")
        line = self.process.stdout.readline().strip()
        match = re.fullmatch(r"serving (http://127\.0\.0\.1:\d+)/ \(Ctrl-C to stop\)", line)
        if not match:
            self.close()
            raise RuntimeError(f"serve printed {line!r} (its stderr: build/screenshots-serve.log)")
        self.url = match.group(1)

    def close(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=30)
        self.process.stdout.close()
        self.log.close()


def main() -> None:
    from playwright.sync_api import sync_playwright

    cats = Path(os.environ.get("SINGLE_NEURON_CATS") or ROOT.parent / "shared" / "data" / "cats")
    server = _Serve(cats)
    try:
        with tempfile.TemporaryDirectory() as profile, sync_playwright() as playwright:
            browser = playwright.chromium.launch_persistent_context(profile, executable_path=CHROMIUM, headless=True,
                                                                     args=FLAGS)
            try:
                for name, path in shoot(browser, server.url, ROOT / "docs").items():
                    print(f"{path.relative_to(ROOT)}")
            finally:
                browser.close()
    finally:
        server.close()


if __name__ == "__main__":
    main()
