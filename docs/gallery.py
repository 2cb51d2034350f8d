"""Draw the figures of docs/gallery.md again, with the commands written there.

    python docs/gallery.py          (or: make gallery)

The commands are the page's ```sh blocks, run in order, in this process: `single-neuron ...`
through the command line's main, `python SCRIPT ...` as a script, `mkdir -p DIR` as itself. Their paths are the page's:
the cat files in ../shared/data/cats (or $SINGLE_NEURON_CATS), scratch files in build/gallery,
figures in docs/gallery; `run` lets the tests put them elsewhere. The graphs are drawn without
Graphviz, as on most machines, so the pictures do not depend on whether it is installed.
"""

from __future__ import annotations

import os
import re
import runpy
import shlex
import shutil
import sys
import tempfile
from contextlib import redirect_stdout
from io import StringIO
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PAGE = ROOT / "docs" / "gallery.md"
CATS, SCRATCH, FIGURES = "../shared/data/cats", "build/gallery", "docs/gallery"


def commands(text: str) -> list[str]:
    """The lines of the page's ```sh blocks, in order."""
    return [line.strip() for block in re.findall(r"```sh\n(.*?)```", text, re.S)
            for line in block.splitlines() if line.strip()]


def pictures(text: str) -> list[str]:
    """The pictures the page shows, as paths under docs/gallery ("cost.png", "explained/china.png")."""
    return re.findall(r"!\[[^\]]*\]\(gallery/([^)]+)\)", text)


def run(lines: list[str], cats: Path, scratch: Path, figures: Path) -> None:
    """Run the page's commands with its three folders replaced; any failure raises."""
    from single_neuron.cli import main

    figures.mkdir(parents=True, exist_ok=True)       # docs/gallery is there in the repository
    path = os.environ.get("PATH", "")
    os.environ["PATH"] = ""                     # no Graphviz: the matplotlib drawing, everywhere
    try:
        for line in lines:
            line = line.replace(CATS, str(cats)).replace(SCRATCH, str(scratch)).replace(FIGURES, str(figures))
            argv = shlex.split(line)
            if argv[0] == "single-neuron":
                with redirect_stdout(StringIO()):
                    status = main(argv[1:])
                if status != 0:
                    raise RuntimeError(f"{line}: exit status {status}")
            elif argv[:2] == ["mkdir", "-p"]:
                for folder in argv[2:]:
                    Path(folder).mkdir(parents=True, exist_ok=True)
            elif argv[0] == "python":
                saved = sys.argv
                sys.argv = argv[1:]
                try:
                    runpy.run_path(str(ROOT / argv[1]), run_name="__main__")
                finally:
                    sys.argv = saved
            else:
                raise RuntimeError(f"{line}: the gallery runs single-neuron, python and mkdir -p only")
    finally:
        os.environ["PATH"] = path


def main() -> None:
    cats = Path(os.environ.get("SINGLE_NEURON_CATS") or ROOT.parent / "shared" / "data" / "cats")
    text = PAGE.read_text()
    (ROOT / "build").mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory(dir=ROOT / "build") as work:
        fresh = Path(work) / "gallery"
        run(commands(text), cats, Path(work) / "scratch", fresh)
        missing = [p for p in pictures(text) if not (fresh / p).is_file()]
        if missing:
            raise RuntimeError(f"the page shows pictures its commands did not draw: {', '.join(missing)}")
        shutil.rmtree(ROOT / FIGURES, ignore_errors=True)
        shutil.copytree(fresh, ROOT / FIGURES)
    print(f"{len(pictures(text))} pictures drawn to {ROOT / FIGURES}")


if __name__ == "__main__":
    main()
