"""Every option that writes a figure writes the format its file name asks for, or refuses the name first."""

import pytest

from conftest import files_in

MAGIC = {"png": b"\x89PNG\r\n\x1a\n", "svg": b"<?xml", "pdf": b"%PDF-"}

COMMANDS = {
    "train --plot": lambda out: ["train", "--iterations", "200", "--learning-rate", "0.05", "--plot", out],
    "compare-rates --plot": lambda out: ["compare-rates", "--iterations", "100", "--rates", "0.05", "0.01",
                                         "--plot", out],
    "explain --png": lambda out: ["explain", "logistic", "--png", out],
}


@pytest.mark.parametrize("fmt", ["png", "svg", "pdf"])
@pytest.mark.parametrize("command", list(COMMANDS))
def test_the_figure_has_the_format_its_name_asks_for(tmp_path, run_cli, command, fmt):
    out = tmp_path / f"figure.{fmt}"
    code, stdout, err = run_cli(*COMMANDS[command](out))
    assert code == 0, err
    data = out.read_bytes()
    assert data.startswith(MAGIC[fmt]), data[:20]
    if fmt == "svg":
        assert b"<svg" in data[:2000]


def test_the_same_figure_gives_the_same_bytes(tmp_path, run_cli):
    for fmt in ("svg", "pdf", "png"):
        a, b = tmp_path / f"a.{fmt}", tmp_path / f"b.{fmt}"
        assert run_cli("explain", "--png", a)[0] == 0 and run_cli("explain", "--png", b)[0] == 0
        assert a.read_bytes() == b.read_bytes(), fmt


@pytest.mark.parametrize("name", ["figure.jpg", "figure", "figure.png.txt", "figure.SVGZ"])
@pytest.mark.parametrize("command", list(COMMANDS))
def test_any_other_name_is_refused_before_any_work(tmp_path, run_cli, command, name):
    before = files_in(tmp_path)
    code, out, err = run_cli(*COMMANDS[command](tmp_path / name))
    assert code == 1 and out == "" and err.count("\n") == 1, err
    assert "figures are written as PNG, SVG or PDF" in err
    assert files_in(tmp_path) == before


def test_evaluate_errors_in_every_format(tmp_path, run_cli):
    model = tmp_path / "digits.npz"
    assert run_cli("train", "--iterations", "30", "--model-out", model)[0] == 0
    for fmt in ("png", "svg", "pdf"):
        out = tmp_path / f"wrong.{fmt}"
        code, _, err = run_cli("evaluate", model, "--errors", out)
        assert code == 0, err
        assert out.read_bytes().startswith(MAGIC[fmt])
    code, out, err = run_cli("evaluate", model, "--errors", tmp_path / "wrong.jpg")
    assert code == 1 and "figures are written as PNG, SVG or PDF" in err and not (tmp_path / "wrong.jpg").exists()
