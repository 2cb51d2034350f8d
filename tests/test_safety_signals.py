"""Ctrl-C and SIGTERM, sent for real to the real command, at start-up and during streamed training
on a gzip-compressed HDF5 file: one line, exit 130 or 143, nothing written, within a second."""

import select
import signal
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import h5py
import pytest

# Start-up is tried through the installed entry point, as a user runs it; training through the module
# too, which has no handler of its own before the command line's.
INSTALLED, MODULE = [Path(sys.executable).with_name("single-neuron")], [sys.executable, "-m", "single_neuron"]
LINES = {signal.SIGINT: "single-neuron: interrupted\n", signal.SIGTERM: "single-neuron: terminated by SIGTERM\n"}


@pytest.fixture(scope="module")
def compressed(cats, tmp_path_factory):
    """The course's training file with its pixels gzip-compressed, one image a chunk (as the outside
    tester made it): h5py decompresses in C and calls back into Python, where Python's own
    KeyboardInterrupt used to be lost (the run went on, saved its model and exited 0)."""
    path = tmp_path_factory.mktemp("gz") / "train_gz.h5"
    with h5py.File(cats / "train_catvnoncat.h5", "r") as source, h5py.File(path, "w") as f:
        f.create_dataset("train_set_x", data=source["train_set_x"][()], compression="gzip", compression_opts=9,
                         chunks=(1, 64, 64, 3))
        for key in ("train_set_y", "list_classes"):
            f[key] = source[key][()]
    return path


def _loaded(pid: int, library: str) -> bool:
    try:
        return library in Path(f"/proc/{pid}/maps").read_text()
    except OSError:
        return False


def _interrupt(folder: Path, data: Path, sig: int, when: str, delay: float = 0.0):
    """Start a streamed training, send `sig` at the moment `when` names; returns what came back."""
    folder.mkdir()
    model = folder / "m.npz"
    command = INSTALLED if when in ("numpy", "h5py") else MODULE
    proc = subprocess.Popen([*command, "train", data, "--memory-limit", "10MB", "--iterations", "100000000",
                             "--print-every", "100000000", "--model-out", model],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    with proc:
        deadline = time.monotonic() + 60
        if when in ("numpy", "h5py"):                 # start-up: a library is being loaded
            while not _loaded(proc.pid, when) and time.monotonic() < deadline and proc.poll() is None:
                time.sleep(0.002)
        else:                                         # training: the first cost is out
            assert proc.stdout.readline().startswith("Cost after iteration 0")
            time.sleep(delay)
        sent = time.monotonic()
        proc.send_signal(sig)
        if not select.select([proc.stderr], [], [], 20)[0]:     # the signal was lost: the run goes on
            proc.kill()
            proc.communicate()
            return "still running", "", None, []
        first = proc.stderr.readline()
        took = time.monotonic() - sent                 # until the command has stopped and said so
        try:
            _, rest = proc.communicate(timeout=20)
        except subprocess.TimeoutExpired:             # it said something, and went on
            proc.kill()
            _, rest = proc.communicate()
            return "still running", first + rest, None, []
    return proc.returncode, first + rest, took, sorted(p.name for p in folder.iterdir())


CASES = [(signal.SIGINT, "numpy", 0.0), (signal.SIGTERM, "h5py", 0.0), (signal.SIGINT, "training", 0.0),
         (signal.SIGINT, "training", 0.05), (signal.SIGINT, "training", 0.17), (signal.SIGTERM, "training", 0.11),
         (signal.SIGINT, "training", 0.31), (signal.SIGINT, "training", 0.43)]


def test_an_interrupted_run_says_so_in_one_line_at_any_moment_and_writes_nothing(tmp_path, compressed):
    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(lambda c: _interrupt(tmp_path / f"run{c[0]}", compressed, *c[1]), enumerate(CASES)))
    for (sig, when, delay), (status, err, took, left) in zip(CASES, results):
        case = f"{signal.Signals(sig).name} at {when} + {delay}s"
        assert status == 128 + sig, (case, status, err)
        assert err == LINES[sig], (case, err)
        assert left == [], (case, left)                          # no model, no temporary file
        if when == "training":
            assert took < 1.0, (case, took)
