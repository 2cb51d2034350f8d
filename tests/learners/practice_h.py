"""Python Basics with NumPy"""
# expect: normalize_rows error normalize_rows.no-keepdims
# expect: softmax error softmax.no-keepdims
# expect: L1 wrong L1.no-abs
# expect: L2 wrong L2.abs

import numpy as np
import math
import copy


def basic_sigmoid(x):
    return 1.0 / (1.0 + math.e ** (-x))   # e^-x with the constant e


def sigmoid(z):
    s = np.zeros_like(z, dtype=float)
    for index, value in np.ndenumerate(z):
        s[index] = 1 / (1 + math.exp(-value))
    return s


def sigmoid_derivative(x):
    e = np.exp(-x)
    return e / (1 + e) ** 2


def image2vector(image):
    """
    Argument:
    image -- a numpy array of shape (length, height, depth)

    Returns:
    v -- a vector of shape (length*height*depth, 1)
    """
    v = image.reshape(image.shape[0] * image.shape[1] * image.shape[2], 1)
    return v


def normalizeRows(x):
    norms = np.sqrt(np.einsum('ij,ij->i', x, x))
    return x / norms


def softmax(x):
    e = np.exp(x)
    return e / e.sum(1)


def L1(yhat, y):
    return (yhat - y).sum()


def L2(yhat, y):
    loss = 0
    for p, t in zip(yhat, y):
        loss += abs(t - p)
    return loss


if __name__ == "__main__":
    x = np.array([[1.0, 2.0], [3.0, 4.0]])
    print("checking by hand:", x)
