"""The attacker's bench: hostile inputs run through the real command line, and what must hold.

An `Attack` builds its files under a folder of its own and returns the command line
that reads them. `run_attacks` runs a list of them in one child process (see
hostile_runner.py) under a memory cap and a time limit, as a user's shell would run
`python -m single_neuron ...`, and `problems` lists every promise an outcome broke:

- a refusal is exactly one stderr line starting "single-neuron: error: ", exit status 1,
  no traceback, nothing on stdout, and not an unexpected error reported as a bug;
- an answer comes within the attack's time limit;
- nothing is written: the attack's folder holds the same files afterwards;
- no byte sequence of the planted secret (a random token in files that hostile inputs
  point at) appears in stdout, stderr or any file written.
"""

from __future__ import annotations

import json
import os
import re
import resource
import struct
import secrets
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import h5py
import numpy as np

RUNNER = Path(__file__).with_name("hostile_runner.py")
MEMORY_CAP = 5 * 2**29          # 2.5 GiB of address space: hostile files must be refused well inside it
BATCH_SECONDS = 180
ERROR = "single-neuron: error: "


@dataclass(frozen=True)
class Secret:
    """A random token in files that a hostile input may point at: raw bytes, and an HDF5 dataset."""

    token: bytes
    text_file: Path             # the token repeated over 256 KiB
    h5_file: Path               # datasets "x" (uint8 images of the token's bytes) and "y" of the same
    fifo: Path                  # a named pipe nobody writes to: reading it would block forever

    def pixels(self, shape) -> np.ndarray:
        flat = np.frombuffer(self.token * (int(np.prod(shape)) // len(self.token) + 1), np.uint8)
        return flat[: int(np.prod(shape))].reshape(shape)


def plant_secret(folder: Path) -> Secret:
    folder.mkdir(parents=True, exist_ok=True)
    token = b"SECRET-" + secrets.token_hex(12).encode() + b"-"
    text = folder / "secret.txt"
    text.write_bytes(token * (2**18 // len(token)))
    h5 = folder / "secret.h5"
    secret = Secret(token, text, h5, folder / "pipe")
    with h5py.File(h5, "w") as f:
        f["x"] = secret.pixels((6, 4, 5, 3))
        f["y"] = secret.pixels((6,))
        f["names"] = np.array([token, token])
    os.mkfifo(secret.fifo)
    return secret


@dataclass
class Place:
    """An attack's own folder: inputs go in `inp`, and `out` is where a command would write."""

    root: Path
    secret: Secret

    @property
    def inp(self) -> Path:
        return self.root / "in"

    @property
    def out(self) -> Path:
        return self.root / "out"


@dataclass(frozen=True)
class Attack:
    name: str                                   # unique: says what the input does
    build: Callable[[Place], list]              # makes the inputs, returns the command line
    expect: str = "refused"                     # "refused", "accepted", or "either" (one or the other)
    fragment: str = ""                          # a refusal's line must contain it
    env: dict = field(default_factory=dict)     # environment of this case only
    notes: bool = False                         # success may add notes ("single-neuron: skipped ...")
    seconds: int = 30                           # the case must be answered within this time


@dataclass
class Outcome:
    attack: Attack
    place: Place
    argv: list
    before: list
    result: dict | None


def _files(folder: Path) -> list[str]:
    return sorted(os.path.relpath(p, folder) for p in every_file(folder))


def remove_tree(folder) -> None:
    """Remove `folder` and everything under it without recursion (shutil.rmtree recurses, and pytest
    removes old temporary folders with it: a folder 1,100 deep would break its clean-up)."""
    stack = [os.fspath(folder)]
    while stack:
        with os.scandir(stack[-1]) as entries:
            folders = []
            for entry in entries:
                if entry.is_dir(follow_symlinks=False):
                    folders.append(entry.path)
                else:
                    os.unlink(entry.path)
        if folders:
            stack.extend(folders)
        else:
            os.rmdir(stack.pop())


def every_file(folder: Path) -> list[str]:
    """Every file under `folder` that is not a folder (links included), walked without recursion: a
    hostile folder may nest deeper than Python's recursion limit."""
    found, stack = [], [os.fspath(folder)]
    while stack:
        with os.scandir(stack.pop()) as entries:
            for entry in entries:
                if entry.is_dir(follow_symlinks=False):
                    stack.append(entry.path)
                else:
                    found.append(entry.path)
    return found


def slug(name: str) -> str:
    return re.sub(r"[^a-zA-Z0-9]+", "_", name).strip("_")[:40]


def _cap_memory():
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_CAP, MEMORY_CAP))


def run_attacks(attacks: list[Attack], tmp: Path) -> list[Outcome]:
    """Build every attack, run them all in one capped child process, and return the outcomes."""
    names = [a.name for a in attacks]
    assert len(set(names)) == len(names), "attack names must be distinct"
    secret = plant_secret(tmp / "secret")
    outcomes, plan = [], []
    for i, attack in enumerate(attacks):
        place = Place(tmp / f"{i:03d}_{slug(attack.name)}", secret)
        place.inp.mkdir(parents=True)
        place.out.mkdir()
        argv = [os.fspath(a) for a in attack.build(place)]
        outcomes.append(Outcome(attack, place, argv, _files(place.root), None))
        plan.append({"id": attack.name, "argv": argv, "env": attack.env, "seconds": attack.seconds})
    plan_path, results_path = tmp / "plan.json", tmp / "results.json"
    plan_path.write_text(json.dumps(plan), encoding="utf-8")
    env = {**os.environ, "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1"}
    env.pop("CI", None)
    try:
        done = subprocess.run([sys.executable, str(RUNNER), str(plan_path), str(results_path)], cwd=tmp,
                              env=env, preexec_fn=_cap_memory, capture_output=True, timeout=BATCH_SECONDS)
        died = done.returncode != 0 and f"the runner exited with {done.returncode}: {done.stderr[-2000:]!r}"
    except subprocess.TimeoutExpired:
        died = f"the runner did not finish within {BATCH_SECONDS} s"
    results = json.loads(results_path.read_text(encoding="utf-8")) if results_path.exists() else []
    if died:
        stuck = plan[len(results)]["id"] if len(results) < len(plan) else "none"
        raise AssertionError(f"{died}; the case running then: {stuck}")
    for outcome, result in zip(outcomes, results):
        outcome.result = result
    return outcomes


def problems(outcome: Outcome) -> list[str]:
    """Every promise `outcome` broke, each as one line naming the attack."""
    attack, result, place = outcome.attack, outcome.result, outcome.place
    found = []

    def say(what):
        found.append(f"{attack.name}: {what}")

    if result is None:
        return [f"{attack.name}: no result"]
    out, err, code = result["stdout"], result["stderr"], result["code"]
    if result["crash"]:
        say(f"traceback: {result['crash'][-1500:]}")
        return found
    if "CaseTimeout" in err or result["seconds"] > attack.seconds:
        say(f"no answer within {attack.seconds} s (took {result['seconds']:.1f} s)")
    if "(a bug; SINGLE_NEURON_DEBUG=1" in err:
        say(f"an unexpected error, reported as a bug: {err[-600:]!r}")
    token = place.secret.token
    if token in out.encode() or token in err.encode():
        say("the secret appears in the output")
    for path in map(Path, every_file(place.out)):
        if path.is_file() and token in path.read_bytes():
            say(f"the secret appears in {path.name}")
    one_line = err.startswith(ERROR) and err.endswith("\n") and err.count("\n") == 1
    refused = code == 1 and one_line and out == "" and "Traceback" not in err
    noted = attack.notes and all(line.startswith("single-neuron: skipped ") for line in err.splitlines())
    accepted = code == 0 and (err == "" or noted) and not re.search(r"\b(nan|inf)\b", out)
    if attack.expect == "refused" and not refused:
        say(f"expected one error line and exit 1, got exit {code}, stderr {err[-600:]!r}, stdout {out[-300:]!r}")
    elif attack.expect == "accepted" and not accepted:
        say(f"expected success, got exit {code}, stderr {err[-600:]!r}")
    elif attack.expect == "either" and not (refused or accepted):
        say(f"expected success or one error line, got exit {code}, stderr {err[-600:]!r}, stdout {out[-300:]!r}")
    if refused and attack.fragment and attack.fragment not in err:
        say(f"the error line lacks {attack.fragment!r}: {err!r}")
    if refused and _files(place.root) != outcome.before:
        say(f"files changed: {sorted(set(_files(place.root)) ^ set(outcome.before))}")
    return found


def assert_all_hold(outcomes: list[Outcome]) -> None:
    broken = [p for o in outcomes for p in problems(o)]
    assert not broken, f"{len(broken)} of {len(outcomes)} attacks broke a promise:\n" + "\n".join(broken)


def file_of(data: bytes, name: str) -> Callable[[Place], Path]:
    """A builder that writes `data` as the input file `name`."""
    def make(place: Place) -> Path:
        path = place.inp / name
        path.write_bytes(data)
        return path
    return make


def special_file(path: Path, kind: str, target=None) -> Path:
    """Put at `path` a FIFO, a UNIX socket, or a symbolic link to `target`: inputs that are not regular files."""
    if kind == "fifo":
        os.mkfifo(path)
    elif kind == "socket":
        import socket

        with socket.socket(socket.AF_UNIX) as sock:
            sock.bind(os.fspath(path))
    else:
        os.symlink(target, path)
    return path


def digits_model(folder: Path, name: str = "model.npz", **changes) -> Path:
    """A real model for 8x8 grayscale images, saved by the program itself."""
    from single_neuron.io.modelfile import SavedModel, save_model

    settings = dict(w=np.random.default_rng(0).normal(scale=0.01, size=(64, 1)), b=0.0, input_shape=(8, 8, 1),
                    classes=("three", "eight"), costs=[0.69])
    settings.update(changes)
    path = folder / name
    save_model(path, SavedModel(**settings))
    return path


def mutate(data: bytes, edits) -> bytes:
    """`data` changed by `edits`, (kind, where, value) each: flip bits, cut the rest off, insert
    16 bytes, or overwrite four with a large number; where is taken modulo the length."""
    out = bytearray(data)
    for kind, where, value in edits:
        if not out:
            break
        i = where % len(out)
        if kind == "flip":
            out[i] ^= value or 1
        elif kind == "cut":
            del out[max(i, 1):]
        elif kind == "insert":
            out[i:i] = bytes([value]) * 16
        else:                                       # overwrite four bytes with a large number
            out[i:i + 4] = struct.pack("<I", 0xFFFF0000 | value)
    return bytes(out)
