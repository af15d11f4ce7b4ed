# CORRECT: plain Python loops and the math module: a piecewise stable sigmoid per element, math.fsum for the weighted sum
import math

import numpy as np


def _sigmoid_number(x):
    if x >= 0:
        return 1.0 / (1.0 + math.exp(-x))
    e = math.exp(x)
    return e / (1.0 + e)


def _elementwise(f, z):
    if np.ndim(z) == 0:
        return f(float(z))
    z = np.asarray(z, dtype=float)
    out = np.empty(z.shape)
    for index, x in np.ndenumerate(z):
        out[index] = f(float(x))
    return out


def sigmoid(z):
    return _elementwise(_sigmoid_number, z)


def sigmoid_prime(z):
    return _elementwise(lambda x: _sigmoid_number(x) * (1.0 - _sigmoid_number(x)), z)


def relu(z):
    return _elementwise(lambda x: x if x > 0 else 0.0, z)


def relu_prime(z):
    return _elementwise(lambda x: 1.0 if x > 0 else 0.0, z)


def weighted_sum(w, a):
    if len(w) != len(a):
        raise ValueError("w and a must have the same length")
    return math.fsum(float(wi) * float(ai) for wi, ai in zip(w, a))


def neuron(w, a, b, activation=sigmoid):
    total = weighted_sum(w, a) + b
    return float(activation(total))
