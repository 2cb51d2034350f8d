"""SingleNeuronClassifier: the one-neuron classifier under scikit-learn's estimator contract.

scikit-learn keeps one example per row, X of shape (n_samples, n_features). The
estimator hands the math `X.T`, a transposed view in the notes' layout (n_x, m),
and runs the same gradient descent as `single_neuron.optimize`.
"""

from __future__ import annotations

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.utils.multiclass import check_classification_targets, type_of_target
from sklearn.utils.validation import check_is_fitted, validate_data

from .. import validation as check
from ..neuron.formulas import decide, sigmoid, to_numpy
from ..errors import InputValueError
from ..engines.in_memory import SOLVERS
from ..neuron.descent import descend


class SingleNeuronClassifier(ClassifierMixin, BaseEstimator):
    """Binary logistic regression trained by batch gradient descent from zeros.

    Parameters
    ----------
    learning_rate : float, default=0.005
        alpha, the gradient-descent step.
    max_iter : int, default=2000
        Number of gradient-descent steps (fewer if early stopping ends the run).
    solver : {"auto", "primal", "gram"}, default="auto"
        How each step is computed; all give the same iterates (see docs/solvers.md).
    dtype : {"float64", "float32"}, default="float64"
        Floating-point type of the training loop.
    l2 : float, default=0.0
        L2 penalty: adds l2 / (2 m) * ||w||^2 to the cost.
    tol : float or None, default=None
        Early stopping: stop when the cost has not fallen by more than `tol` below its
        best value for `n_iter_no_change` iterations in a row. None (the default)
        runs all `max_iter` steps, so the course's run is unchanged.
    n_iter_no_change : int, default=5
        Patience of early stopping.
    print_every : int, default=100
        Record the cost every `print_every` iterations (into `costs_`).
    engine : {"numpy", "torch", "cupy"}, default="numpy"
        Array engine of the training loop; "torch" and "cupy" run on a GPU (see `device`).
        The fitted attributes are NumPy arrays whatever the engine.
    device : str or None, default=None
        For engine="torch": "cuda" (the default) or "cpu".

    Attributes
    ----------
    classes_ : ndarray of shape (2,)
        The two labels; the second is the positive class.
    coef_ : ndarray of shape (1, n_features)
        w.T, the weights.
    intercept_ : ndarray of shape (1,)
        b, the bias.
    n_iter_ : int
        Gradient-descent steps made.
    costs_ : list of float
        The cost recorded every `print_every` iterations.
    solver_ : str
        The solver used ("primal" or "gram").
    n_features_in_ : int

    Examples
    --------
    >>> from sklearn.datasets import load_breast_cancer
    >>> from sklearn.pipeline import make_pipeline
    >>> from sklearn.preprocessing import StandardScaler
    >>> X, y = load_breast_cancer(return_X_y=True)
    >>> clf = make_pipeline(StandardScaler(), SingleNeuronClassifier(learning_rate=0.1)).fit(X, y)
    >>> round(clf.score(X, y), 2)
    0.99
    """

    def __init__(self, learning_rate=0.005, max_iter=2000, solver="auto", dtype="float64", l2=0.0,
                 tol=None, n_iter_no_change=5, print_every=100, engine="numpy", device=None):
        self.learning_rate = learning_rate
        self.max_iter = max_iter
        self.solver = solver
        self.dtype = dtype
        self.l2 = l2
        self.tol = tol
        self.n_iter_no_change = n_iter_no_change
        self.print_every = print_every
        self.engine = engine
        self.device = device

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_class = False
        return tags

    def fit(self, X, y, sample_weight=None):
        """Fit on X of shape (n_samples, n_features) and y of shape (n_samples,); returns self."""
        settings = self._checked_settings()
        X, y = validate_data(self, X, y, dtype=[np.float64, np.float32])
        check_classification_targets(y)
        self.classes_ = np.unique(y)
        if self.classes_.size > 2 or type_of_target(y) == "multiclass":
            raise ValueError("Only binary classification is supported. The type of the target "
                             f"is {type_of_target(y)}, with {self.classes_.size} classes.")
        if self.classes_.size < 2:
            raise ValueError(f"SingleNeuronClassifier needs 2 classes to learn, got 1 class ({self.classes_[0]!r})")
        dt = settings["dtype"]
        weights = self._sample_weight(sample_weight, y, dt)
        X_cols = np.asarray(X.T, dtype=dt)                 # the notes' (n_x, m): a free view for float inputs
        Y = (y == self.classes_[1]).astype(dt).reshape(1, -1)
        run = descend(self._pass(X_cols, Y, weights, settings), np.zeros((X.shape[1], 1), dt), 0.0,
                      settings["max_iter"], settings["learning_rate"], l2=settings["l2"],
                      record_every=settings["print_every"], tol=settings["tol"],
                      n_iter_no_change=settings["n_iter_no_change"])
        self._keep(run)
        self.n_iter_ = run.n_iter
        self.costs_ = run.costs
        return self

    def partial_fit(self, X, y, classes=None, sample_weight=None):
        """One gradient-descent step on this batch (mini-batch learning); returns self.

        The first call needs `classes` (both labels) unless y holds both already.
        """
        settings = self._checked_settings()
        first = not hasattr(self, "classes_")
        X, y = validate_data(self, X, y, dtype=[np.float64, np.float32], reset=first)
        check_classification_targets(y)
        if first:
            self.classes_ = np.unique(y if classes is None else classes)
            if self.classes_.size != 2:
                raise ValueError("Only binary classification is supported: partial_fit needs exactly two "
                                 f"classes (give classes=[a, b] on the first call), got {self.classes_.size}")
            self.coef_, self.intercept_, self.n_iter_, self.costs_ = np.zeros((1, X.shape[1])), np.zeros(1), 0, []
        elif classes is not None and not np.array_equal(np.unique(classes), self.classes_):
            raise ValueError(f"classes {list(classes)} differ from those of the first call {list(self.classes_)}")
        unknown = np.setdiff1d(np.unique(y), self.classes_)
        if unknown.size:
            raise ValueError(f"y holds labels {list(unknown)} outside classes {list(self.classes_)}")
        dt = settings["dtype"]
        weights = self._sample_weight(sample_weight, y, dt, both_classes=False)
        from ..engines.in_memory import Primal

        data = Primal(np.asarray(X.T, dtype=dt), (y == self.classes_[1]).astype(dt).reshape(1, -1), weights)
        run = descend(data, self.coef_.T.astype(dt), float(self.intercept_[0]), 1, settings["learning_rate"],
                      l2=settings["l2"])
        self._keep(run)
        self.costs_ = self.costs_ + run.costs
        self.n_iter_ += 1
        return self

    def _keep(self, run) -> None:
        self.coef_ = to_numpy(run.w).T.astype(np.float64)
        self.intercept_ = np.array([float(run.b)])
        self.solver_ = run.solver

    def _pass(self, X_cols, Y, weights, settings):
        """The pass of `engine`: NumPy in memory (primal or Gram), or a GPU array engine."""
        if self.engine == "numpy":
            from ..engines.in_memory import in_memory_pass

            return in_memory_pass(X_cols, Y, self.solver, settings["max_iter"], weights)
        from ..engines.array_api import ArrayPass
        from ..engines.devices import resolve

        if self.solver == "gram":
            raise InputValueError(f"solver 'gram' runs on NumPy only, not on engine={self.engine!r}")
        engine = resolve(self.engine, self.device)
        return ArrayPass(engine.to_engine(np.ascontiguousarray(X_cols)), engine.to_engine(Y),
                         None if weights is None else engine.to_engine(weights))

    def decision_function(self, X):
        """z = X w + b for each row: (n_samples,); positive means the second class."""
        check_is_fitted(self)
        X = validate_data(self, X, reset=False, dtype=[np.float64, np.float32])
        return (X @ self.coef_.T.astype(X.dtype, copy=False))[:, 0] + self.intercept_[0]

    def predict_proba(self, X):
        """(n_samples, 2): the probabilities of classes_[0] and classes_[1], sigmoid(z) for the second."""
        a = sigmoid(self.decision_function(X))
        return np.column_stack([1.0 - a, a])

    def predict(self, X):
        """The label of each row: classes_[1] where sigmoid(z) > 0.5."""
        check_is_fitted(self)
        return self.classes_[decide(sigmoid(self.decision_function(X))).astype(int)]

    # ------------------------------------------------------------------------------------ checks

    def _checked_settings(self) -> dict:
        if self.solver not in SOLVERS:
            raise InputValueError(f"solver: expected one of {', '.join(SOLVERS)}, got {self.solver!r}")
        return {
            "learning_rate": check.positive_number("learning_rate", self.learning_rate),
            "max_iter": check.count("max_iter", self.max_iter),
            "dtype": check.check_dtype(self.dtype),
            "l2": check.non_negative_number("l2", self.l2),
            "tol": None if self.tol is None else check.non_negative_number("tol", self.tol),
            "n_iter_no_change": check.count("n_iter_no_change", self.n_iter_no_change, minimum=1),
            "print_every": check.count("print_every", self.print_every, minimum=1),
        }

    def _sample_weight(self, sample_weight, y, dtype, both_classes: bool = True):
        """(1, m) weights in `dtype`, checked; fit also needs each class to keep a positive weight,
        partial_fit's batches need not hold both classes."""
        if sample_weight is None:
            return None
        s = np.asarray(sample_weight, dtype=np.float64)
        if s.ndim == 0:
            s = np.full(y.shape[0], float(s))
        if s.shape != (y.shape[0],):
            raise ValueError(f"sample_weight: expected shape ({y.shape[0]},), got {s.shape}")
        if not np.isfinite(s).all() or (s < 0).any():
            raise ValueError("sample_weight: expected finite, non-negative numbers")
        check.weight_total("sample_weight", s, dtype)
        if not s.any():
            raise ValueError("sample_weight: every weight is zero; at least two examples need a positive weight")
        kept = np.unique(y[s > 0])
        if both_classes and kept.size < 2:
            raise ValueError("SingleNeuronClassifier needs examples of both classes with a positive "
                             f"sample_weight, got {kept.size} class(es)")
        return s.astype(dtype).reshape(1, -1)
