"""Hidden graders for 01_neuron (provisional; being extended)."""
import warnings

import numpy as np

from .checks import expect_array, expect_close, expect_float, fail, points


@points(10)
def test_sigmoid_at_zero(student):
    """sigmoid(0) = 0.5"""
    got = expect_float(student.sigmoid(0.0), "sigmoid(0.0)")
    expect_close(got, 0.5, "sigmoid(0)", hint="At z = 0 the neuron sits exactly at its threshold.")


@points(10)
def test_sigmoid_random(student, reference, rng):
    """sigmoid on a random array"""
    z = rng.normal(0, 5, size=(7, 3))
    got = expect_array(student.sigmoid(z), z.shape, "sigmoid(z)")
    expect_close(got, reference.sigmoid(z), "sigmoid(z)")
