# MUTANT: backprop returns central differences of the batch cost (its own numerical_gradient) instead of backpropagating
# FAILS: test_backprop_costs_about_two_passes
# HINT: a numerical gradient nudges each of the 13,002 parameters
# KEEPS: test_backprop_single_example, test_backprop_batch, test_backprop_matches_numerical_gradient, test_backprop_shapes, test_backprop_leaves_inputs_unchanged
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
    z = w * a_prev + b
    a = sigmoid(z)
    delta = float(sigmoid_prime(z)) * 2.0 * (float(a) - y)
    return float(a_prev * delta), float(delta), float(w * delta)


def backprop(weights, biases, X, Y):
    """No backpropagation: the numerical gradient of the batch cost, parameter by parameter."""
    from forward import feedforward

    def cost(w, b):
        return float(np.sum((feedforward(w, b, X) - Y) ** 2) / X.shape[1])
    grad_w, grad_b = [], []
    for layer in range(len(weights)):
        def fw(P, layer=layer):
            w = list(weights)
            w[layer] = P
            return cost(w, biases)

        def fb(P, layer=layer):
            b = list(biases)
            b[layer] = P
            return cost(weights, b)
        grad_w.append(numerical_gradient(fw, weights[layer]))
        grad_b.append(numerical_gradient(fb, biases[layer]))
    return grad_w, grad_b

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
