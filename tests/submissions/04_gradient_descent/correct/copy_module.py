# CORRECT: copy.deepcopy of start, in-place updates on the private copy with a copy appended, rng.permuted
import copy

import numpy as np


def gradient_descent(gradient, start, learn_rate, n_iter=50, tolerance=1e-06):
    x = copy.deepcopy(start)
    history = [copy.deepcopy(x)]
    for _ in range(n_iter):
        step = -learn_rate * gradient(x)
        if np.all(np.abs(step) <= tolerance):
            return x, history
        x += step  # our own copy, so start is safe; append a copy so history entries stay separate
        history.append(copy.deepcopy(x))
    return x, history


def sgd_step(params, grads, learn_rate):
    out = [np.array(p, dtype=float, copy=True) for p in params]
    for p, g in zip(out, grads):
        p -= learn_rate * g
    return out


def mini_batches(n, batch_size, rng):
    order = rng.permuted(np.arange(n))
    count = (n + batch_size - 1) // batch_size
    return [order[i * batch_size:min((i + 1) * batch_size, n)] for i in range(count)]
