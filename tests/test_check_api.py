"""`single_neuron.check` from Python: live functions, a mapping such as globals(), a notebook kernel,
and the limits of the child process the learner's code runs in.

Every check here runs the code in a real forked child with real limits: an endless loop is
stopped by the timer (or, where the code silences the timer, by the CPU limit and the parent's
deadline), a huge allocation fails against RLIMIT_AS, a child that kills itself or starts other
processes is reported and cleaned up. The parent (this test process) is never touched.
"""

from __future__ import annotations

import linecache
import os
import re
import time
from pathlib import Path

import numpy as np
import pytest

import single_neuron
from single_neuron import InputValueError
from single_neuron.app.check import Report, check
from single_neuron.app.sandbox import KILL_GRACE
from single_neuron.errors import LearnerCodeError


def define(source: str) -> dict:
    """The functions of `source`, defined as a notebook defines them: in a namespace of their own, their
    text known to linecache (IPython registers each cell there)."""
    text = "import numpy as np\nimport math\n" + source
    linecache.cache["my_notebook_cell.py"] = (len(text), None, text.splitlines(keepends=True), "my_notebook_cell.py")
    namespace = {"__name__": "__main__"}
    exec(compile(text, "my_notebook_cell.py", "exec"), namespace)
    return namespace


WRONG_SIGMOID = "def sigmoid(z):\n    print('sigmoid of', z)\n    return 1 / (1 + np.exp(z))\n"
GOOD_PREDICT = "def predict(w, b, X):\n    return (sigmoid(w.T @ X + b) > 0.5) * 1.0\n"


def test_a_mapping_such_as_globals_gives_a_report_with_a_repr_and_a_dict(capfd):
    namespace = define(WRONG_SIGMOID + GOOD_PREDICT + "unrelated = 3\n")
    report = check(namespace)
    assert isinstance(report, Report) and report is not None
    assert [(v.name, v.status, v.mistakes) for v in report.found] == [
        ("sigmoid", "wrong", ["sigmoid.sign"]), ("predict", "correct", [])]
    assert report["sigmoid"].where == "my_notebook_cell.py, line 3"
    text = repr(report)
    assert text.startswith("the functions given: 2 functions checked: 1 correct, 1 wrong")
    assert "What went wrong: 1 / (1 + e^z)" in text and "Fix: Put the minus back" in text
    assert "missing: initialize_with_zeros, propagate, optimize, model (not defined)" in text
    d = report.to_dict()
    assert set(d) == {"file", "functions", "correct", "wrong"} and (d["correct"], d["wrong"]) == (1, 1)
    assert set(d["functions"][0]) == {"name", "status", "mistakes", "message", "expected", "got", "where"}
    assert not report.ok
    # what the learner's sigmoid printed never reached this process's output
    out, err = capfd.readouterr()
    assert "sigmoid of" not in out + err and "sigmoid of" in report.printed


def test_a_list_of_functions_and_the_librarys_own_left_out():
    namespace = define(WRONG_SIGMOID)
    report = check([namespace["sigmoid"]])
    assert report["sigmoid"].mistakes == ["sigmoid.sign"]
    # the library's functions imported into a notebook are the references, not the learner's work
    report = check({"propagate": single_neuron.propagate, "sigmoid": single_neuron.sigmoid,
                    "normalizeRows": define("def normalizeRows(x):\n    return x / np.linalg.norm(x, axis=1, "
                                            "keepdims=True)\n")["normalizeRows"]})
    assert [(v.name, v.status) for v in report.found] == [("normalize_rows", "correct")]
    assert report.ok


def test_arguments_are_checked():
    with pytest.raises(InputValueError, match="not the name of a function"):
        check([lambda z: z])
    with pytest.raises(InputValueError, match="expected a path"):
        check(42)
    with pytest.raises(InputValueError, match="timeout"):
        check({}, timeout=0)
    with pytest.raises(InputValueError, match="timeout: expected a number of seconds, got str '5'"):
        check({}, timeout="5")
    with pytest.raises(InputValueError, match="timeout: expected a number of seconds > 0 and at most 1e"):
        check({}, timeout=1e7)
    with pytest.raises(InputValueError, match="memory_limit"):
        check({}, memory_limit=10)


def test_nothing_found_is_said_and_is_not_ok():
    report = check({"x": 1})
    assert report.found == [] and not report.ok
    assert "no function of the week's assignments found" in repr(report)


def test_an_endless_loop_ends_at_the_time_limit_with_one_line_naming_it():
    namespace = define("def optimize(w, b, X, Y, num_iterations=100, learning_rate=0.009, print_cost=False):\n"
                       "    i = 0\n    while i < num_iterations:\n        w = w - learning_rate\n"
                       "    return w\n")
    started = time.monotonic()
    with pytest.raises(LearnerCodeError) as caught:
        check(namespace, timeout=1.0)
    assert time.monotonic() - started < 1.0 + KILL_GRACE + 20        # generous: the machine is shared
    message = str(caught.value)
    assert "\n" not in message
    assert "optimize was still running after the time limit of 1 s" in message
    assert re.search(r"my_notebook_cell.py, line (5: `while i < num_iterations:`|6: `w = w - learning_rate`)",
                     message) and "--timeout" in message
    assert check([define(WRONG_SIGMOID)["sigmoid"]]).found        # this process goes on as before


def test_code_that_silences_the_timer_is_stopped_all_the_same():
    namespace = define("import signal\n"
                       "def sigmoid(z):\n    signal.signal(signal.SIGALRM, signal.SIG_IGN)\n    while True:\n"
                       "        pass\n")
    started = time.monotonic()
    with pytest.raises(LearnerCodeError, match="sigmoid was still running after the time limit of 1 s"):
        check(namespace, timeout=1.0)
    assert time.monotonic() - started < 1.0 + KILL_GRACE + 20


def test_a_sleep_is_cut_short_by_the_time_limit():
    namespace = define("import time\ndef softmax(x):\n    time.sleep(600)\n    return x\n")
    with pytest.raises(LearnerCodeError, match=r"softmax was still running .* \(at my_notebook_cell.py, line 5"):
        check(namespace, timeout=0.5)


def test_a_huge_allocation_fails_at_the_memory_limit_with_one_line_naming_it():
    namespace = define("def initialize_with_zeros(dim):\n    w = np.zeros((dim, 10**6, 10**5))\n    return w, 0.0\n")
    with pytest.raises(LearnerCodeError) as caught:
        check(namespace, memory_limit=256 * 2**20)
    message = str(caught.value)
    assert "initialize_with_zeros needed more memory than the limit of 256.0 MiB" in message
    assert "line 4: `w = np.zeros((dim, 10**6, 10**5))`" in message and "--memory-limit" in message


def test_a_function_that_ends_its_process_is_an_error_and_the_others_are_still_judged():
    namespace = define("import os, signal\ndef L1(yhat, y):\n    os.kill(os.getpid(), signal.SIGKILL)\n"
                       "def L2(yhat, y):\n    os._exit(3)\n" + GOOD_PREDICT)
    report = check(namespace)
    assert [(v.name, v.status) for v in report.found] == [("L1", "error"), ("L2", "error"), ("predict", "correct")]
    assert "it ended the process running it (signal 9)" in report["L1"].message
    assert "(exit status 3)" in report["L2"].message and report["L2"].where == "my_notebook_cell.py, line 6"


def test_processes_the_learners_code_starts_end_with_it(tmp_path):
    record = tmp_path / "pid"
    namespace = define(f"import subprocess\ndef image2vector(image):\n"
                       f"    p = subprocess.Popen(['sleep', '300'])\n    open({str(record)!r}, 'w').write(str(p.pid))\n"
                       f"    return image.reshape(-1, 1)\n")
    assert check(namespace).ok
    pid = int(record.read_text())
    deadline = time.monotonic() + 30
    while Path(f"/proc/{pid}").exists() and "Z" not in _state(pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not Path(f"/proc/{pid}").exists() or "Z" in _state(pid)


def _state(pid: int) -> str:
    try:
        return next(line for line in Path(f"/proc/{pid}/status").read_text().splitlines() if line.startswith("State"))
    except (OSError, StopIteration):
        return "Z"


def test_the_learners_names_are_theirs_again_after_the_check():
    namespace = define(WRONG_SIGMOID + GOOD_PREDICT)
    theirs = namespace["sigmoid"]
    check(namespace)
    assert namespace["sigmoid"] is theirs and "propagate" not in namespace       # the child swapped, not us
    assert theirs(np.array([0.0]))[0] == 0.5


def test_check_from_a_notebook_kernel(tmp_path):
    """single_neuron.check(globals()) in a real Jupyter kernel: the kernel forks, its threads and sockets
    are left alone, and the report shows as the cell's result."""
    import nbformat
    from nbclient import NotebookClient

    nb = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_code_cell("import numpy as np\nimport single_neuron"),
        nbformat.v4.new_code_cell("def sigmoid(z):\n    print('debugging', z)\n    return 1 / (1 + np.exp(-z))\n\n"
                                  "def propagate(w, b, X, Y):\n    m = X.shape[1]\n    A = sigmoid(w.T @ X + b)\n"
                                  "    cost = -np.mean(Y * np.log(A) + (1 - Y) * np.log(1 - A))\n"
                                  "    return {'dw': X @ (A - Y).T, 'db': np.sum(A - Y) / m}, cost"),
        nbformat.v4.new_code_cell("single_neuron.check(globals())"),
        nbformat.v4.new_code_cell("found = single_neuron.check([propagate]).to_dict()['functions'][0]\n"
                                  "print(found['mistakes'], found['where'])"),
    ])
    NotebookClient(nb, timeout=120, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}).execute()
    shown = nb.cells[2].outputs[0]["data"]["text/plain"]
    assert shown.startswith("the functions given: 2 functions checked: 1 correct, 1 wrong")
    assert re.search(r"sigmoid +correct +\[In \[2\], line 1\]", shown)
    assert re.search(r"propagate +wrong +propagate.dw-no-mean +\[In \[2\], line 5\]", shown)
    assert [o.get("name") for o in nb.cells[2].outputs] == [None]          # nothing printed by the child
    assert nb.cells[3].outputs[0]["text"] == "['propagate.dw-no-mean'] In [2], line 5\n"    # named as with globals()
    assert os.environ.get("JPY_PARENT_PID") is None
