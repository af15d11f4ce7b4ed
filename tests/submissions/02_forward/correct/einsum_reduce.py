# CORRECT: np.einsum for W a, functools.reduce over the layers, np.prod/np.int64 parameter count, argmax with keepdims then ravel
from functools import reduce

import numpy as np

from neuron import sigmoid


def layer_forward(W, a, b, activation=sigmoid):
    z = np.einsum("ji,ik->jk", W, a)
    z = z + b
    return activation(z)


def init_network(sizes, rng=None):
    generator = np.random.default_rng(rng)  # a Generator passes through unchanged
    shapes = list(zip(sizes[1:], sizes[:-1]))
    weights = [generator.standard_normal(shape) for shape in shapes]
    biases = [generator.standard_normal((n_out, 1)) for n_out, _ in shapes]
    return weights, biases


def count_parameters(sizes):
    sizes = np.asarray(sizes, dtype=np.int64)
    return int(np.sum(sizes[:-1] * sizes[1:] + sizes[1:]))


def feedforward(weights, biases, a, activation=sigmoid):
    return reduce(lambda act, layer: layer_forward(layer[0], act, layer[1], activation), zip(weights, biases), a)


def predict(weights, biases, X):
    return np.argmax(feedforward(weights, biases, X), axis=0, keepdims=True).ravel()
