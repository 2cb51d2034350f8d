"""single-neuron explain: the numbers of the notes, a DOT file Graphviz parses, a picture."""

import re
import shutil
import subprocess

import numpy as np
import pydot
import pytest
from PIL import Image


def test_explain_prints_the_notes_example(run_cli):
    code, out, _ = run_cli("explain")
    assert code == 0
    for line in ["u = bc      = 3 * 2 = 6", "v = a + u   = 5 + 6 = 11", "J = 3v      = 3 * 11 = 33",
                 "dv = dJ/dv                = 3", "da = dv * dv/da = dv * 1  = 3",
                 "du = dv * dv/du = dv * 1  = 3", "db = du * du/db = du * c  = 3 * 2 = 6",
                 "dc = du * du/dc = du * b  = 3 * 3 = 9"]:
        assert line in out


def test_explain_logistic_shows_da_and_dz_with_numbers(run_cli):
    code, out, _ = run_cli("explain", "logistic", "--x", "1.0", "2.0", "--w", "0.5", "-0.3", "--b", "0.1", "--y", "1")
    assert code == 0
    z = 0.5 * 1 - 0.3 * 2 + 0.1
    a = 1 / (1 + np.exp(-z))
    assert "da = -y/a + (1-y)/(1-a)" in out and "dz = da * a(1 - a) = a - y" in out
    da = re.search(r"da = .*?= (\S+)\s+\(graph: (\S+)\)", out)
    assert float(da.group(1)) == pytest.approx(-1 / a, rel=1e-5) == float(da.group(2))
    dz = re.search(r"dz = .*?= (\S+)\s+\(graph: (\S+)\)", out)
    assert float(dz.group(1)) == pytest.approx(a - 1, rel=1e-5, abs=1e-6)
    assert "dw2 = x2 dz = 2 * " in out and "db = dz = " in out


def test_dot_output_is_valid_graphviz(tmp_path, run_cli):
    path = tmp_path / "g.dot"
    code, _, err = run_cli("explain", "--dot", path)
    assert code == 0, err
    text = path.read_text()
    graphs = pydot.graph_from_dot_data(text)
    assert graphs and len(graphs) == 1
    labels = " ".join(n.get_label() or "" for n in graphs[0].get_nodes())
    assert "data 33" in labels and "grad 6" in labels and "grad 9" in labels
    if shutil.which("dot"):
        subprocess.run(["dot", "-Tsvg", str(path)], check=True, capture_output=True)


def test_png_output_is_a_real_picture(tmp_path, run_cli):
    path = tmp_path / "g.png"
    code, out, err = run_cli("explain", "logistic", "--png", path)
    assert code == 0, err
    with Image.open(path) as img:
        assert img.format == "PNG" and img.width > 300 and img.height > 100
        assert np.asarray(img.convert("L")).std() > 5        # something was drawn
    assert [p.name for p in tmp_path.iterdir()] == ["g.png"]


@pytest.mark.parametrize("args, fragment, status", [
    (["explain", "logistic", "--x", "1", "2", "--w", "1"], "x and w: expected the same number of values", 1),
    (["explain", "logistic", "--y", "3"], "y: expected 0 or 1, got 3", 2),
    (["explain", "logistic", "--x", "1", "--w=-745", "--b", "0", "--y", "1"], "keep |z| below 709", 1),
    (["explain", "--dot", "/no/such/folder/g.dot"], "the folder /no/such/folder does not exist", 1),
])
def test_bad_explain_arguments_fail_in_one_line(run_cli, args, fragment, status):
    code, out, err = run_cli(*args)
    assert code == status and fragment in err and err.count("\n") == 1


def test_explain_logistic_is_exact_where_a_rounds_to_1(run_cli):
    # z = 37: a rounds to 1, yet L = log(1 + e^-37) and dz = a - 1 = -1 / (1 + e^37) are not 0.
    code, out, err = run_cli("explain", "logistic", "--x", "1", "--w", "37", "--b", "0", "--y", "1")
    assert code == 0 and err == ""
    assert "L(a, y) = -(y log a + (1 - y) log(1 - a)) = 8.53305e-17" in out
    assert "dz = da * a(1 - a) = a - y = -8.53305e-17   (graph: -8.53305e-17)" in out
