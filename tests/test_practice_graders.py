"""The practice assignment's own checks ("Python Basics with NumPy"), run against our functions.

Its `public_tests.py` exists in two vintages. Both call each function on fixed inputs through
one helper that checks three things per case: the type of the output (`isinstance`), its shape
(for arrays) and its values (`np.allclose`). The later vintage adds a second `basic_sigmoid`
case and passes floats where the first passed integers to `normalizeRows`; the function itself
is `normalizeRows` in the first vintage's notebook and `normalize_rows` in the later one.

Each test below feeds our function the graders' inputs and checks what the helper checks, with
the published expected outputs. The notebook's own printed lines, and its lesson that
`basic_sigmoid` (with `math`) fails on a list, are checked too.
"""

import numpy as np
import pytest

import single_neuron
from single_neuron import L1, L2, basic_sigmoid, image2vector, normalize_rows, normalizeRows, sigmoid, \
    sigmoid_derivative, softmax


def graded(target, cases):
    """What the graders' helper checks for each case; returns the outputs."""
    outputs = []
    for case in cases:
        output = target(*case["input"])
        expected = case["expected"]
        if isinstance(expected, np.ndarray):
            assert isinstance(output, np.ndarray), type(output)
            assert output.shape == expected.shape
        else:
            assert isinstance(output, type(expected)), type(output)
        assert np.allclose(output, expected)
        outputs.append(output)
    return outputs


IMAGE = np.array([[[0.67826139, 0.29380381], [0.90714982, 0.52835647], [0.4215251, 0.45017551]],
                  [[0.92814219, 0.96677647], [0.85304703, 0.52351845], [0.19981397, 0.27417313]],
                  [[0.60659855, 0.00533165], [0.10820313, 0.49978937], [0.34144279, 0.94630077]]])
YHAT, Y = np.array([.9, 0.2, 0.1, .4, .9]), np.array([1, 0, 0, 1, 1])


@pytest.mark.parametrize("vintage", ["first", "later"])
def test_basic_sigmoid_as_the_graders_check_it(vintage):
    cases = [{"input": [1], "expected": 0.7310585786300049}]
    if vintage == "later":
        cases.append({"input": [0.5], "expected": 0.6224593312018546})
    outputs = graded(basic_sigmoid, cases)
    assert outputs[0] == 0.7310585786300049                      # to the last digit the notebook prints
    assert f"basic_sigmoid(1) = {basic_sigmoid(1)}" == "basic_sigmoid(1) = 0.7310585786300049"


def test_basic_sigmoid_is_for_numbers_as_the_notebook_teaches():
    with pytest.raises(TypeError, match="use sigmoid"):
        basic_sigmoid([1, 2, 3])
    with pytest.raises(TypeError):
        basic_sigmoid(np.array([1.0, 2.0]))
    # finite at both ends, where 1 / (1 + math.exp(-x)) would overflow
    assert basic_sigmoid(-1000) == 0.0 and basic_sigmoid(1000) == 1.0
    assert basic_sigmoid(-2) == pytest.approx(1 / (1 + np.exp(2)), rel=1e-15)


def test_sigmoid_as_the_practice_graders_check_it():
    graded(sigmoid, [{"input": [np.array([1, 2, 3])], "expected": np.array([0.73105858, 0.88079708, 0.95257413])}])
    assert str(sigmoid(np.array([1, 2, 3]))) == "[0.73105858 0.88079708 0.95257413]"


def test_sigmoid_derivative_as_the_graders_check_it():
    graded(sigmoid_derivative, [{"input": [np.array([1, 2, 3])],
                                 "expected": np.array([0.19661193, 0.10499359, 0.04517666])}])
    assert str(sigmoid_derivative(np.array([1, 2, 3]))) == "[0.19661193 0.10499359 0.04517666]"


def test_sigmoid_derivative_is_the_slope_of_sigmoid():
    # a second route: central differences of our sigmoid
    x = np.linspace(-8, 8, 33)
    h = 1e-6
    numeric = (sigmoid(x + h) - sigmoid(x - h)) / (2 * h)
    assert np.allclose(sigmoid_derivative(x), numeric, rtol=1e-6, atol=1e-10)


def test_image2vector_as_the_graders_check_it():
    (v,) = graded(image2vector, [{"input": [IMAGE], "expected": IMAGE.reshape(18, 1)}])
    assert v[:3, 0].tolist() == [0.67826139, 0.29380381, 0.90714982]       # C order: channels of a pixel first
    with pytest.raises(single_neuron.ShapeError, match="3-D"):
        image2vector(np.zeros((4, 4)))


@pytest.mark.parametrize("vintage", ["first", "later"])
def test_normalize_rows_as_the_graders_check_it(vintage):
    x = np.array([[0, 3, 4], [1, 6, 4]]) if vintage == "first" else np.array([[0., 3., 4.], [1., 6., 4.]])
    expected = np.array([[0., 0.6, 0.8], [0.13736056, 0.82416338, 0.54944226]])
    target = normalizeRows if vintage == "first" else normalize_rows
    graded(target, [{"input": [x], "expected": expected}])
    assert normalizeRows is normalize_rows


def test_normalize_rows_gives_rows_of_norm_one_and_refuses_a_zero_row():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(5, 4))
    assert np.allclose(np.sqrt(np.sum(normalize_rows(x) ** 2, axis=1)), 1.0, rtol=1e-15)
    with pytest.raises(single_neuron.InputValueError, match="row 1 is all zeros"):
        normalize_rows(np.array([[1.0, 2.0], [0.0, 0.0]]))


def test_softmax_as_the_graders_check_it():
    x = np.array([[9, 2, 5, 0, 0], [7, 5, 0, 0, 0]])
    expected = np.array([[9.80897665e-01, 8.94462891e-04, 1.79657674e-02, 1.21052389e-04, 1.21052389e-04],
                         [8.78679856e-01, 1.18916387e-01, 8.01252314e-04, 8.01252314e-04, 8.01252314e-04]])
    graded(softmax, [{"input": [x], "expected": expected}])


def test_softmax_equals_the_plain_formula_and_never_overflows():
    rng = np.random.default_rng(1)
    x = rng.normal(size=(3, 6)) * 5
    plain = np.exp(x) / np.sum(np.exp(x), axis=1, keepdims=True)
    assert np.allclose(softmax(x), plain, rtol=1e-13, atol=0)
    big = softmax(np.array([[1000.0, 999.0], [-1000.0, -1001.0]]))
    assert np.all(np.isfinite(big)) and np.allclose(big.sum(axis=1), 1.0)


def test_l1_and_l2_as_the_graders_check_them():
    (l1,) = graded(L1, [{"input": [YHAT, Y], "expected": 1.1}])
    (l2,) = graded(L2, [{"input": [YHAT, Y], "expected": 0.43}])
    assert f"L1 = {l1}" == "L1 = 1.1" and f"L2 = {l2}" == "L2 = 0.43"
    # a second route: the loop over the examples, as the notes write a sum
    assert l1 == pytest.approx(sum(abs(a - b) for a, b in zip(Y, YHAT)), rel=1e-15)
    assert l2 == pytest.approx(sum((a - b) ** 2 for a, b in zip(Y, YHAT)), rel=1e-15)
    with pytest.raises(single_neuron.ShapeError, match="one shape"):
        L1(YHAT, Y.reshape(1, 5))


def test_the_practice_functions_are_the_package_roots():
    from single_neuron.neuron import practice

    for name in practice.__all__:
        assert getattr(single_neuron, name) is getattr(practice, name)
