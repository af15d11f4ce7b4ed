# CORRECT: a piecewise sigmoid with np.where on e^-|z| (no overflow in either branch), out[()] for floats; sum of products
import numpy as np


def _number_for_number(out):
    return out[()]


def sigmoid(z):
    z = np.asarray(z, dtype=float)
    e = np.exp(-np.abs(z))
    return _number_for_number(np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e)))


def sigmoid_prime(z):
    return sigmoid(z) * (1 - sigmoid(z))


def relu(z):
    z = np.asarray(z, dtype=float)
    return _number_for_number(np.where(z > 0, z, 0.0))


def relu_prime(z):
    z = np.asarray(z, dtype=float)
    return _number_for_number(np.where(z > 0, 1.0, 0.0))


def weighted_sum(w, a):
    w, a = np.asarray(w, dtype=float), np.asarray(a, dtype=float)
    if w.shape != a.shape:
        raise ValueError("lengths differ")
    return np.sum(w * a).item()


def neuron(w, a, b, activation=sigmoid):
    return activation(weighted_sum(w, a) + b)
