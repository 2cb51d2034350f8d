"""A scalar computation graph whose backward pass applies the chain rule.

Each operation makes a new `Value` from its inputs and, beside the forward
number, a small closure that adds the operation's local derivatives times the
output's gradient into the inputs' gradients. `backward()` orders the graph
once, topologically and without recursion (deep graphs must not hit Python's
recursion limit), and runs the closures from the output back to the leaves.
Gradients are added, so a node used twice collects both contributions.
The operations are micrograd's (`+ - * /` with plain numbers on either side,
unary minus, `**` by a constant, `relu`) and `tanh`, `exp`, `log`, `sigmoid`.

The notes' example, J = 3(a + bc):

>>> a, b, c = Value(5.0, "a"), Value(3.0, "b"), Value(2.0, "c")
>>> u = b * c; v = a + u; J = 3 * v
>>> J.backward()
>>> J.data, a.grad, b.grad, c.grad
(33.0, 3.0, 6.0, 9.0)
"""

from __future__ import annotations

import math
from numbers import Real

from ..errors import InputValueError


class Value:
    """One node: `data` (the forward value), `grad` (dJ/dnode after `backward`), its inputs and op."""

    __slots__ = ("data", "grad", "label", "op", "_parents", "_backward")

    def __init__(self, data, label: str = "", op: str = "", parents: tuple[Value, ...] = ()):
        if isinstance(data, Value) or not isinstance(data, Real):
            raise InputValueError(f"Value: expected a real number, got {type(data).__name__}")
        self.data = float(data)
        self.grad = 0.0
        self.label = label
        self.op = op
        self._parents = parents
        self._backward = _no_inputs

    def __repr__(self) -> str:
        name = f"{self.label}=" if self.label else ""
        return f"Value({name}{self.data:.6g}, grad={self.grad:.6g})"

    @property
    def parents(self) -> tuple[Value, ...]:
        return self._parents

    # ---------------------------------------------------------------- basic operations

    def __add__(self, other) -> Value:
        other = _lift(other)
        out = Value(self.data + other.data, op="+", parents=(self, other))

        def backward():
            self.grad += out.grad
            other.grad += out.grad

        out._backward = backward
        return out

    def __mul__(self, other) -> Value:
        other = _lift(other)
        out = Value(self.data * other.data, op="*", parents=(self, other))

        def backward():
            self.grad += other.data * out.grad
            other.grad += self.data * out.grad

        out._backward = backward
        return out

    def __pow__(self, k) -> Value:
        if not isinstance(k, Real) or isinstance(k, Value):
            raise InputValueError(f"Value ** k: k must be a constant number, got {type(k).__name__}")
        k = float(k)
        if self.data < 0 and not k.is_integer():
            raise InputValueError(f"Value ** k: a negative number ({self.data:g}) to a fractional power ({k:g}) "
                                  "is not a real number")
        out = Value(self.data ** k, op=f"**{k:g}", parents=(self,))

        def backward():
            self.grad += k * self.data ** (k - 1) * out.grad

        out._backward = backward
        return out

    def exp(self) -> Value:
        out = Value(math.exp(self.data), op="exp", parents=(self,))

        def backward():
            self.grad += out.data * out.grad

        out._backward = backward
        return out

    def log(self) -> Value:
        if self.data <= 0:
            raise InputValueError(f"Value.log: expected a positive number, got {self.data:g}")
        out = Value(math.log(self.data), op="log", parents=(self,))

        def backward():
            self.grad += out.grad / self.data

        out._backward = backward
        return out

    def sigmoid(self) -> Value:
        """sigmoid(x), with the local derivative a (1 - a) of the notes."""
        x = self.data
        a = 1.0 / (1.0 + math.exp(-x)) if x >= 0 else math.exp(x) / (1.0 + math.exp(x))
        out = Value(a, op="sigmoid", parents=(self,))

        def backward():
            self.grad += a * (1.0 - a) * out.grad

        out._backward = backward
        return out

    def tanh(self) -> Value:
        """t = tanh(x), with the local derivative 1 - t^2.

        math.tanh saturates to +-1 and never overflows. 1 - t^2 is written 4e / (1 + e)^2 with
        e = exp(-2|x|) <= 1, the same number without the cancellation of 1 - t^2 where t is near
        +-1 (at x = 7.5 that subtraction loses 6 of the 16 digits).
        """
        t = math.tanh(self.data)
        out = Value(t, op="tanh", parents=(self,))
        e = math.exp(-2.0 * abs(self.data))
        dt_dx = 4.0 * e / (1.0 + e) ** 2

        def backward():
            self.grad += dt_dx * out.grad

        out._backward = backward
        return out

    def relu(self) -> Value:
        """max(0, x), with the local derivative 1 where x > 0 and 0 elsewhere (0 at the kink, as PyTorch)."""
        out = Value(self.data if self.data > 0 else 0.0, op="relu", parents=(self,))

        def backward():
            self.grad += (1.0 if self.data > 0 else 0.0) * out.grad

        out._backward = backward
        return out

    # ---------------------------------------------------------------- built from the basic ones

    def __neg__(self) -> Value:
        return self * -1.0

    def __sub__(self, other) -> Value:
        return self + (-_lift(other))

    def __truediv__(self, other) -> Value:
        return self * _lift(other) ** -1

    def __radd__(self, other) -> Value:
        return self + other

    def __rmul__(self, other) -> Value:
        return self * other

    def __rsub__(self, other) -> Value:
        return _lift(other) - self

    def __rtruediv__(self, other) -> Value:
        return _lift(other) / self

    # ---------------------------------------------------------------- the backward pass

    def backward(self, *, accumulate: bool = False) -> None:
        """Give every node the derivative of self with respect to it: the chain rule, output to leaves.

        By default every call starts from zero: afterwards `node.grad` is d(self)/d(node) for this
        call alone, whatever an earlier call left, so a second call gives the same numbers.

        With `accumulate=True` the leaves (nodes with no inputs: variables, parameters) keep what
        they hold and add this call's derivative to it, as in micrograd and PyTorch: called on
        losses L1, L2, ... that share a leaf w, w.grad ends as dL1/dw + dL2/dw + ... The nodes in
        between still start from zero: the chain rule multiplies their gradient into their inputs',
        so an earlier call's share left in them would reach the leaves a second time. `zero_grad()`
        clears a graph before a new sum. On a freshly built graph both modes give micrograd's numbers.
        """
        order = topological_order(self)
        for node in order:
            if node._parents or not accumulate:
                node.grad = 0.0
        self.grad += 1.0        # d(self)/d(self); a lone leaf that accumulates adds it to its sum
        for node in reversed(order):
            node._backward()

    def zero_grad(self) -> None:
        """Set grad to 0 on self and on every node it depends on."""
        for node in topological_order(self):
            node.grad = 0.0


def _no_inputs() -> None:
    pass


def _lift(x) -> Value:
    return x if isinstance(x, Value) else Value(x)


def topological_order(root: Value) -> list[Value]:
    """Every node that `root` depends on, each after its inputs; iterative depth-first search."""
    order: list[Value] = []
    seen: set[int] = set()
    stack: list[tuple[Value, bool]] = [(root, False)]
    while stack:
        node, inputs_done = stack.pop()
        if inputs_done:
            order.append(node)
            continue
        if id(node) in seen:
            continue
        seen.add(id(node))
        stack.append((node, True))
        stack.extend((p, False) for p in node._parents if id(p) not in seen)
    return order


# -------------------------------------------------------------------- the notes' two graphs


def notes_example(a: float = 5.0, b: float = 3.0, c: float = 2.0) -> dict[str, Value]:
    """The notes' graph u = b c, v = a + u, J = 3 v, with its backward pass done."""
    a_, b_, c_ = Value(a, "a"), Value(b, "b"), Value(c, "c")
    u = b_ * c_
    u.label = "u"
    v = a_ + u
    v.label = "v"
    J = 3 * v
    J.label = "J"
    J.backward()
    return {"a": a_, "b": b_, "c": c_, "u": u, "v": v, "J": J}


def logistic_example(x, w, b: float, y: float) -> dict[str, Value]:
    """One example of logistic regression as a graph, backward pass done.

    z = w1 x1 + ... + wn xn + b, a = sigmoid(z), L = -(y log a + (1 - y) log(1 - a)).
    Returns the nodes by name: x1.., w1.., b, z, a, L.
    """
    if len(x) != len(w) or not x:
        raise InputValueError(f"x and w: expected the same number of values (at least one), got {len(x)} and {len(w)}")
    if y not in (0, 1):
        raise InputValueError(f"y: expected 0 or 1, got {y}")
    nodes: dict[str, Value] = {}
    z = Value(b, "b")
    nodes["b"] = z
    for i, (xi, wi) in enumerate(zip(x, w), start=1):
        xv, wv = Value(xi, f"x{i}"), Value(wi, f"w{i}")
        nodes[f"x{i}"], nodes[f"w{i}"] = xv, wv
        z = wv * xv + z
    z.label = "z"
    a = z.sigmoid()
    a.label = "a"
    L = -(y * a.log() + (1 - y) * (1 - a).log())
    L.label = "L"
    nodes.update(z=z, a=a, L=L)
    L.backward()
    return nodes
