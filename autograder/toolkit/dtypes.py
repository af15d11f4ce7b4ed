"""The dtype a docstring promises (a float, float64 arrays), checked with a message that names it.

A float32 answer agrees with the float64 one to about 7 digits, so a value check with rtol 1e-6
passes it and the printed numbers look the same. A test whose function promises a float (Python's
float, 64 bits; np.float64 is one) or float64 arrays calls these after judging the values, so that
the student reads which dtype their code returned instead of a formula they already got right.

    expect_float64(got, what)            # got: the student's number, before expect_float converts it
    expect_float64_arrays(arrays, what)  # arrays: [(name, the student's array)]
"""
import numpy as np

from .checks import fail

ADVICE = ("Compute in float64, numpy's default: do not convert with np.float32(...) or astype(np.float32).")


def low_precision(value) -> np.dtype | None:
    """The dtype of value when it is a float scalar or array of fewer than 64 bits (float32, float16), else None."""
    if isinstance(value, (np.floating, np.ndarray)) and value.dtype.kind == "f" and value.dtype.itemsize < 8:
        return value.dtype
    return None


def _digits(dtype: np.dtype) -> int:
    return 7 if dtype.itemsize == 4 else 3


def expect_float64(got, what):
    """got (an answer the docstring promises as a float) must not be a numpy float of fewer than 64 bits."""
    dtype = low_precision(got)
    if dtype is not None:
        fail(f"{what}: your code returned a numpy {dtype} ({float(got):.6g}), which keeps about {_digits(dtype)} "
             "digits; the docstring promises a float (64 bits: Python's float, or np.float64). Its value agrees "
             f"with the expected one to those digits: return float(...) of a float64 result. {ADVICE}")


def expect_float64_arrays(arrays, what):
    """Each (name, array) of arrays must not be an array of floats of fewer than 64 bits."""
    for name, array in arrays:
        dtype = low_precision(array) if isinstance(array, np.ndarray) else None
        if dtype is not None:
            fail(f"{name} from {what} has dtype {dtype}, which keeps about {_digits(dtype)} digits; the docstring "
                 f"promises float64 arrays. {ADVICE}")
