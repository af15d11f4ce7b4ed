# CORRECT: np.linalg.norm squared for the cost, sum over axis 0 then mean, np.put_along_axis one-hot
import numpy as np

from forward import feedforward


def one_hot(labels, n_classes=10):
    idx = np.asarray(labels).reshape(1, -1)
    Y = np.zeros((n_classes, idx.shape[1]), dtype=np.float64)
    np.put_along_axis(Y, idx, 1.0, axis=0)
    return Y


def example_cost(output, y):
    return float(np.linalg.norm(np.ravel(output) - np.ravel(y)) ** 2)


def average_cost(weights, biases, X, Y):
    out = feedforward(weights, biases, X)
    return float(((out - Y) ** 2).sum(axis=0).mean())


def cost_derivative(output, y):
    return (output - y) * 2
