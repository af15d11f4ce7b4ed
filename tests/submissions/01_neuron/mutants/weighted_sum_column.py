# MUTANT: weighted_sum returns the (1, 1) array w.reshape(1, -1) @ a.reshape(-1, 1), not a float, and neuron returns activation(weighted_sum(w, a) + b) without float() (a (1, 1) array: the same mistake)
# FAILS: test_weighted_sum_lecture, test_weighted_sum_random
# HINT: should be a float, but your code returned an array of shape (1, 1)
# KEEPS: test_neuron_threshold, test_neuron_random
"""A single neuron: the thing that holds a number.

A neuron in the lecture's network takes the activations a1, ..., an of the
previous layer, forms the weighted sum w1 a1 + w2 a2 + ... + wn an, adds its
bias b and squishes the result into an activation with a function such as the
sigmoid (a number between 0 and 1) or ReLU (max(0, z)):

    a' = sigmoid(w1 a1 + w2 a2 + ... + wn an + b)

The bias says how high the weighted sum must be before the neuron becomes
meaningfully active: a neuron that should light up only when its weighted sum
exceeds 10 has bias -10, because sigmoid(0) = 0.5 sits exactly at the
threshold.
"""
import numpy as np


def sigmoid(z):
    """The logistic sigmoid 1 / (1 + e^-z), elementwise.

    Very negative inputs end up close to 0 (a dark neuron), very positive
    inputs close to 1 (a bright neuron), and sigmoid(0) = 0.5.

    z: a float or an array of any shape. Returns the same shape (a float for
    a float). Must be numerically stable: sigmoid(-1000) is 0.0 and
    sigmoid(1000) is 1.0, with no overflow warning and no nan. Hint: e^-z
    overflows for z = -1000; for negative z use the equal form e^z / (1 + e^z)
    (multiply 1 / (1 + e^-z) above and below by e^z), and choose the form by
    the sign of z. np.where(z >= 0, ..., ...) is not enough: it computes both
    forms on every element before it chooses, so e^z still overflows at
    z = 1000. Compute each form only on its own elements (z[z >= 0] and
    z[z < 0]), or use the equal form 0.5 * (1 + tanh(z / 2)).

    Examples (a neuron at its threshold; a dark, a half-lit and a bright one):

    >>> sigmoid(0.0)
    0.5
    >>> sigmoid(np.array([-1000.0, 0.0, 1000.0]))
    array([0. , 0.5, 1. ])
    >>> sigmoid(np.zeros((3, 2))).shape
    (3, 2)
    """
    ### BEGIN SOLUTION
    z = np.asarray(z, dtype=float)
    out = np.empty_like(z)
    positive = z >= 0
    # z >= 0: e^-z is at most 1, so 1 / (1 + e^-z) cannot overflow.
    out[positive] = 1.0 / (1.0 + np.exp(-z[positive]))
    # z < 0: e^-z could overflow; the equal form e^z / (1 + e^z) cannot.
    e_z = np.exp(z[~positive])
    out[~positive] = e_z / (1.0 + e_z)
    return float(out) if out.ndim == 0 else out
    ### END SOLUTION


def sigmoid_prime(z):
    """The derivative of the sigmoid: sigma'(z) = sigma(z) (1 - sigma(z)).

    z: a float or an array. Returns the same shape. sigmoid_prime(0) = 0.25,
    its largest value; far from 0 it is almost 0 (the neuron is saturated).

    Examples:

    >>> sigmoid_prime(0.0)
    0.25
    >>> sigmoid_prime(np.zeros((4, 1))).shape
    (4, 1)
    """
    ### BEGIN SOLUTION
    s = sigmoid(z)
    return s * (1.0 - s)
    ### END SOLUTION


def relu(z):
    """The rectified linear unit max(0, z), elementwise.

    The lecture's layer example: ReLU(3.2) = 3.2, ReLU(1.39) = 1.39,
    ReLU(-0.21) = 0. z: a float or an array; returns the same shape.

    Examples (the lecture's ReLU layer):

    >>> relu(np.array([3.2, 1.39, -0.21]))
    array([3.2 , 1.39, 0.  ])
    >>> float(relu(-0.21))
    0.0
    """
    ### BEGIN SOLUTION
    out = np.maximum(0.0, np.asarray(z, dtype=float))
    return out[()] if out.ndim == 0 else out
    ### END SOLUTION


def relu_prime(z):
    """The derivative of ReLU: 1.0 where z > 0, else 0.0 (also at z = 0).

    z: a float or an array; returns floats of the same shape.

    Examples:

    >>> relu_prime(np.array([[-1.0], [0.0], [2.0]]))
    array([[0.],
           [0.],
           [1.]])
    >>> float(relu_prime(0.0))
    0.0
    """
    ### BEGIN SOLUTION
    out = (np.asarray(z, dtype=float) > 0).astype(float)
    return out[()] if out.ndim == 0 else out
    ### END SOLUTION


def weighted_sum(w, a):
    """The weighted sum w1 a1 + w2 a2 + ... + wn an.

    w, a: 1-D arrays (or sequences) of equal length n: the weights on the
    connections into the neuron and the activations of the previous layer.
    Returns a float. Example: weighted_sum([0.6], [2.0]) = 1.2 (the lecture's
    0.6 x 2). Inputs of different lengths raise ValueError.

    Examples (the lecture's 0.6 x 2, and its third neuron's 1.2 x 2 + 0.7 x 0.5 + 0.4 x 0.1):

    >>> weighted_sum([0.6], [2.0])
    1.2
    >>> round(weighted_sum(np.array([1.2, 0.7, 0.4]), np.array([2.0, 0.5, 0.1])), 2)
    2.79
    """
    ### BEGIN SOLUTION
    w = np.asarray(w, dtype=float)
    a = np.asarray(a, dtype=float)
    if w.ndim != 1 or w.shape != a.shape:
        raise ValueError(f"w and a must be 1-D of equal length, got shapes {w.shape} and {a.shape}")
    return w.reshape(1, -1) @ a.reshape(-1, 1)
    ### END SOLUTION


def neuron(w, a, b, activation=sigmoid):
    """The activation of one neuron: activation(w1 a1 + ... + wn an + b).

    w, a: 1-D arrays of equal length n; b: the bias (a float);
    activation: a function of one float (sigmoid by default).
    Returns a float. With weights summing the inputs to exactly 10 and
    b = -10, the sigmoid neuron sits at its threshold: 0.5.

    Examples (weighted sum 10 with bias -10: the threshold; then 0.6 x 2 + 2 without squishing):

    >>> neuron(np.full(4, 0.5), np.full(4, 5.0), -10.0)
    0.5
    >>> round(neuron(np.array([0.6]), np.array([2.0]), 2.0, activation=lambda z: z), 2)
    3.2
    """
    ### BEGIN SOLUTION
    return activation(weighted_sum(w, a) + b)
    ### END SOLUTION
