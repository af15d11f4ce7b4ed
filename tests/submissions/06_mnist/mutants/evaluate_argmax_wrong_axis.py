# MUTANT: evaluate takes the argmax over axis=1 (per output neuron) instead of per column
# FAILS: test_evaluate_hand_made, test_evaluate_random
# HINT: evaluate() raised ValueError
# KEEPS: test_train_history_matches_network
"""Training the lecture's 784-16-16-10 network on MNIST.

Learning means finding weights and biases that make the cost small. Each
epoch shuffles the training examples into mini-batches; for each mini-batch,
backpropagation gives the gradient of the batch cost and one step of
gradient descent nudges every weight and bias against it. After a few epochs
of this stochastic gradient descent the network recognises about 19 of 20
handwritten digits it has never seen.

Provided code (the reference solutions of earlier assignments):
predict (02), one_hot and average_cost (03), sgd_step and mini_batches (04),
backprop (05).
"""
import numpy as np

from forward import predict, feedforward
from cost import average_cost
from descent import mini_batches, sgd_step
from backprop import backprop


def evaluate(weights, biases, X, labels):
    """The fraction of examples the network classifies correctly.

    X: (784, m) images, one column each; labels: m ints. Returns a float in
    [0, 1]: how often predict(...) equals the label.
    """
    ### BEGIN SOLUTION
    guesses = np.argmax(feedforward(weights, biases, X), axis=1)
    return float(np.mean(guesses == np.asarray(labels)))
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
    """
    ### BEGIN SOLUTION
    X_columns = np.asfortranarray(X)  # columns contiguous: fast mini-batch slicing
    history = {"cost": []}
    if X_test is not None:
        history["test_accuracy"] = []
    for _ in range(epochs):
        for batch in mini_batches(X.shape[1], batch_size, rng):
            grad_w, grad_b = backprop(weights, biases, X_columns[:, batch], Y[:, batch])
            weights = sgd_step(weights, grad_w, learn_rate)
            biases = sgd_step(biases, grad_b, learn_rate)
        history["cost"].append(average_cost(weights, biases, X, Y))
        if X_test is not None:
            history["test_accuracy"].append(evaluate(weights, biases, X_test, labels_test))
    return weights, biases, history
    ### END SOLUTION
