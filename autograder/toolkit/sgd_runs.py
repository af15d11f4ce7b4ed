"""What stochastic gradient descent can give on a tiny problem, computed here with the trusted network.

A train that shuffles its examples into mini-batches with the rng it is given returns one of a few networks:
with m = 4 examples and batch_size = 2, each epoch is one of 6 ordered pairs of mini-batches, so 3 epochs give
6^3 = 216 networks, all different. The graders enumerate them all (never asking the student how it shuffled),
find which one the student's network is, and so read off the order of the mini-batches in every epoch:

    runs = sgd_runs(weights, biases, X, Y, epochs=3, batch_size=2, learn_rate=1.0)
    run = match(runs, student_network)     # the SGDRun whose network it is, or None
    run.epochs                             # per epoch, its mini-batches: ((0, 3), (1, 2)), ...

And evidence that a train steps along the gradient rather than adding noise (docs/graders.md, rule 1):

    along_gradient(start, new, gradient)   # |cos| of the angle between new - start and the gradient
    step_ratio(start, new, gradient, learn_rate)  # how many steps of learn_rate * gradient that change is
    step_size_bounds(steps, m)             # the ratios a train that steps (right or wrong) can give

Parameters are flat float64 vectors: every weight matrix, then every bias column, raveled (flatten).
"""
import itertools
from dataclasses import dataclass

import numpy as np

from .network import backprop, cost


def flatten(weights, biases) -> np.ndarray:
    """Every weight matrix, then every bias column, raveled into one float64 vector."""
    return np.concatenate([np.asarray(p, dtype=np.float64).ravel() for p in list(weights) + list(biases)])


@dataclass(frozen=True)
class SGDRun:
    """epochs: per epoch, the mini-batches in the order they were stepped (tuples of sorted example indices);
    factor: the step's factor (1 right, -1 uphill, ...); network: the flat parameters it ends with;
    costs: the batch cost over all examples after each epoch."""
    epochs: tuple
    factor: float
    network: np.ndarray
    costs: tuple


def epoch_orders(m, batch_size) -> list[tuple]:
    """Every ordered sequence of mini-batches a shuffle can give: a permutation of range(m) cut into consecutive
    pieces of batch_size (the last may be shorter); the order inside a mini-batch does not matter."""
    seen = {}
    for order in itertools.permutations(range(m)):
        key = tuple(tuple(sorted(order[k:k + batch_size])) for k in range(0, m, batch_size))
        seen.setdefault(key, None)
    return list(seen)


def _epoch(weights, biases, X, Y, batches, step):
    for batch in batches:
        grad_w, grad_b = backprop(weights, biases, X[:, list(batch)], Y[:, list(batch)])
        weights = [W - step * g for W, g in zip(weights, grad_w)]
        biases = [b - step * g for b, g in zip(biases, grad_b)]
    return weights, biases


def sgd_runs(weights, biases, X, Y, epochs, batch_size, learn_rate, factors=(1.0,)) -> list[SGDRun]:
    """Every run of mini-batch SGD (each epoch: every example once, in mini-batches of batch_size, one step of
    factor * learn_rate * gradient per mini-batch) from (weights, biases) on X (n_in, m), Y (n_out, m).
    Keep m small: there are (number of epoch_orders) ** epochs runs per factor."""
    orders = epoch_orders(X.shape[1], batch_size)
    runs = []
    for factor in factors:
        level = [((), weights, biases, ())]
        for _ in range(epochs):
            level = [(done + (order,), *(net := _epoch(w, b, X, Y, order, factor * learn_rate)),
                      costs + (cost(*net, X, Y),))
                     for done, w, b, costs in level for order in orders]
        runs += [SGDRun(done, factor, flatten(w, b), costs) for done, w, b, costs in level]
    return runs


def match(runs, network, rtol=1e-6, atol=1e-9):
    """The run whose network agrees with network (flat), the nearest if several do; None if none does."""
    best, distance = None, np.inf
    for run in runs:
        if run.network.shape == network.shape and np.allclose(network, run.network, rtol=rtol, atol=atol):
            d = float(np.max(np.abs(network - run.network)))
            if d < distance:
                best, distance = run, d
    return best


def along_gradient(start, new, gradient) -> float:
    """|cos| of the angle between the change new - start and the gradient (flat vectors): about 1 for steps
    along the gradient (downhill or uphill, of any size), about 1/sqrt(n) for noise of n parameters; 0 when
    nothing changed."""
    change = np.asarray(new, dtype=np.float64) - np.asarray(start, dtype=np.float64)
    norm = float(np.linalg.norm(change) * np.linalg.norm(gradient))
    if not np.isfinite(norm) or norm == 0.0:
        return 0.0
    return abs(float(change @ gradient)) / norm


def step_ratio(start, new, gradient, learn_rate) -> float:
    """The length of the change new - start along the gradient, in units of learn_rate * |gradient| (flat vectors):
    about k after k small steps of learn_rate * gradient; 0 when nothing changed or the gradient is 0."""
    change = np.asarray(new, dtype=np.float64) - np.asarray(start, dtype=np.float64)
    norm = float(np.linalg.norm(gradient))
    if not np.isfinite(norm) or norm == 0.0 or learn_rate == 0:
        return 0.0
    ratio = abs(float(change @ gradient)) / (norm * norm * abs(learn_rate))
    return ratio if np.isfinite(ratio) else 0.0


def step_size_bounds(steps, m) -> tuple[float, float]:
    """(low, high): the step ratios (step_ratio) a train of `steps` mini-batch steps on m examples can give, right or
    wrong, within a generous factor 4: from one step divided by m (a single step, or one divided by the mini-batch
    size) to every step m times too large (the sum of the gradients instead of their mean). Noise, or steps a
    million times too small, fall outside."""
    return 0.25 / max(m, 1), 4.0 * steps * max(m, 1)
