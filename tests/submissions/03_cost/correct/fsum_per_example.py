# CORRECT: math.fsum, example_cost reused per column, one_hot by comparison with arange, norm squared
import math

import numpy as np

from forward import feedforward


def one_hot(labels, n_classes=10):
    column = np.reshape(labels, (1, -1))
    return (np.arange(n_classes).reshape(-1, 1) == column).astype(np.float64)


def example_cost(output, y):
    return math.fsum(((np.asarray(output) - np.asarray(y)) ** 2).flat)


def average_cost(weights, biases, X, Y):
    out = feedforward(weights, biases, X)
    costs = [example_cost(out[:, j], Y[:, j]) for j in range(X.shape[1])]
    return math.fsum(costs) / len(costs)


def cost_derivative(output, y):
    output = np.array(output, dtype=float)  # a copy: the caller's array stays as it was
    output -= y
    output *= 2
    return output
