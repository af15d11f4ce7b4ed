"""Backpropagation: the gradient of the cost by the chain rule.

Start with the simplest network: one neuron per layer. For the last layer L,

    z = w a_prev + b,    a = sigma(z),    C0 = (a - y)^2.

A nudge to w changes z, which changes a, which changes C0, so by the chain rule

    dC0/dw = dz/dw * da/dz * dC0/da = a_prev * sigma'(z) * 2(a - y)
    dC0/db = 1 * sigma'(z) * 2(a - y)
    dC0/da_prev = w * sigma'(z) * 2(a - y).

The last line is the key: it says how sensitive the cost is to the previous
layer's activation, and the same three formulas then apply one layer further
back. With many neurons per layer the products become matrix products, and
the gradient of the batch cost is the mean of the example gradients.
"""
import numpy as np

from neuron import sigmoid, sigmoid_prime
from cost import cost_derivative


def chain_rule_single(a_prev, w, b, y):
    """The chain rule for one neuron in the last layer.

    a_prev: the activation feeding in; w: the weight; b: the bias; y: the
    desired activation (all floats). With z = w a_prev + b, a = sigma(z),
    C0 = (a - y)^2, returns the tuple of floats
    (dC0/dw, dC0/db, dC0/da_prev)
    = (a_prev sigma'(z) 2(a - y), sigma'(z) 2(a - y), w sigma'(z) 2(a - y)).

    Example:

    >>> [round(d, 4) for d in chain_rule_single(0.5, 1.5, -0.3, 1.0)]
    [-0.0926, -0.1851, -0.2777]
    """
    ### BEGIN SOLUTION
    z = w * a_prev + b
    a = sigmoid(z)
    delta = float(sigmoid_prime(z)) * 2.0 * (float(a) - y)
    return float(a_prev * delta), float(delta), float(w * delta)
    ### END SOLUTION


def backprop(weights, biases, X, Y):
    """The gradient of the batch cost for a sigmoid network.

    weights, biases: lists as made by init_network; X: (n_0, m) inputs;
    Y: (n_L, m) targets. The batch cost is the mean over the m columns of
    the example cost sum_i (a_i - y_i)^2. Returns (grad_w, grad_b): lists
    of float64 arrays shaped like weights and biases. Forward pass: keep
    every z and every activation. Backward pass: start from
    delta = 2 (a_L - y) * sigma'(z_L), then for each layer
    grad_b = mean of delta over the columns, grad_w = delta a_prev^T / m,
    delta_prev = (W^T delta) * sigma'(z_prev).

    Examples (a 4-5-3 network and six examples, then one example):

    >>> rng = np.random.default_rng(0)
    >>> weights = [rng.normal(size=(5, 4)), rng.normal(size=(3, 5))]
    >>> biases = [rng.normal(size=(5, 1)), rng.normal(size=(3, 1))]
    >>> X, Y = rng.uniform(size=(4, 6)), np.eye(3)[:, [0, 1, 2, 0, 1, 2]]
    >>> grad_w, grad_b = backprop(weights, biases, X, Y)
    >>> [g.shape for g in grad_w], [g.shape for g in grad_b]
    ([(5, 4), (3, 5)], [(5, 1), (3, 1)])
    >>> grad_w, grad_b = backprop(weights, biases, X[:, :1], Y[:, :1])
    >>> [g.shape for g in grad_b]
    [(5, 1), (3, 1)]
    """
    ### BEGIN SOLUTION
    m = X.shape[1]
    zs, activations = [], [X]
    for W, b in zip(weights, biases):
        z = W @ activations[-1] + b
        zs.append(z)
        activations.append(sigmoid(z))
    grad_w = [None] * len(weights)
    grad_b = [None] * len(biases)
    delta = cost_derivative(activations[-1], Y) * sigmoid_prime(zs[-1])
    for layer in range(len(weights) - 1, -1, -1):
        grad_b[layer] = delta.mean(axis=1, keepdims=True)
        grad_w[layer] = delta @ activations[layer].T / m
        if layer > 0:
            delta = (weights[layer].T @ delta) * sigmoid_prime(zs[layer - 1])
    return grad_w, grad_b
    ### END SOLUTION


def numerical_gradient(f, x, h=1e-05):
    """The gradient of a scalar function by central differences.

    f: a function of one array returning a float; x: the array where to
    take the gradient; h: the nudge. For every entry x_i,
    df/dx_i ~ (f(x + h e_i) - f(x - h e_i)) / (2 h). Returns an array shaped
    like x; x is unchanged afterwards. Use it to check backprop: the two
    should agree to a relative error below 1e-7.

    Examples (the gradient of x1^3 + x2^3 + x3^3 is 3 x_i^2):

    >>> numerical_gradient(lambda x: float(np.sum(x ** 3)), np.array([1.0, 2.0, 3.0])).round(4)
    array([ 3., 12., 27.])
    >>> numerical_gradient(lambda x: float(np.sum(x ** 3)), np.array([[0.5, -1.0], [2.0, 0.0]]), 1e-4).shape
    (2, 2)
    """
    ### BEGIN SOLUTION
    x = np.array(x, dtype=float)
    grad = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        old = x[i]
        x[i] = old + h
        f_plus = f(x)
        x[i] = old - h
        f_minus = f(x)
        x[i] = old
        grad[i] = (f_plus - f_minus) / (2 * h)
    return grad
    ### END SOLUTION
