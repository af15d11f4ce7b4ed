# MUTANT: sgd_step steps uphill (p + learn_rate * g), and gradient_descent is built on sgd_step (one mistake, charged in sgd_step's tests only)
# FAILS: test_sgd_step
# HINT: That is p + learn_rate * g: a step uphill
# KEEPS: test_gd_float_start, test_gd_array_start, test_gd_stops_before_tiny_step, test_gd_tolerance_boundary, test_gd_tolerance_every_component, test_gd_n_iter, test_gd_defaults
"""Gradient descent: roll downhill on the cost.

The cost C is a function of all 13,002 weights and biases. Its gradient
grad C points in the direction of steepest ascent, so a small step in the
direction -grad C decreases the cost fastest. The algorithm is three lines:

    compute grad C;  take a small step in the -grad C direction;  repeat.

The size of the step is the learning rate times the gradient: steep slopes
give big steps, and near a minimum the steps shrink, which keeps us from
overshooting. Stochastic gradient descent estimates the gradient from a small
random mini-batch of examples instead of all of them: like a drunk man walking
down a hill, each step is a little off, but the steps are far cheaper.
"""
import numpy as np


def gradient_descent(gradient, start, learn_rate, n_iter=50, tolerance=1e-06):
    """Minimise a function by following its negative gradient.

    gradient: a function returning the gradient at x (same shape as x);
    start: the first guess, a float or an array; learn_rate: the step size
    factor; n_iter: at most this many steps; tolerance: stop when every
    component of the step is this small or smaller.

    Each iteration computes step = -learn_rate * gradient(x). If every
    |step| <= tolerance it stops without applying the step; otherwise
    x = x + step. Returns (x, history) where history = [start, x1, x2, ...]
    holds each point visited as a separate value (no two entries are the
    same array object), and start itself is left unchanged.

    Example: gradient=lambda x: 2 * x (the slope of x^2), start=10.0,
    learn_rate=0.2 gives 6.0, 3.6, 2.16, ... towards the minimum at 0.

    Examples (the slope of x^2 is 2x; the minimum is at 0):

    >>> x, history = gradient_descent(lambda x: 2 * x, 10.0, 0.2, n_iter=3)  # a number may be a 0-d array
    >>> np.round(history, 2)
    array([10.  ,  6.  ,  3.6 ,  2.16])
    >>> x, history = gradient_descent(lambda x: 2 * x, np.array([3.0, -4.0]), 0.2, n_iter=5)
    >>> x.shape, len(history)
    ((2,), 6)
    """
    ### BEGIN SOLUTION
    x = np.array(start, dtype=float) if isinstance(start, np.ndarray) else start
    history = [np.copy(x) if isinstance(x, np.ndarray) else x]
    for _ in range(n_iter):
        step = -learn_rate * np.asarray(gradient(x), dtype=float)
        if np.all(np.abs(step) <= tolerance):
            break
        new = sgd_step([np.asarray(x, dtype=float)], [np.asarray(gradient(x), dtype=float)], learn_rate)[0]
        x = new if isinstance(x, np.ndarray) else float(new)
        history.append(np.copy(x) if isinstance(x, np.ndarray) else x)
    return x, history
    ### END SOLUTION


def sgd_step(params, grads, learn_rate):
    """One step of gradient descent on a list of parameter arrays.

    params: list of arrays (e.g. the weights of every layer); grads: the
    gradients, shaped like params. Returns a new list
    [p - learn_rate * g for each pair]; params and grads are unchanged.

    Examples:

    >>> params = [np.ones((2, 3)), np.zeros((2, 1))]
    >>> grads = [np.ones((2, 3)), np.ones((2, 1))]
    >>> new = sgd_step(params, grads, 0.5)
    >>> new[1]
    array([[-0.5],
           [-0.5]])
    >>> params[1]
    array([[0.],
           [0.]])
    """
    ### BEGIN SOLUTION
    return [p + learn_rate * g for p, g in zip(params, grads)]
    ### END SOLUTION


def mini_batches(n, batch_size, rng):
    """Shuffle the indices of n examples and cut them into mini-batches.

    n: the number of training examples; batch_size: examples per mini-batch;
    rng: a np.random.Generator. Returns a list of 1-D int arrays: a random
    permutation of range(n) (rng.permutation(n)) cut into consecutive pieces
    of batch_size; the last piece may be shorter. Every index appears exactly
    once. Example: n=5, batch_size=2 gives three batches of sizes 2, 2, 1.

    Examples:

    >>> [len(batch) for batch in mini_batches(5, 2, np.random.default_rng(0))]
    [2, 2, 1]
    >>> sorted(np.concatenate(mini_batches(10, 3, np.random.default_rng(1))).tolist()) == list(range(10))
    True
    """
    ### BEGIN SOLUTION
    order = rng.permutation(n)
    return [order[k:k + batch_size] for k in range(0, n, batch_size)]
    ### END SOLUTION
