"""SingleNeuronClassifier: the one-neuron classifier under scikit-learn's estimator contract.

scikit-learn keeps one example per row, X of shape (n_samples, n_features). The
estimator hands the math `X.T`, a transposed view in the notes' layout (n_x, m),
and runs the same gradient descent as `single_neuron.optimize`.
"""

from __future__ import annotations

import warnings

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils.multiclass import check_classification_targets, type_of_target
from sklearn.utils.validation import check_is_fitted, validate_data

from .. import validation as check
from ..neuron.formulas import PIXEL_SCALE, decide, sigmoid, to_numpy
from ..errors import InputValueError, SingleNeuronError
from ..engines import open_pass
from ..engines.in_memory import features_by_examples
from ..neuron.descent import descend
from .advice import far_from_minimum, run_advice


class SingleNeuronClassifier(ClassifierMixin, BaseEstimator):
    """Binary logistic regression trained by batch gradient descent from zeros.

    Parameters
    ----------
    learning_rate : float or "auto", default=0.005
        alpha, the gradient-descent step; "auto" takes 1/L from the cost's curvature, L the
        largest eigenvalue of X.T X / (4 n_samples) (+ the L2 term), found in a few passes over X.
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
        best value for `n_iter_no_change` iterations in a row, counted once it has fallen
        below its first value (a first rise is waited out). None (the default) runs all
        `max_iter` steps, so the course's run is unchanged.
    n_iter_no_change : int, default=5
        Patience of early stopping.
    accelerated : bool, default=False
        Nesterov's accelerated steps, the momentum restarted when it points uphill.
    gtol : float or None, default=None
        Stop once the gradient's norm sqrt(||dw||^2 + db^2) is at most `gtol` times its norm
        at the first step.
    centered : bool, default=False
        Step in centred coordinates, the intercept measured at the examples' mean: the same
        cost, model and minimum; on features far from centred (pixels in [0, 1]) a far larger
        step "auto" and far fewer steps. Not with solver "gram". Like `accelerated`, a setting of
        `fit`: `partial_fit` takes plain steps.
    print_every : int, default=100
        Record the cost every `print_every` iterations (into `costs_`).
    engine : {"numpy", "torch", "cupy", "dask"}, default="numpy"
        Array engine of the training loop; "torch" and "cupy" run on a GPU (see `device`),
        "dask" on a local cluster started for the fit.
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
    learning_rate_ : float
        The step taken: `learning_rate`, or 1/L for "auto".
    restarts_ : int or None
        With `accelerated`, how many times the momentum restarted.
    n_features_in_ : int

    A run that goes wrong warns with scikit-learn's `ConvergenceWarning`: early stopping
    ended it because the cost rose, the cost went far above where it started (more than a
    hundred times) or grew back above it, or `max_iter` came before early stopping's
    criterion (with `tol`), or the run ended far from a minimum (its gradient still more than
    5 % of its size at the start).

    `save(path, input_shape=...)` writes the model file of `single-neuron train
    --model-out`, so `single-neuron predict`, `evaluate` and `inspect` use it;
    `SingleNeuronClassifier.load(path)` reads one back, from either side.

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
                 tol=None, n_iter_no_change=5, print_every=100, engine="numpy", device=None, accelerated=False,
                 gtol=None, centered=False):
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
        self.accelerated = accelerated
        self.gtol = gtol
        self.centered = centered

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
        # The notes' (n_x, m): a free view of X in the run's dtype; a change of dtype copies anyway, so
        # the copy is made in the notes' layout, where a step's products run about twice as fast.
        X_cols = X.T if X.dtype == dt else features_by_examples(X.T, dt)
        Y = (y == self.classes_[1]).astype(dt).reshape(1, -1)
        with open_pass(X_cols, Y, weights, engine=settings["engine"], solver=settings["solver"],
                       num_iterations=settings["max_iter"], device=settings["device"],
                       centered=settings["centered"]) as data:
            run = descend(data, np.zeros((X.shape[1], 1), dt), 0.0, settings["max_iter"], settings["learning_rate"],
                          l2=settings["l2"], record_every=settings["print_every"], tol=settings["tol"],
                          n_iter_no_change=settings["n_iter_no_change"], accelerated=settings["accelerated"],
                          gtol=settings["gtol"], centered=settings["centered"])
        self._keep(run)
        self.n_iter_ = run.n_iter
        self.costs_ = run.costs
        self.restarts_ = run.restarts
        advice = run_advice(run, run.learning_rate, settings["tol"], settings["max_iter"], "max_iter",
                            lambda: max(float(X_cols.max()), -float(X_cols.min())) > 1.0) or far_from_minimum(run)
        if advice is not None:
            warnings.warn(advice, ConvergenceWarning, stacklevel=2)
        return self

    def partial_fit(self, X, y, classes=None, sample_weight=None):
        """One gradient-descent step on this batch (mini-batch learning); returns self.

        The first call needs `classes` (both labels) unless y holds both already. Each call is one
        plain step at `learning_rate` ("auto": 1/L of this batch): `max_iter`, `tol`, `gtol`,
        `accelerated` and `centered` are `fit`'s, as they need the whole data set (momentum built on
        batches' gradients does not converge, and the mean is every example's).
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
        self.learning_rate_ = run.learning_rate

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

    # ------------------------------------------------------------------------------- model files

    def save(self, path, input_shape=None, pixel_scale=PIXEL_SCALE) -> None:
        """Write the fitted neuron to `path` (.npz), in the model file format of `single-neuron
        train --model-out`, atomically.

        input_shape : (height, width, channels) of the images whose unrolled pixels are the
            features, channels 1, 3 or 4; default (1, n_features, 1), one row of gray values.
        pixel_scale : what the pixels were divided by to give the features (default 255, as
            `Dataset.X`; 1 for raw pixel values).
        """
        from ..io.modelfile import SavedModel, save_model

        check_is_fitted(self)
        n = self.n_features_in_
        shape = (1, n, 1) if input_shape is None else tuple(input_shape)
        if (len(shape) != 3 or not all(isinstance(v, (int, np.integer)) and v > 0 for v in shape)
                or shape[2] not in (1, 3, 4) or shape[0] * shape[1] * shape[2] != n):
            raise InputValueError(f"input_shape: expected (height, width, channels) with 1, 3 or 4 channels "
                                  f"and height * width * channels = {n} features, got {input_shape!r}")
        labels = [c.item() if isinstance(c, np.generic) else c for c in np.ravel(self.classes_)]
        training = self._training_record()
        if _plain_labels(labels) is not None:
            training["labels"] = labels         # the labels themselves, when JSON keeps them as they are
        save_model(path, SavedModel(w=self.coef_.T, b=float(self.intercept_[0]),
                                    input_shape=tuple(int(v) for v in shape),
                                    classes=(str(labels[0]), str(labels[1])),
                                    pixel_scale=check.positive_number("pixel_scale", pixel_scale),
                                    costs=list(self.costs_),
                                    training={k: v for k, v in training.items() if v is not None}))

    def _training_record(self) -> dict:
        """The settings of the fit and what it did, for a model file's metadata."""
        training = {"estimator": type(self).__name__, "learning_rate": self.learning_rate,
                    "num_iterations": self.max_iter, "print_every": self.print_every, "solver": self.solver_,
                    "dtype": str(np.dtype(self.dtype)), "l2": self.l2, "tol": self.tol,
                    "n_iter_no_change": self.n_iter_no_change, "n_iter": self.n_iter_,
                    "accelerated": self.accelerated, "gtol": self.gtol, "centered": self.centered}
        if self.learning_rate == "auto" and hasattr(self, "learning_rate_"):
            training["learning_rate_used"] = self.learning_rate_
        return training

    @classmethod
    def load(cls, path) -> SingleNeuronClassifier:
        """A fitted classifier from a model file written by `save` or by `single-neuron train
        --model-out`. Its features are the model's unrolled pixels divided by its pixel scale
        (`input_shape_`, `pixel_scale_`); classes_ are the labels it was fitted on, or the
        model's class names."""
        from ..io.modelfile import load_model

        saved = load_model(path)
        training = saved.training
        estimator = cls(**_hyper_parameters(training))
        labels = _plain_labels(training.get("labels"))
        if labels is None or [str(c) for c in labels] != list(saved.classes):
            labels = list(saved.classes)
        estimator.classes_ = np.array(labels)
        estimator.coef_ = saved.w.T.astype(np.float64)
        estimator.intercept_ = np.array([float(saved.b)])
        estimator.n_features_in_ = int(saved.w.shape[0])
        n_iter = training.get("n_iter")
        estimator.n_iter_ = n_iter if isinstance(n_iter, int) and not isinstance(n_iter, bool) else 0
        estimator.costs_ = list(saved.costs)
        solver = training.get("solver")
        estimator.solver_ = solver if solver in ("primal", "gram") else "primal"
        estimator.input_shape_ = tuple(saved.input_shape)
        estimator.pixel_scale_ = float(saved.pixel_scale)
        return estimator

    # ------------------------------------------------------------------------------------ checks

    def _checked_settings(self) -> dict:
        """{parameter: value} of the parameters that are settings of a run, each checked by its
        setting's check in `setting_table` (the messages name the parameter)."""
        import inspect

        from .setting_table import TABLE

        # None is a value only of the parameters whose own default it is (tol, device).
        optional = {n for n, p in inspect.signature(type(self).__init__).parameters.items() if p.default is None}
        out = {s.estimator: None if getattr(self, s.estimator) is None and s.estimator in optional
               else s.check(s.estimator, getattr(self, s.estimator)) for s in TABLE if s.estimator}
        out["dtype"] = np.dtype(out["dtype"])
        return out

    def _sample_weight(self, sample_weight, y, dtype, both_classes: bool = True):
        """(1, m) weights in `dtype`, checked (see `validation.sample_weights`), or None."""
        return None if sample_weight is None else check.sample_weights(sample_weight, y, dtype, both_classes)


def _plain_labels(labels) -> list | None:
    """`labels` if they are two different labels of one kind that JSON keeps as they are (text,
    whole numbers, other numbers or booleans), else None: [0, False] would become [0, 0] in an
    array, [1, 1.0] two equal floats, [[0], [1]] an array of another shape."""
    if not (isinstance(labels, list) and len(labels) == 2):
        return None
    kinds = {bool if isinstance(c, bool) else int if isinstance(c, int) else float if isinstance(c, float)
             else str if isinstance(c, str) else None for c in labels}
    if len(kinds) != 1 or None in kinds or labels[0] == labels[1]:
        return None
    return labels


def _hyper_parameters(training: dict) -> dict:
    """The constructor's arguments from a model file's training record: each one only if it is a
    value the estimator accepts (a file may come from anywhere), else the default.

    A run that stopped early on held-out examples (validation_fraction, which the estimator does
    not hold out) recorded the tolerance of their cost and the most iterations it might have
    made: refitted with those on the training cost, which keeps falling, it would run them all.
    Such a record gives the steps the run made (n_iter) as max_iter, and no early stopping."""
    names = {"learning_rate": "learning_rate", "max_iter": "num_iterations", "dtype": "dtype",
             "l2": "l2", "tol": "tol", "n_iter_no_change": "n_iter_no_change", "print_every": "print_every",
             "accelerated": "accelerated", "gtol": "gtol", "centered": "centered"}
    if training.get("validation_fraction") is not None:
        names = {**{k: v for k, v in names.items() if k not in ("tol", "n_iter_no_change")}, "max_iter": "n_iter"}
    params = {}
    for param, key in names.items():
        value = training.get(key)
        if value is None or (isinstance(value, bool) and param not in ("accelerated", "centered")):
            continue
        try:
            SingleNeuronClassifier(**{param: value})._checked_settings()
        except (SingleNeuronError, TypeError):
            continue
        params[param] = value
    return params
