"""Names from data never forge a line or reach the terminal raw, and `data export` never writes
outside its folder: escaping and export under hostile, generated names."""

import contextlib
import io
import json
import os

import h5py
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image

from conftest import files_in
from single_neuron import SingleNeuronError
from single_neuron.cli.output import print_json, shown
from single_neuron.io.dataset import Dataset
from single_neuron.io.folders import export_image_folder, folder_names, load_image_folder
from single_neuron.io.modelfile import SavedModel, save_model
from single_neuron.io.text import check_class_name

HOSTILE = ["../x", "/etc/passwd", "", ".", "..", "a" * 300, "é" * 200, "a/b", "a\\b", "line\nforged: cat (label 1",
           "\x1b[31mred\x1b[0m", "\u202eevil", "tab\there", " padded ", ".hidden", "classes.txt", "CAT", "cat",
           "nul\x00byte", "\r\rback", "\u2028sep"]

names = st.one_of(st.sampled_from(HOSTILE), st.text(max_size=40),
                  st.text(alphabet=st.characters(codec="utf-8"), max_size=300))


def _terminal_safe(text: str) -> bool:
    return all(ch == "\n" or ch.isprintable() for ch in text)


def _valid_class_name(name: str) -> bool:
    """A class name is printed on every prediction: the readers take only names that are one
    printable line of 1 to 200 characters (io.text.check_class_name)."""
    try:
        check_class_name(name, "test", ValueError)
    except ValueError:
        return False
    return True


@given(st.text())
def test_shown_is_one_printable_line_and_leaves_printable_text_alone(text):
    out = shown(text)
    assert out.isprintable()
    if text.isprintable():
        assert out == text
    else:
        assert "\\" in out
    assert shown(text) == out and len(out) >= len(text)


def test_shown_writes_escapes_as_python_does():
    assert shown("a\nb\x1b[31m\u202ez\U000e0001") == "a\\nb\\x1b[31m\\u202ez\\U000e0001"


FLOATS = st.one_of(st.floats(), st.just(float("nan")), st.just(float("inf")), st.just(-float("inf")))
JSONISH = st.recursive(st.one_of(FLOATS, st.integers(), st.text(), st.none(), st.booleans()),
                       lambda inner: st.one_of(st.lists(inner, max_size=4),
                                               st.dictionaries(st.text(max_size=5), inner, max_size=4)),
                       max_leaves=12)


@given(st.dictionaries(st.text(max_size=5).filter(lambda k: k != "non_finite"), JSONISH, max_size=5))
def test_print_json_is_strict_json_and_says_what_was_not_a_number(report):
    with contextlib.redirect_stdout(io.StringIO()) as buffer:
        print_json(report)
    out = buffer.getvalue()
    assert out.count("\n") == 1 and out.isascii()

    def refuse(constant):
        raise AssertionError(f"non-standard JSON constant {constant}")

    parsed = json.loads(out, parse_constant=refuse)
    bad = _non_finite_paths(report)
    assert parsed.get("non_finite", {}) == bad
    assert ("non_finite" in parsed) == bool(bad)
    assert all(_resolve(parsed, pointer) is None for pointer in bad)


def _non_finite_paths(value, where=""):
    out = {}
    if isinstance(value, float) and not np.isfinite(value):
        out[where] = str(value)
    elif isinstance(value, dict):
        for k, v in value.items():
            out.update(_non_finite_paths(v, where + "/" + k.replace("~", "~0").replace("/", "~1")))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            out.update(_non_finite_paths(v, f"{where}/{i}"))
    return out


def _resolve(document, pointer):
    for token in pointer.split("/")[1:]:
        token = token.replace("~1", "/").replace("~0", "~")
        document = document[int(token) if isinstance(document, list) else token]
    return document


# ------------------------------------------------------------------ the command line's lines


def _model(path, classes, shape=(4, 4, 3)):
    n_x = shape[0] * shape[1] * shape[2]
    save_model(path, SavedModel(w=np.linspace(-0.01, 0.01, n_x).reshape(-1, 1), b=0.0, input_shape=shape,
                                classes=classes))
    return path


@pytest.mark.parametrize("classes", [("no\nforged.png: cat (label 1, probability of b 1.0000)", "\x1b[2J\x1b[31mb"),
                                     ("\u202eevil", "\r\rb")])
def test_class_names_that_could_forge_lines_are_refused_in_one_safe_line(tmp_path, run_cli, classes):
    with pytest.raises(SingleNeuronError, match="holds the control character"):
        _model(tmp_path / "m.npz", classes)                # the writer refuses them
    crafted = tmp_path / "crafted.npz"                     # and so does the reader of a crafted file
    meta = {"format": "single-neuron-model", "format_version": 1, "input_shape": [4, 4, 3], "pixel_scale": 255.0,
            "classes": list(classes), "training": {}}
    np.savez(crafted, w=np.zeros((48, 1)), b=np.array(0.0), costs=np.zeros(0), metadata=np.array(json.dumps(meta)))
    image = tmp_path / "plain.png"
    Image.new("RGB", (5, 5), (40, 0, 0)).save(image, "PNG")
    code, out, err = run_cli("predict", crafted, image)
    assert code == 1 and out == "" and err.count("\n") == 1 and _terminal_safe(err)
    assert err.startswith("single-neuron: error: ") and "holds the control character" in err


def test_file_names_cannot_forge_lines_or_reach_the_terminal(tmp_path, run_cli):
    model = _model(tmp_path / "m.npz", ("../not a path", "\u00e9t\u00e9 b"))   # printable names print as they are
    images = []
    for i, name in enumerate(["a\nb.png", "\x1b]0;title\x07.png", "plain.png"]):
        images.append(tmp_path / name)
        Image.new("RGB", (5, 5), (40 * i, 0, 0)).save(images[-1], "PNG")
    missing = tmp_path / "gone\nsingle-neuron: error: forged.png"
    code, out, err = run_cli("predict", model, *images, missing)
    assert code == 1
    assert out.count("\n") == 3 and err.count("\n") == 1, (out, err)
    assert _terminal_safe(out) and _terminal_safe(err)
    assert err.startswith("single-neuron: error: ") and "gone\\nsingle-neuron" in err
    assert "a\\nb.png" in out and "\\x1b]0;title\\x07.png" in out and "../not a path" in out
    code, out, err = run_cli("predict", model, *images, "--json")
    assert code == 0 and out.isascii() and out.count("\n") == 1
    assert json.loads(out)["classes"] == ["../not a path", "\u00e9t\u00e9 b"]


def test_class_folder_names_that_could_forge_lines_are_refused_and_file_names_escaped(tmp_path, run_cli):
    root = tmp_path / "data"
    for label, name in enumerate(["cat\nforged", "\x1b[31mdog"]):
        (root / name).mkdir(parents=True)
        for i in range(3):
            Image.new("RGB", (6, 6), (80 * label + 10 * i, 0, 0)).save(root / name / f"{i}.png")
    model = tmp_path / "m.npz"
    code, out, err = run_cli("train", root, "--size", "4", "--iterations", "3", "--model-out", model)
    assert code == 1 and out == "" and err.count("\n") == 1 and _terminal_safe(err) and not model.exists()
    assert "holds the control character" in err
    for old, new in (("cat\nforged", "cat"), ("\x1b[31mdog", "dog")):
        (root / old).rename(root / new)
    (root / "dog" / "not\nan image.txt").write_text("hello")
    code, out, err = run_cli("train", root, "--size", "4", "--iterations", "3", "--model-out", model)
    assert code == 0, err
    assert _terminal_safe(out) and _terminal_safe(err) and err.count("\n") == 1 and "not\\nan image" in err


# ------------------------------------------------------------------ data export


def _dataset(classes, m=4, channels=3):
    images = np.arange(m * 3 * 3 * channels, dtype=np.uint8).reshape(m, 3, 3, channels)
    return Dataset(images=images, y=np.arange(m) % 2, classes=tuple(classes), source="generated")


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(a=names, b=names)
def test_export_of_any_class_names_stays_in_its_folder_and_reads_back_the_same(tmp_path_factory, a, b):
    root = tmp_path_factory.mktemp("export")
    target = root / "inside" / "out"
    target.parent.mkdir()
    data = _dataset((a, b))
    try:
        count = export_image_folder(data, target)
    except SingleNeuronError as exc:
        # the refusals: two classes of one name, or a name no reader would take back
        assert "\n" not in str(exc) and (a == b or not (_valid_class_name(a) and _valid_class_name(b)))
        assert files_in(root) == []
        return
    assert _valid_class_name(a) and _valid_class_name(b)
    assert count == 4
    written = sorted(os.path.realpath(p) for p in target.rglob("*"))
    assert all(p.startswith(str(target.resolve()) + os.sep) for p in written)
    assert files_in(root.parent / root.name) == sorted(str((target / p).relative_to(root)) for p in files_in(target))
    subfolders = sorted(p.name for p in target.iterdir() if p.is_dir())
    assert len(subfolders) == 2 and all(len(os.fsencode(n)) <= 200 for n in subfolders)
    back = load_image_folder(target, (3, 3))
    assert back.classes == (a, b)
    for label in (0, 1):                                  # the same images under the same label
        assert sorted(map(bytes, back.images[back.y == label])) == sorted(map(bytes, data.images[data.y == label]))


def test_folder_names_are_plain_distinct_and_kept_when_already_safe():
    assert folder_names(["non-cat", "cat"]) == ["non-cat", "cat"]
    made = folder_names(["../x", "/etc", "", ".", "..", "a" * 300, "Cat", "cat", "classes.txt"])
    assert all(n not in ("", ".", "..") and "/" not in n and not n.startswith(".") for n in made)
    assert len({n.lower() for n in made}) == len(made)


@pytest.mark.parametrize("classes", [(b"../../escaped", b"/tmp/absolute"), (b"", b"."), (b"..", b"a" * 300),
                                     (b"same", b"same"), ("\u00e9t\u00e9\n\x1b[31m".encode(), b"x")])
def test_data_export_on_the_command_line_writes_only_under_its_folder(tmp_path, run_cli, classes):
    source = tmp_path / "in" / "train_x.h5"
    source.parent.mkdir()
    with h5py.File(source, "w") as f:
        f["train_set_x"] = np.arange(4 * 2 * 2 * 3, dtype=np.uint8).reshape(4, 2, 2, 3)
        f["train_set_y"] = np.array([0, 1, 0, 1])
        f["list_classes"] = np.array(classes)
    (tmp_path / "out").mkdir()
    before = files_in(tmp_path)
    code, out, err = run_cli("data", "export", source, tmp_path / "out" / "folder")
    assert _terminal_safe(out) and _terminal_safe(err)
    names = [c.decode("utf-8") for c in classes]
    if classes[0] == classes[1] or not all(_valid_class_name(n) for n in names):
        assert code == 1 and err.count("\n") == 1
        assert "both classes are named" in err or "class name" in err
        assert files_in(tmp_path) == before
        return
    assert code == 0, err
    assert all(p.startswith("out/folder/") or p.startswith("in/") for p in files_in(tmp_path))
    back = load_image_folder(tmp_path / "out" / "folder", (2, 2))
    assert back.classes == tuple(c.decode("utf-8") for c in classes)
