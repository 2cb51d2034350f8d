"""The walkthrough notebook runs end to end: every cell, on the real cat set."""

from pathlib import Path

import nbformat
from nbclient import NotebookClient

NOTEBOOK = Path(__file__).resolve().parents[1] / "examples" / "walkthrough.ipynb"


def test_the_walkthrough_notebook_executes(cats, monkeypatch):
    monkeypatch.setenv("SINGLE_NEURON_CATS", str(cats))
    monkeypatch.delenv("MPLBACKEND", raising=False)      # the kernel's inline backend draws the figures
    nb = nbformat.read(NOTEBOOK, as_version=4)
    NotebookClient(nb, timeout=300, kernel_name="python3",
                   resources={"metadata": {"path": str(NOTEBOOK.parent)}}).execute()
    outputs = "".join(o.get("text", "") for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", []))
    assert "Cost after iteration 1900: 0.140872" in outputs
    assert "train accuracy: 99.04306220095694 %" in outputs
    pictures = [o for c in nb.cells for o in c.get("outputs", []) if "image/png" in o.get("data", {})]
    assert len(pictures) >= 4
    errors = [o for c in nb.cells for o in c.get("outputs", []) if o.get("output_type") == "error"]
    assert errors == []
