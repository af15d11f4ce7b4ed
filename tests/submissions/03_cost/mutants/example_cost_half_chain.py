# MUTANT: example_cost has a 1/2 factor, and average_cost is the mean of example_cost over the columns (one mistake, charged in example_cost's tests only)
# FAILS: test_example_cost_lecture, test_example_cost_random
# HINT: half the sum of the squared differences
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
0.3998 add up to a cost of 3.37. The cost of the whole network is the average
of the example costs over all training examples.
"""
import numpy as np

from forward import feedforward


def one_hot(labels, n_classes=10):
    """The desired output activations for digit labels.

    labels: one int (a digit) -> a column of shape (n_classes, 1); a sequence or
    1-D array of m ints -> (n_classes, m), column j is 1.0 in row labels[j]
    and 0.0 elsewhere. one_hot(3) is the target for a "3".
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
    """
    ### BEGIN SOLUTION
    diff = np.asarray(output, dtype=float) - np.asarray(y, dtype=float)
    return float(0.5 * np.sum(diff ** 2))
    ### END SOLUTION


def average_cost(weights, biases, X, Y):
    """The cost of the network: the mean example cost over a batch.

    X: (784, m) inputs, one column per example; Y: (10, m) one-hot targets.
    Feeds X forward and averages the example costs over the m columns.
    Returns a float.
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
    """
    ### BEGIN SOLUTION
    return 2.0 * (np.asarray(output, dtype=float) - np.asarray(y, dtype=float))
    ### END SOLUTION
