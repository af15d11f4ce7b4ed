"""Public tests for 02_forward: a' = sigma(W a + b), layer by layer.

Run them from the course folder with

    pytest assignments/02_forward -q

(or just `pytest -q` inside this folder). A test that fails tells you what to
fix. Passing them is a good sign, not a guarantee: the hidden graders check
more (seeded random networks, shapes and types, batches of one, inputs left
unchanged). neuron.py is provided: sigmoid and relu already work.
"""
import sys

import numpy as np

# Import this folder's modules even if pytest runs several assignments at once.
for _name in ("neuron", "forward"):
    sys.modules.pop(_name, None)
import forward  # noqa: E402
from neuron import relu, sigmoid  # noqa: E402

# The lecture's ReLU layer: three neurons, three inputs.
W = np.array([[0.6, 0.0, 0.0],
              [0.0, 0.6, 0.9],
              [1.2, 0.7, 0.4]])
A = np.array([[2.0], [0.5], [0.1]])
B = np.array([[2.0], [1.0], [-3.0]])


def _hint_layer(got):
    """Name the usual slip when a layer's output matches it."""
    got = np.asarray(got, dtype=float)
    slips = ((W @ A, "that is W a alone: add the biases b (step 2) and apply the activation (step 3)"),
             (W @ A + B, "that is W a + b: apply the activation function to it (step 3)"),
             (relu(W.T @ A + B), "row j of W holds the weights into neuron j: compute W @ a, not W.T @ a"),
             (sigmoid(W @ A + B), "that is the sigmoid: use the activation argument you were given"))
    for wrong, hint in slips:
        if got.shape == wrong.shape and np.allclose(got, wrong):
            return " Got " + np.array2string(got.ravel(), precision=4) + ": " + hint + "."
    return ""


def test_layer_forward_the_lecture_relu_layer():
    got = forward.layer_forward(W, A, B, activation=relu)
    assert np.shape(got) == (3, 1), (
        f"W is (3, 3) and a is one example, a column of shape (3, 1), so W a + b is (3, 1). "
        f"Got shape {np.shape(got)}.")
    np.testing.assert_allclose(
        got, [[3.2], [1.39], [0.0]], atol=1e-12,
        err_msg="The lecture's layer, step by step: multiply by weights, 0.6 x 2 = 1.2, "
                "0.39 and 2.79; add biases [2, 1, -3]: 3.2, 1.39, -0.21; apply ReLU: "
                "3.2, 1.39, 0." + _hint_layer(got))


def test_layer_forward_uses_sigmoid_by_default():
    got = forward.layer_forward(W, A, B)
    np.testing.assert_allclose(
        got, sigmoid(np.array([[3.2], [1.39], [-0.21]])), rtol=1e-9,
        err_msg="Without an activation argument a layer computes sigma(W a + b): "
                "sigma(3.2) = 0.9608, sigma(1.39) = 0.8006, sigma(-0.21) = 0.4477." + _hint_layer(got))


def test_layer_forward_on_a_batch():
    batch = np.hstack([A, 2 * A])  # two examples, one per column
    got = forward.layer_forward(W, batch, B, activation=relu)
    assert np.shape(got) == (3, 2), (
        f"A batch of m = 2 examples is a (3, 2) array, one example per column; the layer's "
        f"output is (n_out, m) = (3, 2). Got shape {np.shape(got)}.")
    np.testing.assert_allclose(
        got, [[3.2, 4.4], [1.39, 1.78], [0.0, 2.58]], atol=1e-12,
        err_msg="Each column of the batch goes through the layer on its own, and b (3, 1) "
                "is added to every column: the second example is 2 a, giving 4.4, 1.78, 2.58.")


def test_init_network_shapes_for_784_16_16_10():
    weights, biases = forward.init_network([784, 16, 16, 10], np.random.default_rng(0))
    assert len(weights) == 3 and len(biases) == 3, (
        f"784-16-16-10 has three layers after the input layer, so three weight matrices and "
        f"three bias columns. Got {len(weights)} and {len(biases)}.")
    got_w = [np.shape(w) for w in weights]
    got_b = [np.shape(b) for b in biases]
    assert got_w == [(16, 784), (16, 16), (10, 16)], (
        f"weights[l] has shape (n_out, n_in): row j holds the weights into neuron j, so "
        f"W a works. Expected [(16, 784), (16, 16), (10, 16)], got {got_w}.")
    assert got_b == [(16, 1), (16, 1), (10, 1)], (
        f"biases[l] is a column (n_out, 1), one bias per neuron of the layer (none for the input "
        f"layer). Expected [(16, 1), (16, 1), (10, 1)], got {got_b}.")


def test_init_network_is_random_and_reproducible():
    w1, b1 = forward.init_network([4, 3, 2], np.random.default_rng(7))
    w2, b2 = forward.init_network([4, 3, 2], np.random.default_rng(7))
    w3, _ = forward.init_network([4, 3, 2], np.random.default_rng(8))
    for l in range(2):
        assert np.any(w1[l] != 0) and np.any(b1[l] != 0), (
            f"Layer {l} starts all zeros: neurons that start equal stay equal and never learn "
            f"different things. Draw the weights and biases at random (rng.standard_normal).")
        assert np.array_equal(w1[l], w2[l]) and np.array_equal(b1[l], b2[l]), (
            "The same random generator state must give the same network: draw every number "
            "from the rng you were given, not from np.random directly.")
    assert not all(np.array_equal(a, b) for a, b in zip(w1, w3)), (
        "Two different generators gave the same weights: draw them from the rng argument.")


def test_count_parameters_is_13002():
    got = forward.count_parameters([784, 16, 16, 10])
    hint = {12960: " That is only the weights: add the 16 + 16 + 10 = 42 biases.",
            42: " That is only the biases: add the 784x16 + 16x16 + 16x10 = 12,960 weights.",
            13786: " The input layer has no biases: don't count 784 of them."}.get(got, "")
    assert got == 13002, (
        f"784-16-16-10 has 784x16 + 16x16 + 16x10 = 12,960 weights and 16 + 16 + 10 = 42 biases: "
        f"13,002 parameters. Got {got}.{hint}")
    assert isinstance(got, (int, np.integer)) and not isinstance(got, (bool, np.bool_)), (
        f"count_parameters should return an int (a numpy integer such as np.int64 is fine too). "
        f"Got {type(got).__name__}: wrap your count in int(...), e.g. return int(total).")
    assert forward.count_parameters([2, 3, 1]) == 13, (
        "A 2-3-1 network has 2x3 + 3x1 = 9 weights and 3 + 1 = 4 biases: 13 parameters.")


def _hint_network(got, weights, biases, X, activation):
    """Name the usual slip of feedforward: the biases left out, or only the first layer run."""
    try:
        got = np.asarray(got, dtype=float)
    except (TypeError, ValueError):
        return ""
    no_bias = X
    for W_l in weights:
        no_bias = activation(W_l @ no_bias)
    first = activation(weights[0] @ X + biases[0])
    for wrong, hint in ((no_bias, "that is W a alone in every layer, activation(W a): add the biases, "
                                  "a = activation(W a + b)"),
                        (first, "that is the first layer alone: feed each layer's output into the next")):
        if got.shape == wrong.shape and np.allclose(got, wrong):
            return " Got " + np.array2string(got.ravel()[:6], precision=4) + ": " + hint + "."
    return ""


def test_feedforward_goes_layer_by_layer():
    # The lecture's ReLU layer, then one output neuron adding up its three inputs.
    weights = [W, np.array([[1.0, 1.0, 1.0]])]
    biases = [B, np.array([[0.5]])]
    got = forward.feedforward(weights, biases, A, activation=relu)
    np.testing.assert_allclose(
        got, [[3.2 + 1.39 + 0.0 + 0.5]], atol=1e-12,
        err_msg="Layer 1 is the lecture's layer (3.2, 1.39, 0); layer 2 adds those up plus its "
                "bias 0.5: 5.09. Feed each layer's activations into the next one, "
                "a = activation(W a + b), for every (W, b) in order."
                + _hint_network(got, weights, biases, A, relu))


def test_feedforward_shape_and_sigmoid_default():
    rng = np.random.default_rng(3)
    weights = [rng.standard_normal((5, 4)), rng.standard_normal((2, 5))]
    biases = [rng.standard_normal((5, 1)), rng.standard_normal((2, 1))]
    X = rng.random((4, 6))
    got = forward.feedforward(weights, biases, X)
    assert np.shape(got) == (2, 6), (
        f"A 4-5-2 network fed m = 6 examples (a (4, 6) array) answers with a (2, 6) array: "
        f"one column of output activations per example. Got shape {np.shape(got)}.")
    expected = sigmoid(weights[1] @ sigmoid(weights[0] @ X + biases[0]) + biases[1])
    np.testing.assert_allclose(got, expected, rtol=1e-9,
                               err_msg="feedforward should apply a' = sigma(W a + b) once per layer."
                               + _hint_network(got, weights, biases, X, sigmoid))


def test_predict_picks_the_brightest_output_neuron():
    # One layer that copies (a scaled) input to the output: the brightest input wins.
    weights, biases = [4.0 * np.eye(3)], [np.zeros((3, 1))]
    X = np.array([[0.9, 0.1, 0.2, 0.0],
                  [0.1, 0.2, 0.3, 0.6],
                  [0.0, 0.7, 0.1, 0.4]])
    got = forward.predict(weights, biases, X)
    assert isinstance(got, np.ndarray) and got.shape == (4,), (
        f"predict returns a 1-D array with one answer per example (column): shape (4,). Got "
        f"{got.shape if isinstance(got, np.ndarray) else type(got).__name__}. "
        f"Take the argmax of each column: axis=0.")
    assert np.issubdtype(got.dtype, np.integer), f"The answers are digits: an int array. Got dtype {got.dtype}."
    assert got.tolist() == [0, 2, 1, 1], (
        f"The network's answer for each column is the index of its brightest output neuron: "
        f"expected [0, 2, 1, 1], got {got.tolist()}.")
