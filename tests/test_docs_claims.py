"""The docs name what exists: every module, function or class path in the README, docs/ and the
package's own docstrings and comments resolves.

Two forms are read: a full path, `single_neuron.io.h5.read_split`, wherever it is written, and a
path from one of the package's sub-packages, `neuron.course.propagate`, between backquotes (the
way the docs write code). Each resolves when its longest importable prefix is a module of the
package and the rest are attributes of it, so a renamed module or a function that moved is
caught wherever it is still cited.
"""

from __future__ import annotations

import importlib
import re

import pytest

from conftest import ROOT

SUBPACKAGES = ("app", "cli", "engines", "io", "neuron", "teaching", "web")
FULL = re.compile(r"(?<![\w./])single_neuron(?:\.[A-Za-z_]\w*)+")
QUOTED = re.compile(r"`([^`\n]+)`")
RELATIVE = re.compile(r"(?<![\w./])(?:%s)(?:\.[A-Za-z_]\w*)+" % "|".join(SUBPACKAGES))


def documents():
    yield ROOT / "README.md"
    yield from sorted((ROOT / "docs").glob("*.md"))
    yield from sorted((ROOT / "src").rglob("*.py"))


def cited_paths() -> dict[str, set[str]]:
    """Each dotted path the documents cite, with the files that cite it."""
    cited: dict[str, set[str]] = {}
    for document in documents():
        text = document.read_text(encoding="utf-8")
        where = str(document.relative_to(ROOT))
        for path in FULL.findall(text):
            cited.setdefault(path, set()).add(where)
        for quoted in QUOTED.findall(text):
            for path in RELATIVE.findall(quoted):
                cited.setdefault(f"single_neuron.{path}", set()).add(where)
    return cited


def resolves(path: str) -> bool:
    parts = path.split(".")
    for k in range(len(parts), 0, -1):
        try:
            found = importlib.import_module(".".join(parts[:k]))
        except ImportError:
            continue
        for attribute in parts[k:]:
            if not hasattr(found, attribute):
                return False
            found = getattr(found, attribute)
        return True
    return False


def test_the_documents_cite_module_paths():
    cited = cited_paths()
    # The reading is real: it finds paths of both forms, in the docs and in docstrings.
    assert "single_neuron.errors.ShapeError" in cited
    assert "single_neuron.neuron.course.propagate" in cited
    assert any(where.startswith("src/") for places in cited.values() for where in places)


def test_the_check_refuses_a_path_that_does_not_exist():
    assert resolves("single_neuron.neuron.course.propagate")
    assert not resolves("single_neuron.neuron.course.gradient_descent")
    assert not resolves("single_neuron.arrays.gradient_descent")


@pytest.mark.parametrize("path", sorted(cited_paths()))
def test_every_cited_path_exists(path):
    assert resolves(path), f"{path} is cited in {', '.join(sorted(cited_paths()[path]))} but does not exist"
