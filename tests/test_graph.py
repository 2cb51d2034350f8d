"""The computation-graph engine: the notes' numbers, the chain rule against finite differences."""

import math

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from single_neuron import InputValueError
from single_neuron.teaching.graph import Value, logistic_example, notes_example, topological_order


def test_the_notes_example():
    g = notes_example()
    assert g["J"].data == 33.0 and g["v"].data == 11.0 and g["u"].data == 6.0
    grads = {k: g[k].grad for k in ("a", "b", "c", "v", "u")}
    assert grads == {"a": 3.0, "b": 6.0, "c": 9.0, "v": 3.0, "u": 3.0}


@pytest.mark.parametrize("x, w, b, y", [([1.0, 2.0], [0.5, -0.3], 0.1, 1), ([-3.0, 0.5], [2.0, 1.5], -0.7, 0),
                                        ([0.2], [4.0], 0.0, 1)])
def test_one_example_of_logistic_regression(x, w, b, y):
    g = logistic_example(x, w, b, y)
    z = sum(wi * xi for wi, xi in zip(w, x)) + b
    a = 1 / (1 + math.exp(-z))
    assert g["z"].data == pytest.approx(z, rel=1e-15, abs=1e-15)
    assert g["L"].data == pytest.approx(-(y * math.log(a) + (1 - y) * math.log(1 - a)), rel=1e-14)
    assert g["a"].grad == pytest.approx(-y / a + (1 - y) / (1 - a), rel=1e-12)
    dz = a - y
    assert g["z"].grad == pytest.approx(dz, rel=1e-12, abs=1e-15)
    for i, xi in enumerate(x, start=1):
        assert g[f"w{i}"].grad == pytest.approx(xi * dz, rel=1e-12, abs=1e-15)
    assert g["b"].grad == pytest.approx(dz, rel=1e-12, abs=1e-15)


def test_a_node_used_twice_collects_both_contributions():
    x = Value(3.0)
    y = x * x + x          # dy/dx = 2x + 1
    y.backward()
    assert x.grad == 7.0
    y.backward()           # a second backward pass starts from zero again
    assert x.grad == 7.0


def test_plain_numbers_on_either_side():
    x = Value(2.0)
    for expr, value, grad in [(lambda: 1 + x, 3, 1), (lambda: 1 - x, -1, -1), (lambda: x - 1, 1, 1),
                              (lambda: 3 * x, 6, 3), (lambda: 8 / x, 4, -2), (lambda: x / 4, 0.5, 0.25),
                              (lambda: -x, -2, -1), (lambda: x ** 3, 8, 12)]:
        out = expr()
        out.backward()
        assert (out.data, x.grad) == (value, grad)


def test_deep_graphs_do_not_hit_the_recursion_limit():
    x = Value(0.5)
    y = x
    for _ in range(10_000):
        y = y * 1.0001 + 0.0
    y.backward()
    assert x.grad == pytest.approx(1.0001 ** 10_000, rel=1e-9)
    assert len(topological_order(y)) > 20_000


def test_bad_operations_are_refused():
    with pytest.raises(InputValueError, match="expected a positive number"):
        Value(-1.0).log()
    with pytest.raises(InputValueError, match="k must be a constant number"):
        Value(2.0) ** Value(2.0)
    with pytest.raises(InputValueError, match="expected a real number"):
        Value("3")


# --- random expressions against central differences ---------------------------------------------

class Reject(Exception):
    """The expression leaves the region where finite differences are meaningful."""


def _guard(v):
    if not math.isfinite(v) or abs(v) > 1e3:
        raise Reject
    return v


def evaluate(tree, env):
    """Evaluate a tree of ops on Values or floats alike, refusing near-singular points."""
    if isinstance(tree, str):
        return env[tree]
    if isinstance(tree, float):
        return tree
    op, *args = tree
    if op == "pow":
        args, k = args[:1], args[1]
    vals = [evaluate(a, env) for a in args]
    data = [v.data if isinstance(v, Value) else v for v in vals]
    is_value = any(isinstance(v, Value) for v in vals)
    if op == "+":
        out = vals[0] + vals[1]
    elif op == "-":
        out = vals[0] - vals[1]
    elif op == "*":
        out = vals[0] * vals[1]
    elif op == "/":
        if abs(data[1]) < 0.2:
            raise Reject
        out = vals[0] / vals[1]
    elif op == "exp":
        _guard(math.exp(min(data[0], 50)))
        out = vals[0].exp() if is_value else math.exp(vals[0])
    elif op == "log":
        if data[0] < 0.2:
            raise Reject
        out = vals[0].log() if is_value else math.log(vals[0])
    elif op == "sigmoid":
        out = vals[0].sigmoid() if is_value else 1 / (1 + math.exp(-vals[0]))
    else:  # ("pow", child, k) with a constant k
        if k < 0 and abs(data[0]) < 0.2 or k == 0.5 and data[0] < 0.2:
            raise Reject
        out = vals[0] ** k
    _guard(out.data if isinstance(out, Value) else out)
    return out


VARS = ("x0", "x1", "x2")
leaves = st.sampled_from(VARS) | st.floats(-2, 2, allow_nan=False).map(float)
trees = st.recursive(
    leaves,
    lambda kids: (st.tuples(st.sampled_from(["+", "-", "*", "/"]), kids, kids)
                  | st.tuples(st.sampled_from(["exp", "log", "sigmoid"]), kids)
                  | st.tuples(st.just("pow"), kids, st.sampled_from([2.0, 3.0, -1.0, 0.5]))),
    max_leaves=8,
)


@settings(max_examples=300, deadline=None)
@given(trees, st.lists(st.floats(-2, 2, allow_nan=False), min_size=3, max_size=3))
def test_random_expressions_match_central_differences(tree, xs):
    env = {k: Value(v, k) for k, v in zip(VARS, xs)}
    try:
        out = evaluate(tree, env)
        assume(isinstance(out, Value))
        out.backward()
        for name, x in zip(VARS, xs):
            h = 1e-5
            up = evaluate(tree, {**dict(zip(VARS, xs)), name: x + h})
            down = evaluate(tree, {**dict(zip(VARS, xs)), name: x - h})
            numeric = (up - down) / (2 * h)
            assert env[name].grad == pytest.approx(numeric, rel=1e-6, abs=1e-6), name
        assert out.data == pytest.approx(evaluate(tree, dict(zip(VARS, xs))), rel=1e-12, abs=1e-12)
    except Reject:
        assume(False)
