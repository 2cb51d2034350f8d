"""The computation-graph engine: the notes' numbers, micrograd's expressions, the chain rule against
finite differences, and how gradients from one backward pass meet the next."""

import doctest
import math
import re
from decimal import Decimal, localcontext
from fractions import Fraction
from pathlib import Path

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


def _exact_logistic(z: float, y: int) -> tuple[Decimal, Decimal]:
    """L and dL/dz = a - y of one example, to 50 digits."""
    with localcontext() as ctx:
        ctx.prec = 50
        t = -Decimal(z) if y else Decimal(z)         # L = log(1 + e^t), |a - y| = 1 / (1 + e^-t)
        L = (1 + t.exp()).ln()
        dz = 1 / (1 + (-t).exp())
        return +L, -dz if y else +dz


@pytest.mark.parametrize("z, y", [(37.0, 1), (50.0, 0), (-40.0, 0), (-708.0, 1), (700.0, 0), (745.0, 1),
                                  (-745.0, 0), (36.5, 1), (1e6, 1), (-1e6, 0)])
def test_the_loss_graph_is_exact_where_a_rounds_to_0_or_1(z, y):
    g = logistic_example([1.0], [z], 0.0, y)
    L, dz = _exact_logistic(z, y)
    assert g["L"].data == pytest.approx(float(L), rel=1e-14, abs=1e-300)
    assert g["z"].grad == pytest.approx(float(dz), rel=1e-12, abs=1e-300)
    assert g["w1"].grad == g["b"].grad == g["z"].grad


@pytest.mark.parametrize("z, y", [(-745.0, 1), (-710.0, 1), (710.0, 0), (1e6, 0)])
def test_the_loss_graph_refuses_derivatives_beyond_float64(z, y):
    with pytest.raises(InputValueError, match=r"beyond float64's range; keep \|z\| below 709"):
        logistic_example([1.0], [z], 0.0, y)


def test_logistic_loss_of_any_node_takes_only_the_logs_it_needs():
    a = Value(1.0)
    L = a.logistic_loss(1)                      # -log 1: the (1 - y) term is left out, not 0 * log 0
    L.backward()
    assert (L.data, a.grad) == (0.0, -1.0)
    a = Value(0.25)
    L = a.logistic_loss(0.5)
    L.backward()
    assert L.data == pytest.approx(-(0.5 * math.log(0.25) + 0.5 * math.log(0.75)), rel=1e-15)
    assert a.grad == pytest.approx(-0.5 / 0.25 + 0.5 / 0.75, rel=1e-15)
    with pytest.raises(InputValueError, match="0 < a < 1"):
        Value(1.0).logistic_loss(0)
    with pytest.raises(InputValueError, match="from 0 to 1"):
        Value(0.5).logistic_loss(2)


def test_the_library_refuses_what_the_command_line_refuses_beyond_709():
    for z, y in ((800.0, 0), (-710.0, 1)):
        L = Value(z).sigmoid().logistic_loss(y)
        with pytest.raises(InputValueError, match="beyond float64's range"):
            L.backward()


def test_a_node_named_sigmoid_that_the_engine_did_not_make_is_taken_at_its_value():
    z = Value(5.0)
    a = Value(0.3, (z,), "sigmoid")               # someone's own operation, not sigmoid(5)
    L = a.logistic_loss(1)
    L.backward()
    assert L.data == pytest.approx(-math.log(0.3), rel=1e-15) and a.grad == pytest.approx(-1 / 0.3, rel=1e-15)


@pytest.mark.parametrize("make", [lambda: Value(1.0) / 0, lambda: Value(0.0) ** -2, lambda: Value(1000.0).exp(),
                                  lambda: Value(1e200) ** 2, lambda: (Value(0.0) ** 0.5).backward()])
def test_results_beyond_float64_are_refused_not_raised_raw(make):
    with pytest.raises(InputValueError):
        make()


def test_children_given_as_a_generator_are_kept():
    x = Value(2.0)
    y = Value(x.data ** 3, (c for c in [x]), "cube")
    assert y._prev == {x} and y.parents == (x,)


def test_operations_written_for_micrograd_build_the_same_graph():
    # micrograd's way to add an operation: Value(out, (self,), "op") and a _backward closure.
    def cube(self):
        out = Value(self.data ** 3, (self,), "cube")

        def _backward():
            self.grad += 3 * self.data ** 2 * out.grad
        out._backward = _backward
        return out

    x = Value(2.0)
    y = cube(cube(x))                           # x^9
    y.backward()
    assert x.grad == 9 * 2.0 ** 8
    y.backward()                                # each call starts from zero
    assert x.grad == 9 * 2.0 ** 8
    assert y._prev == {y.parents[0]} and y._op == "cube" and y.op == "cube"
    p = x * 3
    assert p._prev == set(p.parents) and len(p._prev) == 2 and p._op == "*"
    with pytest.raises(InputValueError, match="label="):
        Value(1.0, "x")


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
    with pytest.raises(InputValueError, match="fractional power"):
        Value(-2.0) ** 0.5


# --- relu and tanh, beside the older functions ----------------------------------------------------

def _decimal_function(op, x):
    """op at x to 50 digits from Decimal's exp and ln alone: a route that shares nothing with math."""
    if op == "exp":
        return x.exp()
    if op == "log":
        return x.ln()
    if op == "sigmoid":
        return 1 / (1 + (-x).exp())
    if op == "tanh":
        e = (2 * x).exp()
        return (e - 1) / (e + 1)
    return max(x, Decimal(0))       # relu


@pytest.mark.parametrize("op, x", [(op, x) for op in ("tanh", "relu", "exp", "log", "sigmoid")
                                   for x in (-3.0, -1.0, 0.123, 2.0, 7.5) if op != "log" or x > 0])
def test_each_function_and_its_local_derivative_against_50_digit_central_differences(op, x):
    with localcontext() as ctx:
        ctx.prec = 50
        X, h = Decimal(x), Decimal("1e-20")     # the difference's error, ~h^2 = 1e-40, is beyond a float
        value = _decimal_function(op, X)
        slope = (_decimal_function(op, X + h) - _decimal_function(op, X - h)) / (2 * h)
    v = Value(x)
    out = getattr(v, op)()
    out.backward()
    # math's functions are within an ulp or two; 1 - t^2 and a(1 - a) lose a few more to cancellation
    assert out.data == pytest.approx(float(value), rel=5e-16, abs=0)
    assert v.grad == pytest.approx(float(slope), rel=1e-14, abs=1e-300)


def test_relu_at_its_kink_and_below_passes_no_gradient():
    for x in (0.0, -0.0, -2.5):
        v = Value(x)
        out = v.relu()
        out.backward()
        assert (out.data, v.grad) == (0.0, 0.0)


def test_tanh_and_sigmoid_stay_finite_for_any_finite_input():
    for x in (-1e308, -1000.0, 1000.0, 1e308):
        for op, limit in (("tanh", math.copysign(1.0, x)), ("sigmoid", 1.0 if x > 0 else 0.0)):
            v = Value(x)
            out = getattr(v, op)()
            out.backward()
            assert (out.data, v.grad) == (limit, 0.0), (op, x)


# --- micrograd's two expressions, without PyTorch --------------------------------------------------
# tests/test_micrograd.py compares them with PyTorch where it is installed; here the reference is
# exact rational arithmetic, so they are proved on every machine.

def sanity_check(x, relu):
    """The expression of micrograd's test_sanity_check (relu passed in, so that Fractions run it too)."""
    z = 2 * x + 2 + x
    q = relu(z) + z * x
    h = relu(z * z)
    return h + q + q * x


def more_ops(a, b, relu):
    """The expression of micrograd's test_more_ops; its 2.0 and 10.0 are written 2 and 10 so that
    Fractions stay exact (for a Value both spellings are the same float)."""
    c = a + b
    d = a * b + b**3
    c += c + 1
    c += 1 + c + (-a)
    d += d * 2 + relu(b + a)
    d += 3 * d + relu(b - a)
    e = c - d
    f = e**2
    g = f / 2
    g += 10 / f
    return g


def exact_value_and_gradient(expression, point):
    """The expression at `point` in exact rational arithmetic, and its gradient by central differences.

    Without rounding, the difference with step h is the derivative up to h^2 f'''/6: with h = 1e-31
    that is some 1e-60 here, so float() of it is the correctly rounded derivative. The step 1e-30
    agreeing to 1e-50 shows the difference has converged (and crossed no relu kink).
    """
    relu = lambda v: max(v, Fraction(0))   # noqa: E731
    x = [Fraction(p) for p in point]

    def slope(i, h):
        up, down = x.copy(), x.copy()
        up[i] += h
        down[i] -= h
        return (expression(*up, relu) - expression(*down, relu)) / (2 * h)

    gradient = []
    for i in range(len(x)):
        coarse, fine = slope(i, Fraction(1, 10**30)), slope(i, Fraction(1, 10**31))
        assert abs(coarse - fine) < Fraction(1, 10**50)
        gradient.append(fine)
    return expression(*x, relu), gradient


def test_micrograd_sanity_check_without_pytorch():
    x = Value(-4.0)
    y = sanity_check(x, Value.relu)
    y.backward()
    value, (dx,) = exact_value_and_gradient(sanity_check, [-4])
    assert value == -20        # where 3x + 2 < 0, y = 3x^3 + 14x^2 + 14x + 4: -20 at x = -4, by hand
    assert abs(dx - 46) < Fraction(1, 10**55)      # dy/dx = 9x^2 + 28x + 14 = 46
    # small integers all the way: the float graph rounds nothing, so equality, as micrograd asserts
    assert y.data == float(value) and x.grad == float(dx)


def test_micrograd_more_ops_without_pytorch():
    a, b = Value(-4.0), Value(2.0)
    g = more_ops(a, b, Value.relu)
    g.backward()
    value, (da, db) = exact_value_and_gradient(more_ops, [-4, 2])
    assert value == Fraction(49, 2) + Fraction(10, 49)     # c = -1, d = 6, e = -7, f = 49, by hand
    # the float graph rounds 1/49 and what follows from it: a few ulps, far inside micrograd's 1e-6
    assert g.data == pytest.approx(float(value), rel=1e-15, abs=0)
    assert a.grad == pytest.approx(float(da), rel=1e-14, abs=0)
    assert b.grad == pytest.approx(float(db), rel=1e-14, abs=0)


# --- gradients from an earlier backward pass ------------------------------------------------------

def test_by_default_backward_starts_from_zero():
    w = Value(2.0, label="w")
    (w * 3.0).backward()
    (w * w).backward()
    assert w.grad == 4.0        # d(w^2)/dw alone: what the first graph left is gone


def test_accumulate_sums_the_leaves_over_graphs_built_afresh():
    # micrograd's use: one graph per example, each parameter's gradient summed over the examples
    w, b = Value(0.5, label="w"), Value(-0.2, label="b")
    examples = [(1.0, 0.3), (2.0, -1.0), (-1.5, 0.7)]
    for x, y in examples:
        ((w * x + b - y) ** 2).backward(accumulate=True)
    # by hand: d/dw (w x + b - y)^2 = 2 (w x + b - y) x, d/db = 2 (w x + b - y)
    assert w.grad == pytest.approx(sum(2 * (0.5 * x - 0.2 - y) * x for x, y in examples), rel=1e-15)
    assert b.grad == pytest.approx(sum(2 * (0.5 * x - 0.2 - y) for x, y in examples), rel=1e-15)
    summed = w.grad, b.grad
    total = sum(((w * x + b - y) ** 2 for x, y in examples), Value(0.0))
    total.backward()            # one graph of the sum, from zero: the same numbers
    assert (w.grad, b.grad) == pytest.approx(summed, rel=1e-15)


def test_accumulate_on_one_graph_adds_in_the_leaves_only():
    x = Value(1.0, label="x")
    m = x * 2.0
    y = m * 3.0
    y.backward(accumulate=True)
    assert (x.grad, m.grad, y.grad) == (6.0, 3.0, 1.0)
    y.backward(accumulate=True)
    # the leaf sums the two passes; m holds this pass alone (adding into it too would send
    # 2 * 6 back to x and give 18, not 12)
    assert (x.grad, m.grad, y.grad) == (12.0, 3.0, 1.0)
    y.backward()
    assert (x.grad, m.grad, y.grad) == (6.0, 3.0, 1.0)


def test_zero_grad_clears_the_node_and_all_it_depends_on():
    a, b = Value(2.0, label="a"), Value(-3.0, label="b")
    loss = (a * b).tanh() + a.relu()
    loss.backward(accumulate=True)
    loss.backward(accumulate=True)
    assert a.grad != 0.0 and b.grad != 0.0
    loss.zero_grad()
    assert all(node.grad == 0.0 for node in topological_order(loss))
    lone = Value(5.0)
    lone.backward(accumulate=True)
    lone.backward(accumulate=True)
    assert lone.grad == 2.0     # d(lone)/d(lone), twice
    lone.zero_grad()
    assert lone.grad == 0.0


def test_the_examples_of_the_docs_page_run_as_written():
    text = (Path(__file__).resolve().parents[1] / "docs" / "graph.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```python\n(.*?)```", text, flags=re.S)
    assert len(blocks) == 3
    # one test for the page: its examples share names, as when a reader runs them top to bottom
    page = doctest.DocTestParser().get_doctest("\n".join(blocks), {}, "docs/graph.md", None, 0)
    runner = doctest.DocTestRunner()
    runner.run(page)
    assert runner.summarize(verbose=False).failed == 0


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
    elif op == "tanh":
        out = vals[0].tanh() if is_value else math.tanh(vals[0])
    elif op == "relu":
        if abs(data[0]) < 0.05:      # the kink: a difference step could cross it
            raise Reject
        out = vals[0].relu() if is_value else max(vals[0], 0.0)
    elif op == "neg":
        out = -vals[0]
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
                  | st.tuples(st.sampled_from(["exp", "log", "sigmoid", "tanh", "relu", "neg"]), kids)
                  | st.tuples(st.just("pow"), kids, st.sampled_from([2.0, 3.0, -1.0, 0.5]))),
    max_leaves=8,
)


@settings(max_examples=300, deadline=None)
@given(trees, st.lists(st.floats(-2, 2, allow_nan=False), min_size=3, max_size=3))
def test_random_expressions_match_central_differences(tree, xs):
    env = {k: Value(v, label=k) for k, v in zip(VARS, xs)}
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
