# CORRECT: always works on np.array(start) (a 0-d array for a float start), rng.shuffle of arange, list(map())
import numpy as np


def gradient_descent(gradient, start, learn_rate, n_iter=50, tolerance=1e-06):
    x = np.array(start, dtype=float)  # a fresh copy: start is never touched
    history = [x]
    for _ in range(n_iter):
        step = -learn_rate * np.asarray(gradient(x))
        if (np.abs(step) <= tolerance).all():
            break
        x = x + step  # a new array each time, so history entries stay separate
        history.append(x)
    return x, history


def sgd_step(params, grads, learn_rate):
    return list(map(lambda pg: pg[0] - learn_rate * pg[1], zip(params, grads)))


def mini_batches(n, batch_size, rng):
    order = np.arange(n)
    rng.shuffle(order)
    batches = []
    start = 0
    while start < n:
        batches.append(order[start:start + batch_size])
        start += batch_size
    return batches
