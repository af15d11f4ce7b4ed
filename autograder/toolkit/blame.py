"""A mistake costs its points once.

Later functions are built on the student's own earlier ones (feedforward on their
layer_forward, sigmoid_prime on their sigmoid). When a later function's answer, or
its error, is exactly what the student's own building block gives, the mistake is
graded in the building block's tests, not again here.
"""
import numpy as np

from ..engine.handle import StudentError, StudentFailure


def own_result(student, fn, *args, **kwargs):
    """The student's own fn(*args, **kwargs) as a float array, or None if it gives no usable
    numeric answer (an error, a bool, a list, ...)."""
    try:
        got = student.call(fn, *args, **kwargs)
    except StudentFailure:
        return None
    if isinstance(got, (bool, np.bool_)) or not isinstance(got, (int, float, np.integer, np.floating, np.ndarray)):
        return None
    got = np.asarray(got)
    return got.astype(float) if got.dtype.kind in "biuf" else None


def same_error(student, error: StudentError, fn, *args, **kwargs) -> bool:
    """True if the student's own fn(*args, **kwargs) raises the same exception as error."""
    try:
        student.call(fn, *args, **kwargs)
    except StudentError as other:
        return (other.type, other.error_message) == (error.type, error.error_message)
    except StudentFailure:
        return False
    return False
