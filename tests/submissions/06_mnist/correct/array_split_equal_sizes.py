# CORRECT: np.array_split of rng.permutation(m) into ceil(m / batch_size) near-equal mini-batches (none larger than batch_size), in-place updates on private copies, evaluate with sum / len
import math

import numpy as np

from forward import predict
from cost import average_cost
from backprop import backprop


def evaluate(weights, biases, X, labels):
    guesses = predict(weights, biases, X)
    return sum(int(g == l) for g, l in zip(guesses, labels)) / len(labels)


def train(weights, biases, X, Y, epochs, batch_size, learn_rate, rng,
          X_test=None, labels_test=None):
    weights = [np.array(W, dtype=float) for W in weights]
    biases = [np.array(b, dtype=float) for b in biases]
    m = X.shape[1]
    n_batches = math.ceil(m / batch_size)
    history = {"cost": []}
    if X_test is not None:
        history["test_accuracy"] = []
    for _ in range(epochs):
        for batch in np.array_split(rng.permutation(m), n_batches):
            grad_w, grad_b = backprop(weights, biases, X[:, batch], Y[:, batch])
            for W, gW in zip(weights, grad_w):
                W -= learn_rate * gW
            for b, gb in zip(biases, grad_b):
                b -= learn_rate * gb
        history["cost"].append(average_cost(weights, biases, X, Y))
        if X_test is not None:
            history["test_accuracy"].append(evaluate(weights, biases, X_test, labels_test))
    return weights, biases, history
