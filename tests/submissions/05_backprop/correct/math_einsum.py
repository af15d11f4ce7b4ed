# CORRECT: chain rule with math.exp and plain floats; backprop with einsum over the examples; numerical_gradient with x.flat on a copy and e_i unit arrays
import math

import numpy as np


def _sig(z):
    return 1.0 / (1.0 + np.exp(-z))


def chain_rule_single(a_prev, w, b, y):
    z = w * a_prev + b
    if z >= 0:
        a = 1.0 / (1.0 + math.exp(-z))
    else:
        a = math.exp(z) / (1.0 + math.exp(z))
    common = a * (1 - a) * 2 * (a - y)
    return (a_prev * common, common, w * common)


def backprop(weights, biases, X, Y):
    m = X.shape[1]
    acts = [X]
    for W, b in zip(weights, biases):
        acts.append(_sig(W @ acts[-1] + b))
    deltas = [None] * len(weights)
    out = acts[-1]
    deltas[-1] = 2 * (out - Y) * out * (1 - out)
    for l in range(len(weights) - 2, -1, -1):
        a = acts[l + 1]
        deltas[l] = np.einsum("ji,jk->ik", weights[l + 1], deltas[l + 1]) * a * (1 - a)
    grad_w = [np.einsum("ik,jk->ij", d, a) / m for d, a in zip(deltas, acts[:-1])]
    grad_b = [d.mean(axis=1).reshape(-1, 1) for d in deltas]
    return grad_w, grad_b


def numerical_gradient(f, x, h=1e-05):
    x = np.array(x, dtype=float)
    grad = np.zeros(x.shape)
    g = grad.reshape(-1)
    for i in range(x.size):
        e = np.zeros(x.shape)
        e.flat[i] = h
        g[i] = (f(x + e) - f(x - e)) / (2 * h)
    return grad
