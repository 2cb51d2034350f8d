"""Start-up: nothing heavy is imported until it is used.

Each check runs a real process (the installed `single-neuron` script, or Python importing
the package) and reads what it imported: `sys.modules`, or `python -X importtime`, which
lists every module a process imports. The time itself is measured by `make bench`
(benchmarks/run.py, "startup"), as medians of interleaved runs against Python importing
NumPy and h5py.
"""

import os
import subprocess
import sys
from pathlib import Path

import pytest

COMMAND = str(Path(sys.executable).with_name("single-neuron"))

# Libraries that cost a visible part of a second (scikit-learn and SciPy about 1.3 s together),
# or that only some commands use.
HEAVY = {"sklearn", "scipy", "matplotlib", "dask", "distributed", "PIL", "torch", "cupy", "pandas", "tqdm",
         "argcomplete", "h5py", "pydot"}


def imported_by_command(*args) -> set[str]:
    """Top-level packages that `single-neuron ARGS` imported, run as a user runs it."""
    proc = subprocess.run([sys.executable, "-X", "importtime", COMMAND, *map(str, args)],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
    names = {line.rsplit("|", 1)[-1].strip() for line in proc.stderr.splitlines() if line.startswith("import time:")}
    assert "single_neuron.cli" in names           # the listing is real: it saw our own modules
    return {name.split(".")[0] for name in names}


def test_importing_the_package_loads_nothing_heavy():
    code = "import sys, single_neuron; print(' '.join(sorted({m.split('.')[0] for m in sys.modules})))"
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True)
    loaded = set(proc.stdout.split())
    assert "numpy" not in loaded and "single_neuron" in loaded        # NumPy comes with the first function used
    assert loaded & HEAVY == set()


@pytest.mark.parametrize("args", [["--version"], ["--help"], [], ["train", "--help"], ["predict", "--help"]],
                         ids=["version", "help", "no-arguments", "train-help", "predict-help"])
def test_version_and_help_load_nothing_heavy(args):
    assert imported_by_command(*args) & HEAVY == set()


def test_version_reads_sys_modules_after_a_real_run():
    code = ("import sys; from single_neuron.cli import main; sys.argv = ['single-neuron', '--version']; "
            "status = main(); print(' '.join(sorted({m.split('.')[0] for m in sys.modules})), status)")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True)
    lines = proc.stdout.splitlines()
    assert lines[0] == "single-neuron 0.1.0" and lines[1].endswith(" 0")
    assert set(lines[1].split()) & HEAVY == set()


def test_tab_completion_completes_and_loads_only_argcomplete(tmp_path):
    # The shell's hook runs the command with _ARGCOMPLETE set; the candidates go to a file here
    # rather than to the hook's descriptor 8.
    out = tmp_path / "candidates"
    env = {**os.environ, "_ARGCOMPLETE": "1", "COMP_LINE": "single-neuron tr", "COMP_POINT": "16",
           "_ARGCOMPLETE_IFS": " ", "_ARGCOMPLETE_STDOUT_FILENAME": str(out)}
    proc = subprocess.run([sys.executable, "-X", "importtime", COMMAND], capture_output=True, text=True,
                          timeout=120, env=env)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert out.read_text().split() == ["train"]
    names = {line.rsplit("|", 1)[-1].strip() for line in proc.stderr.splitlines() if line.startswith("import time:")}
    assert "single_neuron.cli" in names
    assert {name.split(".")[0] for name in names} & HEAVY == {"argcomplete"}


@pytest.mark.parametrize("quiet", [True, False], ids=["quiet", "cost-lines"])
def test_training_on_the_cats_loads_only_numpy_and_h5py(cats, tmp_path, quiet):
    args = ["train", cats, "--iterations", "20", "--model-out", tmp_path / "m.npz"] + (["--quiet"] if quiet else [])
    assert imported_by_command(*args) & HEAVY == {"h5py"}


def test_predict_loads_pillow_and_not_the_rest(tmp_path):
    from PIL import Image

    model = tmp_path / "m.npz"
    subprocess.run([COMMAND, "train", "--iterations", "5", "--model-out", model], check=True, capture_output=True,
                   timeout=120)
    Image.new("L", (8, 8), 90).save(tmp_path / "a.png")
    assert imported_by_command("predict", model, tmp_path / "a.png") & HEAVY == {"PIL"}


def test_check_loads_nothing_heavy_whatever_the_learners_code_imports():
    # The learner's file imports scipy (expit) and names matplotlib; their code runs in the child, whose
    # imports are its own: the command itself imports NumPy and the command line alone.
    learner = Path(__file__).resolve().parent / "learners" / "logistic_helpers.ipynb"
    assert imported_by_command("check", learner) & HEAVY == set()
