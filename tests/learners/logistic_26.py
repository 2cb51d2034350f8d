"""Logistic Regression with a Neural Network mindset"""
# expect: propagate wrong propagate.dw-no-mean propagate.db-no-mean
# expect: predict wrong predict.inverted

from __future__ import annotations

import copy, math
import numpy as np

np.random.seed(1)
print('starting')


def sigmoid(z):
    # the same function through tanh: sigma(z) = (1 + tanh(z / 2)) / 2
    return 0.5 * (1 + np.tanh(z / 2))


def initialize_with_zeros(dim):
    return np.zeros([dim, 1]), 0.0


def propagate(w, b, X, Y):
    A = sigmoid(w.T @ X + b)
    cost = -np.mean(Y * np.log(A) + (1 - Y) * np.log(1 - A))
    dZ = A - Y
    dw = X @ dZ.T
    db = np.sum(dZ)
    return {"dw": dw, "db": db}, cost


def optimize(w, b, X, Y, num_iterations=100, learning_rate=0.009, print_cost=False):
    costs = []
    i = 0
    while i < num_iterations:
        grads, cost = propagate(w, b, X, Y)
        dw, db = grads["dw"], grads["db"]
        if i % 100 == 0:
            costs.append(cost)
        w = w - learning_rate * dw
        b = b - learning_rate * db
        print(f"iteration {i}: cost {cost}")
        i += 1
    return dict(w=w, b=b), dict(dw=dw, db=db), costs


def predict(w, b, X):
    A = sigmoid(w.T @ X + b)
    return (A < 0.5).astype(int)


def model(X_train, Y_train, X_test, Y_test, num_iterations=2000, learning_rate=0.5, print_cost=False):
    """
    Builds the logistic regression model by calling the function you've implemented previously
    """
    w, b = initialize_with_zeros(X_train.shape[0])
    params, grads, costs = optimize(w, b, X_train, Y_train, num_iterations, learning_rate, print_cost)
    w = params["w"]
    b = params["b"]
    Y_prediction_test = predict(w, b, X_test)
    Y_prediction_train = predict(w, b, X_train)

    # Print train/test Errors
    if print_cost:
        print("train accuracy: {} %".format(100 - np.mean(np.abs(Y_prediction_train - Y_train)) * 100))
        print("test accuracy: {} %".format(100 - np.mean(np.abs(Y_prediction_test - Y_test)) * 100))

    d = {"costs": costs,
         "Y_prediction_test": Y_prediction_test,
         "Y_prediction_train": Y_prediction_train,
         "w": w,
         "b": b,
         "learning_rate": learning_rate,
         "num_iterations": num_iterations}

    return d


print("all defined")
results = [round(v, 3) for v in (0.1234, 5.6789)]
