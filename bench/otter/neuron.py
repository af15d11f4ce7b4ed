"""Otter-Grader's test file for 01_neuron: the course's hidden graders, in Otter's format.

The same 14 checks and 20 points as graders/test_01_neuron.py (the
lecture's numbers, stability at +-1000 without warnings, seeded random arrays
of several shapes against the reference formulas, floats for floats, inputs
left unchanged, ReLU'(0) = 0, the neuron's default sigmoid and its bias),
without the feedback that names the mistake (the toolkit's Mistake lists). Otter runs the
student's neuron.py and calls each test with the functions it defined, in Otter's own
process, so this file imports nothing from autograder.toolkit: `close` below stands in for
toolkit.compare, `reference_sigmoid` for toolkit.network.sigmoid. Only bench/otter_peer.py uses it.
"""
import warnings

import numpy as np
from otter.test_files import test_case

OK_FORMAT = False
name = "neuron"


def reference_sigmoid(z):
    return 0.5 * (1.0 + np.tanh(np.asarray(z, dtype=float) / 2.0))


def shapes(rng):
    return [(int(rng.integers(2, 9)), 1), (int(rng.integers(2, 9)),),
            (int(rng.integers(2, 7)), int(rng.integers(2, 7))), (2, 3, int(rng.integers(2, 5)))]


def close(got, expected, rtol=1e-9, atol=1e-12):
    got = np.asarray(got, dtype=float)
    assert got.shape == np.shape(expected), f"shape {got.shape}, expected {np.shape(expected)}"
    assert np.allclose(got, expected, rtol=rtol, atol=atol), f"got {got}, expected {expected}"


def is_float(value):
    return isinstance(value, (float, np.floating))


@test_case(points=1)
def sigmoid_at_zero(sigmoid):
    close(sigmoid(0.0), 0.5)


@test_case(points=2)
def sigmoid_stable(sigmoid):
    z = np.array([-1000.0, -800.0, -745.0, -710.0, -50.0, -1.0, 0.0, 1.0, 50.0, 710.0, 745.0, 800.0, 1000.0])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        close(sigmoid(z), reference_sigmoid(z))
        close(sigmoid(-1000.0), 0.0, rtol=0)
        close(sigmoid(1000.0), 1.0, rtol=0)


@test_case(points=2)
def sigmoid_arrays(sigmoid):
    rng = np.random.default_rng(1)
    for shape in shapes(rng):
        z = rng.normal(0.0, 4.0, size=shape)
        close(sigmoid(z), reference_sigmoid(z))


@test_case(points=1)
def sigmoid_float(sigmoid):
    rng = np.random.default_rng(2)
    z = float(rng.normal())
    got = sigmoid(z)
    assert is_float(got), f"sigmoid(float) returned {type(got)}"
    close(got, reference_sigmoid(z))


@test_case(points=1)
def sigmoid_unchanged(sigmoid):
    z = np.random.default_rng(3).normal(0.0, 4.0, size=(5, 3))
    before = z.copy()
    close(sigmoid(z), reference_sigmoid(before))
    assert np.array_equal(z, before), "sigmoid changed its input"


@test_case(points=2)
def sigmoid_prime_random(sigmoid_prime):
    rng = np.random.default_rng(4)
    for shape in shapes(rng):
        z = rng.normal(0.0, 4.0, size=shape)
        s = reference_sigmoid(z)
        close(sigmoid_prime(z), s * (1.0 - s), rtol=1e-7)


@test_case(points=1)
def sigmoid_prime_peak(sigmoid_prime):
    close(sigmoid_prime(0.0), 0.25)
    close(sigmoid_prime(np.array([-1000.0, 1000.0])), np.zeros(2), rtol=0)


@test_case(points=1)
def relu_lecture(relu):
    for z in (np.array([3.2, 1.39, -0.21]), np.array([[3.2], [1.39], [-0.21]])):
        close(relu(z), np.maximum(0.0, z), rtol=0)


@test_case(points=2)
def relu_random(relu):
    rng = np.random.default_rng(5)
    for shape in shapes(rng)[:3]:
        z = rng.normal(0.0, 2.0, size=shape)
        before = z.copy()
        close(relu(z), np.maximum(0.0, before), rtol=0)
        assert np.array_equal(z, before), "relu changed its input"
    for z in (1.5, -1.5):
        got = relu(z)
        assert is_float(got), f"relu(float) returned {type(got)}"
        close(got, max(0.0, z), rtol=0)


@test_case(points=1)
def relu_prime(relu_prime):
    got = relu_prime(0.0)
    assert not isinstance(got, (bool, np.bool_)), "relu_prime returned a bool"
    close(got, 0.0, rtol=0, atol=0)
    rng = np.random.default_rng(6)
    for shape in shapes(rng)[:3]:
        z = rng.normal(0.0, 2.0, size=shape)
        z.flat[0] = 0.0
        got = relu_prime(z)
        assert got.dtype.kind == "f", f"relu_prime has dtype {got.dtype}"
        close(got, (z > 0).astype(float), rtol=0, atol=0)


@test_case(points=1)
def weighted_sum_lecture(weighted_sum):
    close(weighted_sum([0.6], [2.0]), 1.2)
    close(weighted_sum(np.array([1.2, 0.7, 0.4]), np.array([2.0, 0.5, 0.1])), 2.79)
    close(weighted_sum(np.array([0.0, 0.6, 0.9]), np.array([2.0, 0.5, 0.1])), 0.39)


@test_case(points=2)
def weighted_sum_random(weighted_sum):
    rng = np.random.default_rng(7)
    for n in (1, 5, 784):
        w, a = rng.normal(0.0, 1.0, size=n), rng.uniform(0.0, 1.0, size=n)
        w0, a0 = w.copy(), a.copy()
        got = weighted_sum(w, a)
        assert is_float(got), f"weighted_sum returned {type(got)}"
        close(got, float(np.dot(w0, a0)), atol=1e-9)
        assert np.array_equal(w, w0) and np.array_equal(a, a0), "weighted_sum changed its inputs"


@test_case(points=1)
def neuron_threshold(neuron):
    close(neuron(np.full(4, 0.5), np.full(4, 5.0), -10.0), 0.5)
    rng = np.random.default_rng(8)
    w, a, b = rng.normal(0.0, 1.0, 6), rng.uniform(0.0, 1.0, 6), float(rng.normal(0.0, 2.0))
    close(neuron(w, a, b), reference_sigmoid(np.dot(w, a) + b))


@test_case(points=2)
def neuron_random(neuron):
    rng = np.random.default_rng(9)
    for activation in (reference_sigmoid, lambda z: np.maximum(0.0, z), np.tanh):
        w, a, b = rng.normal(0.0, 1.0, 8), rng.uniform(0.0, 1.0, 8), float(rng.normal(0.0, 2.0))
        close(neuron(w, a, b, activation=activation), activation(np.dot(w, a) + b))
