"""The readers' memory estimates against what reading really takes, and the Python API's guards.

Each reader has one function that says, before reading, how much memory the read
(and the float X its caller makes) will take: the up-front check compares it with
the memory available. Here a fresh process reads a real input and its peak resident
memory is compared with the estimate: the estimate must cover it, without being so
generous that honest inputs are refused.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import threading

import h5py
import numpy as np
import pytest
from PIL import Image

MEASURE = textwrap.dedent("""
    import json, os, sys
    import numpy as np

    def rss(field):
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith(field + ":"):
                    return int(line.split()[1]) * 1024

    import ctypes
    from single_neuron.io import h5, images, modelfile
    libc = ctypes.CDLL("libc.so.6")
    found = []
    for kind, path in json.loads(sys.argv[1]):
        libc.malloc_trim(0)                     # what the last read freed goes back to the system
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")                        # the peak starts again from here
        before = rss("VmRSS")
        if kind == "h5":
            with h5.open_course_file(path) as course:
                estimate = course.memory_to_load()
            data = h5.load_h5(path)
            X = data.X
            del data, X
        elif kind == "image":
            header = images.probe_image(path)
            estimate = images.memory_to_decode(header, (64, 64), 3)
            images.read_image(path, (64, 64), 3)
        else:
            model = modelfile.load_model(path)
            estimate = modelfile.memory_to_load_model(os.path.getsize(path), model.w.size, len(model.costs))
            del model
        found.append({"input": os.path.basename(path), "estimate": estimate, "used": rss("VmHWM") - before})
    print(json.dumps(found))
""")

MiB = 2**20


def measure(inputs: list) -> list:
    """Read each (kind, path) in one fresh process, the peak measured for each read alone."""
    # A fixed mmap threshold: large blocks are mapped and unmapped, not kept by malloc for the next read.
    env = {**os.environ, "OPENBLAS_NUM_THREADS": "1", "MALLOC_MMAP_THRESHOLD_": "65536"}
    done = subprocess.run([sys.executable, "-c", MEASURE, json.dumps([(k, str(p)) for k, p in inputs])],
                          capture_output=True, text=True, timeout=300, env=env)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def h5_file(path, dtype, m=2000, **storage):
    with h5py.File(path, "w") as f:
        x = f.create_dataset("train_set_x", shape=(m, 64, 64, 3), dtype=dtype, **storage)
        for start in range(0, m, 500):
            rows = min(500, m - start)
            x[start:start + rows] = np.random.default_rng(start).integers(0, 256, (rows, 64, 64, 3)).astype(dtype)
        f["train_set_y"] = np.arange(m) % 2
    return path


def png_file(path, mode, side):
    rng = np.random.default_rng(0)
    if mode == "I;16":
        img = Image.fromarray(rng.integers(0, 65535, (side, side), dtype=np.uint16))
    else:
        img = Image.fromarray(rng.integers(0, 256, (side // 10, side // 10, 3), dtype=np.uint8)).resize((side, side))
        img = img.convert(mode)
    img.save(path, compress_level=1)
    return path


def model_file(path):
    from single_neuron.io.modelfile import SavedModel, save_model

    save_model(path, SavedModel(w=np.random.default_rng(0).normal(size=(1000 * 1000 * 3, 1)) * 1e-3, b=0.0,
                                input_shape=(1000, 1000, 3), classes=("a", "b"), costs=[0.5] * 1000))
    return path


def test_each_estimate_covers_what_the_read_takes_and_not_five_times_more(tmp_path):
    inputs = [
        ("h5", h5_file(tmp_path / "train_u8.h5", np.uint8)),
        ("h5", h5_file(tmp_path / "train_gzip.h5", np.uint8, chunks=(50, 64, 64, 3), compression="gzip")),
        ("h5", h5_file(tmp_path / "train_f32.h5", np.float32, chunks=(100, 64, 64, 3), compression="gzip",
                       shuffle=True)),
        ("h5", h5_file(tmp_path / "train_i16.h5", np.int16)),
        # chunks of a few bytes: HDF5 keeps kilobytes of records for each chunk a read touches
        ("h5", h5_file(tmp_path / "train_tiny_chunks.h5", np.uint8, m=16, chunks=(1, 1, 1, 3))),
        ("h5", h5_file(tmp_path / "train_small_chunks.h5", np.uint8, chunks=(2, 8, 8, 3))),
        ("image", png_file(tmp_path / "rgba.png", "RGBA", 3000)),
        ("image", png_file(tmp_path / "gray16.png", "I;16", 2500)),
        ("image", png_file(tmp_path / "rgb.png", "RGB", 3000)),
        ("image", png_file(tmp_path / "palette.png", "P", 3000)),
        ("model", model_file(tmp_path / "wide.npz")),
    ]
    wrong = []
    for found in measure(inputs):
        estimate, used = found["estimate"], found["used"]
        if not used <= estimate <= 5 * used + 64 * MiB:
            wrong.append(f"{found['input']}: used {used / MiB:.0f} MiB, estimated {estimate / MiB:.0f} MiB")
    assert not wrong, wrong


# ------------------------------------------------------------------------------ the Python API

def returns_in_time(call, seconds=10.0):
    """Run `call` in a thread; fail if it has not returned within `seconds` (a blocked open)."""
    outcome = {}

    def run():
        try:
            outcome["value"] = call()
        except BaseException as exc:            # the test looks at what came out
            outcome["error"] = exc

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(seconds)
    assert not thread.is_alive(), "the call blocked"
    return outcome


@pytest.mark.parametrize("reader", ["load_h5", "CourseRows", "read_image", "probe_image", "load_model"])
def test_no_reader_of_the_api_blocks_on_a_fifo(tmp_path, reader):
    from single_neuron import DataError, ImageError, ModelFileError
    from single_neuron.io import h5, images, modelfile

    call = {"load_h5": h5.load_h5, "CourseRows": h5.CourseRows, "probe_image": images.probe_image,
            "read_image": lambda p: images.read_image(p, (8, 8), 3), "load_model": modelfile.load_model}[reader]
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    outcome = returns_in_time(lambda: call(fifo))
    assert isinstance(outcome.get("error"), (DataError, ImageError, ModelFileError))
    assert "is a FIFO (named pipe)" in str(outcome["error"])


def test_the_api_refuses_an_external_link_before_opening_its_target(tmp_path):
    from single_neuron import DataError
    from single_neuron.io.h5 import load_h5

    target = tmp_path / "pipe.h5"
    os.mkfifo(target)                       # opening the target would block
    path = tmp_path / "train_x.h5"
    with h5py.File(path, "w") as f:
        f["train_set_x"] = h5py.ExternalLink(str(target), "/x")
        f["train_set_y"] = np.arange(4) % 2
    outcome = returns_in_time(lambda: load_h5(path))
    assert isinstance(outcome.get("error"), DataError) and "is an external link" in str(outcome["error"])


def test_the_one_opener_gives_chunk_readers_checked_rows_and_labels(tmp_path):
    from single_neuron.io.h5 import open_course_file

    x = np.random.default_rng(0).integers(0, 256, (10, 4, 5, 3), dtype=np.uint8)
    path = tmp_path / "train_x.h5"
    with h5py.File(path, "w") as f:
        f.create_dataset("train_set_x", data=x, chunks=(3, 4, 5, 3), compression="gzip")
        f["train_set_y"] = np.arange(10) % 2
    buffer = np.empty((4, 4, 5, 3), np.uint8)
    with open_course_file(path) as course:
        assert (course.m, course.image_shape, course.n_x) == (10, (4, 5, 3), 60)
        np.testing.assert_array_equal(course.read_rows(3, 7, out=buffer), x[3:7])
        np.testing.assert_array_equal(buffer, x[3:7])
        np.testing.assert_array_equal(course.gather(np.array([0, 4, 9])), x[[0, 4, 9]])
        np.testing.assert_array_equal(course.read_labels(), np.arange(10) % 2)
        assert course.read_overhead() >= 2 * 3 * 60         # a chunk and its stored form
