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

Recorded answers go further: any mistake, keyed or not. One stream of calls (evidence.one_stream)
asks the building block and the later function on the same inputs, shuffled together, before any
verdict; the building block's own tests judge those very answers, and the later function is
accepted where it equals the formula applied to them (sigmoid_prime(z) = s (1 - s) with s the
student's own sigmoid(z)), only if the building block shows evidence that it computes:

    stream = blame.recorded(student, "01 sigmoid stream", lambda: blame.Recording(student, calls, rng))
    stream.answer("sigmoid", z)        # what sigmoid's own tests grade
    stream.why_nothing("sigmoid")      # '' if the stream shows that sigmoid computes
"""
import contextlib
import re
import weakref

import numpy as np

from ..engine.handle import StudentError
from .evidence import judge, one_stream
from .values import agrees

_LEDGER: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()  # student handle -> {function: {key}}
_ERRORS: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()  # student handle -> {function: {(type, message)}}
_RECORDED: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()  # student handle -> {name: what make() gave}


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


def recorded(student, name, make):
    """What make() gives, made once per submission: by the first test that asks (the tests of one
    submission run in one process, in the grader file's order), and the same object for every later
    test. make must not depend on which test asks first (draw its inputs from the submission's seed)."""
    try:
        book = _RECORDED.setdefault(student, {})
    except TypeError:  # a handle that cannot be weakly referenced: made afresh each time
        return make()
    if name not in book:
        book[name] = make()
    return book[name]


class Recording:
    """The student's answers to one stream of calls (evidence.one_stream), looked up by function and
    input: a building block's tests grade them, later functions' tests are judged against them.

        rec = Recording(student, [("sigmoid", (z,)), ("sigmoid_prime", (z,))], rng)
        rec.answer("sigmoid", z)       # the first answer (raises the StudentError it raised)
        rec.why_nothing("sigmoid")     # '' if the evidence says sigmoid computes (evidence.judge)
    """

    def __init__(self, student, calls, rng):
        self.calls = [(function, tuple(args), dict(kwargs[0]) if kwargs else {}) for function, args, *kwargs in calls]
        self.results = one_stream(student, self.calls, rng)

    def index(self, function, *args) -> int | None:
        """The position of function(*args) in the stream (inputs compared exactly), or None."""
        for i, (name, called, _) in enumerate(self.calls):
            if name == function and len(called) == len(args) and all(same_input(x, y) for x, y in zip(called, args)):
                return i
        return None

    def call(self, function, *args):
        """The engine's Call of the first time function(*args) was asked; raises its StudentError."""
        i = self.index(function, *args)
        if i is None:
            raise KeyError(f"{function}{args!r} is not in the stream")
        call, error = self.results[i][0]
        if error is not None:
            raise error
        return call

    def answer(self, function, *args):
        return self.call(function, *args).result

    def error(self, function, *args):
        """The StudentFailure (an error it raised, not implemented yet, ...) of the first time function(*args)
        was asked, or None (also when it is not in the stream)."""
        i = self.index(function, *args)
        return None if i is None else self.results[i][0][1]

    def raised(self, function, error) -> bool:
        """True if function raised this very error (type and message, numbers aside) for an input of the stream
        the first time it was asked: the answer its tests grade (answer(), call()), so the error was charged there
        when they grade every input of the stream."""
        return any(name == function and same_error(pair[0][1], error)
                   for (name, _, _), pair in zip(self.calls, self.results))

    def why_nothing(self, function, distinct=True, leave_out=()) -> str:
        """evidence.judge on the calls of function in the stream ('' if it computes), but for the argument
        tuples in leave_out (e.g. a lecture test's fixed input: sigmoid(0.0) = 0.0 is a wrong sigmoid, not
        an input handed back)."""
        mine = [i for i, (name, args, _) in enumerate(self.calls) if name == function
                and not any(len(args) == len(out) and all(same_input(x, y) for x, y in zip(args, out))
                            for out in leave_out)]
        results = [[(c.result if c is not None else None, e) for c, e in self.results[i]] for i in mine]
        return judge(results, [self.calls[i][1] for i in mine], distinct=distinct)


def same_input(x, y) -> bool:
    """Exactly the same arguments: arrays (shape, dtype, values), lists and tuples of them, numbers."""
    if isinstance(x, np.ndarray) or isinstance(y, np.ndarray):
        return isinstance(x, np.ndarray) and isinstance(y, np.ndarray) and x.shape == y.shape \
            and x.dtype == y.dtype and bool(np.array_equal(x, y))
    if isinstance(x, (list, tuple)) or isinstance(y, (list, tuple)):
        return type(x) is type(y) and len(x) == len(y) and all(same_input(a, b) for a, b in zip(x, y))
    return type(x) is type(y) and x == y


def same_error(error, other) -> bool:
    """Two StudentErrors of the same type and message, numbers aside (the same mistake on inputs of other sizes)."""
    return isinstance(error, StudentError) and isinstance(other, StudentError) and _signature(error) == _signature(other)
