# CORRECT: Nielsen-style loop: rng.shuffle of an index list each epoch, mini_batches as slices of it, update_mini_batch helper, eta named as in network.py; evaluate by counting like Nielsen then dividing
import numpy as np

from forward import feedforward
from cost import average_cost
from backprop import backprop


def evaluate(weights, biases, X, labels):
    test_results = [(int(np.argmax(feedforward(weights, biases, X[:, [j]]))), int(y))
                    for j, y in enumerate(labels)]
    return float(sum(int(x == y) for (x, y) in test_results)) / len(test_results)


def update_mini_batch(weights, biases, X, Y, mini_batch, eta):
    nabla_w, nabla_b = backprop(weights, biases, X[:, mini_batch], Y[:, mini_batch])
    weights = [w - eta * nw for w, nw in zip(weights, nabla_w)]
    biases = [b - eta * nb for b, nb in zip(biases, nabla_b)]
    return weights, biases


def train(weights, biases, X, Y, epochs, batch_size, learn_rate, rng,
          X_test=None, labels_test=None):
    n = X.shape[1]
    history = {"cost": [], "test_accuracy": []}
    indices = list(range(n))
    for j in range(epochs):
        rng.shuffle(indices)
        mini_batches = [indices[k:k + batch_size] for k in range(0, n, batch_size)]
        for mini_batch in mini_batches:
            weights, biases = update_mini_batch(weights, biases, X, Y, mini_batch, learn_rate)
        history["cost"].append(average_cost(weights, biases, X, Y))
        if X_test is not None:
            history["test_accuracy"].append(evaluate(weights, biases, X_test, labels_test))
    if X_test is None:
        del history["test_accuracy"]
    return weights, biases, history
