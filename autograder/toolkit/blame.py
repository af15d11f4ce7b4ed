"""A mistake costs its points once, and credit is never given for nothing.

Later functions are built on the student's own earlier ones (sigmoid_prime on
their sigmoid, feedforward on their layer_forward). A mistake in the building
block is charged in the building block's own tests; a later function whose
answer is exactly what that same mistake gives is not charged again.

The child is one process and can remember every call, so this credit never
comes from calling the building block again after the graded call (a module
could recognise such a re-call and answer it to match). It comes from the
ledger: what the building block's own tests charged, written down in this
(trusted) process when those tests judged the student's answers. The tests of
one submission run in the order of the grader file, the building block's first.

    blame.note(student, "sigmoid", got, mistakes)   # in sigmoid's tests: which named mistakes its answer showed
    blame.charged(student, "sigmoid")               # later: the keys of the mistakes charged there
    with blame.errors_of(student, "layer_forward"): # in layer_forward's tests: the errors it raised
        ...
    blame.raised(student, "layer_forward", error)   # later: was exactly this error charged there?

A mistake has a key (Mistake(..., key="sign")) so that a later test can compute,
with the trusted network, what the same mistake gives on its own inputs.
"""
import contextlib
import re
import weakref

from ..engine.handle import StudentError
from .values import agrees

_LEDGER: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()  # student handle -> {function: {key}}
_ERRORS: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()  # student handle -> {function: {(type, message)}}


def _book(table, student, function) -> set:
    try:
        return table.setdefault(student, {}).setdefault(function, set())
    except TypeError:  # a handle that cannot be weakly referenced: nothing is remembered, no credit is given
        return set()


def note(student, function, got, mistakes, expected=None, rtol=1e-7, atol=1e-10):
    """Write down which keyed mistakes got (the student's answer in one of function's own
    tests) shows: a mistake is charged when got agrees with its answer and not with expected."""
    if expected is not None and agrees(got, expected, rtol, atol):
        return
    for mistake in mistakes:
        if mistake.key and mistake.answer is not None and agrees(got, mistake.answer, mistake.rtol, mistake.atol):
            _book(_LEDGER, student, function).add(mistake.key)
            return


def charge(student, function, key):
    """Write down that function's own tests charged the mistake key."""
    _book(_LEDGER, student, function).add(key)


def charged(student, function) -> frozenset:
    """The keys of the mistakes function's own tests charged so far (for this submission)."""
    return frozenset(_LEDGER.get(student, {}).get(function, ()))


def _signature(error: StudentError) -> tuple:
    """An error's type and message, numbers left out: the same mistake raises it on inputs of other
    sizes ("shapes (3,4) and (2,1) not aligned")."""
    return error.type, re.sub(r"\d+", "#", error.error_message)


@contextlib.contextmanager
def errors_of(student, function):
    """Around a call in function's own test: an error it raises is charged there (and re-raised)."""
    try:
        yield
    except StudentError as error:
        _book(_ERRORS, student, function).add(_signature(error))
        raise


def raised(student, function, error: StudentError) -> bool:
    """True if function's own tests were charged for this error (its type and message, numbers aside)."""
    return _signature(error) in _ERRORS.get(student, {}).get(function, ())
