"""Run the walkthrough notebook in a fresh kernel and save it with its outputs, figures included.

    python examples/refresh_notebook.py          (or: make notebook-outputs)

The committed notebook carries the outputs of this run, so that it reads well where it cannot
be run; the test suite runs it again the same way and fails where the two differ in anything but
timings. The notebook reads the cat files from $SINGLE_NEURON_CATS or ../../shared/data/cats.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import nbformat
from nbclient import NotebookClient

NOTEBOOK = Path(__file__).resolve().parent / "walkthrough.ipynb"


def execute(path: Path = NOTEBOOK, timeout: int = 300):
    """The notebook at `path` with every cell run, in order, in a new kernel started in its folder."""
    nb = nbformat.read(path, as_version=4)
    # The kernel's own inline backend draws the figures; a backend chosen for this process
    # (MPLBACKEND=Agg, say) would leave the notebook without them.
    env = {key: value for key, value in os.environ.items() if key != "MPLBACKEND"}
    # Printed lines reach the notebook in pieces as they come; coalesced, a cell's output is the
    # same whatever the timing.
    client = NotebookClient(nb, timeout=timeout, kernel_name="python3", record_timing=False,
                            coalesce_streams=True, resources={"metadata": {"path": str(Path(path).parent)}})
    client.execute(env=env)
    return nb


def main(path: Path = NOTEBOOK) -> None:
    from single_neuron.io.atomic import atomic_write

    nb = execute(path)
    with atomic_write(path) as f:
        f.write(nbformat.writes(nb).encode("utf-8") + b"\n")
    print(f"{path}: {sum(c.cell_type == 'code' for c in nb.cells)} code cells run, outputs saved")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else NOTEBOOK)
