"""The checks a hidden grader makes on a student's answer.

Every check raises AssertionError with a message written for the student; the
engine shows that message (never the grader's source) as feedback. The shape
and type checks come first, so a wrong shape is named as such, never as
"wrong numbers".
"""
import numpy as np

from .mistakes import named_mistake
from .values import as_float_array, describe_value, first_entries, short_value, unchanged


def fail(message):
    """Take the test's points, telling the student why."""
    raise AssertionError(message)


def expect_float(got, what) -> float:
    """got must be a real number (Python or numpy scalar; not an array, list or None)."""
    if isinstance(got, (bool, np.bool_)) or not isinstance(got, (int, float, np.integer, np.floating)):
        hint = " - for a single number, return float(x) (e.g. float(out) or out.item())" if isinstance(got, np.ndarray) else ""
        fail(f"{what} should be a float, but your code returned {describe_value(got)}{hint}.")
    value = float(got)
    if not np.isfinite(value):
        fail(f"{what} should be a finite number, got {value} (an overflow?).")
    return value


def expect_array(got, shape, what) -> np.ndarray:
    """got must be a numeric numpy array of exactly this shape, all finite; returns it as float64."""
    if not isinstance(got, np.ndarray):
        fail(f"{what} should be a numpy array of shape {shape}, but your code returned {describe_value(got)}.")
    if got.shape != tuple(shape):
        fail(f"{what} should have shape {tuple(shape)}, got {got.shape}."
             + (" Keep the (n, 1) column shape: an example is a column." if len(shape) == 2 and shape[1] == 1 else ""))
    if got.dtype.kind not in "biuf":
        fail(f"{what} should hold numbers, but your code returned {describe_value(got)}.")
    array = np.asarray(got, dtype=np.float64)  # after the shape check: never larger than expected
    if not np.all(np.isfinite(array)):
        fail(f"{what} contains nan or inf (an overflow, or 0/0?).")
    return array


def expect_int(got, what) -> int:
    """got must be an int (Python or numpy; not a bool, not a float such as 13002.0)."""
    if isinstance(got, (bool, np.bool_)) or not isinstance(got, (int, np.integer)):
        hint = ""
        if isinstance(got, (float, np.floating)):
            hint = f" ({float(got):g}): a count is a whole number; return int(...)"
        fail(f"{what} should be an int, but your code returned {describe_value(got)}{hint}.")
    return int(got)


def expect_list(got, length, what) -> list:
    """got must be a list or tuple of exactly length items."""
    if not isinstance(got, (list, tuple)) or len(got) != length:
        fail(f"{what} should be a list of {length} items, but your code returned {describe_value(got)}.")
    return list(got)


UNCHANGED_ADVICE = ("Compute into new arrays: d = output - y rather than y -= output, "
                    "x = x + step rather than x += step.")


ROUND_TRIP = ("Some entries differ from the originals only in their last digits: an entry changed and then "
              "restored by adding and subtracting (x + h - h) is not always x again, because floating point "
              "does not round-trip. Keep the old value and put it back: old = x[i]; ...; x[i] = old.")


def expect_unchanged(before, after, what, who="your code", advice=UNCHANGED_ADVICE):
    """An input array must be the same after the call (functions never mutate inputs).
    who: whose change it is ("your sigmoid"); advice: how to avoid it, for this function.
    Fails only on a real change; one that is round-off only is named as such."""
    before = np.asarray(before)
    if unchanged(before, after):
        return
    if (isinstance(after, np.ndarray) and after.shape == before.shape and after.dtype.kind in "f"
            and before.dtype.kind in "f" and np.allclose(after, before, rtol=1e-12, atol=1e-300)):
        fail(f"{who} changed its input {what}: {ROUND_TRIP}")
    fail(f"{who} changed its input {what}; functions must not modify their arguments. {advice}")


def _precision_note(got, got_a, expected_a, dtype=None) -> str:
    """When got agrees with expected to the four digits feedback prints, but not to the precision
    asked: say so, naming a low-precision dtype (float32) if that is the cause."""
    if got_a.shape != expected_a.shape or not np.allclose(got_a, expected_a, rtol=1e-4, atol=1e-8):
        return ""
    dtype = dtype or (got.dtype if isinstance(got, (np.ndarray, np.floating)) else None)
    if dtype is not None and np.dtype(dtype).kind == "f" and np.dtype(dtype).itemsize < 8:
        digits = 7 if np.dtype(dtype).itemsize == 4 else 3
        kind = "array" if isinstance(got, np.ndarray) or got_a.size > 1 else "number"
        return (f" Your numbers print the same as the expected ones but agree only to about {digits} significant "
                f"digits: your {kind} has dtype {np.dtype(dtype)}, which keeps about {digits} digits. "
                "Compute in float64 (numpy's default; do not convert with astype(np.float32)).")
    return " Your numbers agree with the expected ones to about 4 digits, not to the precision asked."


def compare(got, expected, what, mistakes=(), rtol=1e-7, atol=1e-10, hint="", by_example=True, dtype=None):
    """got must agree with expected: numeric data of the same shape, within rtol and atol.

    Otherwise fail with "what: expected ..., got ...", followed by the hint of the first
    typical mistake (mistakes: Mistake list) that got matches, or else by hint. For a batch
    (by_example: the columns are examples) the message shows one wrong column, not the whole
    array; pass by_example=False for arrays whose columns are no examples (weights, gradients).
    dtype: the dtype the student's answer had, when got is already converted (expect_array); a
    low-precision dtype is named when the values agree to the printed digits.
    """
    expected_a = np.asarray(expected, dtype=float)
    got_a = as_float_array(got, expected_a.size)
    if got_a is None:
        fail(f"{what}: expected {short_value(expected_a)}, got {describe_value(got)}." + (f" {hint}" if hint else ""))
    if got_a.shape == expected_a.shape and np.allclose(got_a, expected_a, rtol=rtol, atol=atol):
        return
    hint = named_mistake(got_a, mistakes) or _precision_note(got, got_a, expected_a, dtype).strip() or hint
    tail = f" {hint}" if hint else ""
    if by_example and got_a.shape == expected_a.shape and got_a.ndim >= 2 and got_a.size > got_a.shape[0]:
        g2, e2 = got_a.reshape(got_a.shape[0], -1), expected_a.reshape(got_a.shape[0], -1)
        j = int(np.argmax(~np.all(np.isclose(g2, e2, rtol=rtol, atol=atol), axis=0)))
        fail(f"{what}: in column {j} (example {j}) expected {first_entries(e2[:, j])}, "
             f"got {first_entries(g2[:, j])}.{tail}")
    fail(f"{what}: expected {short_value(expected_a)}, got {short_value(got_a)}.{tail}")
