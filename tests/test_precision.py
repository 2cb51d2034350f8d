"""How exact the Gram form is: K and c K against exact rational arithmetic, the curvature bound
against eigenvalues, and the course's runs against its loop run in extended precision."""

import sys
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest

from single_neuron import model
from single_neuron.engines.gram_matrix import ExactProduct, curvature_bound, exact_gram
from single_neuron.neuron.formulas import PIXEL_SCALE

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
import course_reference  # noqa: E402
import precision  # noqa: E402

EXTENDED_BITS = np.finfo(np.longdouble).nmant + 1
needs_extended = pytest.mark.skipif(EXTENDED_BITS < 64, reason=f"np.longdouble has {EXTENDED_BITS} bits here, not "
                                                               "x86-64's 64: there is no extended precision to test")


def exact_K(X):
    """X.T X in rational arithmetic, from X's float64 values (or Fractions)."""
    cols = [[Fraction(v) for v in col] for col in np.asarray(X, dtype=object).T]
    return [[sum(a * b for a, b in zip(ci, cj)) for cj in cols] for ci in cols]


def as_fraction(x) -> Fraction:
    """A longdouble's exact value: its rounding to float64 plus the (exact) rest."""
    x = np.longdouble(x)
    high = float(x)
    return Fraction(high) + Fraction(float(x - np.longdouble(high)))


def relative_errors(K, exact):
    return [abs(as_fraction(K[i][j]) - e) / abs(e) for i, row in enumerate(exact) for j, e in enumerate(row) if e]


@needs_extended
def test_the_gram_matrix_of_any_float64_data_is_exact_but_for_its_last_rounding(rng):
    X = rng.normal(size=(300, 6)) * np.exp(rng.normal(size=(300, 6)))     # mixed magnitudes and signs
    K = exact_gram(X, block_bytes=6 * 8 * 37)                            # several row blocks, one ragged
    assert max(relative_errors(K, exact_K(X))) < 2.0 ** -60
    blas = X.T @ X
    assert max(relative_errors(blas.astype(np.longdouble), exact_K(X))) > 2.0 ** -56   # what BLAS alone gives


@needs_extended
def test_pixels_over_255_take_the_integer_route_to_the_same_exactness(rng):
    pixels = rng.integers(0, 256, size=(400, 5))
    X = pixels / PIXEL_SCALE
    K = exact_gram(X, block_bytes=5 * 8 * 64)
    exact_ratios = exact_K([[Fraction(int(p), 255) for p in row] for row in pixels])
    assert max(relative_errors(K, exact_ratios)) < 2.0 ** -60
    # The Gram matrix of the float64 ratios themselves is within their own rounding of it.
    assert max(relative_errors(K, exact_K(X))) < 2.0 ** -52
    # One ratio a unit off in its last place: not pixels any more, and still exact.
    X[7, 2] = np.nextafter(X[7, 2], 2.0)
    assert max(relative_errors(exact_gram(X), exact_K(X))) < 2.0 ** -60


@needs_extended
def test_c_times_K_is_exact_to_far_below_its_cancellation(rng):
    X = rng.random(size=(200, 7))                     # all positive: c K cancels heavily, as on the cat set
    K = exact_gram(X)
    c = (rng.normal(size=(1, 7)) * 1e-3).astype(np.longdouble) * (1 + np.longdouble(2.0 ** -60))
    Z = ExactProduct(K)(c)
    exact = exact_K(X)
    terms = [as_fraction(v) for v in c[0]]
    for i in range(7):
        want = sum(t * exact[j][i] for j, t in enumerate(terms))
        scale = sum(abs(t) * exact[j][i] for j, t in enumerate(terms))
        assert abs(as_fraction(Z[0, i]) - want) / scale < 2.0 ** -62
    plain = np.asarray(c, dtype=np.float64) @ (X.T @ X)
    assert np.max(np.abs(plain - Z.astype(np.float64))) > 0   # float64 alone differs


def test_the_curvature_bound_holds_for_any_weights(rng):
    X = rng.random(size=(80, 12))
    K = X.T @ X
    lam, u_sq, rest = curvature_bound(K)
    K_aug = K + 1.0
    top = np.linalg.eigvalsh(K_aug)
    assert lam == pytest.approx(top[-1], rel=1e-12) and rest >= top[-2]
    for _ in range(20):
        d = rng.random(12) * 0.25 * (rng.random(12) < 0.7)
        largest = np.linalg.eigvalsh(np.sqrt(d)[:, None] * K_aug * np.sqrt(d)[None, :])[-1]
        assert largest <= lam * float(d @ u_sq) + rest * d.max() + 1e-9 * largest


@needs_extended
def test_anchored_numbers_keep_the_small_steps_that_float64_rounds_away():
    from single_neuron.engines.anchored import Anchored, AnchoredScalar

    tiny = 2.0 ** -60                                   # below half float64's spacing at 1 (2^-53)
    assert 1.0 - tiny == 1.0
    u, b = Anchored(np.ones((1, 3))), AnchoredScalar(0.5)
    for _ in range(1000):
        u -= np.full((1, 3), tiny)                      # float64 steps: into the residual
        b -= tiny
    expected = np.longdouble(1) - np.longdouble(1000 * tiny)          # exact: 1 - 125 * 2^-57
    np.testing.assert_array_equal(np.asarray(u), np.full((1, 3), expected))
    assert np.longdouble(b.anchor) + np.longdouble(b.residual) == expected - np.longdouble(0.5)
    before, value = u.copy(), np.asarray(u)
    u.fold()
    b_before = float(b)
    b.fold()
    assert not u.residual.any() and b.residual == 0.0 and float(b) == b_before
    np.testing.assert_array_equal(np.asarray(u), value)
    u -= np.full((1, 3), np.longdouble(tiny) * np.longdouble(2.0 ** -8))      # an extended step: the anchor
    b -= np.longdouble(tiny) * np.longdouble(2.0 ** -8)
    assert not u.residual.any() and b.residual == 0.0
    np.testing.assert_array_equal(np.asarray(u), value - np.longdouble(2.0 ** -68))
    np.testing.assert_array_equal(np.asarray(before), value)                  # a copy is a copy


# The course's runs: learning rate 0.005 (its model), then its learning-rate section. The longdouble
# reference takes about 20 ms an iteration, so the test runs the first 400 iterations of each (costs
# recorded at 0, 100, 200, 300; at 0.01 the costs swing up and down through these), and
# benchmarks/precision.py the full runs, whose table is in docs/solvers.md.
ITERATIONS = 400


@pytest.mark.slow
@needs_extended
@pytest.mark.parametrize("learning_rate", [0.005, 0.01, 0.001, 0.0001])
def test_auto_is_never_less_accurate_than_the_plain_loop(cat_sets, learning_rate):
    train, test = cat_sets
    X, Y = train.X, train.Y.astype(np.float64)
    reference = precision.extended_course_loop(X, Y, ITERATIONS, learning_rate)
    plain = course_reference.optimize(np.zeros((X.shape[0], 1)), 0.0, X, Y, ITERATIONS, learning_rate)[2]
    d = model(X, Y, test.X, test.Y, ITERATIONS, learning_rate)
    assert d["solver"] == "gram" and len(d["costs"]) == len(reference) == 4
    plain_distance = precision.distance(plain, reference)
    auto_distance = precision.distance(d["costs"], reference)
    assert auto_distance <= 1.5 * plain_distance, (auto_distance, plain_distance)
    if learning_rate == 0.01:
        # Where the float64 loop loses seven digits to the swings, auto keeps about ten.
        assert plain_distance > 1e-8 and auto_distance < 1e-8
