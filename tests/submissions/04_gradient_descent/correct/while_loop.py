# CORRECT: a while loop with a step counter, copy() for arrays, np.split mini-batches
import numpy as np


def gradient_descent(gradient, start, learn_rate, n_iter=50, tolerance=1e-06):
    x = start.copy() if isinstance(start, np.ndarray) else float(start)
    history = [x.copy() if isinstance(x, np.ndarray) else x]
    steps = 0
    while steps < n_iter:
        step = -learn_rate * gradient(x)
        if np.max(np.abs(step)) <= tolerance:
            break
        x = x + step
        history.append(x.copy() if isinstance(x, np.ndarray) else x)
        steps += 1
    return x, history


def sgd_step(params, grads, learn_rate):
    new = []
    for i in range(len(params)):
        new.append(params[i] - learn_rate * grads[i])
    return new


def mini_batches(n, batch_size, rng):
    order = rng.permutation(n)
    return np.split(order, np.arange(batch_size, n, batch_size))
