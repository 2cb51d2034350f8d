"""K = X.T X without rounding, and products c K without cancellation error, in float64 BLAS.

The Gram form computes Z = c K + b, a sum of m terms c_j K_ij that cancel down to Z
(the cat set's K_ij are all about 3,000 while Z is a few units), so a relative error
of 1e-16 in K or in the sum lands in Z a thousand times larger. Both are removed by
splitting numbers so that BLAS computes the products that matter exactly:

* A sum of t products of two numbers that are integers of at most `exact_bits(t)`
  bits times powers of two (one per factor) is exact in float64: every partial sum is
  an integer below 2^53 on a common grid, whatever order BLAS adds them in.
* `leading_bits(A, bits)` is A rounded to such a grid; A minus it is exact, and is
  2^-bits of A's largest entry, so whatever multiplies it needs far less precision.

`exact_gram` returns K in extended precision (np.longdouble, 64-bit significand on
x86-64). Pixels divided by 255 (the course's pre-processing) take one integer product:
the pixel counts P, recovered by rint(255 X) and checked, give P.T P exactly, and
K = P.T P / 255^2 differs from the Gram matrix of the float64 X by the rounding of
k / 255 (about 3e-17 relative on the cat set). Any other float64 X takes three
products' work: X = X1 + X2 with X1 on exact_bits(n_x) bits, K = X1.T X1 (exact) +
N + N.T with N = (X - X2 / 2).T X2, which is 2^-19 of K, so its rounding is 2^-72.
`ExactProduct` then computes c K for extended-precision c to about 2^-75 of
sum |c_j K_ij|.
"""

from __future__ import annotations

import math

import numpy as np

from ..neuron.formulas import PIXEL_SCALE

EXTENDED = np.longdouble


def exact_bits(terms: int) -> int:
    """Bits each of two factors may keep so that any sum of `terms` of their products is exact
    in float64: terms * 2^(2 bits) <= 2^53."""
    return (53 - math.ceil(math.log2(max(terms, 1)))) // 2


def leading_bits(A: np.ndarray, bits: int, out: np.ndarray | None = None) -> np.ndarray:
    """A rounded to multiples of 2^(e - bits), where 2^e > max|A|: `bits` leading bits on one grid
    for the whole array. Adding then subtracting 1.5 * 2^(e + 52 - bits) rounds there (the sum
    stays in one binade, whose spacing is that grid; the difference is exact)."""
    top = float(np.max(np.abs(A)))
    sigma = math.ldexp(1.5, math.frexp(top)[1] + 52 - bits) if 0.0 < top < math.inf else 0.0
    out = np.add(A, sigma, out=out)
    out -= sigma
    return out


def _row_blocks(X: np.ndarray, block_bytes: int):
    """Row blocks of X (n_x, m), and three buffers of a block's shape in X's memory order."""
    n_x, m = X.shape
    rows = max(1, min(n_x, block_bytes // (8 * m)))
    order = "F" if X.flags.f_contiguous else "C"
    buffers = tuple(np.empty((rows, m), order=order) for _ in range(3))
    blocks = (X[start:start + rows] for start in range(0, n_x, rows))
    return blocks, buffers


def _pixel_gram(X: np.ndarray, block_bytes: int) -> np.ndarray | None:
    """P.T P (exact, float64) if X is P / PIXEL_SCALE for integers P small enough for that, else None."""
    n_x, m = X.shape
    top = max(float(X.max()), -float(X.min())) * PIXEL_SCALE      # |X| without a copy of X
    if not top < math.inf or n_x * (top + 1.0) ** 2 > 2.0 ** 53:
        return None
    S, tmp = np.zeros((m, m)), np.empty((m, m))
    blocks, (counts, back, _) = _row_blocks(X, block_bytes)
    for block in blocks:
        n = block.shape[0]
        P, Q = counts[:n], back[:n]
        np.multiply(block, PIXEL_SCALE, out=P)
        np.rint(P, out=P)
        np.divide(P, PIXEL_SCALE, out=Q)
        if not np.array_equal(Q, block):
            return None
        S += np.matmul(P.T, P, out=tmp)
    return S


def _split_gram(X: np.ndarray, block_bytes: int) -> np.ndarray:
    """K = X.T X in extended precision for any finite float64 X (see the module's notes)."""
    n_x, m = X.shape
    S, T, tmp = np.zeros((m, m)), np.zeros((m, m)), np.empty((m, m))
    top = max(float(X.max()), -float(X.min()))                   # |X| without a copy of X
    if top > 0.0:
        sigma = math.ldexp(1.5, math.frexp(top)[1] + 52 - exact_bits(n_x))
        blocks, (high, low, mid) = _row_blocks(X, block_bytes)
        for block in blocks:
            n = block.shape[0]
            X1, X2, D = high[:n], low[:n], mid[:n]
            np.add(block, sigma, out=X1)
            X1 -= sigma
            np.subtract(block, X1, out=X2)            # exact
            S += np.matmul(X1.T, X1, out=tmp)         # exact
            np.multiply(X2, -0.5, out=D)
            D += block                                 # X - X2 / 2
            np.matmul(D.T, X2, out=tmp)
            T += tmp
            T += tmp.T
    return S.astype(EXTENDED) + T


def exact_gram(X: np.ndarray, block_bytes: int = 1 << 20) -> np.ndarray:
    """K = X.T X (m, m) for float64 X (n_x, m), in extended precision; the extra memory is a few
    m x m arrays and three blocks of X's rows of about `block_bytes` each."""
    S = _pixel_gram(X, block_bytes)
    if S is not None:
        return S.astype(EXTENDED) / EXTENDED(PIXEL_SCALE * PIXEL_SCALE)
    return _split_gram(X, block_bytes)


class ExactProduct:
    """c -> c K for c (1, m) in extended precision, with K (m, m) given in extended precision.

    K1 = leading_bits(K, exact_bits(m)) and K2 = K - K1 (2^-22 of K, rounded); c1 likewise from
    c, c2 = c - c1. Then c K = c1 K1 (exact) + [c2, c] [K1; K2] (2^-22 of it, rounded), to
    about 2^-75 of sum |c_j K_ij|. Keeps [K1; K2] (2m, m) and K rounded (m, m).
    """

    def __init__(self, K: np.ndarray):
        m = K.shape[0]
        self.m, self.bits = m, exact_bits(m)
        self.rounded = K.astype(np.float64)
        self.stacked = np.empty((2 * m, m))
        K1 = leading_bits(self.rounded, self.bits, out=self.stacked[:m])
        np.copyto(self.stacked[m:], K - K1, casting="unsafe")
        self.c1 = np.empty((1, m))
        self.rest = np.empty((1, 2 * m))                  # [c2, c]

    def __call__(self, c: np.ndarray) -> np.ndarray:
        m, rest = self.m, self.rest
        np.copyto(rest[:, m:], c, casting="unsafe")
        leading_bits(rest[:, m:], self.bits, out=self.c1)
        np.copyto(rest[:, :m], c - self.c1, casting="unsafe")
        exact = self.c1 @ self.stacked[:m]
        return exact.astype(EXTENDED) + rest @ self.stacked


def curvature_bound(K: np.ndarray, iterations: int = 30) -> tuple[float, np.ndarray, float]:
    """(lam, u * u, rest) with K + 1 1.T = lam u u.T + R and ||R||_2 <= rest, for K symmetric
    positive semi-definite (m, m): u from power iteration, lam its Rayleigh quotient, rest the
    Frobenius norm of R, sqrt(||K + 1 1.T||_F^2 - lam^2) for any unit u.

    The Hessian of the cost in (w, b) is X_aug diag(d) X_aug.T / M (X_aug is X with a row of
    ones, d = s sigmoid'(Z)); its largest eigenvalue is that of diag(d)^1/2 (K + 1 1.T)
    diag(d)^1/2 / M, at most (lam sum(d u^2) + rest max(d)) / M.
    """
    m = K.shape[0]
    u = np.full(m, 1.0 / math.sqrt(m))
    for _ in range(iterations):
        v = K @ u + u.sum()
        norm = float(np.linalg.norm(v))
        if norm == 0.0:
            break
        u = v / norm
    lam = float(u @ (K @ u + u.sum()))
    frobenius_sq = float(np.vdot(K, K)) + 2.0 * float(K.sum()) + float(m) * m
    return lam, u * u, math.sqrt(max(frobenius_sq - lam * lam, 0.0))


class Overshoot:
    """Whether the Gram form's steps may amplify rounding errors, judged at the logits of an anchor.

    One step multiplies an error by at most alpha (lam sum(d u^2) + rest max(d) + l2) / M - 1,
    with d = s sigmoid'(Z) = s (1 - tanh(Z / 2)^2) / 4 and lam, u, rest from `curvature_bound`.
    Above `growth` the iterates overshoot the minimum by more than they approach it, and float64
    errors grow from step to step: `hot` turns on, and off again once `calm` checks in a row
    find the steps contractive (a factor of at most 1).
    """

    growth = 2.0        # overshoot factor that switches to extended precision
    calm = 16           # contractive checks in a row that switch back

    def __init__(self, K: np.ndarray, sample_weight: np.ndarray | None, total_weight: float):
        self.lam, self.u_sq, self.rest = curvature_bound(K)
        self.s, self.M = sample_weight, total_weight
        self.start(0.0, 0.0)

    def start(self, learning_rate: float, l2: float) -> None:
        self.alpha, self.l2 = learning_rate, l2
        self.hot, self.calm_checks = False, 0

    def check(self, half_Z: np.ndarray) -> bool:
        """Whether steps run hot, from the logits Z = 2 half_Z (1, m); half_Z is used as scratch."""
        t = np.tanh(half_Z, out=half_Z)
        np.multiply(t, t, out=t)
        np.subtract(1.0, t, out=t)
        if self.s is not None:
            t *= self.s
        curvature = 0.25 * (self.lam * float(np.vdot(t, self.u_sq)) + self.rest * float(t.max()))
        factor = self.alpha * (curvature + self.l2) / self.M - 1.0
        if factor > self.growth:
            self.hot, self.calm_checks = True, 0
        elif factor > 1.0:
            self.calm_checks = 0
        else:
            self.calm_checks += 1
        if self.calm_checks >= self.calm:
            self.hot = False
        return self.hot
