"""A learner's file read and reduced to what their functions need, before any of it runs.

The reader (io.code_files) reads .py files and notebooks of both formats as text, within limits;
the plan (teaching.learner_code) keeps the definitions of the assignments' functions and,
transitively, the imports, helpers and constants they refer to, in the file's order, and
nothing else: a cell that loads data, trains, plots or writes a file is never run.
"""

from __future__ import annotations

import json

import nbformat
import pytest

from single_neuron.errors import LearnerCodeError
from single_neuron.io.code_files import read_cells
from single_neuron.teaching.learner_code import plan, python_source, run_plan


def notebook(tmp_path, *cells, name="nb.ipynb"):
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell(c[3:]) if c.startswith("md:")
                                         else nbformat.v4.new_code_cell(c) for c in cells])
    path = tmp_path / name
    nbformat.write(nb, path)
    return path


def planned(cells):
    the_plan = plan(cells, "learner.ipynb")
    namespace = {"__name__": "__learner__"}
    notes = run_plan(the_plan, namespace)
    return the_plan, namespace, notes


# ------------------------------------------------------------------------------ reading


def test_a_notebooks_code_cells_are_labelled_by_their_place(tmp_path):
    path = notebook(tmp_path, "md:# Title", "import numpy as np", "md:## Exercise", "def sigmoid(z):\n    return z")
    assert read_cells(path) == [("cell 2", "import numpy as np"), ("cell 4", "def sigmoid(z):\n    return z")]


def test_a_notebook_of_the_old_format_with_sources_as_lists(tmp_path):
    path = tmp_path / "old.ipynb"
    path.write_text(json.dumps({"nbformat": 3, "worksheets": [{"cells": [
        {"cell_type": "markdown", "source": ["# hi"]},
        {"cell_type": "code", "input": ["import numpy as np\n", "x = 1"], "language": "python"}]}]}))
    assert read_cells(path) == [("cell 2", "import numpy as np\nx = 1")]


def test_python_files_are_decoded_as_python_source_is(tmp_path):
    latin = tmp_path / "latin.py"
    latin.write_bytes("# -*- coding: latin-1 -*-\nname = 'café'\n".encode("latin-1"))
    assert read_cells(latin) == [("latin.py", "# -*- coding: latin-1 -*-\nname = 'café'\n")]
    bom = tmp_path / "bom.py"
    bom.write_bytes(b"\xef\xbb\xbfx = 1\n")
    assert read_cells(bom) == [("bom.py", "x = 1\n")]
    bad = tmp_path / "bad.py"
    bad.write_bytes(b"x = '\xff'\n")
    with pytest.raises(LearnerCodeError, match="not Python source text"):
        read_cells(bad)


@pytest.mark.parametrize("text, message", [
    (b"\xff\xfe{}", "its text is not UTF-8"),
    (b"[" * 100 + b"]" * 100, "nested 100 deep, at most 64"),
    (b'{"cells": 3}', "no 'cells' list"),
    (b'{"cells": [{"cell_type": "code", "source": 42}]}', "cell 1: its source is not text"),
    (b'{"cells": [], "x": 1e999}', "beyond the range of floats"),
], ids=["not-utf8", "too-deep", "no-cells", "source-not-text", "infinite-number"])
def test_a_damaged_notebook_is_one_clear_error(tmp_path, text, message):
    path = tmp_path / "damaged.ipynb"
    path.write_bytes(text)
    with pytest.raises(LearnerCodeError, match=message):
        read_cells(path)


def test_a_folder_is_refused(tmp_path):
    (tmp_path / "work.ipynb").mkdir()
    with pytest.raises(LearnerCodeError, match="is a folder, expected a Jupyter notebook"):
        read_cells(tmp_path / "work.ipynb")


# ------------------------------------------------------------------------------ the plan


def test_only_what_the_functions_need_is_run(tmp_path):
    touched = tmp_path / "touched"
    cells = [
        ("cell 1", "import numpy as np\nimport matplotlib.pyplot as plt\nfrom lr_utils import load_dataset\n"
                   "%matplotlib inline"),
        ("cell 2", f"open({str(touched)!r}, 'w').write('ran')\ntrain_x, train_y = load_dataset()"),
        ("cell 3", "EPS = 1e-12\nUNUSED = 1 / 0\n\ndef _safe_log(a):\n    return np.log(a + EPS)"),
        ("cell 4", "def propagate(w, b, X, Y):\n    A = 1 / (1 + np.exp(-(w.T @ X + b)))\n"
                   "    return {'dw': X @ (A - Y).T, 'db': np.sum(A - Y)}, -np.mean(Y * _safe_log(A))"),
        ("cell 5", "grads, cost = propagate(w, b, X, Y)\nraise SystemExit"),
    ]
    the_plan, namespace, notes = planned(cells)
    assert the_plan.defined == {"propagate": "propagate"}
    assert [(s.label, s.node.lineno) for s in the_plan.statements] == [("cell 1", 1), ("cell 3", 1), ("cell 3", 4),
                                                                        ("cell 4", 1)]
    assert notes == [] and not touched.exists()
    assert "plt" not in namespace and "UNUSED" not in namespace and callable(namespace["propagate"])


def test_ipython_syntax_keeps_its_line_numbers():
    assert python_source("%matplotlib inline\nx = 1\n  !ls\nfiles = !ls\ny = 2") == \
        "pass  # matplotlib inline\nx = 1\n  pass  # ls\npass  # files = !ls\ny = 2"
    assert python_source("%%bash\nls -l") == ""
    assert python_source("%%time\ndef sigmoid(z):\n    return z") == "\ndef sigmoid(z):\n    return z"


def test_the_last_definition_is_the_one_checked_and_unreadable_cells_are_said():
    cells = [("cell 1", "def sigmoid(z):\n    return 0"),
             ("cell 2", "def sigmoid(z):\n    return 1"),
             ("cell 3", "def predict(w, b, X)\n    return 0"),
             ("cell 4", "def softmax(x):\n    return x\n"),
             ("cell 5", "def softmax(x)\n    return x +")]
    the_plan, namespace, _ = planned(cells)
    assert namespace["sigmoid"](0) == 1 and the_plan.places["sigmoid"] == "cell 2"
    assert the_plan.unreadable == {"predict": "cell 3 cannot be read, SyntaxError: expected ':' (line 1)"}
    assert "softmax" in the_plan.defined            # its later cell does not parse: the earlier one stands


def test_a_star_import_is_run_when_a_name_comes_from_nowhere_else():
    cells = [("cell 1", "from math import *\nfrom public_tests import *"),
             ("cell 2", "def basic_sigmoid(x):\n    return 1 / (1 + exp(-x))")]
    the_plan, namespace, notes = planned(cells)
    assert namespace["basic_sigmoid"](0) == 0.5
    assert notes == ["cell 1, line 2: `from public_tests import *` did not run (ModuleNotFoundError: No module "
                     "named 'public_tests')"]


def test_a_needed_statement_that_fails_is_noted():
    cells = [("cell 1", "import numpy as np\nfrom scipy.special import expit_that_does_not_exist as expit"),
             ("cell 2", "def sigmoid(z):\n    return expit(z)")]
    _, namespace, notes = planned(cells)
    assert len(notes) == 1 and notes[0].startswith("cell 1, line 2: `from scipy.special import "
                                                   "expit_that_does_not_exist as expit` did not run (ImportError")
    assert "expit" not in namespace
