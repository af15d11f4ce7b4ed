"""Public tests for 01_neuron: a few of the lecture's worked examples.

Run them from the course folder with

    pytest assignments/01_neuron -q

(or just `pytest -q` inside this folder). A test that fails tells you what to
fix. Passing them is a good sign, not a guarantee: the hidden graders check
more (seeded random inputs, shapes and types, extreme values, inputs left
unchanged).
"""
import sys
import warnings

import numpy as np

# Import this folder's neuron.py even if pytest runs several assignments at once.
sys.modules.pop("neuron", None)
import neuron  # noqa: E402


def test_sigmoid_at_zero_is_one_half():
    got = neuron.sigmoid(0.0)
    assert np.isclose(got, 0.5), (
        f"sigmoid(0) should be 0.5: a weighted sum of 0 puts the neuron exactly at its "
        f"threshold, 1 / (1 + e^-0) = 1 / 2. Got {got}.")


def test_sigmoid_squishes_into_zero_one():
    z = np.array([-2.0, -1.0, 0.0, 1.0, 2.0])
    got = neuron.sigmoid(z.copy())  # expected values below come from the untouched z
    assert np.shape(got) == z.shape, (
        f"sigmoid works elementwise: an array of shape {z.shape} in gives the same shape out. "
        f"Got shape {np.shape(got)}.")
    expected = 1.0 / (1.0 + np.exp(-z))
    hint = ""
    if np.allclose(got, 1.0 / (1.0 + np.exp(z))):
        hint = " That is sigmoid(-z): did you compute 1/(1+e^z) instead of 1/(1+e^-z)?"
    np.testing.assert_allclose(
        got, expected, rtol=1e-9, atol=1e-12,
        err_msg="sigmoid(z) = 1/(1+e^-z): very negative z gives a dark neuron (close to 0), "
                "very positive z a bright one (close to 1), e.g. sigmoid(2) = 0.8808." + hint)


def test_sigmoid_is_stable_at_plus_minus_1000():
    z = np.array([-1000.0, 1000.0])
    try:
        # Overflow is an error here; underflow (e^-1000 rounding to 0.0) is fine.
        with warnings.catch_warnings(), np.errstate(all="raise", under="ignore"):
            warnings.simplefilter("error")
            got = neuron.sigmoid(z)
            got_low, got_high = neuron.sigmoid(-1000.0), neuron.sigmoid(1000.0)
    except (FloatingPointError, RuntimeWarning, OverflowError) as exc:
        raise AssertionError(
            f"sigmoid at z = -1000 or 1000 is not numerically stable ({type(exc).__name__}: {exc}). "
            "For z = -1000, e^-z = e^1000 overflows: use 1/(1+e^-z) for z >= 0 and the equal "
            "form e^z / (1 + e^z) for z < 0, so e is only ever raised to a negative power. "
            "np.where(z >= 0, ..., ...) computes both forms on every element before it chooses, so "
            "it overflows too: compute each form only on its own elements (z[z >= 0], z[z < 0]), "
            "or use the equal form 0.5 * (1 + tanh(z / 2)).") from None
    got = np.asarray(got, dtype=float)
    assert got.shape == (2,) and not np.any(np.isnan(got)), (
        f"sigmoid([-1000, 1000]) should be [0.0, 1.0] with no nan. Got {got}.")
    for value, expected, where in ((got[0], 0.0, "sigmoid([-1000, 1000])[0]"),
                                   (got[1], 1.0, "sigmoid([-1000, 1000])[1]"),
                                   (got_low, 0.0, "sigmoid(-1000.0)"),
                                   (got_high, 1.0, "sigmoid(1000.0)")):
        assert abs(float(value) - expected) <= 1e-200, (
            f"{where} should be {expected}: the neuron is completely "
            f"{'dark' if expected == 0.0 else 'bright'}. Got {value}.")


def test_sigmoid_prime():
    got0 = neuron.sigmoid_prime(0.0)
    assert np.isclose(got0, 0.25), (
        f"sigmoid_prime(0) should be sigma(0) (1 - sigma(0)) = 0.5 x 0.5 = 0.25, the steepest "
        f"point of the sigmoid. Got {got0}.")
    z = np.array([[-3.0], [0.5], [4.0]])
    s = 1.0 / (1.0 + np.exp(-z))
    np.testing.assert_allclose(
        neuron.sigmoid_prime(z), s * (1.0 - s), rtol=1e-9, atol=1e-12,
        err_msg="sigmoid_prime(z) = sigma(z) (1 - sigma(z)), elementwise, same shape as z.")


def test_relu_on_the_lecture_layer():
    z = np.array([[3.2], [1.39], [-0.21]])
    got = neuron.relu(z)
    np.testing.assert_allclose(
        got, [[3.2], [1.39], [0.0]], atol=1e-12,
        err_msg="The lecture's layer: ReLU(3.2) = 3.2, ReLU(1.39) = 1.39 and ReLU(-0.21) = 0. "
                "relu(z) = max(0, z) elementwise (np.maximum, not np.max, which gives one number).")


def test_relu_prime():
    got = neuron.relu_prime(np.array([-2.0, 0.0, 0.5, 3.0]))
    np.testing.assert_allclose(
        got, [0.0, 0.0, 1.0, 1.0],
        err_msg="relu_prime(z) is 1.0 where z > 0 and 0.0 elsewhere, also at z = 0 exactly.")


def test_weighted_sum_from_the_lecture():
    got = neuron.weighted_sum(np.array([0.6]), np.array([2.0]))
    assert isinstance(got, float), f"weighted_sum should return a float. Got {type(got).__name__}."
    assert np.isclose(got, 1.2), f"The lecture's first step: 0.6 x 2 = 1.2. Got {got}."
    a = np.array([2.0, 0.5, 0.1])
    for w, expected in (([0.0, 0.6, 0.9], 0.39), ([1.2, 0.7, 0.4], 2.79)):
        got = neuron.weighted_sum(np.array(w), a)
        assert np.isclose(got, expected), (
            f"weighted_sum(w={w}, a=[2, 0.5, 0.1]) = w1 a1 + w2 a2 + w3 a3 should be {expected}. "
            f"Got {got}.")


def _hint_sigmoid():
    """A word on sigmoid when it is wrong: the neuron can only be as right as its sigmoid."""
    try:
        at_0, at_3 = float(neuron.sigmoid(0.0)), float(neuron.sigmoid(3.0))
    except Exception:  # noqa: BLE001 - sigmoid's own tests say what is wrong with it
        return " Check sigmoid first: it raises an error (see the sigmoid tests)."
    if np.isclose(at_0, 0.5) and np.isclose(at_3, 1.0 / (1.0 + np.exp(-3.0))):
        return " Did you add the bias b before applying the sigmoid?"
    return (f" Check sigmoid first: sigmoid(0) must be 0.5 and sigmoid(3) = 0.9526 (past the "
            f"threshold the neuron lights up); yours gives {at_0:.4f} and {at_3:.4f}.")


def test_neuron_with_bias_minus_10_is_a_threshold():
    w = np.ones(10)
    for a, expected, words in ((np.ones(10), 0.5, "exactly 10: sigma(10 - 10) = sigma(0) = 0.5"),
                               (np.full(10, 1.3), 1.0 / (1.0 + np.exp(-3.0)), "13 > 10: the neuron lights up"),
                               (np.full(10, 0.7), 1.0 / (1.0 + np.exp(3.0)), "7 < 10: the neuron stays dark")):
        got = neuron.neuron(w, a, -10.0)
        assert isinstance(got, float), f"neuron should return a float. Got {type(got).__name__}."
        assert np.isclose(got, expected), (
            f"A neuron with bias -10 is only meaningfully active when its weighted sum exceeds 10. "
            f"Weighted sum {words}, so neuron(...) should be {expected:.4f}. Got {got:.4f}."
            + _hint_sigmoid())


def test_neuron_with_relu_activation():
    a = np.array([2.0, 0.5, 0.1])
    got = neuron.neuron(np.array([0.6, 0.0, 0.0]), a, 2.0, activation=neuron.relu)
    assert np.isclose(got, 3.2), (
        f"The lecture's first ReLU neuron: 0.6 x 2 = 1.2, plus bias 2 = 3.2, ReLU(3.2) = 3.2. "
        f"Got {got}. Use the activation argument instead of always calling sigmoid.")
    got = neuron.neuron(np.array([1.2, 0.7, 0.4]), a, -3.0, activation=neuron.relu)
    assert np.isclose(got, 0.0), (
        f"The lecture's third ReLU neuron: 2.79 + (-3) = -0.21 and ReLU(-0.21) = 0. Got {got}.")
