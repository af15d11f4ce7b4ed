"""Hidden graders for 03_cost: one_hot, example_cost, average_cost, cost_derivative.

Each function is checked on its own (the network in average_cost runs on the
provided forward.py), on the lecture's two "3"s and mostly on seeded random
inputs compared with the reference. When a wrong answer matches a typical
mistake (mean instead of sum, a 1/2 factor, no square, mean over all entries,
a missing factor 2, ...) the feedback names it.
"""
import numpy as np

from autograder.graders.checks import expect_array, expect_close, expect_float, expect_list, expect_unchanged, fail, points

# The lecture's untrained network shown a "3" (3Blue1Brown chapter 2), and the
# second "3" of seed 001: output activations, the rounded cost, where it is from.
LECTURE_THREES = [
    ([0.4316, 0.2844, 0.1889, 0.8825, 0.7240, 0.0100, 0.6387, 0.8595, 0.9908, 0.6323], 3.37,
     "the lecture's \"3\" (output [0.43, 0.28, 0.19, 0.88, 0.72, 0.01, 0.64, 0.86, 0.99, 0.63])"),
    ([0.2941, 0.1975, 0.1463, 0.9123, 0.5050, 0.0141, 0.4393, 0.5892, 0.6854, 0.4335], 1.61,
     "the lecture's second \"3\" (output [0.29, 0.20, 0.15, 0.91, 0.51, 0.01, 0.44, 0.59, 0.69, 0.43])"),
]


def _matching_hint(got, candidates, rtol=1e-6, atol=1e-9):
    """The hint of the first typical mistake whose answer equals got ('' if none)."""
    got = np.asarray(got, dtype=float)
    for value, hint in candidates:
        value = np.asarray(value, dtype=float)
        if value.shape == got.shape and np.allclose(got, value, rtol=rtol, atol=atol):
            return hint
    return ""


# ---------------------------------------------------------------- one_hot


def _check_one_hot(got, expected, what):
    """Shape first (with the likely mistake named), then the values."""
    n_classes, m = expected.shape
    if isinstance(got, np.ndarray) and got.shape != expected.shape:
        if got.shape == (m, n_classes) and m != n_classes:
            fail(f"{what} should have shape {expected.shape} (one column per label: examples are columns), "
                 f"got {got.shape} - your one-hot vectors are rows; transpose the result.")
        if got.ndim == 2 and got.shape[1] == m and got.shape[0] != n_classes:
            fail(f"{what} should have shape {expected.shape}, got {got.shape}: the number of rows is n_classes "
                 f"({n_classes} here) - did you ignore the n_classes argument?")
        if got.shape == (n_classes,) and m == 1:
            fail(f"{what} should be a column of shape {expected.shape}, got the flat shape {got.shape}. "
                 "The target of one example is a column, like the output activations: reshape it to (n_classes, 1).")
    got = expect_array(got, expected.shape, what)
    if not np.array_equal(got, expected):
        wrong = [j for j in range(m) if not np.array_equal(got[:, j], expected[:, j])]
        column = got[:, wrong[0]]
        row = int(np.argmax(expected[:, wrong[0]]))
        detail = (f"column {wrong[0]} should be 1.0 in row {row} (the label) and 0.0 elsewhere, "
                  f"but yours has {int(np.count_nonzero(column))} nonzero entries"
                  + (f" and its largest entry in row {int(np.argmax(column))}" if np.any(column) else ""))
        fail(f"{what} is not the one-hot encoding of the labels: {detail}.")


@points(1)
def test_one_hot_single_label(student, reference):
    """one_hot(3) is a (10, 1) column with 1.0 in row 3"""
    _check_one_hot(student.one_hot(3), reference.one_hot(3), "one_hot(3)")
    _check_one_hot(student.one_hot(0), reference.one_hot(0), "one_hot(0)")


@points(2)
def test_one_hot_many_labels(student, reference, rng):
    """one_hot of m labels (a list or an array) is (10, m), one column per label"""
    m = int(rng.integers(5, 30))
    labels = rng.integers(0, 10, size=m)
    _check_one_hot(student.one_hot([int(k) for k in labels]), reference.one_hot(labels),
                   f"one_hot of a list of {m} labels")
    labels = rng.integers(0, 10, size=int(rng.integers(11, 40)))
    _check_one_hot(student.one_hot(labels), reference.one_hot(labels),
                   f"one_hot of a 1-D array of {labels.size} labels")
    label = int(rng.integers(0, 10))
    _check_one_hot(student.one_hot([label]), reference.one_hot([label]), f"one_hot([{label}]) (a batch of one)")


@points(1)
def test_one_hot_n_classes(student, reference, rng):
    """one_hot respects n_classes other than 10"""
    n_classes = int(rng.integers(3, 7))
    labels = rng.integers(0, n_classes, size=int(rng.integers(12, 20)))
    _check_one_hot(student.one_hot(labels, n_classes=n_classes), reference.one_hot(labels, n_classes=n_classes),
                   f"one_hot of {labels.size} labels with n_classes={n_classes}")
    n_classes = int(rng.integers(12, 20))
    label = int(rng.integers(10, n_classes))
    _check_one_hot(student.one_hot(label, n_classes), reference.one_hot(label, n_classes),
                   f"one_hot({label}, n_classes={n_classes})")


# ---------------------------------------------------------------- example_cost


def _example_cost_mistakes(a, y):
    d = np.asarray(a, dtype=float) - np.asarray(y, dtype=float)
    total = np.sum(d ** 2)
    return [
        (np.mean(d ** 2), f"That is the sum of the squared differences divided by {d.size}: did you take the mean "
                          "instead of the sum? The cost of one example is the SUM "
                          "(a_0 - y_0)^2 + ... + (a_9 - y_9)^2."),
        (total / 2, "That is half the sum of the squared differences: the lecture's cost has no 1/2 factor, "
                    "C0 = (a_0 - y_0)^2 + ... + (a_9 - y_9)^2."),
        (np.sum(d), "That is the plain sum of the differences a_i - y_i: did you forget to square them? "
                    "Squaring makes every difference count as a positive cost."),
        (-np.sum(d), "That is the plain sum of the differences y_i - a_i: did you forget to square them?"),
        (np.sum(np.abs(d)), "That is the sum of the absolute differences |a_i - y_i|: the cost squares the "
                            "differences instead, (a_i - y_i)^2."),
        (np.sqrt(total), "That is the square root of the sum of squares (the length of a - y): the cost is the sum "
                         "of squares itself, no square root."),
        (np.mean(np.abs(d)), "That is the mean absolute difference: the cost is the SUM of the SQUARED differences."),
    ]


def _check_example_cost(got, a, y, expected, what):
    got = expect_float(got, what)
    hint = _matching_hint(got, _example_cost_mistakes(a, y))
    expect_close(got, expected, what, rtol=1e-6, atol=1e-9, hint=hint)


@points(2)
def test_example_cost_lecture(student, reference):
    """example_cost of the lecture's two "3"s is 3.37 and 1.61"""
    y = reference.one_hot(3)
    for activations, rounded, where in LECTURE_THREES:
        a = np.array(activations).reshape(10, 1)
        got = expect_float(student.example_cost(a, y), f"example_cost for {where}")
        expected = reference.example_cost(a, y)
        if not np.isclose(got, expected, rtol=1e-6, atol=1e-9):
            hint = _matching_hint(got, _example_cost_mistakes(a, y))
            fail(f"your cost for {where} against one_hot(3) is {got:.4g}; the sum of the squared differences "
                 f"is {rounded:.2f}. " + (hint or "Add up (a_i - y_i)^2 over the 10 output neurons."))


@points(3)
def test_example_cost_random(student, reference, rng):
    """example_cost on random outputs and targets, (10, 1) and (10,), is a float; inputs unchanged"""
    cases = [
        (rng.random((10, 1)), reference.one_hot(int(rng.integers(0, 10))), "a (10, 1) output against a one-hot target"),
        (rng.random((10, 1)), rng.random((10, 1)), "a (10, 1) output against a (10, 1) target"),
        (rng.random(10), rng.random(10), "a flat (10,) output against a (10,) target"),
        (rng.random(10), np.eye(10)[int(rng.integers(0, 10))], "a flat (10,) output against a flat one-hot target"),
    ]
    for a, y, what in cases:
        call = student.call("example_cost", a.copy(), y.copy(), return_args=True)
        _check_example_cost(call.result, a, y, reference.example_cost(a, y), f"example_cost for {what}")
        expect_unchanged(a, call.args[0], "output")
        expect_unchanged(y, call.args[1], "y")


# ---------------------------------------------------------------- average_cost


def _random_network(rng, sizes, m):
    weights = [rng.normal(0.0, 1.0, size=(n_out, n_in)) for n_in, n_out in zip(sizes[:-1], sizes[1:])]
    biases = [rng.normal(0.0, 1.0, size=(n_out, 1)) for n_out in sizes[1:]]
    X = rng.random((sizes[0], m))
    return weights, biases, X


def _average_cost_mistakes(reference, weights, biases, X, Y):
    out = reference.feedforward(weights, biases, X)
    squares = (out - Y) ** 2
    total = float(np.sum(squares))
    (n_in, m), n_out = X.shape, Y.shape[0]
    candidates = [
        (total, f"That is the SUM of the example costs over the {m} examples: the cost of the network is their "
                f"average (mean over the columns), so divide by m = X.shape[1]."),
        (total / n_in, f"That is the sum divided by X.shape[0] = {n_in}, the number of input neurons; divide by "
                       "the number of examples m = X.shape[1] (examples are columns)."),
        (total / n_out, f"That is the sum divided by the {n_out} output neurons: a mean over the neurons and a sum "
                        "over the examples - the axes are swapped. Each example's cost sums over the neurons "
                        "(axis=0); then take the mean over the examples (axis=1, the columns)."),
        (total / (2 * m), "That is half the average cost: the lecture's cost has no 1/2 factor."),
        (total / (n_out * m), f"That is the mean over all {n_out} x {m} entries of (output - Y)^2 (np.mean of the "
                              f"squared differences): it also divides by the {n_out} output neurons. Sum over the "
                              "neurons (each example's cost), then take the mean over the examples (columns)."),
        (float(np.sum(squares[:, 0])), "That is the cost of the first example only: average over all m columns."),
        (float(np.sum(np.abs(out - Y)) / m), "That uses absolute differences: the example cost squares them."),
    ]
    return [(v, h) for v, h in candidates if not np.isclose(v, total / m, rtol=1e-9)]


def _check_average_cost(student, reference, weights, biases, X, Y, what):
    got = expect_float(student.average_cost(weights, biases, X, Y), what)
    expected = reference.average_cost(weights, biases, X, Y)
    hint = _matching_hint(got, _average_cost_mistakes(reference, weights, biases, X, Y))
    expect_close(got, expected, what, rtol=1e-6, atol=1e-9, hint=hint)


@points(4)
def test_average_cost_random(student, reference, rng):
    """average_cost of random networks and batches (the mean example cost over the columns)"""
    for sizes, m in (([6, 5, 4], 7), ([784, 16, 16, 10], int(rng.integers(12, 25))), ([3, 8, 2], 5)):
        weights, biases, X = _random_network(rng, sizes, m)
        Y = reference.one_hot(rng.integers(0, sizes[-1], size=m), sizes[-1])
        _check_average_cost(student, reference, weights, biases, X, Y,
                            f"average_cost of a {'-'.join(map(str, sizes))} network on {m} examples")


@points(2)
def test_average_cost_batch_of_one(student, reference, rng):
    """average_cost of a batch of one example equals that example's cost"""
    for sizes in ([5, 4, 3], [784, 16, 16, 10]):
        weights, biases, X = _random_network(rng, sizes, 1)
        Y = reference.one_hot([int(rng.integers(0, sizes[-1]))], sizes[-1])
        _check_average_cost(student, reference, weights, biases, X, Y,
                            f"average_cost of a {'-'.join(map(str, sizes))} network on a batch of one "
                            "(a (n, 1) column)")


@points(1)
def test_average_cost_inputs_unchanged(student, reference, rng):
    """average_cost leaves weights, biases, X and Y unchanged"""
    sizes, m = [7, 6, 4], 9
    weights, biases, X = _random_network(rng, sizes, m)
    Y = reference.one_hot(rng.integers(0, sizes[-1], size=m), sizes[-1])
    call = student.call("average_cost", [w.copy() for w in weights], [b.copy() for b in biases], X.copy(), Y.copy(),
                        return_args=True)
    expect_close(expect_float(call.result, "average_cost"), reference.average_cost(weights, biases, X, Y),
                 "average_cost", hint="(This test also needs the right answer: leaving the inputs alone earns points only together with it.)")
    after_w, after_b, after_X, after_Y = call.args
    for name, before, after in (("weights", weights, after_w), ("biases", biases, after_b)):
        after = expect_list(after, len(before), f"{name} after the call")
        for layer, (b, a) in enumerate(zip(before, after)):
            expect_unchanged(b, a, f"{name}[{layer}]")
    expect_unchanged(X, after_X, "X")
    expect_unchanged(Y, after_Y, "Y")


# ---------------------------------------------------------------- cost_derivative


def _check_cost_derivative(got, a, y, expected, what):
    got = expect_array(got, a.shape, what)
    d = a - y
    hint = _matching_hint(got, [
        (d, "That is a - y: the factor 2 is missing. The derivative of (a - y)^2 with respect to a is 2 (a - y)."),
        (-2 * d, "That is 2 (y - a): the sign is flipped. dC0/da = 2 (a - y) is positive when an activation is "
                 "too high, so gradient descent lowers it."),
        (-d, "That is y - a: both the factor 2 and the sign are off. dC0/da = 2 (a - y)."),
        (d ** 2, "That is the squared difference (the cost terms themselves), not their derivative 2 (a - y)."),
        (d / 2, "That is (a - y) / 2: the derivative of (a - y)^2 is 2 (a - y)."),
    ])
    expect_close(got, expected, what, rtol=1e-9, atol=1e-12, hint=hint)


@points(3)
def test_cost_derivative_random(student, reference, rng):
    """cost_derivative is 2 (a - y), the same shape as the output"""
    for shape in ((10, 1), (10, int(rng.integers(2, 9))), (int(rng.integers(3, 8)),)):
        a, y = rng.random(shape), rng.random(shape)
        _check_cost_derivative(student.cost_derivative(a, y), a, y, reference.cost_derivative(a, y),
                               f"cost_derivative for an output of shape {shape}")


@points(1)
def test_cost_derivative_inputs_unchanged(student, reference, rng):
    """cost_derivative leaves output and y unchanged"""
    a, y = rng.random((10, 4)), reference.one_hot(rng.integers(0, 10, size=4))
    call = student.call("cost_derivative", a.copy(), y.copy(), return_args=True)
    expect_close(expect_array(call.result, a.shape, "cost_derivative"), reference.cost_derivative(a, y),
                 "cost_derivative", hint="(This test also needs the right answer: leaving the inputs alone earns points only together with it.)")
    expect_unchanged(a, call.args[0], "output")
    expect_unchanged(y, call.args[1], "y")
