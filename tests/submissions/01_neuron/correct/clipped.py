# CORRECT: the usual classroom fix, clipping z to [-500, 500] before 1 / (1 + e^-z) (sigmoid(-1000) = 7e-218, 0 for all purposes)
import numpy as np


def sigmoid(z):
    z = np.clip(z, -500, 500)
    return 1.0 / (1.0 + np.exp(-z))


def sigmoid_prime(z):
    return sigmoid(z) * (1.0 - sigmoid(z))


def relu(z):
    return np.maximum(0, z) * 1.0


def relu_prime(z):
    return np.greater(z, 0).astype(np.float64) if np.ndim(z) else float(z > 0)


def weighted_sum(w, a):
    total = 0.0
    if len(w) != len(a):
        raise ValueError("w and a must have the same length")
    for i in range(len(w)):
        total += w[i] * a[i]
    return float(total)


def neuron(w, a, b, activation=sigmoid):
    return float(activation(weighted_sum(w, a) + b))
