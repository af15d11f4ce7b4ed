# CORRECT: Nielsen-style backprop one example (column) at a time, nabla_b/nabla_w summed then divided by m; numerical_gradient with np.nditer (CS231n style, restoring each entry)
"""Backpropagation, example by example, as in Nielsen's network.py."""
import numpy as np

from neuron import sigmoid, sigmoid_prime
from cost import cost_derivative


def chain_rule_single(a_prev, w, b, y):
    z = w * a_prev + b
    a = sigmoid(z)
    dC_da = 2 * (a - y)
    da_dz = sigmoid_prime(z)
    return (float(a_prev * da_dz * dC_da), float(da_dz * dC_da), float(w * da_dz * dC_da))


def backprop_one(weights, biases, x, y):
    """Gradient of the cost of one example x (a column)."""
    nabla_b = [np.zeros(b.shape) for b in biases]
    nabla_w = [np.zeros(w.shape) for w in weights]
    activation = x
    activations = [x]
    zs = []
    for b, w in zip(biases, weights):
        z = np.dot(w, activation) + b
        zs.append(z)
        activation = sigmoid(z)
        activations.append(activation)
    delta = cost_derivative(activations[-1], y) * sigmoid_prime(zs[-1])
    nabla_b[-1] = delta
    nabla_w[-1] = np.dot(delta, activations[-2].transpose())
    for l in range(2, len(weights) + 1):
        z = zs[-l]
        sp = sigmoid_prime(z)
        delta = np.dot(weights[-l + 1].transpose(), delta) * sp
        nabla_b[-l] = delta
        nabla_w[-l] = np.dot(delta, activations[-l - 1].transpose())
    return nabla_w, nabla_b


def backprop(weights, biases, X, Y):
    m = X.shape[1]
    nabla_w = [np.zeros(w.shape) for w in weights]
    nabla_b = [np.zeros(b.shape) for b in biases]
    for j in range(m):
        dw, db = backprop_one(weights, biases, X[:, j:j + 1], Y[:, j:j + 1])
        nabla_w = [nw + d for nw, d in zip(nabla_w, dw)]
        nabla_b = [nb + d for nb, d in zip(nabla_b, db)]
    return [nw / m for nw in nabla_w], [nb / m for nb in nabla_b]


def numerical_gradient(f, x, h=1e-05):
    grad = np.zeros_like(x, dtype=float)
    it = np.nditer(x, flags=["multi_index"], op_flags=["readwrite"])
    while not it.finished:
        ix = it.multi_index
        old = x[ix]
        x[ix] = old + h
        fxph = f(x)
        x[ix] = old - h
        fxmh = f(x)
        x[ix] = old
        grad[ix] = (fxph - fxmh) / (2 * h)
        it.iternext()
    return grad
