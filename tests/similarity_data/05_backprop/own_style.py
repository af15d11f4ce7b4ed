# CORRECT: backprop with a dict of cached z's and activations, all deltas first and the gradients afterwards
# (a while loop going back); numerical_gradient nudges a copy with a one-hot step array
import numpy as np

from neuron import sigmoid, sigmoid_prime


def chain_rule_single(a_prev, w, b, y):
    a = sigmoid(w * a_prev + b)
    common = 2.0 * (a - y) * a * (1.0 - a)
    return float(common * a_prev), float(common), float(common * w)


def forward_cache(weights, biases, X):
    cache = {"a": [X], "z": []}
    for i in range(len(weights)):
        cache["z"].append(np.dot(weights[i], cache["a"][i]) + biases[i])
        cache["a"].append(sigmoid(cache["z"][i]))
    return cache


def backprop(weights, biases, X, Y):
    cache = forward_cache(weights, biases, X)
    n_layers = len(weights)
    deltas = [None] * n_layers
    deltas[n_layers - 1] = 2.0 * (cache["a"][n_layers] - Y) * sigmoid_prime(cache["z"][n_layers - 1])
    i = n_layers - 2
    while i >= 0:
        deltas[i] = np.dot(weights[i + 1].T, deltas[i + 1]) * sigmoid_prime(cache["z"][i])
        i -= 1
    count = X.shape[1]
    grad_w = [np.dot(deltas[i], cache["a"][i].T) / count for i in range(n_layers)]
    grad_b = [deltas[i].sum(axis=1).reshape(-1, 1) / count for i in range(n_layers)]
    return grad_w, grad_b


def numerical_gradient(f, x, h=1e-05):
    base = np.array(x, dtype=float, copy=True)
    result = np.zeros(base.shape)
    for k in range(base.size):
        step = np.zeros(base.size)
        step[k] = h
        step = step.reshape(base.shape)
        result.flat[k] = (f(base + step) - f(base - step)) / (2 * h)
    return result
