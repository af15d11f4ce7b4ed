# CORRECT: Nielsen's network.py style: np.dot, rng.normal(0, 1, ...) biases first, a recursive feedforward, tuple unpacking
import numpy as np

import neuron


def layer_forward(W, a, b, activation=neuron.sigmoid):
    return activation(np.dot(W, a) + b)


def init_network(sizes, rng=None):
    rng = rng if rng is not None else np.random.default_rng()
    biases = [rng.normal(0.0, 1.0, size=(y, 1)) for y in sizes[1:]]
    weights = [rng.normal(0.0, 1.0, size=(y, x)) for x, y in zip(sizes[:-1], sizes[1:])]
    return (weights, biases)


def count_parameters(sizes):
    return sum(x * y for x, y in zip(sizes[:-1], sizes[1:])) + sum(sizes[1:])


def feedforward(weights, biases, a, activation=neuron.sigmoid):
    if not weights:
        return a
    return feedforward(weights[1:], biases[1:], layer_forward(weights[0], a, biases[0], activation), activation)


def predict(weights, biases, X):
    output = feedforward(weights, biases, X)
    return np.array([np.argmax(column) for column in output.T], dtype=np.int64)
