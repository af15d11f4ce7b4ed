# CORRECT: sigmoid through tanh, 0.5 * (1 + tanh(z / 2)), which never overflows; np.dot and np.heaviside
import numpy as np


def sigmoid(z):
    return 0.5 * (1.0 + np.tanh(0.5 * np.asarray(z, dtype=np.float64)))


def sigmoid_prime(z):
    s = sigmoid(z)
    return s - s * s


def relu(z):
    return np.maximum(z, 0.0)


def relu_prime(z):
    return np.heaviside(z, 0.0)


def weighted_sum(w, a):
    return float(np.dot(np.asarray(w, dtype=float), np.asarray(a, dtype=float)))


def neuron(w, a, b, activation=sigmoid):
    z = weighted_sum(w, a) + b
    return float(activation(z))
