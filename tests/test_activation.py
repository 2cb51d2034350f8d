"""The sigmoid and the cost: equal to the plain formulas where those are finite, finite everywhere."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from single_neuron import sigmoid
from single_neuron.neuron import formulas
from single_neuron.neuron.formulas import residual_into


def plain_sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def plain_cost(Z, Y):
    A = plain_sigmoid(Z)
    return float(-np.mean(Y * np.log(A) + (1 - Y) * np.log(1 - A)))


def test_sigmoid_known_values():
    assert sigmoid(0) == 0.5
    np.testing.assert_allclose(sigmoid(np.array([0.0, 2.0])), [0.5, 0.88079708], atol=1e-8)


def test_sigmoid_matches_the_plain_formula_where_it_is_finite():
    z = np.linspace(-700, 700, 20001)
    np.testing.assert_allclose(sigmoid(z), plain_sigmoid(z), rtol=1e-12, atol=0)


def test_sigmoid_keeps_float32_and_gives_scalars_for_scalars():
    assert sigmoid(np.float32([1.0])).dtype == np.float32
    assert np.ndim(sigmoid(3.0)) == 0


@pytest.mark.parametrize("z", [-1e300, -1e5, -745.2, -710.0, 710.0, 1e5, 1e300])
def test_sigmoid_saturates_without_warnings(z):
    s = sigmoid(np.array([z]))          # warnings are errors in this suite
    assert np.isfinite(s).all() and 0.0 <= s[0] <= 1.0


@pytest.mark.parametrize("scale", [1.0, 50.0, 1e300])
def test_the_loops_residual_equals_sigmoid_minus_y(rng, scale):
    Z = rng.normal(scale=scale, size=(1, 1000))
    Y = (rng.random((1, 1000)) < 0.5).astype(float)
    dZ = np.empty_like(Z)
    residual_into(Z, 0.5 - Y, dZ)
    np.testing.assert_allclose(dZ, sigmoid(Z) - Y, rtol=0, atol=4e-16)


def test_cost_matches_the_plain_formula(rng):
    Z = rng.normal(scale=5, size=(1, 500))
    Y = (rng.random((1, 500)) < 0.5).astype(float)
    assert formulas.cost(Z, Y) == pytest.approx(plain_cost(Z, Y), rel=1e-12)


def test_saturated_wrong_predictions_give_a_large_finite_cost():
    Z = np.array([[1e300, -1e300, 800.0]])
    Y = np.array([[0.0, 1.0, 0.0]])
    cost = formulas.cost(Z, Y)
    assert np.isfinite(cost) and cost == pytest.approx((1e300 + 1e300 + 800) / 3)
    assert formulas.cost(np.array([[1e300]]), np.array([[1.0]])) == 0.0


@settings(max_examples=300, deadline=None)
@given(st.lists(st.floats(-1e300, 1e300), min_size=1, max_size=20),
       st.lists(st.sampled_from([0.0, 1.0]), min_size=20, max_size=20))
def test_sigmoid_and_cost_are_finite_for_any_finite_z(zs, ys):
    Z = np.array([zs])
    Y = np.array([ys[: len(zs)]])
    s = sigmoid(Z)
    assert np.all((s >= 0) & (s <= 1))
    assert np.isfinite(formulas.cost(Z, Y))
