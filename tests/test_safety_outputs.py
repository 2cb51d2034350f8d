"""Outputs: never a device, a pipe or an input replaced; every failure to write is one line naming
the path; a closed pipe ends quietly; batches carry on past a bad file."""

import json
import os
import resource
import shutil
import socket
import stat
import subprocess
import sys

import h5py
import numpy as np
import pytest
from PIL import Image

from single_neuron import OutputError
from single_neuron.io.atomic import atomic_write
from single_neuron.io.modelfile import SavedModel, save_model

COMMAND = [sys.executable, "-m", "single_neuron"]
QUICK = ["train", "--iterations", "3"]                 # the bundled digits: a run of a fraction of a second


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    """A training file small enough that a whole process runs in half a second (no scikit-learn)."""
    path = tmp_path_factory.mktemp("tiny") / "train_tiny.h5"
    with h5py.File(path, "w") as f:
        f["train_set_x"] = np.random.default_rng(0).integers(0, 256, size=(8, 4, 4, 3), dtype=np.uint8)
        f["train_set_y"] = np.arange(8) % 2
    return path


def _device(tmp_path):
    """A character device to aim at: a node of /dev/null's kind made here where this user may make
    one (root), else a link to /dev/null itself, which this user could not replace anyway."""
    node = tmp_path / "null-device"
    try:
        os.mknod(node, 0o666 | stat.S_IFCHR, os.makedev(1, 3))
    except PermissionError:
        node.symlink_to("/dev/null")
    return node


def _special_files(tmp_path):
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    sock_path = tmp_path / "sock"
    server = socket.socket(socket.AF_UNIX)
    server.bind(str(sock_path))
    link_to_fifo = tmp_path / "link-to-fifo"
    link_to_fifo.symlink_to(fifo)
    folder = tmp_path / "folder.npz"
    folder.mkdir()
    return server, {"a character device": _device(tmp_path), "a FIFO": fifo, "a socket": sock_path,
                    "a FIFO (named pipe) (through a link)": link_to_fifo, "a folder": folder}


@pytest.mark.parametrize("option", ["--model-out", "--plot"])
def test_an_output_that_is_not_a_regular_file_is_refused_before_any_work(tmp_path, run_cli, option):
    server, targets = _special_files(tmp_path)
    try:
        for kind, target in targets.items():
            before = os.lstat(target)
            code, out, err = run_cli(*QUICK, option, target)
            assert code == 1 and out == "" and err.count("\n") == 1, (kind, err)
            assert str(target) in err and kind.split(" (")[0] in err
            after = os.lstat(target)
            assert (after.st_ino, after.st_mode) == (before.st_ino, before.st_mode)
    finally:
        server.close()
    assert not any(p.name.endswith(".tmp") for p in tmp_path.iterdir())


def test_a_link_to_standard_output_is_refused_in_a_real_process(tmp_path, tiny):
    link = tmp_path / "stdout.npz"
    link.symlink_to("/proc/self/fd/1")
    done = subprocess.run([*COMMAND, "train", tiny, "--model-out", link], capture_output=True, text=True, timeout=120)
    assert done.returncode == 1 and done.stdout == "" and "not a regular file" in done.stderr
    assert link.is_symlink() and os.readlink(link) == "/proc/self/fd/1"


@pytest.mark.parametrize("name", ["/proc/self/fd/1", "/dev/stdout", "link"])
def test_standard_output_sent_to_a_file_is_not_replaced_by_the_model(tmp_path, tiny, name):
    # With stdout sent to a log, /proc/self/fd/1 reaches a regular file: the model would replace the log.
    if name == "link":
        name = tmp_path / "stdout.npz"
        name.symlink_to("/proc/self/fd/1")
    log = tmp_path / "log.txt"
    with open(log, "w") as out:
        done = subprocess.run([*COMMAND, "train", tiny, "--model-out", name], stdout=out, stderr=subprocess.PIPE,
                              text=True, timeout=120)
    assert done.returncode == 1 and done.stderr.count("\n") == 1, done.stderr
    assert "the system's name for a process's open file (under /proc)" in done.stderr
    assert log.read_text() == ""


def test_a_link_to_a_regular_file_is_written_through(tmp_path):
    target = tmp_path / "real.npz"
    target.write_bytes(b"old")
    link = tmp_path / "link.npz"
    link.symlink_to(target)
    save_model(link, SavedModel(w=np.zeros((3, 1)), b=1.5, input_shape=(1, 1, 3), classes=("a", "b")))
    assert link.is_symlink() and target.read_bytes().startswith(b"PK")


@pytest.fixture
def course_pair(tmp_path):
    folder = tmp_path / "data"
    folder.mkdir()
    rng = np.random.default_rng(0)
    for split in ("train", "test"):
        with h5py.File(folder / f"{split}_pets.h5", "w") as f:
            f[f"{split}_set_x"] = rng.integers(0, 256, size=(6, 4, 4, 3), dtype=np.uint8)
            f[f"{split}_set_y"] = np.arange(6) % 2
    return folder


def _model(path):
    save_model(path, SavedModel(w=np.zeros((48, 1)), b=0.0, input_shape=(4, 4, 3), classes=("non-cat", "cat")))
    return path


@pytest.mark.parametrize("case", ["model-out on the training file", "plot on the test twin",
                                  "model-out on the twin of a folder", "errors on the model", "link to the data",
                                  "plot on an image of the class folder"])
def test_an_output_that_is_an_input_of_the_same_command_is_refused(tmp_path, run_cli, course_pair, case):
    train, test = course_pair / "train_pets.h5", course_pair / "test_pets.h5"
    link = tmp_path / "alias.png"
    link.symlink_to(test)
    images = tmp_path / "images"
    for name in ("cat", "dog"):
        (images / name).mkdir(parents=True)
        for i in range(2):
            Image.new("RGB", (4, 4), (100 * i, 0, 0)).save(images / name / f"{i}.png")
    model = _model(tmp_path / "model.npz")
    args = {"model-out on the training file": ["train", train, "--model-out", train],
            "plot on the test twin": ["train", train, "--plot", test],
            "model-out on the twin of a folder": ["train", course_pair, "--model-out", test],
            "errors on the model": ["evaluate", model, course_pair, "--errors", model],
            "link to the data": ["train", train, "--plot", link],
            "plot on an image of the class folder": ["train", images, "--size", "4", "--plot",
                                                     images / "dog" / "1.png"]}[case]
    before = {p: p.read_bytes() for p in tmp_path.rglob("*") if p.is_file() and not p.is_symlink()}
    code, out, err = run_cli(*args)
    assert code == 1 and out == "" and err.count("\n") == 1, err
    assert "an input of this command" in err
    assert {p: p.read_bytes() for p in tmp_path.rglob("*") if p.is_file() and not p.is_symlink()} == before


def test_a_new_file_beside_the_data_is_fine(tmp_path, run_cli, course_pair):
    code, _, err = run_cli("train", course_pair, "--iterations", "2", "--model-out", course_pair / "model.npz")
    assert code == 0, err
    code, _, err = run_cli("train", course_pair, "--iterations", "2", "--model-out", course_pair / "model.npz")
    assert code == 0, err                               # the earlier model is an output, not an input


def test_names_too_long_and_folders_that_cannot_be_written_are_one_line_before_any_work(tmp_path, run_cli):
    code, out, err = run_cli(*QUICK, "--model-out", tmp_path / ("m" * 300 + ".npz"))
    assert code == 1 and out == "" and "File name too long" in err and err.count("\n") == 1
    code, out, err = run_cli(*QUICK, "--model-out", "/proc/model.npz")
    assert code == 1 and out == "" and "/proc/model.npz" in err and err.count("\n") == 1
    # sysfs refuses new files to every user, root included: EACCES (EROFS where it is mounted read-only).
    code, out, err = run_cli(*QUICK, "--model-out", "/sys/model.npz")
    assert code == 1 and out == "" and err.count("\n") == 1
    assert err.startswith("single-neuron: error: /sys/model.npz: cannot write the model here (")
    assert "Permission denied" in err or "Read-only file system" in err


def test_a_write_that_fails_half_way_keeps_the_old_file_and_names_the_path(tmp_path, tiny):
    path = tmp_path / "m.npz"
    path.write_bytes(b"old model")
    script = ("import resource, sys\n"
              "resource.setrlimit(resource.RLIMIT_FSIZE, (600, 600))\n"
              "from single_neuron.cli import main\n"
              "sys.exit(main(['train', sys.argv[2], '--iterations', '3', '--model-out', sys.argv[1]]))\n")
    done = subprocess.run([sys.executable, "-c", script, path, tiny], capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 1, done.stderr
    assert done.stderr == f"single-neuron: error: {path}: cannot write the model (File too large)\n"
    assert path.read_bytes() == b"old model" and [p.name for p in tmp_path.iterdir()] == ["m.npz"]
    with pytest.raises(OutputError, match="File too large"):
        soft, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
        resource.setrlimit(resource.RLIMIT_FSIZE, (10, hard))
        try:
            with atomic_write(tmp_path / "x.bin") as f:
                f.write(b"x" * 100)
                f.flush()
        finally:
            resource.setrlimit(resource.RLIMIT_FSIZE, (soft, hard))
    assert [p.name for p in tmp_path.iterdir()] == ["m.npz"]


def test_a_full_standard_output_is_one_line(tmp_path, tiny):
    with open("/dev/full", "w") as full:
        done = subprocess.run([*COMMAND, "train", tiny], stdout=full, stderr=subprocess.PIPE, text=True, timeout=120)
    assert done.returncode == 1
    assert done.stderr == "single-neuron: error: cannot write to standard output (No space left on device)\n"


@pytest.mark.parametrize("command", ["train", "predict"])
def test_a_closed_pipe_ends_quietly_with_the_status_of_sigpipe(tmp_path, tiny, command):
    if command == "train":
        args = ["train", tiny, "--iterations", "100000", "--print-every", "1"]
    else:
        image = tmp_path / "x.png"
        Image.new("RGB", (4, 4)).save(image)
        args = ["predict", _model(tmp_path / "m.npz"), *[image] * 3000]     # far more than a pipe holds
    with subprocess.Popen([*COMMAND, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE) as proc:
        assert proc.stdout.readline()
        proc.stdout.close()                             # `| head -1`
        err = proc.stderr.read()
        status = proc.wait(timeout=120)
    assert status == 141 and err == b""


def test_explanations_are_not_written_inside_an_image_folder_being_read(tmp_path, run_cli):
    folder = tmp_path / "images"
    folder.mkdir()
    Image.new("RGB", (8, 8), "red").save(folder / "a.png")
    model = tmp_path / "m.npz"
    save_model(model, SavedModel(w=np.zeros((192, 1)), b=0.0, input_shape=(8, 8, 3), classes=("a", "b")))
    (tmp_path / "link-to-images").symlink_to(folder)
    for inside in (folder / "explained", tmp_path / "link-to-images" / "explained"):
        code, out, err = run_cli("predict", model, folder, "--explain", inside)
        assert code == 1 and out == "" and "lies inside an input of this command" in err and err.count("\n") == 1
    assert sorted(p.name for p in folder.iterdir()) == ["a.png"]


@pytest.mark.parametrize("command", ["train", "evaluate"])
def test_a_new_figure_inside_a_class_folder_being_read_is_refused(tmp_path, run_cli, command):
    for i, name in enumerate(("a", "b")):
        (tmp_path / "images" / name).mkdir(parents=True)
        for j in range(2):
            Image.new("RGB", (8, 8), (100 * i, 50 * j, 0)).save(tmp_path / "images" / name / f"{j}.png")
    model = tmp_path / "m.npz"
    save_model(model, SavedModel(w=np.zeros((192, 1)), b=0.0, input_shape=(8, 8, 3), classes=("a", "b")))
    figure = tmp_path / "images" / "a" / "figure.png"
    args = (["train", tmp_path / "images", "--size", "8", "--plot", figure] if command == "train"
            else ["evaluate", model, tmp_path / "images", "--errors", figure])
    code, out, err = run_cli(*args)
    assert code == 1 and out == "" and err.count("\n") == 1
    assert "lies inside an input of this command" in err and "read the next time" in err
    assert not figure.exists()


def test_a_new_folder_under_proc_is_refused_before_any_work(tmp_path, run_cli):
    image = tmp_path / "a.png"
    Image.new("RGB", (8, 8), "red").save(image)
    model = tmp_path / "m.npz"
    save_model(model, SavedModel(w=np.zeros((192, 1)), b=0.0, input_shape=(8, 8, 3), classes=("a", "b")))
    code, out, err = run_cli("predict", model, image, "--explain", f"/proc/self/cwd/{tmp_path.name}-x")
    assert code == 1 and out == "" and "lies under /proc/self/cwd" in err and err.count("\n") == 1


def test_predict_classifies_every_readable_image_and_reports_each_bad_one(tmp_path, run_cli):
    model = _model(tmp_path / "m.npz")
    good = []
    for i in range(3):
        good.append(tmp_path / f"ok{i}.png")
        Image.new("RGB", (8, 8), (60 * i, 0, 0)).save(good[-1])
    truncated = tmp_path / "cut.png"
    truncated.write_bytes(good[0].read_bytes()[:40])
    text = tmp_path / "notes.txt"
    text.write_text("not an image")
    code, out, err = run_cli("predict", model, good[0], truncated, good[1], text, tmp_path / "missing.png", good[2])
    assert code == 1
    assert [line.split(":")[0] for line in out.splitlines()] == [str(p) for p in good]
    assert [line.split(": ")[1] for line in err.splitlines()] == ["error"] * 3
    assert [str(p) in line for p, line in zip([truncated, text, tmp_path / "missing.png"], err.splitlines())]
    code, out, err = run_cli("predict", model, good[0], truncated, "--json")
    assert code == 1 and len(json.loads(out)["predictions"]) == 1 and err.count("\n") == 1


def test_a_damaged_image_in_a_class_folder_is_skipped_and_counted(tmp_path, run_cli):
    root = tmp_path / "pets"
    for label, name in enumerate(["cat", "dog"]):
        (root / name).mkdir(parents=True)
        for i in range(3):
            Image.new("RGB", (6, 6), (100 * label, 20 * i, 0)).save(root / name / f"{i}.png")
    (root / "dog" / "3.png").write_bytes((root / "dog" / "0.png").read_bytes()[:50])     # a PNG cut short
    (root / "cat" / "readme.txt").write_text("hello")
    code, out, err = run_cli("train", root, "--size", "4", "--iterations", "2", "--json")
    assert code == 0, err
    assert err.count("\n") == 1 and "skipped 2 file(s)" in err
    assert json.loads(out)["m_train"] == 6


# ---------------------------------------------------------------------- a full disk, every output of every command

def declared_outputs():
    """(command path, dest, what) for every file or folder a command writes, read off the parser's own
    declarations (set_defaults outputs= and folders=): a new output is covered when it is added."""
    import argparse

    from single_neuron.cli.parser import build_parser

    found = []

    def walk(parser, path):
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction):
                for name, sub in action.choices.items():
                    walk(sub, path + [name])
        for kind in ("outputs", "folders"):
            for dest, what in parser._defaults.get(kind, {}).items():
                found.append((tuple(path), dest, what, kind == "folders"))

    walk(build_parser(), [])
    return found


DECLARED = declared_outputs()
SUFFIX = {"model": ".npz", "HDF5 file": ".h5", "graph": ".dot"}


def _inputs(folder):
    """Inputs every command can run on: a tiny course file, an image folder, a model of its images."""
    folder.mkdir(parents=True, exist_ok=True)
    data = folder / "train_tiny.h5"
    with h5py.File(data, "w") as f:
        f["train_set_x"] = np.random.default_rng(0).integers(0, 256, size=(8, 4, 4, 3), dtype=np.uint8)
        f["train_set_y"] = np.arange(8) % 2
    images = folder / "images"
    for i, name in enumerate(("non-cat", "cat")):
        (images / name).mkdir(parents=True, exist_ok=True)
        for j in range(2):
            Image.new("RGB", (4, 4), (90 * i + 30 * j, 40, 0)).save(images / name / f"{j}.png")
    model = _model(folder / "m.npz")
    return data, images, model


def _command(path, dest, target, inputs):
    """The command line that writes `dest` to `target`."""
    data, images, model = inputs
    option = f"--{dest.replace('_', '-')}"
    return {("train",): ["train", data, "--iterations", "3", option, target],
            ("compare-rates",): ["compare-rates", data, "--iterations", "3", "--rates", "0.1", option, target],
            ("evaluate",): ["evaluate", model, data, option, target],
            ("predict",): ["predict", model, images / "cat" / "0.png", option, target],
            ("explain",): ["explain", option, target],
            ("inspect",): ["inspect", model, option, target],
            ("data", "export"): ["data", "export", data, target],
            ("data", "import"): ["data", "import", images, target, "--size", "4"]}[path]


def _write_to_a_full_disk(tmp_path, full, how):
    inputs = _inputs(tmp_path / "inputs")
    failures = []
    for path, dest, what, is_folder in DECLARED:
        target = full / f"{'-'.join(path)}-{dest}{'' if is_folder else SUFFIX.get(what, '.png')}"
        script = ("import resource, sys\n"
                  + ("resource.setrlimit(resource.RLIMIT_FSIZE, (100, 100))\n" if how == "EFBIG" else "")
                  + "from single_neuron.cli import main\nsys.exit(main(sys.argv[1:]))\n")
        done = subprocess.run([sys.executable, "-c", script, *map(str, _command(path, dest, target, inputs))],
                              capture_output=True, text=True, timeout=120)
        reason = "File too large" if how == "EFBIG" else "No space left on device"
        err = done.stderr
        if not (done.returncode == 1 and err.count("\n") == 1 and err.startswith("single-neuron: error: ")
                and str(target) in err and reason in err and "Traceback" not in err):
            failures.append(f"{' '.join(path)} {dest}: exit {done.returncode}, {err[-400:]!r}")
        left = [p.name for p in full.iterdir() if p.name != "filler"]
        if left:
            failures.append(f"{' '.join(path)} {dest}: left {left}")
            for name in left:
                (full / name).unlink() if (full / name).is_file() else shutil.rmtree(full / name)
    assert not failures, "\n".join(failures)


def test_every_output_declared_is_covered():
    assert {(("data", "import"), "destination"), (("train",), "model_out"), (("predict",), "explain"),
            (("data", "export"), "folder")} <= {(p, d) for p, d, _, _ in DECLARED}
    assert len(DECLARED) >= 9


def test_every_output_past_the_file_size_limit_is_one_line_and_leaves_nothing(tmp_path):
    """RLIMIT_FSIZE gives EFBIG (Python ignores SIGXFSZ): the outside tester's data import crashed with
    signal 11 and left its temporary file."""
    full = tmp_path / "out"
    full.mkdir()
    _write_to_a_full_disk(tmp_path, full, "EFBIG")


def test_every_output_onto_a_full_disk_is_one_line_and_leaves_nothing(tmp_path):
    """A real full disk: a tmpfs of 1 MiB, filled to the last byte."""
    full = tmp_path / "full"
    full.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(full)], capture_output=True,
                             text=True)
    if mounted.returncode != 0:
        pytest.skip(f"a tmpfs cannot be mounted here ({mounted.stderr.strip()}); the EFBIG test covers the same paths")
    try:
        with open(full / "filler", "wb", buffering=0) as f:
            try:
                while True:
                    f.write(b"\0" * 4096)
            except OSError:
                pass
        _write_to_a_full_disk(tmp_path, full, "ENOSPC")
    finally:
        subprocess.run(["umount", str(full)], check=True)
