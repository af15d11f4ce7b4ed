"""What a student's value is, in words, and whether it agrees with another.

Results arrive as plain data: floats, ints, numpy arrays, lists, tuples, dicts,
None, or wire.Unsupported. Nothing here converts a value without first bounding
its size.
"""
import numpy as np

from ..engine.wire import Unsupported


def describe_value(value) -> str:
    """A short, student-readable account of a value's type and shape:
    "None", "a float", "an array of shape (3, 1) and dtype float64", "a list of length 2"."""
    if value is None:
        return "None"
    if isinstance(value, Unsupported):
        return f"a {value.type_name} object"
    if isinstance(value, np.ndarray):
        return "a 0-d numpy array" if value.ndim == 0 else f"an array of shape {value.shape} and dtype {value.dtype}"
    if isinstance(value, (list, tuple)):
        return f"a {type(value).__name__} of length {len(value)}"
    if isinstance(value, (bool, np.bool_)):
        return "a bool"
    return f"a {type(value).__name__}"


def _count_numbers(value, limit) -> int:
    """How many numbers value holds (arrays, nested lists); stops counting past limit."""
    if isinstance(value, np.ndarray):
        return value.size
    if isinstance(value, (list, tuple)):
        total = 0
        for item in value:
            total += _count_numbers(item, limit)
            if total > limit:
                break
        return total
    return 1


def as_float_array(got, expected_size):
    """got as a float64 array, or None if it is no numeric data or holds far more
    numbers than expected_size (4x + 64). Sizes are checked before converting: a
    large int8 array would take 8x its size as float64."""
    if isinstance(got, Unsupported) or got is None or isinstance(got, (str, dict)):
        return None
    if isinstance(got, np.ndarray) and got.dtype.kind not in "biuf":
        return None
    if _count_numbers(got, 4 * expected_size + 64) > 4 * expected_size + 64:
        return None
    try:
        return np.asarray(got, dtype=np.float64)
    except (TypeError, ValueError, OverflowError):
        return None


def agrees(got, expected, rtol=1e-6, atol=1e-9, equal_nan=False) -> bool:
    """True if got is numeric data of expected's shape and within tolerance of it
    (np.allclose: |got - expected| <= atol + rtol |expected|). Never raises."""
    expected = np.asarray(expected, dtype=np.float64)
    got = as_float_array(got, expected.size)
    return (got is not None and got.shape == expected.shape
            and bool(np.allclose(got, expected, rtol=rtol, atol=atol, equal_nan=equal_nan)))


def unchanged(before: np.ndarray, after) -> bool:
    """True if after (an argument as it came back from the student's call) is still exactly before."""
    return isinstance(after, np.ndarray) and after.shape == before.shape and bool(np.array_equal(after, before))


def short_value(array: np.ndarray) -> str:
    """A number, a few entries, or the shape and first entries of a large array."""
    if array.ndim == 0:
        return f"{float(array):.6g}"
    if array.size <= 12:
        return np.array2string(array.ravel() if array.ndim > 1 and 1 in array.shape else array, precision=4,
                               separator=", ")
    return f"an array of shape {array.shape} (first entries {np.array2string(array.ravel()[:4], precision=4, separator=', ')})"


def first_entries(x: np.ndarray, n=8) -> str:
    """The first n entries of a 1-D array, "..." if there are more."""
    text = np.array2string(x[:n], precision=4, separator=", ", suppress_small=True)
    return text if x.size <= n else text[:-1] + ", ...]"
