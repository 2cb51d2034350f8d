"""Python Basics with NumPy"""
# expect: sigmoid wrong sigmoid.sign
# expect: sigmoid_derivative wrong sigmoid_derivative.plus
# expect: image2vector wrong image2vector.order
# expect: softmax error softmax.no-keepdims
# expect: L2 wrong L2.abs

import math
import copy

import numpy as np
import matplotlib.pyplot as plt      # for the plots below
from lr_utils import load_dataset


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
    e = np.exp(z)  # e^z
    s = np.divide(1.0, 1.0 + e)
    return s


print("so far so good")   # a line the check never runs


def sigmoid_derivative(x):
    s = 1 / (1 + np.exp(-x))
    return s + s * s


def image2vector(image):
    channels_first = np.moveaxis(image, -1, 0)
    return channels_first.reshape(-1, 1)


def normalize_rows(x):
    """
    Implement a function that normalizes each row of the matrix x (to have unit length).
    """
    x_norm = np.linalg.norm(x, ord=2, axis=1, keepdims=True)
    x = x / x_norm
    return x


def softmax(x):
    x_exp = np.exp(x)
    x_sum = np.sum(x_exp, axis=1)
    s = x_exp / x_sum
    return s


def L1(yhat, y):
    """
    Arguments:
    yhat -- vector of size m (predicted labels)
    y -- vector of size m (true labels)

    Returns:
    loss -- the value of the L1 loss function defined above
    """
    loss = np.sum(np.abs(y - yhat))
    return loss


def L2(yhat, y):
    return np.sum(np.abs(y - yhat))


# a quick look at the data, as the notebook does
train_set_x_orig, train_set_y, test_set_x_orig, test_set_y, classes = load_dataset()
print(train_set_x_orig.shape)
