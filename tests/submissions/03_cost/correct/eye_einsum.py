# CORRECT: np.eye indexing for one_hot, einsum / np.dot for the sums, mean of per-column sums
import numpy as np

from forward import feedforward


def one_hot(labels, n_classes=10):
    labels = np.atleast_1d(np.asarray(labels, dtype=np.int64))
    return np.eye(n_classes)[:, labels]


def example_cost(output, y):
    d = (np.asarray(output, dtype=float) - np.asarray(y, dtype=float)).ravel()
    return float(np.dot(d, d))


def average_cost(weights, biases, X, Y):
    diff = feedforward(weights, biases, X) - Y
    per_example = np.einsum("ij,ij->j", diff, diff)
    return float(np.mean(per_example))


def cost_derivative(output, y):
    return np.multiply(2.0, np.subtract(output, y))
