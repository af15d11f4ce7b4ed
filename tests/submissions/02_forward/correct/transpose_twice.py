# CORRECT: rows-as-examples internally (a.T @ W.T + b.T, transposed back), copies before any in-place work, Python int count
import numpy as np

from neuron import sigmoid


def layer_forward(W, a, b, activation=sigmoid):
    z = a.T @ W.T          # (m, n_out)
    z += b.T               # z is a new array: adding in place is safe here
    return activation(z.T.copy())


def init_network(sizes, rng=None):
    if rng is None:
        rng = np.random.default_rng()
    weights, biases = [], []
    for n_in, n_out in zip(sizes, sizes[1:]):
        weights.append(rng.standard_normal(size=n_out * n_in).reshape(n_out, n_in))
        biases.append(rng.standard_normal(size=n_out).reshape(-1, 1))
    return weights, biases


def count_parameters(sizes):
    n = 0
    for n_in, n_out in zip(sizes, sizes[1:]):
        n += (n_in + 1) * n_out
    return int(n)


def feedforward(weights, biases, a, activation=sigmoid):
    a = np.array(a, dtype=float)
    for W, b in zip(weights, biases):
        a = layer_forward(W, a, b, activation)
    return a


def predict(weights, biases, X):
    out = feedforward(weights, biases, X)
    return out.argmax(axis=0)
