"""Public tests for 05_backprop: the chain rule, layer by layer.

Run them from the course folder with

    pytest assignments/05_backprop -q

(or just `pytest -q` inside this folder). A test that fails tells you what to
fix. Passing them is a good sign, not a guarantee: the hidden graders check
more (seeded random networks and batches, shapes and types, inputs left
unchanged). neuron.py, forward.py and cost.py are provided.
"""
import sys

import numpy as np

# Import this folder's modules even if pytest runs several assignments at once.
for _name in ("neuron", "forward", "cost", "backprop"):
    sys.modules.pop(_name, None)
import backprop  # noqa: E402
from cost import average_cost  # noqa: E402


def _relative_error(got, expected):
    got, expected = np.asarray(got, dtype=float), np.asarray(expected, dtype=float)
    return np.linalg.norm(got - expected) / max(np.linalg.norm(got) + np.linalg.norm(expected), 1e-300)


def test_chain_rule_single_formulas():
    a_prev, w, b, y = 0.8, 1.5, -0.5, 1.0
    got = backprop.chain_rule_single(a_prev, w, b, y)
    assert isinstance(got, tuple) and len(got) == 3, (
        f"chain_rule_single returns the tuple (dC0/dw, dC0/db, dC0/da_prev). Got {got!r}.")
    # z = 0.7, a = sigma(0.7) = 0.668188, sigma'(0.7) = a (1 - a) = 0.221713, 2(a - y) = -0.663625
    expected = (-0.11770726788221378, -0.14713408485276722, -0.2207011272791508)
    names = ("dC0/dw = a_prev sigma'(z) 2(a - y)", "dC0/db = sigma'(z) 2(a - y)",
             "dC0/da_prev = w sigma'(z) 2(a - y)")
    for got_i, expected_i, name in zip(got, expected, names):
        hint = ""
        if np.isclose(got_i, expected_i / 2):
            hint = " (half of it: the derivative of (a - y)^2 is 2(a - y))"
        elif np.isclose(got_i, -expected_i):
            hint = " (the sign is flipped: it is 2(a - y), not 2(y - a))"
        assert np.isclose(got_i, expected_i, rtol=1e-9), (
            f"With a_prev = 0.8, w = 1.5, b = -0.5, y = 1: z = w a_prev + b = 0.7, a = sigma(0.7) "
            f"= 0.668188, sigma'(0.7) = 0.221713, and {name} = {expected_i:.6f}. Got {got_i}{hint}.")


def test_numerical_gradient_of_a_known_function():
    x = np.array([[1.0, -2.0], [0.5, 3.0]])
    before = x.copy()
    expected = 3 * x ** 2 + 2 * np.sum(x)  # from the untouched x, before the call
    got = backprop.numerical_gradient(lambda v: float(np.sum(v ** 3) + np.sum(v) ** 2), x)
    assert np.shape(got) == x.shape, (
        f"numerical_gradient returns one partial derivative per entry of x: shape {x.shape}. "
        f"Got shape {np.shape(got)}.")
    np.testing.assert_allclose(
        got, expected, rtol=1e-8,
        err_msg="For f(x) = (sum of x_i^3) + (sum of x_i)^2, df/dx_i = 3 x_i^2 + 2 (sum of x_i). "
                "Nudge one entry at a time, (f(x + h e_i) - f(x - h e_i)) / (2 h), and put it "
                "back before nudging the next one.")
    np.testing.assert_array_equal(x, before, err_msg=(
        "x was changed: put every nudged entry back (or nudge a copy of x). Keep the old value and "
        "restore it (x[i] = old): adding and subtracting h does not always give x back in floating point."))


def _small_network(sizes, m, seed):
    rng = np.random.default_rng(seed)
    weights = [rng.standard_normal((n_out, n_in)) for n_in, n_out in zip(sizes[:-1], sizes[1:])]
    biases = [rng.standard_normal((n_out, 1)) for n_out in sizes[1:]]
    X = rng.random((sizes[0], m))
    Y = np.eye(sizes[-1])[:, rng.integers(0, sizes[-1], m)]
    return weights, biases, X, Y


def test_backprop_shapes():
    weights, biases, X, Y = _small_network([4, 5, 3], 6, seed=0)
    grad_w, grad_b = backprop.backprop(weights, biases, X, Y)
    assert [np.shape(g) for g in grad_w] == [w.shape for w in weights], (
        f"grad_w has one array per layer, shaped like weights: {[w.shape for w in weights]}. "
        f"Got {[np.shape(g) for g in grad_w]}.")
    assert [np.shape(g) for g in grad_b] == [b.shape for b in biases], (
        f"grad_b has one column per layer, shaped like biases: {[b.shape for b in biases]}. "
        f"Got {[np.shape(g) for g in grad_b]}. Did you take the mean of delta over the m columns "
        f"(axis=1, keepdims=True)?")


def test_backprop_matches_numerical_gradient():
    weights, biases, X, Y = _small_network([4, 5, 3], 6, seed=1)
    grad_w, grad_b = backprop.backprop(weights, biases, X, Y)
    for l in range(len(weights)):
        for name, params, grads in (("weights", weights, grad_w), ("biases", biases, grad_b)):
            def cost_of(p):
                changed = list(params)
                changed[l] = p
                if name == "weights":
                    return average_cost(changed, biases, X, Y)
                return average_cost(weights, changed, X, Y)

            numeric = backprop.numerical_gradient(cost_of, params[l])
            got = np.asarray(grads[l], dtype=float)
            hint = ""
            if np.allclose(got, 6 * numeric, rtol=1e-6):
                hint = " It is m = 6 times too big: the batch cost is the MEAN over the examples."
            elif np.allclose(got, numeric / 2, rtol=1e-6):
                hint = " It is half the right value: dC0/da = 2(a - y)."
            error = _relative_error(got, numeric)
            assert error < 1e-7, (
                f"backprop's gradient for the {name} of layer {l + 1} of a 4-5-3 network (m = 6 "
                f"examples) disagrees with numerical_gradient of the average cost: relative "
                f"error {error:.1e}, should be below 1e-7.{hint} (If "
                f"test_numerical_gradient_of_a_known_function fails, fix numerical_gradient first.)")


def test_backprop_with_one_neuron_per_layer_is_the_chain_rule():
    # The lecture's simplest network: one input x = 0.9, then one neuron in each of two
    # layers (w1 = 0.7, b1 = 0.1; w2 = -1.3, b2 = 0.4); one example, target y = 1.
    weights = [np.array([[0.7]]), np.array([[-1.3]])]
    biases = [np.array([[0.1]]), np.array([[0.4]])]
    grad_w, grad_b = backprop.backprop(weights, biases, np.array([[0.9]]), np.array([[1.0]]))
    np.testing.assert_allclose(
        [float(np.ravel(grad_w[1])[0]), float(np.ravel(grad_b[1])[0])],
        [-0.19679055577399726, -0.29162569376633396], rtol=1e-9,
        err_msg="For the last layer (a_prev = sigma(0.7 x 0.9 + 0.1) = 0.674805), backprop should "
                "give the lecture's dC0/dw = a_prev sigma'(z) 2(a - y) = -0.196791 and "
                "dC0/db = sigma'(z) 2(a - y) = -0.291626.")
    np.testing.assert_allclose(
        [float(np.ravel(grad_w[0])[0]), float(np.ravel(grad_b[0])[0])],
        [0.07487444383766108, 0.08319382648629009], rtol=1e-9,
        err_msg="One layer further back the same formulas apply, with 2(a - y) replaced by "
                "dC0/da_prev = w sigma'(z) 2(a - y) of the layer after it: dC0/dw1 = 0.074874 and "
                "dC0/db1 = 0.083194. (Do you use that layer's own sigma'(z) there?)")
