"""Python Basics with NumPy, with explicit loops"""

from __future__ import annotations

import copy, math
import numpy as np

np.random.seed(1)
print('starting')


def basic_sigmoid(x):
    # np.exp works on a number too; float() gives a plain Python float back
    return float(1 / (1 + np.exp(-x)))


def sigmoid(z):
    s = np.zeros_like(z, dtype=float)
    for index, value in np.ndenumerate(z):
        s[index] = 1 / (1 + math.exp(-value))
    return s


def sigmoid_derivative(x):
    e = np.exp(-x)
    return e / (1 + e) ** 2


def image2vector(image):
    length, height, depth = image.shape
    v = np.zeros((length * height * depth, 1))
    k = 0
    for i in range(length):
        for j in range(height):
            for c in range(depth):
                v[k, 0] = image[i, j, c]
                k += 1
    return v


def normalize_rows(x):
    out = np.zeros(x.shape)
    for i in range(x.shape[0]):
        out[i] = x[i] / np.sqrt(np.dot(x[i], x[i]))
    return out


def softmax(x):
    s = np.zeros(x.shape)
    for i in range(x.shape[0]):
        e = np.exp(x[i])
        s[i] = e / e.sum()
    return s


def L1(yhat, y):
    return np.linalg.norm(y - yhat, ord=1)


def L2(yhat, y):
    loss = 0.0
    for i in range(len(y)):
        loss += (y[i] - yhat[i]) ** 2
    return loss


print("all defined")
results = [round(v, 3) for v in (0.1234, 5.6789)]
