"""Judging by behaviour: the catalogue against the references, and learners' code written many ways.

What is pinned here, in the calling process (no child process: the code judged is ours):
- each exercise's transcription with no mistake switched on is a second route to the library's
  reference, on every probe;
- on the probes, every two entries of the catalogue (and each entry and the reference) behave
  differently, so a mistake is named only where it alone reproduces what a function does;
- each mistake, in each of its forms, is named by its own id and nothing else;
- correct code in any style is never flagged, generated with hypothesis from interchangeable
  pieces (np.dot, @, matmul, einsum, tanh, mean, ...), and a mistake slipped into such code is
  named;
- a function is judged on its own: the references stand in for the other functions of the
  assignments while it runs, and the learner's namespace is given back as it was;
- broadcasting step by step ends where NumPy's own rules end.
"""

from __future__ import annotations

import itertools
import re
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from single_neuron.teaching.broadcasting import broadcast_steps
from single_neuron.teaching.exercises import EXERCISES
from single_neuron.teaching.judging import (describe_value, failure_kind, judge, outcome_difference,
                                            reference_outcome, slipped_outcome)
from single_neuron.teaching.mistakes import CATALOGUE, SLIPPED, mistakes_of
from single_neuron.validation import shape_text


def learner(source: str, name: str):
    """A function as a learner's file defines it, in a namespace of its own."""
    namespace = {"__name__": "learner"}
    exec(compile("import numpy as np\nimport math\nimport copy\n" + source, "learner.py", "exec"), namespace)
    return namespace[name], namespace


@pytest.mark.parametrize("name", EXERCISES)
def test_each_transcription_without_mistakes_gives_the_references_results(name):
    exercise = EXERCISES[name]
    for i, probe in enumerate(exercise.probes):
        assert outcome_difference(reference_outcome(exercise, i), slipped_outcome(exercise, (), i), exercise) is None, \
            probe.label


@pytest.mark.parametrize("name", EXERCISES)
def test_every_two_entries_of_the_catalogue_behave_differently_on_the_probes(name):
    exercise = EXERCISES[name]
    entries = [("reference", ())] + [(m.id, ((m, form),)) for m in mistakes_of(name) for form in m.forms]
    for (first, a), (second, b) in itertools.combinations(entries, 2):
        if first == second:
            continue                      # two forms of one mistake may agree anywhere
        assert any(outcome_difference(slipped_outcome(exercise, a, i), slipped_outcome(exercise, b, i), exercise)
                   for i in range(len(exercise.probes))), f"{first} and {second} agree on every probe"


def test_the_catalogue_covers_every_exercise_and_its_ids_are_its_own():
    assert {m.function for m in CATALOGUE.values()} == set(EXERCISES)
    assert all(m.id.startswith(m.function + ".") and m.key for m in CATALOGUE.values())
    assert set(SLIPPED) == set(EXERCISES)
    for mistake in CATALOGUE.values():          # words, formula and fix for every entry; no solution code
        assert mistake.said() and mistake.formula and mistake.fix
        assert "def " not in mistake.fix and "return" not in mistake.fix


@pytest.mark.parametrize("mistake_id", sorted(CATALOGUE))
def test_each_mistake_in_each_form_is_named_by_its_own_id(mistake_id):
    mistake = CATALOGUE[mistake_id]
    for form in mistake.forms:
        slipped = SLIPPED[mistake.function]

        def function(*args, **kwargs):
            return slipped(*args, slips={mistake.key: form}, **kwargs)

        verdict = judge(mistake.function, function)
        assert verdict.status in ("wrong", "error") and verdict.mistakes == [mistake_id], verdict.message
        assert mistake.fix in verdict.message and mistake.formula in verdict.message


def test_the_documentation_lists_the_catalogue():
    text = (Path(__file__).resolve().parents[1] / "docs" / "check.md").read_text()
    section = text.split("\n## The catalogue", 1)[1].split("\n## ", 1)[0]
    listed = re.findall(r"^\| `([\w.\-]+)` \|", section, flags=re.M)
    assert sorted(listed) == sorted(CATALOGUE) and len(listed) == len(set(listed))
    assert [m for m in listed] == list(CATALOGUE)           # in the catalogue's order


def test_the_probes_hold_what_tells_mistakes_apart():
    shapes = [p.args[2].shape for p in EXERCISES["propagate"].probes]
    assert any(n == 1 for n, _ in shapes) and any(m == 1 for _, m in shapes) and any(n != m for n, m in shapes)
    z = [p.args[0].T @ p.args[2] + p.args[1] for p in EXERCISES["predict"].probes]
    assert any((row == 0).any() for row in z)                                  # A = 0.5 exactly
    settings_seen = {(p.kwargs["num_iterations"], p.kwargs["learning_rate"]) for p in EXERCISES["optimize"].probes}
    assert len({n for n, _ in settings_seen}) >= 4 and len({a for _, a in settings_seen}) >= 4
    assert max(n for n, _ in settings_seen) > 200                               # costs at 0, 100 and 200
    assert EXERCISES["propagate"].probes[0].args[1] != 0                        # b = 0 would hide a missing b


def test_a_function_is_judged_with_the_references_standing_in_for_the_others():
    namespace = {"__name__": "learner"}
    exec("import numpy as np\n"
         "def sigmoid(z):\n    return 1 / (1 + np.exp(z))\n"                    # wrong: sign
         "def propagate(w, b, X, Y):\n    A = sigmoid(w.T @ X + b)\n    dZ = A - Y\n"
         "    return {'dw': X @ dZ.T, 'db': np.sum(dZ)}, 0.0\n"                   # wrong: no 1/m, no cost
         "def optimize(w, b, X, Y, num_iterations=100, learning_rate=0.009, print_cost=False):\n"
         "    costs = []\n    for i in range(num_iterations):\n        grads, cost = propagate(w, b, X, Y)\n"
         "        w = w - learning_rate * grads['dw']\n        b = b - learning_rate * grads['db']\n"
         "        if i % 100 == 0:\n            costs.append(cost)\n"
         "    return {'w': w, 'b': b}, grads, costs\n", namespace)
    learners_propagate = namespace["propagate"]
    assert judge("optimize", namespace["optimize"]).status == "correct"
    assert judge("sigmoid", namespace["sigmoid"]).mistakes == ["sigmoid.sign"]
    assert judge("propagate", learners_propagate).status == "wrong"
    # the learner's namespace is as it was: their functions back, nothing added
    assert namespace["propagate"] is learners_propagate
    assert "predict" not in namespace and "normalizeRows" not in namespace


def test_a_failure_is_of_one_kind_however_the_product_was_written():
    w, X = np.ones((2, 1)), np.ones((2, 3))
    kinds = set()
    for product in (lambda: np.dot(w, X), lambda: w @ X, lambda: np.matmul(w, X),
                    lambda: np.einsum("ij,jk->ik", X, w), lambda: X / np.ones(2)):
        with pytest.raises(ValueError) as caught:
            product()
        kinds.add(failure_kind(caught.value))
    assert kinds == {"shapes"}
    assert failure_kind(TypeError("only 0-dimensional arrays can be converted")) == "TypeError"


def test_values_are_described_with_their_type_and_shape():
    assert describe_value(np.zeros((2, 1))) == "an array of shape (2, 1): [[0.], [0.]]"
    assert describe_value(0) == "the int 0" and describe_value(0.0) == "the float 0.0"
    assert describe_value(np.float32(0.5)) == "the float 0.5 (float32)"
    assert describe_value(np.array(1.5)) == "an array of shape (): 1.5"
    assert describe_value([np.float64(0.25), 1.0]) == "a list of 2: [0.25, 1.0]"
    assert describe_value({"dw": 1, "db": 2}) == "a dict with the keys 'dw', 'db'"
    assert describe_value(None) == "None"


@settings(max_examples=200, deadline=None)
@given(st.lists(st.integers(1, 4), min_size=0, max_size=3), st.lists(st.integers(1, 4), min_size=0, max_size=3))
def test_broadcasting_step_by_step_ends_where_numpy_ends(left, right):
    steps = broadcast_steps(("a", tuple(left)), "*", ("b", tuple(right)))
    try:
        shape = np.broadcast_shapes(tuple(left), tuple(right))
    except ValueError:
        assert "cannot be broadcast" in steps[-1]
        return
    assert f"-> {shape_text(shape)}" in steps[-1]
    rank = len(shape)
    padded = [(1,) * (rank - len(x)) + tuple(x) for x in (left, right)]
    stretched = sum(p[axis] == 1 and shape[axis] != 1 for p in padded for axis in range(rank))
    assert sum("copied" in step for step in steps) == stretched


# ------------------------------------------------------------------ generated learners' propagate

FORWARD = ["np.dot(w.T, X) + b", "w.T @ X + b", "np.matmul(w.T, X) + b", "np.einsum('ij,ik->jk', w, X) + b",
           "(w * X).sum(axis=0, keepdims=True) + b"]
ACTIVATION = ["1 / (1 + np.exp(-Z))", "0.5 * (1 + np.tanh(Z / 2))", "np.exp(-np.logaddexp(0, -Z))", "sigmoid(Z)"]
COST = ["-np.mean(Y * np.log(A) + (1 - Y) * np.log(1 - A))",
        "-np.sum(Y * np.log(A) + (1 - Y) * np.log(1 - A)) / m",
        "float(np.squeeze(-(np.dot(Y, np.log(A).T) + np.dot(1 - Y, np.log(1 - A).T)) / m))",
        "np.squeeze(-(Y @ np.log(A).T + (1 - Y) @ np.log(1 - A).T) / m)"]
DW = ["np.dot(X, dZ.T) / m", "X @ dZ.T / m", "(X * dZ).sum(axis=1, keepdims=True) / m",
      "np.einsum('ij,kj->ik', X, dZ) / m", "np.mean(X * dZ, axis=1, keepdims=True)"]
DB = ["np.sum(dZ) / m", "np.mean(dZ)", "float(dZ.sum()) / m", "dZ.sum() / m"]
M = ["X.shape[1]", "Y.shape[1]", "np.shape(X)[1]", "len(X[0])"]
# a mistake, as the piece of code it replaces
SLIPS = {"propagate.forward-no-bias": ("forward", "w.T @ X"), "propagate.dw-no-mean": ("dw", "X @ dZ.T"),
         "propagate.db-no-mean": ("db", "np.sum(dZ)"), "propagate.m-features": ("m", "X.shape[0]"),
         "propagate.dw-elementwise": ("dw", "X * dZ / m"),
         "propagate.cost-sign": ("cost", "np.mean(Y * np.log(A) + (1 - Y) * np.log(1 - A))"),
         "propagate.dz-sigmoid-derivative": ("dz", "A * (1 - A)"),
         "propagate.db-array": ("db", "np.sum(dZ, axis=1, keepdims=True) / m")}


def propagate_source(pieces: dict) -> str:
    return (f"def propagate(w, b, X, Y):\n    m = {pieces['m']}\n    Z = {pieces['forward']}\n"
            f"    A = {pieces['activation']}\n    cost = {pieces['cost']}\n    dZ = {pieces.get('dz', 'A - Y')}\n"
            f"    dw = {pieces['dw']}\n    db = {pieces['db']}\n    return {{'dw': dw, 'db': db}}, cost\n")


PIECES = st.fixed_dictionaries({"forward": st.sampled_from(FORWARD), "activation": st.sampled_from(ACTIVATION),
                                "cost": st.sampled_from(COST), "dw": st.sampled_from(DW), "db": st.sampled_from(DB),
                                "m": st.sampled_from(M)})
SIGMOID = "def sigmoid(z):\n    return 1 / (1 + np.exp(-z))\n"


@settings(max_examples=40, deadline=None)
@given(PIECES)
def test_a_correct_propagate_in_any_style_is_never_flagged(pieces):
    function, _ = learner(SIGMOID + propagate_source(pieces), "propagate")
    verdict = judge("propagate", function)
    assert verdict.status == "correct", verdict.message


@settings(max_examples=40, deadline=None)
@given(PIECES, st.sampled_from(sorted(SLIPS)))
def test_a_mistake_slipped_into_any_style_is_named(pieces, mistake):
    where, code = SLIPS[mistake]
    function, _ = learner(SIGMOID + propagate_source({**pieces, where: code}), "propagate")
    verdict = judge("propagate", function)
    assert verdict.mistakes == [mistake], verdict.message


PREDICT = st.fixed_dictionaries({
    "A": st.sampled_from(["sigmoid(np.dot(w.T, X) + b)", "1 / (1 + np.exp(-(w.T @ X + b)))", "sigmoid(w.T @ X + b)"]),
    "decide": st.sampled_from(["(A > 0.5) * 1.0", "np.where(A > 0.5, 1.0, 0.0)", "(A > 0.5).astype(int)",
                               "np.round(A)", "np.array([[1 if a > 0.5 else 0 for a in A[0]]])", "np.greater(A, 0.5)"]),
})


@settings(max_examples=25, deadline=None)
@given(PREDICT)
def test_a_correct_predict_in_any_style_is_never_flagged(pieces):
    source = SIGMOID + f"def predict(w, b, X):\n    A = {pieces['A']}\n    return {pieces['decide']}\n"
    function, _ = learner(source, "predict")
    verdict = judge("predict", function)
    assert verdict.status == "correct", verdict.message


def test_results_that_cannot_even_be_compared_are_wrong_not_a_crash():
    source = ("class Odd(list):\n    def __len__(self):\n        raise RuntimeError('no length')\n"
              "def propagate(w, b, X, Y):\n    return Odd([1, 2])\n"
              "class Weird:\n    def __repr__(self):\n        raise RuntimeError('no repr')\n"
              "def L1(yhat, y):\n    return Weird()\n"
              "def softmax(x):\n    return {object(): 1}\n")
    for name in ("propagate", "L1", "softmax"):
        function, _ = learner(source, name)
        verdict = judge(name, function)
        assert verdict.status == "wrong" and verdict.mistakes == [], verdict.message
    assert "an object of type Weird" in judge("L1", learner(source, "L1")[0]).got
