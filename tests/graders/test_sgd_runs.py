"""autograder/toolkit/sgd_runs.py: the runs of mini-batch SGD a grader reads a train's shuffling from, and the
evidence that a train steps along the gradient rather than adding noise."""
import numpy as np

from autograder.toolkit.network import backprop, random_problem
from autograder.toolkit.sgd_runs import (along_gradient, epoch_orders, flatten, match, sgd_runs, step_ratio,
                                         step_size_bounds)


def _train(weights, biases, X, Y, epochs, batch_size, learn_rate, rng, factor=1.0):
    """A plain train that shuffles with rng.permutation every epoch (not the enumeration under test)."""
    for _ in range(epochs):
        order = rng.permutation(X.shape[1])
        for k in range(0, X.shape[1], batch_size):
            batch = order[k:k + batch_size]
            grad_w, grad_b = backprop(weights, biases, X[:, batch], Y[:, batch])
            weights = [W - factor * learn_rate * g for W, g in zip(weights, grad_w)]
            biases = [b - factor * learn_rate * g for b, g in zip(biases, grad_b)]
    return flatten(weights, biases)


def test_epoch_orders_are_the_ordered_mini_batches_of_a_shuffle():
    assert len(epoch_orders(4, 2)) == 6
    assert len(epoch_orders(5, 2)) == 30  # 5! / (2! 2! 1!)
    assert all(sorted(i for batch in order for i in batch) == [0, 1, 2, 3] for order in epoch_orders(4, 2))


def test_a_shuffling_train_matches_the_run_of_its_own_orders_and_a_full_batch_step_none():
    rng = np.random.default_rng(7)
    weights, biases, X, Y, _ = random_problem(rng, [3, 3, 2], 4)
    runs = sgd_runs(weights, biases, X, Y, 2, 2, 2.0, factors=(1.0, -1.0))
    assert len(runs) == 2 * 36
    for seed in range(3):
        order_rng = np.random.default_rng(seed)
        permutations = [np.random.default_rng(seed).permutation(4)]
        found = match(runs, _train(weights, biases, X, Y, 2, 2, 2.0, order_rng))
        assert found is not None and found.factor == 1.0
        assert found.epochs[0] == tuple(tuple(sorted(permutations[0][k:k + 2])) for k in (0, 2))
    assert match(runs, _train(weights, biases, X, Y, 2, 2, 2.0, np.random.default_rng(0), factor=-1.0)).factor == -1.0
    assert match(runs, _train(weights, biases, X, Y, 2, 4, 2.0, np.random.default_rng(0))) is None  # full batch
    assert match(runs, flatten(weights, biases)) is None  # the start handed back


def test_steps_go_along_the_gradient_and_noise_does_not():
    rng = np.random.default_rng(11)
    weights, biases, X, Y, _ = random_problem(rng, [6, 5, 4], 1)
    X, Y = np.repeat(X, 20, axis=1), np.repeat(Y, 20, axis=1)
    grad_w, grad_b = backprop(weights, biases, X, Y)
    start, gradient = flatten(weights, biases), flatten(grad_w, grad_b)
    assert along_gradient(start, _train(weights, biases, X, Y, 3, 5, 0.05, rng), gradient) > 0.95
    assert along_gradient(start, _train(weights, biases, X, Y, 3, 5, 0.05, rng, factor=-1.0), gradient) > 0.95
    assert along_gradient(start, start + 1e-3 * rng.standard_normal(start.size), gradient) < 0.5
    assert along_gradient(start, start, gradient) == 0.0


def test_step_ratio_counts_steps_of_learn_rate_times_gradient_and_bounds_leave_out_tiny_ones():
    rng = np.random.default_rng(13)
    weights, biases, X, Y, _ = random_problem(rng, [6, 5, 4], 1)
    m, epochs, batch_size, learn_rate = 20, 3, 5, 0.02
    X, Y = np.repeat(X, m, axis=1), np.repeat(Y, m, axis=1)
    start, gradient = flatten(weights, biases), flatten(*backprop(weights, biases, X, Y))
    steps = epochs * 4
    low, high = step_size_bounds(steps, m)
    right = step_ratio(start, _train(weights, biases, X, Y, epochs, batch_size, learn_rate, rng), gradient, learn_rate)
    assert 0.5 * steps < right < 1.5 * steps and low <= right <= high
    for factor in (-1.0, 1.0 / batch_size, float(m)):  # uphill, divided by the batch size, the sum: real steps
        ratio = step_ratio(start, _train(weights, biases, X, Y, epochs, batch_size, learn_rate, rng, factor=factor),
                           gradient, learn_rate)
        assert low <= ratio <= high, (factor, ratio)
    tiny = step_ratio(start, _train(weights, biases, X, Y, epochs, batch_size, learn_rate, rng, factor=1e-6),
                      gradient, learn_rate)
    assert tiny < low
    assert step_ratio(start, start, gradient, learn_rate) == 0.0
    assert step_ratio(start, start + 1.0, np.zeros_like(gradient), learn_rate) == 0.0
