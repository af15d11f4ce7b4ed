# MUTANT: weighted_sum pairs up the entries with zip and never raises for inputs of different lengths
# FAILS: test_weighted_sum_lengths
# HINT: instead of raising ValueError
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
    the sign of z.
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
    """
    ### BEGIN SOLUTION
    s = sigmoid(z)
    return s * (1.0 - s)
    ### END SOLUTION


def relu(z):
    """The rectified linear unit max(0, z), elementwise.

    The lecture's layer example: ReLU(3.2) = 3.2, ReLU(1.39) = 1.39,
    ReLU(-0.21) = 0. z: a float or an array; returns the same shape.
    """
    ### BEGIN SOLUTION
    out = np.maximum(0.0, np.asarray(z, dtype=float))
    return out[()] if out.ndim == 0 else out
    ### END SOLUTION


def relu_prime(z):
    """The derivative of ReLU: 1.0 where z > 0, else 0.0 (also at z = 0).

    z: a float or an array; returns floats of the same shape.
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
    """
    ### BEGIN SOLUTION
    return float(sum(wi * ai for wi, ai in zip(w, a)))
    ### END SOLUTION


def neuron(w, a, b, activation=sigmoid):
    """The activation of one neuron: activation(w1 a1 + ... + wn an + b).

    w, a: 1-D arrays of equal length n; b: the bias (a float);
    activation: a function of one float (sigmoid by default).
    Returns a float. With weights summing the inputs to exactly 10 and
    b = -10, the sigmoid neuron sits at its threshold: 0.5.
    """
    ### BEGIN SOLUTION
    return float(activation(weighted_sum(w, a) + b))
    ### END SOLUTION
