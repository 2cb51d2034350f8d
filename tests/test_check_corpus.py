"""A corpus of learners' files, checked as `single-neuron check` checks them.

tests/learners/ holds .py files and notebooks written as learners write them: the course's
template with its comments and docstrings, `np.dot`, `@`, `np.matmul`, `einsum`, the notes'
explicit loops, helper functions, SciPy's `expit`, prints inside the functions and at the top
level, notebook cells that import `lr_utils` and `public_tests`, load the cat files, train,
plot, call the graders or run shell commands. Each file says in comments what its functions
should be found to be:

    # expect: propagate wrong propagate.dw-elementwise

one line per function that is not correct (its status and the catalogue's ids); every other
function the file defines must be found correct. All files are checked in one child process
(`check_files`), as the command line checks one.
"""

from __future__ import annotations

import ast
import re
from collections import defaultdict
from pathlib import Path

import pytest

from single_neuron.app.check import check_files
from single_neuron.io.code_files import read_cells
from single_neuron.teaching.exercises import NAMES
from single_neuron.teaching.learner_code import python_source
from single_neuron.teaching.mistakes import CATALOGUE

LEARNERS = Path(__file__).resolve().parent / "learners"
FILES = sorted(LEARNERS.glob("*.py")) + sorted(LEARNERS.glob("*.ipynb"))
EXPECT = re.compile(r"^# expect: (\w+) (wrong|error) ([\w.\- ]+)$", re.M)


def expectations(path: Path) -> dict[str, tuple[str, set[str]]]:
    text = "\n".join(source for _, source in read_cells(path))
    return {name: (status, set(ids.split())) for name, status, ids in EXPECT.findall(text)}


def definitions(path: Path) -> dict[str, str]:
    """The functions of the assignments that the file defines at its top level: course name -> source."""
    found = {}
    for _, source in read_cells(path):
        text = python_source(source)
        for node in ast.parse(text).body:
            if isinstance(node, ast.FunctionDef) and node.name in NAMES:
                found[NAMES[node.name]] = ast.get_source_segment(text, node)
    return found


@pytest.fixture(scope="module")
def reports():
    # generous: the corpus is checked in one child process, on a machine shared with other work
    return dict(zip(FILES, check_files(FILES, timeout=300)))


@pytest.mark.parametrize("path", FILES, ids=[p.name for p in FILES])
def test_each_function_is_found_and_judged_as_the_file_says(path, reports):
    report = reports[path]
    expected = expectations(path)
    found = {v.name: v for v in report.found}
    assert set(found) == set(definitions(path))
    for name, verdict in found.items():
        status, ids = expected.get(name, ("correct", set()))
        assert (verdict.status, set(verdict.mistakes)) == (status, ids), f"{name}:\n{verdict.message}"
        if status == "correct":
            assert verdict.expected is None and verdict.got is None
        else:
            assert verdict.expected and verdict.got and "What went wrong" in verdict.message
            assert f"Fix: {CATALOGUE[sorted(ids)[0]].fix}" in verdict.message
    assert report.ok == (not expected)


def test_the_corpus_holds_every_mistake_twice_in_different_code():
    sources = defaultdict(set)
    for path in FILES:
        code = definitions(path)
        for name, (_, ids) in expectations(path).items():
            for mistake in ids:
                sources[mistake].add(code[name])
    assert sorted(CATALOGUE) == sorted(sources)
    assert {m: len(s) for m, s in sources.items() if len(s) < 2} == {}


def test_the_corpus_holds_twenty_correct_implementations_and_more():
    correct = set()
    for path in FILES:
        expected = expectations(path)
        correct |= {source for name, source in definitions(path).items() if name not in expected}
    assert len(correct) >= 20


def test_several_mistakes_in_one_file_are_all_named(reports):
    several = [path for path in FILES if sum(len(ids) for _, ids in expectations(path).values()) >= 2]
    assert len(several) >= 5
    one_function = [path for path in FILES if any(len(ids) >= 2 for _, ids in expectations(path).values())]
    assert one_function, "a function with two mistakes at once"
    for path in several:
        named = {m for v in reports[path].found for m in v.mistakes}
        assert named == {m for _, ids in expectations(path).values() for m in ids}


def test_what_the_learners_code_printed_is_kept_out_of_the_reports(reports):
    # O3 prints at every iteration, P5 prints A and the cost: kept apart, counted, never in a report
    some = next(iter(reports.values()))
    assert some.printed_bytes > len(some.printed) > 0 and "iteration 0: cost" in some.printed
    for report in reports.values():
        shown = repr(report) + str(report.to_dict())
        assert "iteration 0: cost" not in shown and "A = [[" not in shown
