"""SingleNeuronClassifier: scikit-learn's own estimator checks, pipelines, and the course's run on rows."""

import numpy as np
import pytest
from sklearn.model_selection import GridSearchCV, cross_val_score
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils.estimator_checks import parametrize_with_checks

from single_neuron import SingleNeuronClassifier, model


# scikit-learn's checks fit unscaled data with the default learning rate, where the cost does rise
# and the estimator rightly says so, as scikit-learn's own estimators do in these checks.
@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
@parametrize_with_checks([SingleNeuronClassifier(), SingleNeuronClassifier(solver="primal", dtype="float32"),
                          SingleNeuronClassifier(l2=0.5, tol=1e-6)])
def test_scikit_learn_estimator_checks(estimator, check):
    check(estimator)


def test_the_course_run_through_the_estimator_on_rows(cat_sets):
    train, test = cat_sets
    clf = SingleNeuronClassifier(learning_rate=0.005, max_iter=2000).fit(train.X.T, train.y)
    assert clf.score(train.X.T, train.y) == pytest.approx(0.9904306220095694, abs=1e-15)
    assert clf.score(test.X.T, test.y) == 0.70
    d = model(train.X, train.Y, test.X, test.Y, learning_rate=0.005)
    np.testing.assert_allclose(clf.coef_.T, d["w"], rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(clf.costs_, d["costs"], rtol=1e-12)
    assert clf.n_iter_ == 2000 and clf.solver_ == "gram"


def test_pipeline_grid_search_and_cross_validation(cat_sets):
    train, test = cat_sets
    pipe = Pipeline([("scale", StandardScaler()), ("neuron", SingleNeuronClassifier(max_iter=300))])
    search = GridSearchCV(pipe, {"neuron__learning_rate": [0.001, 0.01]}, cv=3).fit(train.X.T, train.y)
    assert search.best_params_["neuron__learning_rate"] in (0.001, 0.01)
    assert len(search.cv_results_["mean_test_score"]) == 2
    assert 0.5 < search.score(test.X.T, test.y) <= 1.0
    scores = cross_val_score(SingleNeuronClassifier(max_iter=200), train.X.T, train.y, cv=3)
    assert scores.shape == (3,) and (scores > 0.5).all()


def test_any_two_labels_and_the_probabilities(rng):
    X = rng.normal(size=(60, 4))
    y = np.where(X[:, 0] + 0.5 * X[:, 1] > 0, "dog", "cat")
    clf = SingleNeuronClassifier(learning_rate=0.5, max_iter=300).fit(X, y)
    assert list(clf.classes_) == ["cat", "dog"]
    assert clf.score(X, y) > 0.9
    p = clf.predict_proba(X)
    np.testing.assert_allclose(p.sum(axis=1), 1.0)
    np.testing.assert_array_equal(clf.predict(X), np.where(p[:, 1] > 0.5, "dog", "cat"))
    assert clf.coef_.shape == (1, 4) and clf.intercept_.shape == (1,)


def test_integer_sample_weights_equal_repeated_examples(rng):
    X = rng.normal(size=(30, 5))
    y = (rng.random(30) < 0.5).astype(int)
    s = rng.integers(0, 4, size=30)
    s[:2] = 1
    y[:2] = [0, 1]
    weighted = SingleNeuronClassifier(learning_rate=0.1, max_iter=200, l2=0.3).fit(X, y, sample_weight=s)
    repeated = SingleNeuronClassifier(learning_rate=0.1, max_iter=200, l2=0.3).fit(np.repeat(X, s, axis=0),
                                                                                    np.repeat(y, s))
    np.testing.assert_allclose(weighted.coef_, repeated.coef_, rtol=1e-10, atol=1e-13)
    np.testing.assert_allclose(weighted.costs_, repeated.costs_, rtol=1e-10)


def test_early_stopping_is_off_by_default_and_stops_when_asked(rng):
    X = rng.normal(size=(50, 3))
    y = (X[:, 0] > 0).astype(int)
    assert SingleNeuronClassifier(learning_rate=1.0, max_iter=3000).fit(X, y).n_iter_ == 3000
    stopped = SingleNeuronClassifier(learning_rate=1.0, max_iter=3000, tol=1e-4, n_iter_no_change=3).fit(X, y)
    assert 3 < stopped.n_iter_ < 3000
    for solver in ("primal", "gram"):
        other = SingleNeuronClassifier(learning_rate=1.0, max_iter=3000, tol=1e-4, n_iter_no_change=3,
                                       solver=solver).fit(X, y)
        assert other.n_iter_ == stopped.n_iter_


@pytest.mark.parametrize("params, fragment", [
    ({"learning_rate": 0}, "learning_rate: expected a number > 0"),
    ({"max_iter": -1}, "max_iter: expected a whole number >= 0"),
    ({"solver": "lbfgs"}, "solver: expected one of auto, primal, gram"),
    ({"dtype": "int8"}, "dtype: expected float32 or float64"),
    ({"tol": -1.0}, "tol: expected a number >= 0"),
])
def test_bad_hyper_parameters_are_refused_at_fit(params, fragment):
    with pytest.raises(ValueError, match=fragment):
        SingleNeuronClassifier(**params).fit(np.eye(4), [0, 1, 0, 1])


def test_multiclass_targets_are_refused():
    with pytest.raises(ValueError, match="Only binary classification is supported"):
        SingleNeuronClassifier().fit(np.eye(3), [0, 1, 2])
