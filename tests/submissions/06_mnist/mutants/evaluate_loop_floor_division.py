# MUTANT: evaluate written as a loop over the columns, with // for / (correct // m is 0 unless every example is right)
# FAILS: test_evaluate_hand_made, test_evaluate_random
# HINT: evaluate is the fraction of columns
# KEEPS: test_train_history_matches_network
import numpy as np

from forward import feedforward
from cost import average_cost
from backprop import backprop


def evaluate(weights, biases, X, labels):
    correct = 0
    m = X.shape[1]
    for j in range(m):
        output = feedforward(weights, biases, X[:, j:j + 1])
        if int(np.argmax(output)) == int(labels[j]):
            correct += 1
    return correct // m


def train(weights, biases, X, Y, epochs, batch_size, learn_rate, rng,
          X_test=None, labels_test=None):
    weights = [W.copy() for W in weights]
    biases = [b.copy() for b in biases]
    m = X.shape[1]
    history = {"cost": []}
    if X_test is not None:
        history["test_accuracy"] = []
    for epoch in range(epochs):
        perm = rng.permutation(m)
        for batch in np.array_split(perm, np.arange(batch_size, m, batch_size)):
            grad_w, grad_b = backprop(weights, biases, X[:, batch], Y[:, batch])
            weights = [W - learn_rate * gW for W, gW in zip(weights, grad_w)]
            biases = [b - learn_rate * gb for b, gb in zip(biases, grad_b)]
        history["cost"].append(average_cost(weights, biases, X, Y))
        if X_test is not None:
            history["test_accuracy"].append(evaluate(weights, biases, X_test, labels_test))
    return weights, biases, history
