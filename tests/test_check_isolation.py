"""Each function judged on its own, whatever the learner's code does to its process.

A function that ends its process (`os._exit`, `sys.exit` from a forked copy, a signal) is an
error of its own and the others are still judged; a copy of the process that the learner's
code forks never goes on judging; a process it leaves behind does not hold the report back; a
global one function rebinds is back as the definitions left it for the next. Every check runs
the learner's code in real forked processes, with the real limits.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from single_neuron.app.check import check

GOOD_L1 = "def L1(yhat, y):\n    return np.sum(np.abs(y - yhat))\n"
GOOD_SOFTMAX = "def softmax(x):\n    e = np.exp(x)\n    return e / e.sum(axis=1, keepdims=True)\n"


def learner_file(tmp_path: Path, source: str, name: str = "mine.py") -> Path:
    path = tmp_path / name
    path.write_text("import numpy as np, os, sys, time\n" + source)
    return path


def statuses(report) -> list[tuple[str, str]]:
    return [(v.name, v.status) for v in report.found]


@pytest.mark.parametrize("ending", ["os._exit(0)", "sys.exit(0)", "os.kill(os.getpid(), 9)"])
def test_a_function_that_ends_the_process_is_an_error_and_those_after_it_are_judged(tmp_path, ending):
    path = learner_file(tmp_path, GOOD_L1 + f"def L2(yhat, y):\n    {ending}\n" + GOOD_SOFTMAX)
    report = check(path)
    assert statuses(report) == [("L1", "correct"), ("L2", "error"), ("softmax", "correct")]
    assert not report.ok and report.wrong == 1
    assert report["L2"].where == "mine.py, line 4"
    if ending != "sys.exit(0)":            # SystemExit raised in the function is an outcome, as any exception
        assert report["L2"].message.startswith("it ended the process running it (")


def test_a_forked_copy_that_exits_never_judges_a_second_time(tmp_path):
    path = learner_file(tmp_path, GOOD_L1 + "def L2(yhat, y):\n    pid = os.fork()\n    if pid == 0:\n"
                        "        sys.exit(0)\n    os.waitpid(pid, 0)\n    return np.sum((y - yhat) ** 2)\n" + GOOD_SOFTMAX)
    report = check(path)
    assert statuses(report) == [("L1", "correct"), ("L2", "correct"), ("softmax", "correct")]
    assert report.ok


def test_a_process_the_function_forked_and_left_running_does_not_hold_the_report(tmp_path):
    record = tmp_path / "survived"
    path = learner_file(tmp_path, f"def sigmoid(z):\n    if os.fork() == 0:\n        time.sleep(20)\n"
                                  f"        open({str(record)!r}, 'w').write('yes')\n        os._exit(0)\n"
                                  f"    return 1 / (1 + np.exp(-z))\n")
    start = time.monotonic()
    report = check(path, timeout=10)
    took = time.monotonic() - start
    assert statuses(report) == [("sigmoid", "correct")]
    assert took < 10, f"the report waited {took:.1f} s for the forked process"
    time.sleep(0.5)
    assert not record.exists()                  # killed with the child's process group, not left to run


def test_a_global_one_function_rebinds_is_back_for_the_next(tmp_path):
    path = learner_file(tmp_path, "def L1(yhat, y):\n    global np\n    r = np.sum(np.abs(y - yhat))\n"
                                  "    np = None\n    return r\n"
                                  "def L2(yhat, y):\n    return np.sum((y - yhat) ** 2)\n")
    report = check(path)
    assert report["L2"].status == "correct"
    assert report["L1"].status == "error" and "AttributeError" in report["L1"].message   # its own second probe


def test_a_decorated_function_is_placed_at_its_own_definition(tmp_path):
    path = learner_file(tmp_path, "import functools\ndef logged(f):\n    @functools.wraps(f)\n"
                                  "    def inner(*a, **k):\n        return f(*a, **k)\n    return inner\n"
                                  "@logged\ndef sigmoid(z):\n    return 1 / (1 + np.exp(-z))\n")
    report = check(path)
    assert report["sigmoid"].status == "correct" and report["sigmoid"].where == "mine.py, line 8"    # its decorator, as Python counts


def test_the_librarys_own_functions_imported_in_a_file_are_left_out(tmp_path):
    path = learner_file(tmp_path, "from single_neuron import propagate, initialize_with_zeros\n"
                                  "def sigmoid(z):\n    return 1 / (1 + np.exp(-z))\n"
                                  "def predict(w, b, X):\n    return np.where(sigmoid(w.T @ X + b) > .5, 1., 0.)\n")
    report = check(path)
    assert statuses(report) == [("sigmoid", "correct"), ("predict", "correct")]
    assert report["propagate"].status == "missing"


def test_a_report_answers_in_and_iterates_over_its_verdicts(tmp_path):
    report = check(learner_file(tmp_path, GOOD_L1))
    assert "L1" in report and "normalizeRows" in report and "propagate" not in report and 0 not in report
    assert [v.name for v in report] == [v.name for v in report.verdicts] and report.verdicts


def test_b_as_a_numpy_scalar_is_not_the_float_the_course_checks_for(tmp_path):
    for scalar in ("np.float64", "np.float32"):
        path = learner_file(tmp_path, f"def initialize_with_zeros(dim):\n    return np.zeros((dim, 1)), {scalar}(0)\n")
        verdict = check(path)["initialize_with_zeros"]
        assert (verdict.status, verdict.mistakes) == ("wrong", ["initialize_with_zeros.b-array"])
        assert "type(b) == float" in verdict.message
    path = learner_file(tmp_path, "def initialize_with_zeros(dim):\n    return np.zeros((dim, 1)), float(0)\n")
    assert check(path)["initialize_with_zeros"].status == "correct"


def test_an_object_array_shows_its_values(tmp_path):
    path = learner_file(tmp_path, "def sigmoid(z):\n    return (1 / (1 + np.exp(-z))).astype(object)\n")
    verdict = check(path)["sigmoid"]
    assert verdict.status == "wrong" and "object values [0.5" in verdict.got


def test_ipython_help_lines_are_read_as_pass(tmp_path):
    import nbformat

    nb = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_code_cell("import numpy as np\n?np.dot\nnp.dot??"),
        nbformat.v4.new_code_cell("def image2vector(image):\n    return image.reshape(-1, 1)\nimage2vector?"),
    ])
    path = tmp_path / "help.ipynb"
    nbformat.write(nb, str(path))
    assert statuses(check(path)) == [("image2vector", "correct")]


def test_no_process_of_the_check_is_left_after_a_function_ends_its_own(tmp_path):
    record = tmp_path / "pids"
    path = learner_file(tmp_path, f"def L1(yhat, y):\n    open({str(record)!r}, 'a').write(f'{{os.getpid()}} ')\n"
                                  f"    os._exit(0)\n")
    check(path)
    for pid in map(int, record.read_text().split()):
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)


def test_the_learners_helpers_pickle_by_reference_as_in_their_own_run(tmp_path):
    path = learner_file(tmp_path, "import multiprocessing\ndef _square(d):\n    return d * d\n"
                                  "def L2(yhat, y):\n    with multiprocessing.get_context('fork').Pool(2) as pool:\n"
                                  "        return float(sum(pool.map(_square, list(y - yhat))))\n")
    assert statuses(check(path, timeout=60)) == [("L2", "correct")]


def test_a_limit_reached_in_the_checks_own_work_says_so(tmp_path):
    from single_neuron.errors import LearnerCodeError

    path = learner_file(tmp_path, "def L1(yhat, y):\n    return np.sum(np.abs(y - yhat))\n")
    with pytest.raises(LearnerCodeError) as caught:
        check(path, timeout=1e-6)
    message = str(caught.value)
    assert "the time limit of 1e-06 s was reached outside your code, while checking" in message
    assert "single_neuron" not in message.replace(str(tmp_path), "")


def test_a_mistake_that_may_be_in_the_learners_own_helper_says_so(tmp_path):
    path = learner_file(tmp_path, "def my_sigmoid(z):\n    return 1 / (1 + np.exp(z))\n"
                                  "def predict(w, b, X):\n    return (my_sigmoid(w.T @ X + b) > 0.5) * 1.0\n"
                                  "def sigmoid(z):\n    return 1 / (1 + np.exp(-z))\n")
    report = check(path)
    assert report["predict"].status == "wrong"
    assert report["predict"].message.endswith("the mistake may be in my_sigmoid.")
    assert report["sigmoid"].status == "correct"


def test_a_function_that_ends_its_process_and_leaves_a_fork_running_is_an_error_at_once(tmp_path):
    path = learner_file(tmp_path, "def L2(yhat, y):\n    if os.fork() == 0:\n        time.sleep(20)\n"
                                  "        os._exit(0)\n    os._exit(0)\n" + GOOD_L1)
    start = time.monotonic()
    report = check(path, timeout=10)
    assert statuses(report) == [("L2", "error"), ("L1", "correct")]
    assert time.monotonic() - start < 10
