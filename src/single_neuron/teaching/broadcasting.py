"""NumPy's broadcasting, step by step, as the notes' broadcasting section shows it.

An elementwise operation between arrays of different shapes first lines the shapes up on
the right; the array with fewer axes gets axes of length 1 in front; then every axis of
length 1 is stretched (copied) to the other array's length. Shapes that differ on an
axis where neither is 1 cannot be combined:

    (2, 3) * (1, 3)     dZ's axis 0 has length 1: copied 2 times -> (2, 3)
    (2, 3) * (2, 3) -> (2, 3)

`broadcast_steps` writes those steps for two named operands; NumPy itself
(`np.broadcast_shapes`) is the second route to the resulting shape, and the tests hold
the two to each other.
"""

from __future__ import annotations

from ..validation import shape_text

_AXES = {0: "axis 0 (rows)", 1: "axis 1 (columns)"}


def broadcast_steps(left: tuple[str, tuple], op: str, right: tuple[str, tuple]) -> list[str]:
    """The steps of `left op right` for operands (name, shape), one line each, ending with the
    resulting shape, or with why the shapes cannot be broadcast."""
    (left_name, left_shape), (right_name, right_shape) = left, right
    left_shape, right_shape = tuple(left_shape), tuple(right_shape)
    lines = [f"{left_name} {op} {right_name}: {shape_text(left_shape)} {op} {shape_text(right_shape)}"]
    if left_shape == right_shape:
        lines.append(f"the same shape: {op} is applied element by element -> {shape_text(left_shape)}")
        return lines
    rank = max(len(left_shape), len(right_shape))
    shapes = {}
    for name, shape, other in ((left_name, left_shape, right_name), (right_name, right_shape, left_name)):
        if len(shape) < rank:
            padded = (1,) * (rank - len(shape)) + shape
            what = "a rank-1 array is read as a row" if len(shape) == 1 and rank == 2 else "1s are put in front"
            lines.append(f"{name} has {_count(len(shape))}, {other} {rank}: {what} -> {shape_text(padded)}")
            shape = padded
        shapes[name] = list(shape)
    a, b = shapes[left_name], shapes[right_name]
    for axis in range(rank):
        if a[axis] != b[axis] and 1 not in (a[axis], b[axis]):
            lines.append(f"{_AXES.get(axis, f'axis {axis}')}: lengths {a[axis]} and {b[axis]}, and neither is 1: "
                         f"they cannot be broadcast together (NumPy raises ValueError)")
            return lines
    for axis in range(rank):
        if a[axis] == b[axis]:
            continue
        name, small, length = (left_name, a, b[axis]) if a[axis] == 1 else (right_name, b, a[axis])
        small[axis] = length
        lines.append(f"{name}: {_AXES.get(axis, f'axis {axis}')} has length 1, copied {length} times "
                     f"-> {shape_text(small)}")
    lines.append(f"{shape_text(a)} {op} {shape_text(b)} -> {shape_text(a)}, element by element")
    return lines


def _count(n: int) -> str:
    return "1 axis" if n == 1 else f"{n} axes"
