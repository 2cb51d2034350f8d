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


def _handled(pid: int) -> bool:
    """True once the command's own handlers are in place: SIGTERM is among the signals the process
    catches (the interpreter itself catches SIGINT only)."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return False
    caught = int(next(line.split()[1] for line in status.splitlines() if line.startswith("SigCgt:")), 16)
    return bool(caught >> (signal.SIGTERM - 1) & 1)


def _loaded(pid: int, library: str) -> bool:
    try:
        return library in Path(f"/proc/{pid}/maps").read_text()
    except OSError:
        return False


def _interrupt(folder: Path, data: Path, sig: int, when: str, delay: float = 0.0):
    """Start a streamed training, send `sig` at the moment `when` names; returns what came back."""
    folder.mkdir()
    model = folder / "m.npz"
    command = INSTALLED if when in ("numpy", "h5py", "handlers", "start") else MODULE
    started = time.monotonic()
    proc = subprocess.Popen([*command, "train", data, "--memory-limit", "10MB", "--iterations", "100000000",
                             "--print-every", "100000000", "--model-out", model],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    with proc:
        deadline = time.monotonic() + 60
        if when in ("numpy", "h5py"):                 # start-up: a library is being loaded
            while not _loaded(proc.pid, when) and time.monotonic() < deadline and proc.poll() is None:
                time.sleep(0.002)
        elif when == "handlers":                      # the command's first line has run
            while not _handled(proc.pid) and time.monotonic() < deadline and proc.poll() is None:
                time.sleep(0.0005)
            time.sleep(delay)
        elif when == "start":                         # a moment after the process started
            time.sleep(max(0.0, started + delay - time.monotonic()))
        else:                                         # training: the first cost is out
            assert proc.stdout.readline().startswith("Cost after iteration 0")
            time.sleep(delay)
        handled = _handled(proc.pid)                  # before any line of the command, Python's own way
        sent = time.monotonic()
        proc.send_signal(sig)
        if not select.select([proc.stderr], [], [], 20)[0]:     # the signal was lost: the run goes on
            proc.kill()
            proc.communicate()
            return "still running", "", None, []
        if when == "start" and not handled:
            proc.communicate(timeout=20)
            return "before the command", "", None, []
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
# From the moment the command's first line has run (its handlers are in place), at once and over the
# next tens of milliseconds, the hand-over to the package's handlers included; and 30 to 40 ms after
# the process started, where the outside tester met a traceback or a silent death.
START_CASES = [(sig, "handlers", delay) for sig in (signal.SIGINT, signal.SIGTERM)
               for delay in (0.0, 0.001, 0.003, 0.01, 0.02, 0.03, 0.04)]
START_CASES += [(sig, "start", delay) for sig in (signal.SIGINT, signal.SIGTERM) for delay in (0.03, 0.035, 0.04)]


def test_an_interrupted_run_says_so_in_one_line_at_any_moment_and_writes_nothing(tmp_path, compressed):
    cases = CASES + START_CASES
    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(lambda c: _interrupt(tmp_path / f"run{c[0]}", compressed, *c[1]), enumerate(cases)))
    for (sig, when, delay), (status, err, took, left) in zip(cases, results):
        if status == "before the command":           # sent within the interpreter's own start-up
            continue
        case = f"{signal.Signals(sig).name} at {when} + {delay}s"
        assert status == 128 + sig, (case, status, err)
        assert err == LINES[sig], (case, err)
        assert left == [], (case, left)                          # no model, no temporary file
        if when == "training":
            assert took < 1.0, (case, took)
