"""Python Basics with NumPy"""
# expect: basic_sigmoid wrong basic_sigmoid.sign
# expect: sigmoid wrong sigmoid.sign
# expect: normalize_rows error normalize_rows.no-keepdims
# expect: L1 wrong L1.mean

from __future__ import annotations

import copy, math
import numpy as np

np.random.seed(1)
print('starting')


def basic_sigmoid(x):
    denominator = 1.0 + math.pow(math.e, x)
    return 1.0 / denominator


def sigmoid(z):
    return 1 / (1 + np.exp(z))


def sigmoid_derivative(x):
    s = 1 / (1 + np.exp(-x))
    return s - s ** 2


def image2vector(image):
    return image.reshape(-1, 1)


def normalize_rows(x):
    x_norm = np.linalg.norm(x, axis=1)
    return x / x_norm


def softmax(x):
    s = np.zeros(x.shape)
    for i in range(x.shape[0]):
        e = np.exp(x[i])
        s[i] = e / e.sum()
    return s


def L1(yhat, y):
    loss = np.mean(np.abs(y - yhat))
    return loss


def L2(yhat, y):
    loss = 0.0
    for i in range(len(y)):
        loss += (y[i] - yhat[i]) ** 2
    return loss


print("all defined")
results = [round(v, 3) for v in (0.1234, 5.6789)]
