# MUTANT: layer_forward returns np.squeeze(...): one example comes back 1-D, (n_out,) not (n_out, 1)
# FAILS: test_layer_forward_lecture, test_layer_forward_random
# HINT: Keep the (n, 1) column shape
# KEEPS: test_feedforward_random, test_feedforward_activation, test_feedforward_unchanged, test_predict_random, test_predict_single
"""The forward pass: how the activations of one layer determine the next.

Stack the weights of every connection into a layer into a matrix W of shape
(n_out, n_in) (row j holds the weights into neuron j) and the biases into a
column b of shape (n_out, 1). Then the whole transition from one layer to the
next is one line of linear algebra:

    a' = sigma(W a + b)

An example is a column vector a of shape (n, 1); a batch of m examples is an
(n, m) array whose columns are the examples, and the same line works for it.
The lecture's network has sizes [784, 16, 16, 10]: 784 input neurons (one per
pixel of a 28x28 image), two hidden layers of 16 and 10 output neurons, one per
digit. Its 784x16 + 16x16 + 16x10 = 12,960 weights and 16 + 16 + 10 = 42
biases make 13,002 parameters.
"""
import numpy as np

from neuron import sigmoid


def layer_forward(W, a, b, activation=sigmoid):
    """One layer's activations: activation(W a + b).

    W: (n_out, n_in) weights; a: (n_in, m) activations of the previous layer,
    one column per example; b: (n_out, 1) biases, added to every column.
    Returns (n_out, m).

    The lecture's ReLU layer, step by step, with a = [2, 0.5, 0.1] (one column):
    step 1, multiply by weights: 0.6 x 2 = 1.2, 0.6 x 0.5 + 0.9 x 0.1 = 0.39,
    1.2 x 2 + 0.7 x 0.5 + 0.4 x 0.1 = 2.79; step 2, add biases [2, 1, -3]:
    3.2, 1.39, -0.21; step 3, apply ReLU: 3.2, 1.39, 0.

    Examples (the lecture's ReLU layer, then its first two neurons, a (2, 3)
    W, as a sigmoid layer on a batch of 5 examples):

    >>> W = np.array([[0.6, 0.0, 0.0], [0.0, 0.6, 0.9], [1.2, 0.7, 0.4]])
    >>> a = np.array([[2.0], [0.5], [0.1]])
    >>> b = np.array([[2.0], [1.0], [-3.0]])
    >>> layer_forward(W, a, b, activation=lambda z: np.maximum(0.0, z)).round(2)
    array([[3.2 ],
           [1.39],
           [0.  ]])
    >>> layer_forward(W[:2], np.ones((3, 5)), b[:2]).shape
    (2, 5)
    """
    ### BEGIN SOLUTION
    return np.squeeze(activation(W @ a + b))
    ### END SOLUTION


def init_network(sizes, rng=None):
    """Random weights and biases for a network with the given layer sizes.

    sizes: e.g. [784, 16, 16, 10]. rng: a np.random.Generator (a fresh one
    if None); the same generator state gives the same network.
    Returns (weights, biases): lists with one entry per layer after the input
    layer, weights[l] of shape (sizes[l+1], sizes[l]) and biases[l] of shape
    (sizes[l+1], 1), drawn from the standard normal distribution. Never all
    zeros: neurons that start equal would stay equal.

    Examples:

    >>> weights, biases = init_network([784, 16, 16, 10], np.random.default_rng(0))
    >>> [W.shape for W in weights]
    [(16, 784), (16, 16), (10, 16)]
    >>> [b.shape for b in biases]
    [(16, 1), (16, 1), (10, 1)]
    >>> init_network([3, 2])[0][0].shape
    (2, 3)
    """
    ### BEGIN SOLUTION
    rng = np.random.default_rng() if rng is None else rng
    weights = [rng.standard_normal((n_out, n_in)) for n_in, n_out in zip(sizes[:-1], sizes[1:])]
    biases = [rng.standard_normal((n_out, 1)) for n_out in sizes[1:]]
    return weights, biases
    ### END SOLUTION


def count_parameters(sizes):
    """The number of weights plus biases of a network with these layer sizes.

    count_parameters([784, 16, 16, 10]) == 13002: 12,960 weights + 42 biases.
    Returns an int.

    Example:

    >>> count_parameters([784, 16, 16, 10])
    13002
    """
    ### BEGIN SOLUTION
    return int(sum(n_in * n_out + n_out for n_in, n_out in zip(sizes[:-1], sizes[1:])))
    ### END SOLUTION


def feedforward(weights, biases, a, activation=sigmoid):
    """The output activations of the network for the input a.

    weights, biases: lists as made by init_network; a: (sizes[0], m) inputs,
    one column per example. Applies a' = activation(W a + b) layer by layer.
    Returns (sizes[-1], m).

    Examples (a 4-5-3 network, six examples as six columns, then one example):

    >>> rng = np.random.default_rng(0)
    >>> weights = [rng.normal(size=(5, 4)), rng.normal(size=(3, 5))]
    >>> biases = [rng.normal(size=(5, 1)), rng.normal(size=(3, 1))]
    >>> feedforward(weights, biases, rng.uniform(size=(4, 6))).shape
    (3, 6)
    >>> feedforward(weights, biases, np.zeros((4, 1)), activation=lambda z: z).shape
    (3, 1)
    """
    ### BEGIN SOLUTION
    for W, b in zip(weights, biases):
        a = layer_forward(W, a, b, activation)
    return a
    ### END SOLUTION


def predict(weights, biases, X):
    """The network's answer for each column of X: its brightest output neuron.

    X: (sizes[0], m). Returns a 1-D int array of length m, the argmax of each
    column of the output activations (the digit the network "sees").

    Examples (a 4-5-3 network, six examples, then one):

    >>> rng = np.random.default_rng(0)
    >>> weights = [rng.normal(size=(5, 4)), rng.normal(size=(3, 5))]
    >>> biases = [rng.normal(size=(5, 1)), rng.normal(size=(3, 1))]
    >>> predict(weights, biases, rng.uniform(size=(4, 6))).shape
    (6,)
    >>> predict(weights, biases, rng.uniform(size=(4, 1))).dtype.kind
    'i'
    """
    ### BEGIN SOLUTION
    return np.argmax(feedforward(weights, biases, X), axis=0).astype(int)
    ### END SOLUTION
