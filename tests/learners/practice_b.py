"""Python Basics with NumPy"""
# expect: sigmoid error sigmoid.math-exp
# expect: image2vector wrong image2vector.rank1
# expect: L1 wrong L1.no-abs

import numpy as np
import math
import copy


def basic_sigmoid(x):
    """
    Compute sigmoid of x.

    Arguments:
    x -- A scalar

    Return:
    s -- sigmoid(x)
    """
    ### START CODE HERE ### (≈ 1 line of code)
    s = 1 / (1 + math.exp(-x))
    ### END CODE HERE ###
    return s


def sigmoid(z):
    s = 1 / (1 + math.exp(-z))
    return s


def sigmoid_derivative(x):
    """
    Compute the gradient (also called the slope or derivative) of the sigmoid function with respect to its input x.
    """
    s = sigmoid(x)
    ds = s * (1 - s)
    return ds


def image2vector(image):
    v = image.reshape(image.shape[0] * image.shape[1] * image.shape[2])
    return v


def normalize_rows(x):
    norms = np.sqrt(np.sum(x ** 2, axis=1)).reshape(-1, 1)
    return x / norms


def softmax(x):
    shifted = x - np.max(x, axis=1, keepdims=True)    # the same result, and exp cannot overflow
    e = np.exp(shifted)
    return e / e.sum(axis=1)[:, None]


def L1(yhat, y):
    loss = np.sum(y - yhat)
    return loss


def L2(yhat, y):
    d = y - yhat
    return float(d @ d)


if __name__ == "__main__":
    x = np.array([[1.0, 2.0], [3.0, 4.0]])
    print("checking by hand:", x)
