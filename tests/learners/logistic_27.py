"""Logistic regression, b started as a NumPy scalar: np.float64 is a float to arithmetic, not to
the course's own check, type(b) == float."""
# expect: initialize_with_zeros wrong initialize_with_zeros.b-array

import numpy as np


def sigmoid(z):
    return 1 / (1 + np.exp(-z))


def initialize_with_zeros(dim):
    w = np.zeros((dim, 1))
    b = np.float64(0)
    return w, b
