# MUTANT: train takes one full-batch gradient step per epoch (all examples at once), whatever batch_size says
# FAILS: test_train_every_example_once_per_epoch, test_train_shuffles_with_rng, test_train_mnist
# HINT: one gradient step per epoch on all
"""Training the lecture's 784-16-16-10 network on MNIST.

Learning means finding weights and biases that make the cost small. Each
epoch shuffles the training examples into mini-batches; for each mini-batch,
backpropagation gives the gradient of the batch cost and one step of
gradient descent nudges every weight and bias against it. After a few epochs
of this stochastic gradient descent the network recognises about 9 of 10
handwritten digits it has never seen (the notebook's settings, ten epochs:
about 92%).

Provided code (the reference solutions of earlier assignments):
predict (02), one_hot and average_cost (03), sgd_step and mini_batches (04),
backprop (05).
"""
import numpy as np

from forward import predict
from cost import average_cost
from descent import mini_batches, sgd_step
from backprop import backprop


def evaluate(weights, biases, X, labels):
    """The fraction of examples the network classifies correctly.

    X: (784, m) images, one column each; labels: m ints. Returns a float in
    [0, 1]: how often predict(...) equals the label.

    Examples (a 4-5-3 network and six examples; labels as an array or a list):

    >>> rng = np.random.default_rng(0)
    >>> weights = [rng.normal(size=(5, 4)), rng.normal(size=(3, 5))]
    >>> biases = [rng.normal(size=(5, 1)), rng.normal(size=(3, 1))]
    >>> X = rng.uniform(size=(4, 6))
    >>> round(evaluate(weights, biases, X, np.array([0, 1, 2, 0, 1, 2])), 4)
    0.5
    >>> round(evaluate(weights, biases, X[:, :3], [0, 2, 1]), 4)
    0.3333
    """
    ### BEGIN SOLUTION
    return float(np.mean(predict(weights, biases, X) == np.asarray(labels)))
    ### END SOLUTION


def train(weights, biases, X, Y, epochs, batch_size, learn_rate, rng,
          X_test=None, labels_test=None):
    """Mini-batch stochastic gradient descent with backpropagation.

    weights, biases: the starting network (not modified); X: (784, m)
    training images; Y: (10, m) one-hot targets; epochs: passes over the
    training data; batch_size: examples per mini-batch; learn_rate: the step
    size; rng: a np.random.Generator that shuffles the mini-batches.
    X_test, labels_test: optional test images and int labels.

    Each epoch: for each mini-batch from mini_batches(m, batch_size, rng),
    compute (grad_w, grad_b) = backprop(weights, biases, X[:, batch],
    Y[:, batch]) and step weights and biases with sgd_step. At the end of the
    epoch, record the training cost (average_cost over all of X, Y) in
    history["cost"] and, with test data, evaluate(...) in
    history["test_accuracy"]. Returns (weights, biases, history).

    Examples (a 4-5-3 network on 23 examples; then the lecture's 784-16-16-10 for one epoch
    on 2,000 images, which must take about a second at most: the grader trains for longer):

    >>> rng = np.random.default_rng(3)
    >>> weights = [rng.normal(size=(5, 4)), rng.normal(size=(3, 5))]
    >>> biases = [rng.normal(size=(5, 1)), rng.normal(size=(3, 1))]
    >>> X, Y = rng.uniform(size=(4, 23)), np.eye(3)[:, rng.integers(0, 3, 23)]
    >>> new_weights, new_biases, history = train(weights, biases, X, Y, 2, 5, 1.0, rng)
    >>> len(history["cost"]), [W.shape for W in new_weights]
    (2, [(5, 4), (3, 5)])
    >>> history = train(weights, biases, X, Y, 1, 10, 1.0, rng, X[:, :7], [0, 1, 2, 0, 1, 2, 0])[2]
    >>> len(history["cost"]), len(history["test_accuracy"])
    (1, 1)
    >>> sizes = [784, 16, 16, 10]
    >>> weights = [rng.normal(size=(n, m)) for m, n in zip(sizes[:-1], sizes[1:])]
    >>> biases = [rng.normal(size=(n, 1)) for n in sizes[1:]]
    >>> X, Y = rng.uniform(size=(784, 2000)), np.eye(10)[:, rng.integers(0, 10, 2000)]
    >>> len(train(weights, biases, X, Y, 1, 10, 1.5, rng)[2]["cost"])  # at most 1.2 s
    1
    """
    ### BEGIN SOLUTION
    # Columns contiguous in memory: taking a mini-batch of columns is then fast.
    X_columns, Y_columns = np.asfortranarray(X), np.asfortranarray(Y)
    history = {"cost": []}
    if X_test is not None:
        history["test_accuracy"] = []
    for _ in range(epochs):
        grad_w, grad_b = backprop(weights, biases, X_columns, Y_columns)  # one step on all examples, batch_size unused
        weights = sgd_step(weights, grad_w, learn_rate)
        biases = sgd_step(biases, grad_b, learn_rate)
        history["cost"].append(average_cost(weights, biases, X, Y))
        if X_test is not None:
            history["test_accuracy"].append(evaluate(weights, biases, X_test, labels_test))
    return weights, biases, history
    ### END SOLUTION
