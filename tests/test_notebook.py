"""The walkthrough notebook runs end to end on the real cat set, and the outputs it is committed
with are those of a fresh run.

Compared: every code cell's outputs, in order, by type, stream and content. Normalised first:
execution counts (not compared), timings (a number followed by "ms", "s" or "x" becomes "#"),
the machine's BLAS thread count, memory addresses (0x...). Figures: PNG bytes carry the
writer's version and are not compared byte for byte; both PNGs are decoded, must have the same
width and height, and their pixels may differ by at most 0.5 grey levels (of 255) on average. A difference means the notebook and
its outputs have drifted apart: `make notebook-outputs` runs it again and saves it.
"""

from __future__ import annotations

import base64
import importlib.util
import io
import re
from pathlib import Path

import nbformat
import numpy as np
from PIL import Image

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK = ROOT / "examples" / "walkthrough.ipynb"
TIMING = re.compile(r"\d+(?:\.\d+)?(?= ?(?:ms|s|x)\b)")
BLAS_THREADS = re.compile(r"\d+(?= BLAS threads?\b)")           # the machine's, not the notebook's
ADDRESS = re.compile(r"0x[0-9a-fA-F]+")
MAX_MEAN_PIXEL_DIFFERENCE = 0.5


def refresh_module():
    spec = importlib.util.spec_from_file_location("refresh_notebook", ROOT / "examples" / "refresh_notebook.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def normalised(text) -> str:
    text = "".join(text) if isinstance(text, list) else str(text)
    return ADDRESS.sub("0x#", BLAS_THREADS.sub("#", TIMING.sub("#", text)))


def pixels(encoded: str) -> np.ndarray:
    with Image.open(io.BytesIO(base64.b64decode(encoded))) as img:
        return np.asarray(img.convert("RGBA"), dtype=np.int16)


def differences(where: str, committed: dict, fresh: dict) -> list[str]:
    """What differs between two outputs, beyond timings and addresses."""
    found = []
    for key in ("output_type", "name", "ename", "evalue"):
        if committed.get(key) != fresh.get(key):
            found.append(f"{where}: {key} {committed.get(key)!r} became {fresh.get(key)!r}")
    if normalised(committed.get("text", "")) != normalised(fresh.get("text", "")):
        found.append(f"{where}: printed {normalised(committed.get('text', ''))[:200]!r}, now "
                     f"{normalised(fresh.get('text', ''))[:200]!r}")
    old, new = committed.get("data", {}), fresh.get("data", {})
    if sorted(old) != sorted(new):
        found.append(f"{where}: kinds of output {sorted(old)} became {sorted(new)}")
    for kind in sorted(set(old) & set(new)):
        if kind == "image/png":
            a, b = pixels(old[kind]), pixels(new[kind])
            if a.shape != b.shape:
                found.append(f"{where}: figure of {a.shape[1]} x {a.shape[0]} px became {b.shape[1]} x {b.shape[0]}")
            elif np.abs(a - b).mean() > MAX_MEAN_PIXEL_DIFFERENCE:
                found.append(f"{where}: figure pixels differ by {np.abs(a - b).mean():.2f} levels on average")
        elif normalised(old[kind]) != normalised(new[kind]):
            found.append(f"{where}: {kind} {normalised(old[kind])[:200]!r} became {normalised(new[kind])[:200]!r}")
    return found


def test_the_normalisation_hides_timings_and_addresses_only():
    assert normalised("loop 218.5 ms, np.dot 14.67 ms: 15x faster") == "loop # ms, np.dot # ms: #x faster"
    assert normalised("<Figure at 0x7f3a2b>") == "<Figure at 0x#>"
    assert normalised("np.dot ran on openblas with 2 BLAS threads") == "np.dot ran on openblas with # BLAS threads"
    for kept in ["Cost after iteration 1900: 0.140872", "train accuracy: 99.04306220095694 %", "(12288, 1)",
                 "learning rate 0.001: train 89.00 %", "sum of w * x = 2.8345"]:
        assert normalised(kept) == kept


def test_the_walkthrough_notebook_carries_the_outputs_of_a_fresh_run(cats, monkeypatch):
    monkeypatch.setenv("SINGLE_NEURON_CATS", str(cats))
    committed = nbformat.read(NOTEBOOK, as_version=4)
    fresh = refresh_module().execute(NOTEBOOK)

    outputs = [o for c in fresh.cells if c.cell_type == "code" for o in c.outputs]
    assert [o for o in outputs if o.output_type == "error"] == []
    printed = "".join(o.get("text", "") for o in outputs)
    assert "Cost after iteration 1900: 0.140872" in printed
    assert "train accuracy: 99.04306220095694 %" in printed and "test accuracy: 70.0 %" in printed
    figures = [o.data["text/plain"] for o in outputs if "image/png" in o.get("data", {})]
    assert len(figures) == 7
    assert "with 5 Axes" in figures[4]                  # w: three channels, their mean, the colour bar
    assert all("with 4 Axes" in f for f in figures[5:])  # the file, its view, the contributions, the colour bar

    code = [(c, f) for c, f in zip(committed.cells, fresh.cells) if c.cell_type == "code"]
    assert len(committed.cells) == len(fresh.cells)
    assert all(c.outputs for c, _ in code), "the committed notebook has cells without outputs: make notebook-outputs"
    found = []
    for k, (old, new) in enumerate(code, start=1):
        where = f"code cell {k}"
        if len(old.outputs) != len(new.outputs):
            found.append(f"{where}: {len(old.outputs)} outputs committed, {len(new.outputs)} now")
            continue
        for j, (a, b) in enumerate(zip(old.outputs, new.outputs), start=1):
            found += differences(f"{where}, output {j}", a, b)
    assert not found, "the committed outputs are not a fresh run's (make notebook-outputs):\n" + "\n".join(found)


def committed_outputs():
    nb = nbformat.read(NOTEBOOK, as_version=4)
    return [o for c in nb.cells if c.cell_type == "code" for o in c.outputs]


def test_a_changed_number_is_caught():
    committed = next(o for o in committed_outputs() if "0.140872" in o.get("text", ""))
    changed = nbformat.from_dict(committed)
    changed.text = changed.text.replace("0.140872", "0.140873")
    assert differences("cell", committed, nbformat.from_dict(committed)) == []
    assert [line.split(":")[1].strip().split()[0] for line in differences("cell", committed, changed)] == ["printed"]


def test_a_changed_figure_is_caught():
    committed = next(o for o in committed_outputs() if "image/png" in o.get("data", {}))
    height, width = pixels(committed.data["image/png"]).shape[:2]
    for size in [(width, height), (width + 1, height)]:
        buffer = io.BytesIO()
        Image.new("RGBA", size, "white").save(buffer, format="PNG")
        changed = nbformat.from_dict(committed)
        changed.data["image/png"] = base64.b64encode(buffer.getvalue()).decode()
        assert len(differences("cell", committed, changed)) == 1
