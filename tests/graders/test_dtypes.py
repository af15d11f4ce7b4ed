"""toolkit/dtypes.py: a promised float or float64 array that is float32 is named as such (issue #21, rule 5)."""
import numpy as np
import pytest

from autograder.toolkit.dtypes import expect_float64, expect_float64_arrays, low_precision


def test_a_float_of_64_bits_passes_and_a_numpy_float32_is_named():
    for honest in (3.37, np.float64(3.37), np.sum(np.array([1.5, 1.87]))):  # np.float64 is a Python float
        expect_float64(honest, "example_cost")
    with pytest.raises(AssertionError) as failed:
        expect_float64(np.float32(3.37), "example_cost for the lecture's 3")
    message = str(failed.value)
    assert message.startswith("example_cost for the lecture's 3: your code returned a numpy float32 (3.37)")
    assert "about 7 digits" in message and "promises a float (64 bits" in message
    assert "should be a float" not in message  # not a structural failure (tests/release/test_check.py): a dtype
    with pytest.raises(AssertionError, match="numpy float16 .* about 3 digits"):
        expect_float64(np.float16(0.5), "dC0/dw")


def test_arrays_of_float32_are_named_with_the_array_they_are():
    grads = [("grad_w[0]", np.zeros((3, 2))), ("grad_w[1]", np.zeros((2, 3), dtype=np.float32))]
    expect_float64_arrays(grads[:1], "backprop")
    with pytest.raises(AssertionError, match=r"^grad_w\[1\] from backprop has dtype float32"):
        expect_float64_arrays(grads, "backprop")
    expect_float64_arrays([("grad_b[0]", np.zeros(3, dtype=int)), ("x", None)], "backprop")  # not a float dtype: not this check's
    assert low_precision(np.zeros(2, dtype=np.float32)) == np.float32 and low_precision(np.float64(1.0)) is None
    assert low_precision(0.5) is None and low_precision([np.float32(1.0)]) is None
