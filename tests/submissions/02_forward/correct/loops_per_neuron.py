# CORRECT: explicit loops: each neuron's weighted sum plus bias per example, layers one by one, predict column by column
import numpy as np

from neuron import sigmoid


def layer_forward(W, a, b, activation=sigmoid):
    n_out, n_in = W.shape
    m = a.shape[1]
    z = np.zeros((n_out, m))
    for j in range(n_out):          # neuron j of this layer
        for k in range(m):          # example k
            total = 0.0
            for i in range(n_in):
                total += W[j, i] * a[i, k]
            z[j, k] = total + b[j, 0]
    return activation(z)


def init_network(sizes, rng=None):
    if rng is None:
        rng = np.random.default_rng()
    weights, biases = [], []
    for l in range(1, len(sizes)):
        weights.append(rng.standard_normal((sizes[l], sizes[l - 1])))
        biases.append(rng.standard_normal((sizes[l], 1)))
    return weights, biases


def count_parameters(sizes):
    total = 0
    for l in range(1, len(sizes)):
        total += sizes[l - 1] * sizes[l]   # weights into layer l
        total += sizes[l]                  # one bias per neuron of layer l
    return total


def feedforward(weights, biases, a, activation=sigmoid):
    for l in range(len(weights)):
        a = layer_forward(weights[l], a, biases[l], activation=activation)
    return a


def predict(weights, biases, X):
    out = feedforward(weights, biases, X)
    answers = np.zeros(out.shape[1], dtype=int)
    for k in range(out.shape[1]):
        best = 0
        for j in range(out.shape[0]):
            if out[j, k] > out[best, k]:
                best = j
        answers[k] = best
    return answers
