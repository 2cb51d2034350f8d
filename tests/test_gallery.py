"""docs/gallery.md: every figure the tool draws is on the page, committed, with the command that
drew it, and those commands still draw figures of the committed sizes (within 2 px, what a
different version of a font could change), each with something drawn in it."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from picture_checks import assert_not_blank, blocks, png_pixels

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def gallery():
    spec = importlib.util.spec_from_file_location("gallery", ROOT / "docs" / "gallery.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_page_shows_every_kind_of_figure_with_its_command(gallery):
    text = gallery.PAGE.read_text()
    lines = gallery.commands(text)
    for option in ["train ../shared/data/cats --model-out build/gallery/cat.npz --plot docs/gallery/",
                   "compare-rates ../shared/data/cats --plot docs/gallery/", "--errors docs/gallery/",
                   "inspect build/gallery/cat.npz --weights docs/gallery/", "--explain docs/gallery/",
                   "explain --png docs/gallery/", "explain logistic --png docs/gallery/"]:
        assert any(option in line for line in lines), option
    shown = gallery.pictures(text)
    assert len(shown) == 8 and len(set(shown)) == 8
    committed = sorted(str(p.relative_to(ROOT / "docs" / "gallery")) for p in (ROOT / "docs" / "gallery").rglob("*.png"))
    assert committed == sorted(shown)                   # nothing shown is missing, nothing committed is unshown


def test_the_commands_still_draw_the_committed_figures(gallery, cats, tmp_path):
    text = gallery.PAGE.read_text()
    gallery.run(gallery.commands(text), cats, tmp_path / "scratch", tmp_path / "gallery")
    panels = {"weights.png": 4, "explained/china.png": 3, "explained/test000-cat.png": 3}
    for name in gallery.pictures(text):
        fresh = png_pixels(tmp_path / "gallery" / name)
        committed = png_pixels(ROOT / "docs" / "gallery" / name)
        (h, w, _), (ch, cw, _) = fresh.shape, committed.shape
        assert abs(w - cw) <= 2 and abs(h - ch) <= 2, f"{name}: {w} x {h} px drawn, {cw} x {ch} committed"
        assert w <= 1600, name
        assert_not_blank(fresh)
        if name in panels:
            assert len(blocks(fresh)[0]) == panels[name], name
