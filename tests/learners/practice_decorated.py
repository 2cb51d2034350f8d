"""Python Basics with NumPy: every function wrapped by a decorator of the learner's, a helper
shared by two functions, a pool of processes for one sum."""
# expect: L2 wrong L2.abs

import functools
import multiprocessing

import numpy as np


def logged(f):
    @functools.wraps(f)
    def inner(*args, **kwargs):
        return f(*args, **kwargs)
    return inner


def _exp_minus(x):
    return np.exp(-x)


@logged
def sigmoid(x):
    return 1 / (1 + _exp_minus(x))


@logged
def sigmoid_derivative(x):
    s = sigmoid(x)
    return s * (1 - s)


def _absolute(d):
    return abs(d)


@logged
def L1(yhat, y):
    with multiprocessing.get_context("fork").Pool(2) as pool:
        return float(sum(pool.map(_absolute, list(y - yhat))))


@logged
def L2(yhat, y):
    return np.sum(np.abs(y - yhat))
