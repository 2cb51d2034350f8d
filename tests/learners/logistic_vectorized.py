"""Logistic Regression with a Neural Network mindset, with @ and np.mean"""

import numpy as np
import math
import copy


def sigmoid(z):
    # the same function through tanh: sigma(z) = (1 + tanh(z / 2)) / 2
    return 0.5 * (1 + np.tanh(z / 2))


def initialize_with_zeros(dim):
    return np.zeros([dim, 1]), 0.0


def propagate(w, b, X, Y):
    A = sigmoid(w.T @ X + b)
    cost = -np.mean(Y * np.log(A) + (1 - Y) * np.log(1 - A))
    dZ = A - Y
    dw = X @ dZ.T / X.shape[1]
    db = np.mean(dZ)
    return {"dw": dw, "db": db}, cost


def optimize(w, b, X, Y, num_iterations=100, learning_rate=0.009, print_cost=False):
    w = w.copy()                 # a copy, so that the caller's w stays as it was
    costs = []
    for i in range(num_iterations):
        grads, cost = propagate(w, b, X, Y)
        w -= learning_rate * grads["dw"]
        b -= learning_rate * grads["db"]
        if i % 100 == 0:
            costs.append(cost)
    return {"w": w, "b": b}, grads, costs


def predict(w, b, X):
    return (sigmoid(w.T @ X + b) > 0.5).astype(float)


def model(X_train, Y_train, X_test, Y_test, num_iterations=2000, learning_rate=0.5, print_cost=False):
    w, b = initialize_with_zeros(len(X_train))
    params, grads, costs = optimize(w, b, X_train, Y_train, num_iterations=num_iterations,
                                    learning_rate=learning_rate, print_cost=print_cost)
    w, b = params["w"], params["b"]
    train_predictions = predict(w, b, X_train)
    test_predictions = predict(w, b, X_test)
    print("train accuracy:", 100 * np.mean(train_predictions == Y_train), "%")
    return dict(costs=costs, Y_prediction_test=test_predictions, Y_prediction_train=train_predictions,
                w=w, b=b, learning_rate=learning_rate, num_iterations=num_iterations)


if __name__ == "__main__":
    x = np.array([[1.0, 2.0], [3.0, 4.0]])
    print("checking by hand:", x)
