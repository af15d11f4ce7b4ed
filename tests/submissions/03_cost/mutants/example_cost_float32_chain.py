# MUTANT: example_cost returns a numpy float32, and average_cost is the mean of example_cost over the columns (a float32 too: one mistake, charged in example_cost's tests only)
# FAILS: test_example_cost_random
# HINT: returned a numpy float32
# KEEPS: test_average_cost_random, test_average_cost_batch_of_one, test_average_cost_inputs_unchanged
"""The cost: how lousy the network is on an example, as one number.

Compare the network's 10 output activations with what we wanted: 1.0 on the
neuron of the right digit and 0.0 everywhere else (a "one-hot" vector). The
cost of one example is the sum of the squares of the differences,

    C0 = (a_0 - y_0)^2 + (a_1 - y_1)^2 + ... + (a_9 - y_9)^2,

small when the network confidently classifies the image correctly and large
when it seems not to know what it is doing ("utter trash"). The lecture's
untrained network, shown a "3", answers
[0.43, 0.28, 0.19, 0.88, 0.72, 0.01, 0.64, 0.86, 0.99, 0.63]: squared terms
0.1863, 0.0809, 0.0357, 0.0138, 0.5242, 0.0001, 0.4079, 0.7388, 0.9817,
0.3998 add up to a cost of 3.37. (That "3" is the first one of 3Blue1Brown's
chapter 2 video, "Gradient descent, how neural networks learn"; the notes'
"3", with a cost of 1.61, is the second one there.) The cost of the whole
network is the average of the example costs over all training examples.

One convention, kept throughout the course: the cost of one example is the
plain sum, with no 1/2 and no mean over the 10 output neurons. The
gradient-descent slides (the ones with simple_gd) write the cost as a mean
squared error, the sum divided by n; that mean is what average_cost takes,
over the examples of a batch, not over the neurons of one example.
"""
import numpy as np

from forward import feedforward


def one_hot(labels, n_classes=10):
    """The desired output activations for digit labels.

    labels: one int (a digit) -> a column of shape (n_classes, 1); a sequence or
    1-D array of m ints -> (n_classes, m), column j is 1.0 in row labels[j]
    and 0.0 elsewhere. one_hot(3) is the target for a "3".

    Examples (the target for a "3", a batch of three labels, four classes):

    >>> one_hot(3).ravel()
    array([0., 0., 0., 1., 0., 0., 0., 0., 0., 0.])
    >>> one_hot([1, 2, 3]).shape
    (10, 3)
    >>> one_hot(np.array([0, 2]), n_classes=4)
    array([[1., 0.],
           [0., 0.],
           [0., 1.],
           [0., 0.]])
    """
    ### BEGIN SOLUTION
    labels = np.asarray(labels, dtype=int)
    flat = labels.reshape(-1)
    Y = np.zeros((n_classes, flat.size))
    Y[flat, np.arange(flat.size)] = 1.0
    return Y
    ### END SOLUTION


def example_cost(output, y):
    """The cost of one example: the sum of (a_i - y_i)^2 over output neurons.

    output: (10, 1) or (10,) activations; y: the target of the same shape
    (e.g. one_hot(3)). Returns a float. No 1/2, no mean: for the lecture's
    "3" this is 3.37.

    Examples (the lecture's "3", and two output neurons):

    >>> output = np.array([[0.4316], [0.2844], [0.1889], [0.8825], [0.7240], [0.0100], [0.6387], [0.8595], [0.9908], [0.6323]])
    >>> round(example_cost(output, np.eye(10)[:, [3]]), 2)
    3.37
    >>> example_cost(np.array([0.5, 0.5]), np.array([1.0, 0.0]))
    0.5
    """
    ### BEGIN SOLUTION
    diff = np.asarray(output, dtype=np.float32) - np.asarray(y, dtype=np.float32)
    return np.sum(diff ** 2)
    ### END SOLUTION


def average_cost(weights, biases, X, Y):
    """The cost of the network: the mean example cost over a batch.

    X: (784, m) inputs, one column per example; Y: (10, m) one-hot targets.
    Feeds X forward and averages the example costs over the m columns.
    Returns a float.

    Examples (a 4-5-3 network and six examples, then a batch of one):

    >>> rng = np.random.default_rng(0)
    >>> weights = [rng.normal(size=(5, 4)), rng.normal(size=(3, 5))]
    >>> biases = [rng.normal(size=(5, 1)), rng.normal(size=(3, 1))]
    >>> X, Y = rng.uniform(size=(4, 6)), np.eye(3)[:, [0, 1, 2, 0, 1, 2]]
    >>> round(average_cost(weights, biases, X, Y), 4)
    1.0119
    >>> round(average_cost(weights, biases, X[:, :1], Y[:, :1]), 4)
    1.3277
    """
    ### BEGIN SOLUTION
    output = feedforward(weights, biases, X)
    # built on example_cost, as the docstring says: the mean example cost over the columns
    return np.mean([example_cost(output[:, j:j + 1], Y[:, j:j + 1]) for j in range(X.shape[1])])
    ### END SOLUTION


def cost_derivative(output, y):
    """How the cost of one example changes with each output activation.

    dC0/da_i = 2 (a_i - y_i). output, y: arrays of the same shape; returns
    that shape. A positive entry means: lower this activation.

    Examples:

    >>> cost_derivative(np.array([0.5, 0.2]), np.array([1.0, 0.0]))
    array([-1. ,  0.4])
    >>> cost_derivative(np.zeros((10, 3)), np.eye(10)[:, [3, 1, 4]]).shape
    (10, 3)
    """
    ### BEGIN SOLUTION
    return 2.0 * (np.asarray(output, dtype=float) - np.asarray(y, dtype=float))
    ### END SOLUTION
