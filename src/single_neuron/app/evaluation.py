"""How good a model is on a data set: the usual metrics, computed by scikit-learn."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from sklearn import metrics

from ..io.dataset import Dataset
from ..neuron.formulas import decide
from .weight_maps import probabilities
from ..io.modelfile import SavedModel


@dataclass
class Evaluation:
    report: dict
    labels: np.ndarray            # (m,) true 0/1
    probabilities: np.ndarray     # (m,) probability of class 1
    predicted: np.ndarray         # (m,) 0/1

    @property
    def wrong(self) -> np.ndarray:
        """Indices of the misclassified examples."""
        return np.flatnonzero(self.predicted != self.labels)


def evaluate(trained: SavedModel, data: Dataset) -> Evaluation:
    """Accuracy, precision, recall, F1, ROC AUC (of class 1) and the confusion matrix on `data`.

    Accuracy is in percent, as the course reports it; the confusion matrix is
    [[true 0 predicted 0, true 0 predicted 1], [true 1 predicted 0, true 1 predicted 1]].
    ROC AUC is None when the data holds only one class (and "roc_auc_note" says so). The
    data's labels are matched to the model's classes by name (see `io.sources.labelled_by`):
    a data set that names other classes is a DataError, never scored by position.
    """
    from ..io.sources import labelled_by

    data = labelled_by(data, trained.classes, "the model's")
    p = probabilities(trained, data.images)
    predicted = decide(p).astype(np.int64)
    y = data.y
    both = np.unique(y).size == 2
    report = {
        "m": int(data.m),
        "classes": list(trained.classes),
        "accuracy": 100.0 * metrics.accuracy_score(y, predicted),
        "precision": float(metrics.precision_score(y, predicted, zero_division=0)),
        "recall": float(metrics.recall_score(y, predicted, zero_division=0)),
        "f1": float(metrics.f1_score(y, predicted, zero_division=0)),
        "roc_auc": float(metrics.roc_auc_score(y, p)) if both else None,
        "log_loss": float(metrics.log_loss(y, np.clip(p, 1e-15, 1 - 1e-15), labels=[0, 1])),
        "confusion_matrix": metrics.confusion_matrix(y, predicted, labels=[0, 1]).tolist(),
        "source": data.source,
    }
    if not both:
        report["roc_auc_note"] = "undefined: the data holds examples of one class only"
    return Evaluation(report=report, labels=y, probabilities=p, predicted=predicted)
