"""My first three functions of the week's assignment: logistic regression as one neuron.

Try: single-neuron check examples/learner/propagate.py
"""

import numpy as np


def sigmoid(z):
    return 1 / (1 + np.exp(-z))


def initialize_with_zeros(dim):
    w = np.zeros((dim, 1))
    b = 0.0
    return w, b


def propagate(w, b, X, Y):
    m = X.shape[1]
    A = sigmoid(np.dot(w.T, X) + b)                     # forward: (1, m)
    cost = -np.sum(Y * np.log(A) + (1 - Y) * np.log(1 - A)) / m
    dZ = A - Y
    dw = X * dZ / m                                     # backward
    db = np.sum(dZ) / m
    print("dw:", dw)
    return {"dw": dw, "db": db}, cost


w, b = initialize_with_zeros(2)
grads, cost = propagate(w, b, np.array([[1.0, 2.0], [3.0, 4.0]]), np.array([[1, 0]]))
print(cost)
