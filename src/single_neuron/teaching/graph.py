"""A scalar computation graph whose backward pass applies the chain rule.

Each operation makes a new `Value` from its inputs and, beside the forward
number, a small closure that adds the operation's local derivatives times the
output's gradient into the inputs' gradients. `backward()` orders the graph
once, topologically and without recursion (deep graphs must not hit Python's
recursion limit), and runs the closures from the output back to the leaves.
Gradients are added, so a node used twice collects both contributions.
The operations are micrograd's (`+ - * /` with plain numbers on either side,
unary minus, `**` by a constant, `relu`) and `tanh`, `exp`, `log`, `sigmoid`, and the
notes' loss L(a, y) as one operation (`logistic_loss`), exact where a rounds to 0 or 1.

The notes' example, J = 3(a + bc):

>>> a, b, c = Value(5.0, label="a"), Value(3.0, label="b"), Value(2.0, label="c")
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

    def __init__(self, data, _children: tuple[Value, ...] = (), _op: str = "", label: str = ""):
        # micrograd's signature, so that operations written for micrograd's Value
        # (Value(out, (self,), "op") and a _backward set afterwards) build the same graph here.
        if isinstance(data, Value) or not isinstance(data, Real):
            raise InputValueError(f"Value: expected a real number, got {type(data).__name__}")
        if isinstance(_children, (str, bytes)):
            raise InputValueError("Value: _children: expected a tuple of Values (a name goes in label=)")
        _children = tuple(_children)                 # once: a generator can be read only once
        if not all(isinstance(c, Value) for c in _children):
            raise InputValueError("Value: _children: expected a tuple of Values (a name goes in label=)")
        if not isinstance(_op, str) or not isinstance(label, str):
            raise InputValueError("Value: _op and label: expected text")
        self.data = float(data)
        if not math.isfinite(self.data):             # an input of inf, or an operation past float64
            raise InputValueError(f"Value: {self.data} is not a finite number; results must stay within "
                                  "float64's range")
        self.grad = 0.0
        self.label = label
        self.op = _op
        self._parents = _children
        self._backward = _no_inputs

    def __repr__(self) -> str:
        name = f"{self.label}=" if self.label else ""
        return f"Value({name}{self.data:.6g}, grad={self.grad:.6g})"

    @property
    def parents(self) -> tuple[Value, ...]:
        """The inputs of this node's operation, in order."""
        return self._parents

    @property
    def _prev(self) -> set[Value]:
        """micrograd's name for the inputs (a set there), read by its graph-drawing helpers."""
        return set(self._parents)

    @property
    def _op(self) -> str:
        """micrograd's name for `op`."""
        return self.op

    # ---------------------------------------------------------------- basic operations

    def __add__(self, other) -> Value:
        other = _lift(other)
        out = Value(self.data + other.data, (self, other), "+")

        def backward():
            self.grad += out.grad
            other.grad += out.grad

        out._backward = backward
        return out

    def __mul__(self, other) -> Value:
        other = _lift(other)
        out = Value(self.data * other.data, (self, other), "*")

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
        if self.data == 0 and k < 0:
            raise InputValueError(f"Value ** k: 0 to a negative power ({k:g}) is not a number (a division by 0)")
        out = Value(_finite(lambda: self.data ** k, f"{self.data:g} ** {k:g}"), (self,), f"**{k:g}")

        def backward():
            slope = _finite(lambda: k * self.data ** (k - 1), f"the derivative of {self.data:g} ** {k:g}")
            self.grad += slope * out.grad

        out._backward = backward
        return out

    def exp(self) -> Value:
        out = Value(_finite(lambda: math.exp(self.data), f"exp({self.data:g})"), (self,), "exp")

        def backward():
            self.grad += out.data * out.grad

        out._backward = backward
        return out

    def log(self) -> Value:
        if self.data <= 0:
            raise InputValueError(f"Value.log: expected a positive number, got {self.data:g}")
        out = Value(math.log(self.data), (self,), "log")

        def backward():
            self.grad += out.grad / self.data

        out._backward = backward
        return out

    def sigmoid(self) -> Value:
        """a = sigmoid(x), with the local derivative a (1 - a) of the notes, taken as
        sigmoid(x) sigmoid(-x): where x > 36, a rounds to 1 and 1 - a to 0, but sigmoid(-x) does not."""
        a = _sigmoid(self.data)
        da_dx = a * _sigmoid(-self.data)
        out = Value(a, (self,), "sigmoid")

        def backward():
            self.grad += da_dx * out.grad

        out._backward = backward
        return out

    def logistic_loss(self, y: float) -> Value:
        """L(a, y) = -(y log a + (1 - y) log(1 - a)) for this node a and a label y in [0, 1], with
        the local derivative dL/da = -y / a + (1 - y) / (1 - a).

        Where a is a sigmoid node, a = sigmoid(z), both come from z: log a = -softplus(-z),
        log(1 - a) = -softplus(z) and 1 - a = sigmoid(-z), so L stays right where a rounds to 0 or
        1 (|z| > 36), which `(1 - a).log()` cannot do. A term whose weight (y or 1 - y) is 0 is left
        out, as the notes' formula means. Elsewhere a must lie where its logs are defined.
        """
        if isinstance(y, Value) or not isinstance(y, Real) or not 0.0 <= y <= 1.0:
            raise InputValueError(f"logistic_loss: y: expected a number from 0 to 1, got {y!r}")
        y = float(y)
        a, one_minus_a, log_a, log_one_minus_a = self._loss_terms(y)
        L, dL_da = 0.0, 0.0
        if y > 0.0:
            L -= y * log_a
            dL_da -= y / a if a > 0.0 else math.inf
        if y < 1.0:
            L -= (1.0 - y) * log_one_minus_a
            dL_da += (1.0 - y) / one_minus_a if one_minus_a > 0.0 else math.inf
        out = Value(L, (self,), "L")

        def backward():
            if math.isinf(dL_da) and out.grad:
                side = "1" if y < 1.0 and one_minus_a < 0.5 else "0"
                raise InputValueError(
                    f"logistic_loss: a = {self.data:g} is so close to {side} that dL/da = -y/a + (1-y)/(1-a) "
                    "is beyond float64's range, and so are the derivatives before it; keep |z| below 709")
            self.grad += dL_da * out.grad

        out._backward = backward
        return out

    def _loss_terms(self, y: float) -> tuple[float, float, float, float]:
        """a, 1 - a, log a and log(1 - a) for `logistic_loss`: from z where this node is our
        sigmoid(z), from a elsewhere (a log whose weight is 0 is not taken: it is left as 0)."""
        if (self.op == "sigmoid" and len(self._parents) == 1
                and self.data == _sigmoid(self._parents[0].data)):     # ours, not an operation named so
            z = self._parents[0].data
            return _sigmoid(z), _sigmoid(-z), -_softplus(-z), -_softplus(z)
        a, one_minus_a = self.data, 1.0 - self.data
        if (y > 0.0 and a <= 0.0) or (y < 1.0 and one_minus_a <= 0.0):
            raise InputValueError(f"logistic_loss: a: expected a number whose logs are defined "
                                  f"(0 < a < 1), got {a:g}")
        return (a, one_minus_a, math.log(a) if y > 0.0 else 0.0,
                math.log(one_minus_a) if y < 1.0 else 0.0)

    def tanh(self) -> Value:
        """t = tanh(x), with the local derivative 1 - t^2.

        math.tanh saturates to +-1 and never overflows. 1 - t^2 is written 4e / (1 + e)^2 with
        e = exp(-2|x|) <= 1, the same number without the cancellation of 1 - t^2 where t is near
        +-1 (at x = 7.5 that subtraction loses 6 of the 16 digits).
        """
        t = math.tanh(self.data)
        out = Value(t, (self,), "tanh")
        e = math.exp(-2.0 * abs(self.data))
        dt_dx = 4.0 * e / (1.0 + e) ** 2

        def backward():
            self.grad += dt_dx * out.grad

        out._backward = backward
        return out

    def relu(self) -> Value:
        """max(0, x), with the local derivative 1 where x > 0 and 0 elsewhere (0 at the kink, as PyTorch)."""
        out = Value(self.data if self.data > 0 else 0.0, (self,), "relu")

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


def _finite(compute, what: str) -> float:
    """compute(), refused where it leaves float64's range (math.exp raises, ** may give inf)."""
    try:
        value = compute()
    except OverflowError:
        value = math.inf
    except ZeroDivisionError:
        raise InputValueError(f"Value: {what} divides by 0") from None
    if isinstance(value, complex) or not math.isfinite(value):
        raise InputValueError(f"Value: {what} is beyond float64's range")
    return value


def _sigmoid(x: float) -> float:
    """1 / (1 + e^-x), as e^x / (1 + e^x) for negative x so that nothing overflows."""
    if x >= 0:
        return 1.0 / (1.0 + math.exp(-x))
    e = math.exp(x)
    return e / (1.0 + e)


def _softplus(x: float) -> float:
    """log(1 + e^x) = max(x, 0) + log(1 + e^-|x|), finite for every finite x."""
    return max(x, 0.0) + math.log1p(math.exp(-abs(x)))


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
    a_, b_, c_ = Value(a, label="a"), Value(b, label="b"), Value(c, label="c")
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
    z = Value(b, label="b")
    nodes["b"] = z
    for i, (xi, wi) in enumerate(zip(x, w), start=1):
        xv, wv = Value(xi, label=f"x{i}"), Value(wi, label=f"w{i}")
        nodes[f"x{i}"], nodes[f"w{i}"] = xv, wv
        z = wv * xv + z
    z.label = "z"
    a = z.sigmoid()
    a.label = "a"
    L = a.logistic_loss(y)
    L.label = "L"
    nodes.update(z=z, a=a, L=L)
    try:
        L.backward()
    except InputValueError:
        side = "0" if z.data < 0 else "1"
        raise InputValueError(
            f"with these inputs z = {z.data:g}: a = sigmoid(z) is so close to {side} that dL/da "
            f"= -y/a + (1-y)/(1-a) is beyond float64's range; keep |z| below 709") from None
    return nodes
