"""`single-neuron check FILE` as a learner runs it: the installed command, in a process of its own.

The course-shaped notebook (examples/learner/assignment.ipynb: packages, the cat files loaded,
every exercise with its grader cell, training, plots, the learning-rate comparison, "your own
image") with one wrong cell is diagnosed; the same notebook with an endless loop or a huge
allocation ends at its limit with one line; --json stays one valid object whatever the code
prints; every bad input is one line and exit status 1, every malformed command line status 2.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from single_neuron.app.sandbox import KILL_GRACE

ROOT = Path(__file__).resolve().parents[1]
COMMAND = str(Path(sys.executable).with_name("single-neuron"))
ASSIGNMENT = ROOT / "examples" / "learner" / "assignment.ipynb"
LIMITS = ROOT / "tests" / "learners" / "limits"


def run(*args, cwd=None, timeout=120, env=None):
    proc = subprocess.run([COMMAND, "check", *map(str, args)], capture_output=True, text=True, timeout=timeout,
                          cwd=cwd, env=env)
    return proc.returncode, proc.stdout, proc.stderr


def test_the_course_shaped_notebook_with_one_wrong_cell_is_diagnosed():
    status, out, err = run(ASSIGNMENT)
    assert (status, err) == (1, "")
    lines = out.splitlines()
    assert lines[0] == f"{ASSIGNMENT}: 6 functions checked: 5 correct, 1 wrong"
    table = {line.split()[0]: line.split()[1:] for line in lines[1:7]}
    assert table["predict"][:2] == ["wrong", "predict.threshold-inclusive"]
    assert all(table[name][0] == "correct" for name in ("sigmoid", "initialize_with_zeros", "propagate", "optimize",
                                                          "model"))
    assert "[cell 26, line 3]" in lines[5]                       # the predict cell, counted from the top
    assert "What went wrong: A >= 0.5: a probability of exactly 0.5 (z = 0) predicts 1" in out
    assert "expected Y_prediction: an array of shape (1, 4): [[0., 1., 0., 1.]]" in out
    assert "Fix: Use a strict >: 1 where A > 0.5." in out


def test_the_same_notebook_as_json():
    status, out, err = run(ASSIGNMENT, "--json")
    assert (status, err) == (1, "") and out.count("\n") == 1
    report = json.loads(out)
    assert set(report) == {"file", "functions", "correct", "wrong"}
    assert (report["correct"], report["wrong"]) == (5, 1)
    wrong = [f for f in report["functions"] if f["status"] != "correct"]
    assert [(f["name"], f["mistakes"]) for f in wrong] == [("predict", ["predict.threshold-inclusive"])]
    assert wrong[0]["expected"].startswith("Y_prediction: an array of shape (1, 4)")


@pytest.mark.parametrize("timeout", [2])
def test_an_endless_loop_ends_within_the_limit_with_one_line(timeout):
    started = time.monotonic()
    status, out, err = run(LIMITS / "endless_loop.ipynb", "--timeout", timeout, timeout=timeout + KILL_GRACE + 60)
    assert time.monotonic() - started < timeout + KILL_GRACE + 30      # generous: the machine is shared
    assert (status, out) == (1, "")
    assert err.count("\n") == 1
    assert err.startswith(f"single-neuron: error: {LIMITS / 'endless_loop.ipynb'}: optimize was still running "
                          f"after the time limit of {timeout} s (at cell 23, line ")
    assert "an endless loop?" in err and "--timeout" in err


def test_a_huge_allocation_is_one_line_naming_the_limit():
    status, out, err = run(LIMITS / "huge_allocation.ipynb", "--memory-limit", "512MB")
    assert (status, out) == (1, "")
    assert err == (f"single-neuron: error: {LIMITS / 'huge_allocation.ipynb'}: propagate needed more memory than "
                   "the limit of 488.3 MiB (at cell 20, line 8: `cache = np.zeros((100000, 1000000))   # room for "
                   "the intermediate results`) (the limit: --memory-limit on the command line, memory_limit= in "
                   "Python)\n")


def test_json_stays_one_valid_object_whatever_the_code_prints(tmp_path):
    learner = tmp_path / "noisy.py"
    learner.write_text(
        "import sys\nimport numpy as np\nprint('{\"file\": \"forged\"}')\n"
        "def sigmoid(z):\n    print('{\"correct\": 99}')\n    print('}{', file=sys.stderr)\n"
        "    sys.stdout.write('\\x1b[2J no newline')\n    return 1 / (1 + np.exp(-z))\n"
        "def L1(yhat, y):\n    import warnings\n    warnings.warn('careful')\n    print('x' * 100000)\n"
        "    return np.sum(np.abs(y - yhat))\n")
    status, out, err = run(learner, "--json", cwd=tmp_path)
    assert (status, err) == (0, "")
    report = json.loads(out)
    assert (report["correct"], report["wrong"], report["file"]) == (2, 0, str(learner))
    assert out.count("\n") == 1


def test_a_correct_file_exits_0_and_shows_the_table_only():
    status, out, err = run(ROOT / "tests" / "learners" / "logistic_vectorized.py")
    assert (status, err) == (0, "")
    assert out.splitlines()[0].endswith("6 functions checked: 6 correct") and "What went wrong" not in out


def test_a_file_without_the_functions_exits_1(tmp_path):
    (tmp_path / "other.py").write_text("def train(x):\n    return x\n")
    status, out, err = run(tmp_path / "other.py")
    assert (status, err) == (1, "") and "no function of the week's assignments found" in out
    assert json.loads(run(tmp_path / "other.py", "--json")[1])["functions"] == []


def test_a_function_in_a_cell_python_cannot_read_is_an_error(tmp_path):
    learner = tmp_path / "broken.py"
    learner.write_text("import numpy as np\n\ndef sigmoid(z):\n    return 1 / (1 + np.exp(-z)\n")
    status, out, err = run(learner)
    assert (status, err) == (1, "")
    assert "sigmoid  error" in out and "broken.py cannot be read, SyntaxError" in out


@pytest.mark.parametrize("args", [[], ["a.py", "--timeout", "-1"], ["a.py", "--timeout", "nan"],
                                  ["a.py", "--memory-limit", "lots"], ["a.py", "b.py"], ["a.py", "--timeout", ""]],
                         ids=["no-file", "negative-timeout", "nan-timeout", "bad-size", "two-files", "empty"])
def test_a_malformed_command_line_is_status_2(args):
    status, out, err = run(*args)
    assert status == 2 and out == "" and err.count("\n") == 1 and err.startswith("single-neuron: error: ")


@pytest.mark.parametrize("option, value", [("--timeout", "1e7"), ("--timeout", "4294967296"), ("--timeout", "1e12"),
                                           ("--memory-limit", "1MB"), ("--memory-limit", "1000")])
def test_a_limit_out_of_range_is_status_2_naming_the_option(option, value):
    status, out, err = run("a.py", option, value)
    assert (status, out) == (2, "") and err.count("\n") == 1
    assert err.startswith(f"single-neuron: error: argument {option}: expected ") and value in err


def test_json_gives_one_object_when_the_check_cannot_finish(tmp_path):
    (tmp_path / "loop.py").write_text("def sigmoid(z):\n    while True:\n        pass\n")
    (tmp_path / "broken.ipynb").write_text("{not json")
    for name, words in (("loop.py", "time limit of 0.5 s"), ("broken.ipynb", "damaged notebook")):
        status, out, err = run(tmp_path / name, "--json", "--timeout", "0.5")
        report = json.loads(out)
        assert status == 1 and out.count("\n") == 1 and err.count("\n") == 1 and words in err
        assert report == {"file": str(tmp_path / name), "error": err.removeprefix("single-neuron: error: ").strip(),
                          "functions": [], "correct": 0, "wrong": 0}


def test_bad_files_are_one_line_each(tmp_path):
    (tmp_path / "notes.txt").write_text("def sigmoid(z): pass\n")
    (tmp_path / "broken.ipynb").write_text("{not json")
    (tmp_path / "list.ipynb").write_text("[1, 2]")
    os.mkfifo(tmp_path / "pipe.py")
    cases = {
        "notes.txt": "expected a .py file or a .ipynb notebook, got a .txt file",
        "missing.py": "no such file",
        "broken.ipynb": "damaged notebook (not JSON",
        "list.ipynb": "not a notebook: its JSON is not an object",
        "pipe.py": "is a FIFO (named pipe), expected a Python file",
    }
    for name, message in cases.items():
        status, out, err = run(tmp_path / name, timeout=30)
        assert (status, out) == (1, ""), name
        assert err.count("\n") == 1 and message in err, err


def test_a_file_over_the_size_limit_is_refused_before_it_is_read(tmp_path):
    learner = tmp_path / "big.py"
    learner.write_text("x = 1\n" * 100)
    env = {**os.environ, "SINGLE_NEURON_MAX_CODE_BYTES": "100"}
    status, out, err = run(learner, env=env)
    assert status == 1 and "set SINGLE_NEURON_MAX_CODE_BYTES to raise the limit" in err


def test_the_command_is_in_the_help():
    proc = subprocess.run([COMMAND, "--help"], capture_output=True, text=True, timeout=60)
    assert "check your own functions of the week's assignments" in proc.stdout


def test_closed_standard_streams_do_not_confuse_the_child(tmp_path):
    # With standard input and error closed, the child's pipes may get their numbers: the report still
    # arrives, whole, on standard output.
    learner = ROOT / "tests" / "learners" / "logistic_vectorized.py"
    proc = subprocess.run(f"'{COMMAND}' check '{learner}' --json <&- 2>&-", shell=True, capture_output=True,
                          text=True, timeout=120)
    assert proc.returncode == 0 and json.loads(proc.stdout)["correct"] == 6


@pytest.mark.parametrize("signum, status", [(signal.SIGINT, 130), (signal.SIGTERM, 143)], ids=["ctrl-c", "sigterm"])
def test_an_interrupted_check_ends_at_once_and_takes_its_child_with_it(tmp_path, signum, status):
    learner = tmp_path / f"endless_{signum}.ipynb"
    learner.write_bytes((LIMITS / "endless_loop.ipynb").read_bytes())
    proc = subprocess.Popen([COMMAND, "check", str(learner), "--timeout", "120"], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    time.sleep(2)                                    # the child is in the endless loop by now
    proc.send_signal(signum)
    out, err = proc.communicate(timeout=60)
    assert (proc.returncode, out) == (status, "")
    assert err.count("\n") == 1 and err.startswith("single-neuron: ")
    left = [p for p in Path("/proc").iterdir() if p.name.isdigit() and learner.name in _cmdline(p)]
    assert left == []


def _cmdline(process: Path) -> str:
    try:
        return (process / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace").strip()
    except OSError:
        return ""
