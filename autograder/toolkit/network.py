"""The trusted network graders compute expected values with (never the student's code).

Shapes follow the course: an example is a column, X is (n_in, m), weights[l] is
(n_out, n_in), biases[l] is (n_out, 1), Y is one-hot (n_out, m). The cost of one
example is sum_i (a_i - y_i)^2 (no 1/2), the cost of a batch the mean over its
columns. Every function here is written once, plainly, and independently of the
reference solutions it is compared against.
"""
import numpy as np


def sigmoid(z):
    """1 / (1 + e^-z), elementwise and stable for any z (no overflow warning)."""
    return np.exp(-np.logaddexp(0.0, -np.asarray(z, dtype=float)))


def sigmoid_prime(z):
    """sigma'(z) = sigma(z)(1 - sigma(z))."""
    s = sigmoid(z)
    return s * (1.0 - s)


def relu(z):
    """max(0, z) elementwise."""
    return np.maximum(0.0, z)


def identity(z):
    return z


# The activations a grader can pass to the child by name (wire.Fn(name)), and their trusted twins here.
ACTIVATIONS = {"identity": identity, "relu": relu, "tanh": np.tanh, "sigmoid": sigmoid}


def one_hot(labels, n_classes=10):
    """(n_classes, m) targets: column j is 1.0 in row labels[j], 0.0 elsewhere."""
    labels = np.atleast_1d(np.asarray(labels, dtype=int))
    Y = np.zeros((n_classes, labels.size))
    Y[labels, np.arange(labels.size)] = 1.0
    return Y


def random_network(rng, sizes, scale=1.0):
    """(weights, biases) drawn from the standard normal (times scale): all weights first, then all biases."""
    weights = [scale * rng.standard_normal((n_out, n_in)) for n_in, n_out in zip(sizes[:-1], sizes[1:])]
    biases = [scale * rng.standard_normal((n_out, 1)) for n_out in sizes[1:]]
    return weights, biases


def random_problem(rng, sizes, m):
    """A random network, m inputs uniform in [0, 1) and random one-hot targets:
    (weights, biases, X (sizes[0], m), Y (sizes[-1], m), labels (m,))."""
    weights, biases = random_network(rng, sizes)
    X = rng.uniform(0.0, 1.0, (sizes[0], m))
    labels = rng.integers(0, sizes[-1], m)
    return weights, biases, X, one_hot(labels, sizes[-1]), labels


def feedforward(weights, biases, X, activation=sigmoid):
    """The output layer's activations (sizes[-1], m): a = activation(W a + b), layer by layer."""
    a = X
    for W, b in zip(weights, biases):
        a = activation(W @ a + b)
    return a


def cost(weights, biases, X, Y) -> float:
    """The batch cost: the mean over the m columns of sum_i (a_i - y_i)^2."""
    return float(np.sum((feedforward(weights, biases, X) - Y) ** 2) / X.shape[1])


def _slope_at_z(z, a):
    return a * (1.0 - a)  # sigma'(z) = sigma(z)(1 - sigma(z)) = a(1 - a)


def backprop(weights, biases, X, Y, slope=_slope_at_z, output_slope=None):
    """(grad_w, grad_b) of the batch cost, shaped like weights and biases.

    slope(z, a) is sigma'(z) for a layer's weighted sums z and activations a = sigma(z);
    output_slope (default: slope) that of the output layer. Graders pass other slopes
    to compute what a typical mistake gives (sigma'(a) for sigma'(z), no sigma' at the output).
    """
    output_slope = output_slope or slope
    m, L = X.shape[1], len(weights)
    zs, activations = [], [X]
    for W, b in zip(weights, biases):
        zs.append(W @ activations[-1] + b)
        activations.append(sigmoid(zs[-1]))
    delta = 2.0 * (activations[-1] - Y) * output_slope(zs[-1], activations[-1])
    grad_w, grad_b = [None] * L, [None] * L
    for layer in range(L - 1, -1, -1):
        grad_b[layer] = delta.sum(axis=1, keepdims=True) / m
        grad_w[layer] = delta @ activations[layer].T / m
        if layer > 0:
            delta = (weights[layer].T @ delta) * slope(zs[layer - 1], activations[layer])
    return grad_w, grad_b


def evaluate(weights, biases, X, labels) -> float:
    """The fraction of columns whose brightest output neuron is the label."""
    return float(np.mean(np.argmax(feedforward(weights, biases, X), axis=0) == np.asarray(labels)))
