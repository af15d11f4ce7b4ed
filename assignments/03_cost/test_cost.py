"""Public tests for 03_cost: how lousy is the network?

Run them from the course folder with

    pytest assignments/03_cost -q

(or just `pytest -q` inside this folder). A test that fails tells you what to
fix. Passing them is a good sign, not a guarantee: the hidden graders check
more (seeded random networks and batches, shapes and types, inputs left
unchanged). neuron.py and forward.py are provided.
"""
import sys

import numpy as np

# Import this folder's modules even if pytest runs several assignments at once.
for _name in ("neuron", "forward", "cost"):
    sys.modules.pop(_name, None)
import cost  # noqa: E402

# The lecture's untrained network shown a "3" (two different untrained networks).
FIRST_THREE = np.array([0.4316, 0.2844, 0.1889, 0.8825, 0.7240,
                        0.0100, 0.6387, 0.8595, 0.9908, 0.6323]).reshape(10, 1)
SECOND_THREE = np.array([0.2941, 0.1975, 0.1463, 0.9123, 0.5050,
                         0.0141, 0.4393, 0.5892, 0.6854, 0.4335]).reshape(10, 1)
TARGET_THREE = np.zeros((10, 1))
TARGET_THREE[3] = 1.0  # what we wanted: only the "3" neuron lit up


def _hint_cost(got, total, n=10):
    """Name the usual slip when a cost matches it."""
    for wrong, hint in ((total / n, "the mean of the squared differences: the cost is their sum"),
                        (total / 2, "half the sum: the lecture's cost has no 1/2"),
                        (np.sqrt(total), "the square root of the sum: don't take the root")):
        if np.isclose(got, wrong, rtol=1e-6):
            return f" Got {got:.4f}: {hint}."
    return f" Got {got}."


def test_one_hot_for_a_three():
    got = cost.one_hot(3)
    assert np.shape(got) == (10, 1), (
        f"one_hot(3) is the desired output for one image: a column of 10 activations, shape "
        f"(10, 1). Got shape {np.shape(got)}.")
    np.testing.assert_array_equal(
        got, TARGET_THREE,
        err_msg="one_hot(3) is 1.0 on the neuron of digit 3 (row 3, counting from 0) and 0.0 on the others.")


def test_one_hot_for_a_batch_of_labels():
    got = cost.one_hot([3, 0, 9, 3])
    assert np.shape(got) == (10, 4), (
        f"one_hot of m = 4 labels is (10, 4): one column per example. Got shape {np.shape(got)}.")
    expected = np.zeros((10, 4))
    expected[[3, 0, 9, 3], [0, 1, 2, 3]] = 1.0
    np.testing.assert_array_equal(got, expected, err_msg="Column j of one_hot(labels) is 1.0 in row labels[j].")
    np.testing.assert_array_equal(cost.one_hot(np.array([1, 0]), n_classes=3), [[0, 1], [1, 0], [0, 0]],
                                  err_msg="n_classes sets the number of rows (output neurons).")


def test_example_cost_of_the_lectures_three():
    total = float(np.sum((FIRST_THREE - TARGET_THREE) ** 2))  # expected values first, from the untouched arrays
    got = cost.example_cost(FIRST_THREE.copy(), TARGET_THREE.copy())
    assert isinstance(got, (float, np.floating)), (
        f"example_cost should return a float. Got {type(got).__name__}"
        + (f" of shape {np.shape(got)}: use float(...) to turn a one-number array into a float."
           if isinstance(got, np.ndarray) else "."))
    assert round(got, 2) == 3.37, (
        "The lecture's untrained network shown a \"3\" answers 0.43, 0.28, 0.19, 0.88, 0.72, "
        "0.01, 0.64, 0.86, 0.99, 0.63. The squared differences 0.1863 + 0.0809 + 0.0357 + "
        "0.0138 + 0.5242 + 0.0001 + 0.4079 + 0.7388 + 0.9817 + 0.3998 add up to a cost of 3.37."
        + _hint_cost(got, total))


def test_example_cost_of_the_second_three():
    total = float(np.sum((SECOND_THREE - TARGET_THREE) ** 2))
    got = cost.example_cost(SECOND_THREE.copy(), TARGET_THREE.copy())
    assert isinstance(got, (float, np.floating)), (
        f"example_cost should return a float. Got {type(got).__name__}"
        + (f" of shape {np.shape(got)}: use float(...) to turn a one-number array into a float."
           if isinstance(got, np.ndarray) else "."))
    assert round(got, 2) == 1.61, (
        "The second \"3\": squared differences 0.0865 + 0.0390 + 0.0214 + 0.0077 + 0.2550 + "
        "0.0002 + 0.1930 + 0.3472 + 0.4698 + 0.1879 add up to 1.61." + _hint_cost(got, total))
    got = cost.example_cost(SECOND_THREE.ravel().copy(), TARGET_THREE.ravel().copy())
    assert np.isclose(got, total), (
        f"example_cost also takes 1-D outputs of shape (10,): expected {total:.4f}, got {got}.")


def test_average_cost_is_the_mean_over_examples():
    # A one-layer network whose output is exactly FIRST_THREE for the input
    # column [1, 0] and SECOND_THREE for [0, 1] (sigmoid(log(a / (1 - a))) = a).
    logit = lambda a: np.log(a / (1.0 - a))  # noqa: E731
    weights = [np.hstack([logit(FIRST_THREE), logit(SECOND_THREE)])]
    biases = [np.zeros((10, 1))]
    X = np.array([[1.0, 0.0, 1.0],
                  [0.0, 1.0, 0.0]])  # m = 3 examples: the first "3", the second, the first again
    Y = np.hstack([TARGET_THREE] * 3)
    costs = [np.sum((FIRST_THREE - TARGET_THREE) ** 2), np.sum((SECOND_THREE - TARGET_THREE) ** 2)]
    expected = (2 * costs[0] + costs[1]) / 3
    got = cost.average_cost(weights, biases, X, Y)
    hint = ""
    if np.isclose(got, 3 * expected):
        hint = " That is the sum of the example costs: divide by the number of examples m = 3."
    elif np.isclose(got, expected / 10):
        hint = " You averaged over all 10 x 3 entries: sum over the 10 output neurons, then average over the 3 examples."
    elif np.isclose(got, 3 * expected / 2):
        hint = " You divided by X.shape[0] (the 2 input neurons): m is X.shape[1], the number of columns."
    assert np.isclose(got, expected, rtol=1e-9), (
        f"The network's cost on this batch is the mean of its example costs: "
        f"({costs[0]:.4f} + {costs[1]:.4f} + {costs[0]:.4f}) / 3 = {expected:.4f} (the lecture's "
        f"3.37 and 1.61 before rounding). Got {got}.{hint}")


def test_cost_derivative():
    expected = 2.0 * (FIRST_THREE - TARGET_THREE)  # from the untouched arrays, before the call
    got = cost.cost_derivative(FIRST_THREE.copy(), TARGET_THREE.copy())
    hint = ""
    if np.allclose(got, expected / 2):
        hint = " You have (a - y): the derivative of (a - y)^2 is 2 (a - y)."
    elif np.allclose(got, -expected):
        hint = " The sign is flipped: it is 2 (a - y), not 2 (y - a)."
    np.testing.assert_allclose(
        got, expected, rtol=1e-9,
        err_msg="dC0/da_i = 2 (a_i - y_i): for the \"3\", 2 (0.4316 - 0) = 0.8632 for the first "
                "neuron and 2 (0.8825 - 1) = -0.235 for the \"3\" neuron (raise it)." + hint)
