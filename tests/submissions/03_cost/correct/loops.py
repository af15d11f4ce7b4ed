# CORRECT: plain Python loops everywhere (lists of lists, one example at a time)
"""The cost, written with explicit loops."""
import numpy as np

from forward import feedforward


def one_hot(labels, n_classes=10):
    if isinstance(labels, (int, np.integer)):
        labels = [labels]
    labels = list(labels)
    Y = np.zeros((n_classes, len(labels)))
    for j in range(len(labels)):
        Y[int(labels[j]), j] = 1.0
    return Y


def example_cost(output, y):
    a = np.ravel(output)
    t = np.ravel(y)
    total = 0.0
    for i in range(len(a)):
        total += (float(a[i]) - float(t[i])) ** 2
    return total


def average_cost(weights, biases, X, Y):
    m = X.shape[1]
    total = 0.0
    for j in range(m):
        a = feedforward(weights, biases, X[:, j:j + 1])
        total += example_cost(a, Y[:, j:j + 1])
    return total / m


def cost_derivative(output, y):
    result = np.empty(np.shape(output))
    for index in np.ndindex(result.shape):
        result[index] = 2 * (output[index] - y[index])
    return result
