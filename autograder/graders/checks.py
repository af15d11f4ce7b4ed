"""What hidden graders use to check a student's answer and say what is wrong.

Every check raises AssertionError with a message written for the student;
the engine shows that message (never the grader's source) as feedback.
Results arrive as plain data: floats, ints, numpy arrays, lists, tuples,
dicts, None, or wire.Unsupported.
"""
import numpy as np
import pytest

from ..engine.wire import Unsupported


def sigmoid(z):
    """The trusted, stable sigmoid graders compute expected values with."""
    return np.exp(-np.logaddexp(0.0, -np.asarray(z, dtype=float)))


def points(n, visibility="visible"):
    """Mark a grader test as worth n points; visibility as in Gradescope
    ("visible", "hidden", "after_due_date", "after_published")."""
    return pytest.mark.points(n, visibility=visibility)


def describe(value) -> str:
    """A short, student-readable account of a value's type and shape."""
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


def fail(message):
    raise AssertionError(message)


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


def expect_float(got, what) -> float:
    """got must be a real number (Python or numpy scalar; not an array, list or None)."""
    if isinstance(got, (bool, np.bool_)) or not isinstance(got, (int, float, np.integer, np.floating)):
        hint = " - for a single number, return float(x) (e.g. float(out) or out.item())" if isinstance(got, np.ndarray) else ""
        fail(f"{what} should be a float, but your code returned {describe(got)}{hint}.")
    value = float(got)
    if not np.isfinite(value):
        fail(f"{what} should be a finite number, got {value} (an overflow?).")
    return value


def expect_array(got, shape, what) -> np.ndarray:
    """got must be a numeric numpy array of exactly this shape; returns it as float64."""
    if not isinstance(got, np.ndarray):
        fail(f"{what} should be a numpy array of shape {shape}, but your code returned {describe(got)}.")
    if got.shape != tuple(shape):
        fail(f"{what} should have shape {tuple(shape)}, got {got.shape}."
             + (" Keep the (n, 1) column shape: an example is a column." if len(shape) == 2 and shape[1] == 1 else ""))
    if got.dtype.kind not in "biuf":
        fail(f"{what} should hold numbers, but your code returned {describe(got)}.")
    array = np.asarray(got, dtype=np.float64)  # after the shape check: never larger than expected
    if not np.all(np.isfinite(array)):
        fail(f"{what} contains nan or inf (an overflow, or 0/0?).")
    return array


def expect_list(got, length, what) -> list:
    if not isinstance(got, (list, tuple)) or len(got) != length:
        fail(f"{what} should be a list of {length} items, but your code returned {describe(got)}.")
    return list(got)


def expect_close(got, expected, what, rtol=1e-6, atol=1e-9, hint=""):
    """Values agree within tolerance; the message shows both on a small scale."""
    expected = np.asarray(expected, dtype=np.float64)
    got_a = as_float_array(got, expected.size)
    if got_a is None:
        fail(f"{what}: expected {_short(expected)}, got {describe(got)}." + (f" {hint}" if hint else ""))
    if got_a.shape != expected.shape or not np.allclose(got_a, expected, rtol=rtol, atol=atol):
        fail(f"{what}: expected {_short(expected)}, got {_short(got_a)}." + (f" {hint}" if hint else ""))


def _entries(x) -> str:
    text = np.array2string(x[:8], precision=4, separator=", ", suppress_small=True)
    return text if x.size <= 8 else text[:-1] + ", ...]"


def expect_match(got, expected, what, mistakes=(), rtol=1e-7, atol=1e-10):
    """got must agree with expected; if it agrees with a typical mistake instead, name it.

    mistakes: (wrong answer or None, hint) pairs computed in the parent. For a
    batch, the message shows one wrong column (one example), not the whole array.
    """
    expected_a = np.asarray(expected, dtype=float)
    got_a = as_float_array(got, expected_a.size)
    if got_a is None:
        fail(f"{what}: expected {_short(expected_a)}, got {describe(got)}.")
    if got_a.shape == expected_a.shape and np.allclose(got_a, expected_a, rtol=rtol, atol=atol):
        return
    hint = ""
    for wrong, text in mistakes:
        if wrong is None:
            continue
        wrong = np.asarray(wrong, dtype=float)
        if wrong.shape == got_a.shape and np.all(np.isfinite(wrong)) and np.allclose(got_a, wrong, rtol=1e-6, atol=1e-9):
            hint = text
            break
    if got_a.shape == expected_a.shape and got_a.ndim >= 2 and got_a.size > got_a.shape[0]:
        g2, e2 = got_a.reshape(got_a.shape[0], -1), expected_a.reshape(got_a.shape[0], -1)
        j = int(np.argmax(~np.all(np.isclose(g2, e2, rtol=rtol, atol=atol), axis=0)))
        fail(f"{what}: in column {j} (example {j}) expected {_entries(e2[:, j])}, got {_entries(g2[:, j])}."
             + (f" {hint}" if hint else ""))
    expect_close(got_a, expected_a, what, rtol, atol, hint=hint)


def expect_unchanged(before, after, what):
    """An input array must be the same after the call (functions never mutate inputs)."""
    if not isinstance(after, np.ndarray) or after.shape != np.shape(before) or not np.array_equal(after, before):
        fail(f"your code changed its input {what}; functions must not modify their arguments. "
             "Compute into new arrays: d = output - y rather than y -= output, x = x + step rather than x += step.")


def _short(array: np.ndarray) -> str:
    if array.ndim == 0:
        return f"{float(array):.6g}"
    if array.size <= 12:
        return np.array2string(array.ravel() if array.ndim > 1 and 1 in array.shape else array, precision=4, separator=", ")
    return f"an array of shape {array.shape} (first entries {np.array2string(array.ravel()[:4], precision=4, separator=', ')})"
