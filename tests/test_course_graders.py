"""The course's own checks, run against our functions unchanged.

The assignment "Logistic Regression with a Neural Network mindset" grades a learner's
functions with `public_tests.py` (three published versions differ: the first has one
`initialize_with_zeros_test`, an older `propagate_test` case and a 3-example
`model_test`; the later two have `initialize_with_zeros_test_1`/`_2`, a 4-example
`propagate_test` and a 7-example `model_test`, whose `y_test` is a rank-1 array in one
and a (1, 3) row in the other), and its notebook asserts types and shapes in the
cells that call them (the notebook of 2017 inside the graded functions themselves).

Each test below feeds our function the grader's inputs, calls it with the grader's
arguments (positions and keywords as written there), and checks what the grader
checks: the same types, shapes and `np.allclose` values against the published
expected numbers. The random inputs come from the legacy generator seeded as the
graders seed it (`RandomState(0)` draws what `np.random.seed(0)` then `np.random.randn`
draws), without touching NumPy's global state.
"""

import numpy as np
import pytest

from single_neuron import initialize_with_zeros, model, optimize, predict, propagate, sigmoid

# ------------------------------------------------------------------------------------- sigmoid


def test_sigmoid_as_the_grader_checks_it():
    output = sigmoid(np.array([0, 2]))
    assert type(output) == np.ndarray
    assert np.allclose(output, [0.5, 0.88079708])
    assert np.allclose(sigmoid(1), 0.7310585)


def test_sigmoid_as_the_notebook_prints_it():
    assert str(sigmoid(np.array([0, 2]))) == "[0.5        0.88079708]"
    assert np.allclose(sigmoid(np.array([0.5, 0, 2.0])), [0.62245933, 0.5, 0.88079708])


# ------------------------------------------------------------------------ initialize_with_zeros


@pytest.mark.parametrize("dim", [3, 4])          # initialize_with_zeros_test (3), _test_1 (3), _test_2 (4)
def test_initialize_with_zeros_as_the_graders_check_it(dim):
    w, b = initialize_with_zeros(dim)
    assert type(b) == float
    assert b == 0.
    assert type(w) == np.ndarray
    assert w.shape == (dim, 1)
    assert np.allclose(w, [[0.]] * dim)


def test_initialize_with_zeros_as_the_notebooks_check_it():
    dim = 2
    w, b = initialize_with_zeros(dim)
    assert type(b) == float                                      # the notebook's cell
    assert w.shape == (dim, 1)                                   # the 2017 notebook, inside the function
    assert isinstance(b, float) or isinstance(b, int)
    assert str(w) == "[[0.]\n [0.]]" and str(b) == "0.0"


# ------------------------------------------------------------------------------------ propagate

# (w, b, X, Y, expected dw, db, cost) of the two published propagate_test cases
PROPAGATE_CASES = {
    "first": (np.array([[1.], [2.]]), 2., np.array([[1., 2., -1.], [3., 4., -3.2]]), np.array([[1, 0, 1]]),
              np.array([[0.99845601], [2.39507239]]), np.float64(0.00145557), np.array(5.80154531)),
    "later": (np.array([[1.], [2.], [-1]]), 2.5,
              np.array([[1., 2., -1., 0], [3., 4., -3.2, 1], [3., 4., -3.2, -3.5]]), np.array([[1, 1, 0, 0]]),
              np.array([[-0.03909333], [0.12501464], [-0.99960809]]), np.float64(0.288106326429569),
              np.array(2.0424567983978403)),
}


@pytest.mark.parametrize("version", PROPAGATE_CASES)
def test_propagate_as_the_graders_check_it(version):
    w, b, X, Y, expected_dw, expected_db, expected_cost = PROPAGATE_CASES[version]
    grads, cost = propagate(w, b, X, Y)
    assert type(grads['dw']) == np.ndarray
    assert grads['dw'].shape == w.shape
    assert np.allclose(grads['dw'], expected_dw)
    assert np.allclose(grads['db'], expected_db)
    assert np.allclose(cost, expected_cost)


def test_propagate_as_the_notebook_checks_it():
    w = np.array([[1.], [2]])
    b = 1.5
    X = np.array([[1., -2., -1.], [3., 0.5, -3.2]])
    Y = np.array([[1, 1, 0]])
    grads, cost = propagate(w, b, X, Y)
    assert type(grads["dw"]) == np.ndarray
    assert grads["dw"].shape == (2, 1)
    assert type(grads["db"]) == np.float64
    # The notebook's expected output: dw as it prints, db and the cost to the last digit or
    # two of their 17 (the course's log(A) and our overflow-free loss round differently).
    assert str(grads["dw"]) == "[[ 0.25071532]\n [-0.06604096]]"
    assert np.allclose(grads["db"], -0.1250040450043965, rtol=1e-15, atol=0)
    assert np.allclose(cost, 0.15900537707692405, rtol=1e-15, atol=0)


def test_propagate_passes_the_2017_notebooks_asserts():
    # The 2017 notebook asserted on its own db and cost inside propagate; learners apply the
    # same checks to what a library returns.
    w, b, X, Y = np.array([[1.], [2.]]), 2., np.array([[1., 2., -1.], [3., 4., -3.2]]), np.array([[1, 0, 1]])
    grads, cost = propagate(w, b, X, Y)
    dw, db = grads["dw"], grads["db"]
    assert dw.shape == w.shape
    assert db.dtype == float
    assert cost.shape == ()
    cost = np.squeeze(cost)
    assert cost.shape == ()
    assert "dw = " + str(dw) == "dw = [[0.99845601]\n [2.39507239]]"
    assert np.allclose([db, cost], [0.00145557813678, 5.801545319394553])


# ------------------------------------------------------------------------------------- optimize


def test_optimize_as_the_graders_check_it():
    w, b, X, Y = np.array([[1.], [2.]]), 2., np.array([[1., 2., -1.], [3., 4., -3.2]]), np.array([[1, 0, 1]])
    params, grads, costs = optimize(w, b, X, Y, num_iterations=101, learning_rate=0.1, print_cost=False)
    assert type(costs) == list
    assert len(costs) == 2
    assert np.allclose(costs, [5.80154532, 0.31057104])
    assert type(grads['dw']) == np.ndarray
    assert grads['dw'].shape == w.shape
    assert np.allclose(grads['dw'], [[0.06188603], [-0.01407361]])
    assert np.allclose(grads['db'], np.float64(-0.04709353))
    assert type(params['w']) == np.ndarray
    assert params['w'].shape == w.shape
    assert np.allclose(params['w'], [[-0.70916784], [-0.42390859]])
    assert np.allclose(params['b'], np.float64(2.26891346))
    # The start is the caller's: the notebook deep-copies w before the loop.
    assert np.array_equal(w, [[1.], [2.]])


def test_optimize_as_the_notebook_checks_it(capsys):
    w, b = np.array([[1.], [2]]), 1.5
    X, Y = np.array([[1., -2., -1.], [3., 0.5, -3.2]]), np.array([[1, 1, 0]])
    params, grads, costs = optimize(w, b, X, Y, num_iterations=100, learning_rate=0.009, print_cost=False)
    assert capsys.readouterr().out == ""
    assert str(params["w"]) == "[[0.80956046]\n [2.0508202 ]]"
    assert np.allclose(params["b"], 1.5948713189708588, rtol=0, atol=1e-15)
    assert str(grads["dw"]) == "[[ 0.17860505]\n [-0.04840656]]"
    assert np.allclose(grads["db"], -0.08888460336847771, rtol=0, atol=1e-15)
    assert type(costs) == list and len(costs) == 1
    assert np.allclose(costs, [0.15900537707692405], rtol=0, atol=1e-15)
    # The notebook's costs are 0-d NumPy values; a learner's plot squeezes them into a row.
    assert all(type(c) == np.float64 and c.shape == () for c in costs)
    assert np.squeeze(costs).shape == ()


def test_optimize_as_the_2017_notebook_calls_it(capsys):
    # The 2017 optimize had no defaults: model passed num_iterations, learning_rate and
    # print_cost by position.
    w, b, X, Y = np.array([[1.], [2.]]), 2., np.array([[1., 2., -1.], [3., 4., -3.2]]), np.array([[1, 0, 1]])
    params, grads, costs = optimize(w, b, X, Y, 100, 0.009, True)
    assert capsys.readouterr().out == "Cost after iteration 0: 5.801545\n"
    assert np.allclose(params["w"], [[0.19033591], [0.12259159]])
    assert np.allclose(params["b"], 1.92535983008)
    assert np.allclose(grads["dw"], [[0.67752042], [1.41625495]])
    assert np.allclose(grads["db"], 0.219194504541)


# -------------------------------------------------------------------------------------- predict


def test_predict_as_the_grader_checks_it():
    w = np.array([[0.3], [0.5], [-0.2]])
    b = -0.33333
    X = np.array([[1., -0.3, 1.5], [2, 0, 1], [0, -1.5, 2]])
    pred = predict(w, b, X)
    assert type(pred) == np.ndarray
    assert pred.shape == (1, X.shape[1])
    assert np.bitwise_not(np.allclose(pred, [[1., 1., 1]]))
    assert np.allclose(pred, [[1., 0., 1]])


def test_predict_as_the_notebooks_check_it():
    w = np.array([[0.1124579], [0.23106775]])
    b = -0.3
    X = np.array([[1., -1.1, -3.2], [1.2, 2., 0.1]])
    Y_prediction = predict(w, b, X)
    assert Y_prediction.shape == (1, X.shape[1])               # the 2017 notebook, inside the function
    assert "predictions = " + str(Y_prediction) == "predictions = [[1. 1. 0.]]"
    # The course's predict reshapes w to (n_x, 1), so n_x numbers in a row work too.
    assert np.array_equal(predict(w.ravel(), b, X), Y_prediction)


# ---------------------------------------------------------------------------------------- model


def _first_model_case():
    rng = np.random.RandomState(0)
    X = rng.randn(4, 3)
    Y = np.array([1, 0, 1]).reshape(1, 3)
    expected = {"costs": [np.array(0.69314718)], "Y_prediction_test": np.array([[1., 1., 1.]]),
                "Y_prediction_train": np.array([[1., 1., 1.]]),
                "w": np.array([[0.00194946], [-0.0005046], [0.00083111], [0.00143207]]),
                "b": np.float64(0.000831188)}
    return X, Y, X * 0.5, np.array([1, 0, 1]), 1e-4, expected


def _later_model_case(y_rank):
    rng = np.random.RandomState(0)
    Y = np.array([1, 0, 0, 1, 0, 0, 1]).reshape(1, 7) if y_rank == 1 else np.array([[1, 0, 0, 1, 0, 0, 1]])
    X = rng.randn(4, 7)
    x_test = rng.randn(4, 3)
    y_test = np.array([0, 1, 0]) if y_rank == 1 else np.array([[0, 1, 0]])
    expected = {"costs": [np.array(0.69314718)], "Y_prediction_test": np.array([[1., 1., 0.]]),
                "Y_prediction_train": np.array([[1., 1., 0., 1., 0., 0., 1.]]),
                "w": np.array([[0.08639757], [-0.08231268], [-0.11798927], [0.12866053]]),
                "b": -0.03983236094816321}
    return X, Y, x_test, y_test, 0.01, expected


MODEL_CASES = {
    "first, rank-1 y_test": _first_model_case,
    "later, rank-1 y_test": lambda: _later_model_case(1),
    "later, (1, m) y_test": lambda: _later_model_case(2),
}


@pytest.mark.parametrize("version", MODEL_CASES)
def test_model_as_the_graders_check_it(version):
    X, Y, x_test, y_test, learning_rate, expected = MODEL_CASES[version]()
    d = model(X, Y, x_test, y_test, num_iterations=50, learning_rate=learning_rate)
    assert type(d['costs']) == list
    assert len(d['costs']) == 1
    assert np.allclose(d['costs'], expected['costs'])
    assert type(d['w']) == np.ndarray
    assert d['w'].shape == (X.shape[0], 1)
    assert np.allclose(d['w'], expected['w'])
    assert np.allclose(d['b'], expected['b'])
    assert type(d['Y_prediction_test']) == np.ndarray
    assert d['Y_prediction_test'].shape == (1, x_test.shape[1])
    assert np.allclose(d['Y_prediction_test'], expected['Y_prediction_test'])
    assert type(d['Y_prediction_train']) == np.ndarray
    assert d['Y_prediction_train'].shape == (1, X.shape[1])
    assert np.allclose(d['Y_prediction_train'], expected['Y_prediction_train'])


def test_model_defaults_are_the_course_signature():
    # model(X_train, Y_train, X_test, Y_test, num_iterations=2000, learning_rate=0.5, print_cost=False)
    X, Y, x_test, y_test, _, _ = _later_model_case(2)
    d = model(X, Y, x_test, y_test)
    assert d["learning_rate"] == 0.5 and d["num_iterations"] == 2000 and len(d["costs"]) == 20
    by_position = model(X, Y, x_test, y_test, 2000, 0.5, False)
    assert np.array_equal(by_position["w"], d["w"]) and by_position["costs"] == d["costs"]


def test_model_on_the_cat_set_as_the_notebook_runs_it(cat_sets, capsys):
    train, test = cat_sets
    train_set_x, train_set_y, test_set_x, test_set_y = train.X, train.Y, test.X, test.Y
    assert train_set_y.shape == (1, 209) and test_set_y.shape == (1, 50)
    d = model(train_set_x, train_set_y, test_set_x, test_set_y, num_iterations=2000, learning_rate=0.005,
              print_cost=True)
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "Cost after iteration 0: 0.693147" and lines[19] == "Cost after iteration 1900: 0.140872"
    assert lines[20:] == ["train accuracy: 99.04306220095694 %", "test accuracy: 70.0 %"]
    # The cells after training: the learning curve, its title, a picture's predicted class.
    costs = np.squeeze(d['costs'])
    assert costs.shape == (20,) and costs.dtype == np.float64
    assert "Learning rate =" + str(d["learning_rate"]) == "Learning rate =0.005"
    assert int(d['Y_prediction_test'][0, 1]) in (0, 1)
    # The course's accuracy formula, applied by a learner to what model returns.
    assert 100 - np.mean(np.abs(d["Y_prediction_train"] - train_set_y)) * 100 == 99.04306220095694
    assert 100 - np.mean(np.abs(d["Y_prediction_test"] - test_set_y)) * 100 == 70.0
