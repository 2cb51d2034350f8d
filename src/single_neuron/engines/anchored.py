"""Numbers kept as an extended-precision anchor plus a float64 residual: value = anchor + residual.

The extended Gram form holds its coordinates u and the bias b this way. The loop's steps
(`-=`) are float64 where the steps are contractive: they land in the residual, which holds
only the steps since the last fold and so stays small, and their rounding is that of small
numbers. A step given in extended precision lands in the anchor. `fold()` moves the
residual into the anchor; the value keeps extended precision throughout.
"""

from __future__ import annotations

import numpy as np

from .gram_matrix import EXTENDED


class Anchored:
    """An array: `anchor` (extended precision) + `residual` (float64), of one shape."""

    __slots__ = ("anchor", "residual")

    def __init__(self, anchor: np.ndarray, residual: np.ndarray | None = None):
        self.anchor = np.asarray(anchor, dtype=EXTENDED)
        self.residual = np.zeros(self.anchor.shape) if residual is None else residual

    def __isub__(self, step: np.ndarray):
        if step.dtype == self.anchor.dtype:
            self.anchor -= step
        else:
            self.residual -= step
        return self

    def fold(self) -> None:
        """anchor += residual, residual = 0 (in place: a residual that is a view of its owner's
        buffer stays one)."""
        self.anchor += self.residual
        self.residual[...] = 0.0

    def __array__(self, dtype=None, copy=None):
        value = self.anchor + self.residual
        return value if dtype is None else value.astype(dtype, copy=False)

    def copy(self) -> Anchored:
        return Anchored(self.anchor.copy(), self.residual.copy())


class AnchoredScalar:
    """A number: `anchor` (extended precision, and its rounding `anchor_float`) + `residual` (a float)."""

    __slots__ = ("anchor", "anchor_float", "residual")

    def __init__(self, value, residual: float = 0.0):
        self.anchor = EXTENDED(value)
        self.anchor_float, self.residual = float(self.anchor), residual

    def __isub__(self, step):
        if isinstance(step, float):                     # a float64 step, Python's or NumPy's
            self.residual -= step
        else:
            self.anchor -= step
            self.anchor_float = float(self.anchor)
        return self

    def fold(self) -> None:
        self.anchor += EXTENDED(self.residual)
        self.anchor_float, self.residual = float(self.anchor), 0.0

    def __float__(self) -> float:
        return float(self.anchor + EXTENDED(self.residual))      # the same before and after a fold

    def copy(self) -> AnchoredScalar:
        copied = AnchoredScalar(0.0, self.residual)
        copied.anchor, copied.anchor_float = self.anchor, self.anchor_float
        return copied
