"""Evidence that a student's function computes something: the one rule every property test,
lecture test and building-block credit goes through (docs/graders.md, "Grades that are earned").

The child is one process for all the tests of a submission and can remember every call: a
counter answers each call differently, a constant answers the lecture's input right. So the
evidence is a stream of calls the module cannot tell apart from the rest:

    expect_computes_on(student, "relu", [(z1,), (z2,)], "relu(z)", rng)

calls relu on each case twice (copies), in two rng-shuffled passes, and fails unless
    (d) it answers at least two of the cases (raising for every input computes nothing);
    (b) each case gets the same answer both times (a counter or a memory of calls does not);
    the answers are numeric data (not None, a string, an object);
    (c) no array in an answer equals an array argument or an array item of a list argument, and a
        number answer is none of the numbers among them (an input handed back);
    (a) cases with different values get different answers (a constant, a fixed pattern of the
        input's shape, or one number everywhere do not).
Cases are argument tuples of the same shapes whose right answers differ; a lecture test passes
the lecture's input and a random one of the same shape.

one_stream makes such calls for several functions at once, shuffled together, and judge gives the
same verdict on answers already recorded (blame.Recording: a building block graded on the very
answers a later function is judged against).
"""
import copy

import numpy as np

from ..engine.handle import StudentError, StudentFailure
from .values import describe_value

_MAX_LEAVES = 10_000


def _leaves(value, out, depth=0) -> bool:
    """Append value's numbers (arrays and scalars, through nested lists/tuples) to out as float
    arrays; False if something in it is no numeric data."""
    if len(out) > _MAX_LEAVES or depth > 8:
        return False
    if isinstance(value, (bool, np.bool_)) or value is None:
        return False
    if isinstance(value, (int, float, np.integer, np.floating)):
        out.append(np.asarray(float(value)))
        return True
    if isinstance(value, np.ndarray):
        if value.dtype.kind not in "biuf":
            return False
        out.append(np.asarray(value, dtype=np.float64))
        return True
    if isinstance(value, (list, tuple)):
        return bool(value) and all(_leaves(v, out, depth + 1) for v in value)
    return False


def _numbers(value):
    """value's numbers as a list of float arrays, or None if it is not (all) numeric data."""
    out = []
    return out if _leaves(value, out) else None


def _same(x, y) -> bool:
    """Exactly the same numbers in the same structure (nan equal to nan)."""
    if len(x) != len(y):
        return False
    return all(a.shape == b.shape and np.array_equal(a, b, equal_nan=True) for a, b in zip(x, y))


def _argument_arrays(args):
    """The arrays among the arguments and the items of list arguments, with their names."""
    found = []
    for i, arg in enumerate(args):
        items = [(arg, f"argument {i + 1}")]
        if isinstance(arg, (list, tuple)):
            items += [(item, f"item {j} of argument {i + 1}") for j, item in enumerate(arg)]
        for item, name in items:
            if isinstance(item, np.ndarray) and item.dtype.kind in "biuf" and item.size:
                found.append((np.asarray(item, dtype=np.float64), name))
    return found


def _argument_numbers(args):
    """The numbers among the arguments and the items of list arguments, with their names."""
    found = []
    for i, arg in enumerate(args):
        items = [(arg, f"argument {i + 1}")]
        if isinstance(arg, (list, tuple)):
            items += [(item, f"item {j} of argument {i + 1}") for j, item in enumerate(arg)]
        for item, name in items:
            if isinstance(item, (int, float, np.integer, np.floating)) and not isinstance(item, (bool, np.bool_)):
                found.append((np.asarray(float(item)), name))
    return found


def _handed_back(answer, numbers, args) -> str:
    """The name of the argument answer hands back (an array argument, an item of a list argument, or, for a
    number, a number among them), or ''. Only whole arrays count: an index inside a list is no input handed back."""
    if isinstance(answer, (int, float, np.integer, np.floating)):
        candidates = _argument_numbers(args)
    else:
        candidates = _argument_arrays(args)
        numbers = [leaf for leaf in numbers if leaf.ndim]
    for leaf in numbers:
        for arg, name in candidates:
            if leaf.shape == arg.shape and np.array_equal(leaf, arg):
                return "its input" if len(args) == 1 and name == "argument 1" else f"its input ({name})"
    return ""


def computes_nothing(answers, arguments=()) -> str:
    """Why these answers show that a function computes nothing, or '' if they do not.

    answers: its answers to inputs whose right answers differ (any numeric data: numbers, arrays,
    nested lists of them). arguments: the argument tuple of each answer's call, in the same order
    (a single argument stands for a 1-tuple). Nothing: an answer that is no numeric data, an answer
    (or a part of one) equal to one of its array arguments or an item of a list argument, one
    number in every entry of all answers, or the same answer for every input. A number answer is compared
    with the numbers among the arguments, arrays in an answer with the array arguments."""
    numbers = [_numbers(a) for a in answers]
    for answer, n in zip(answers, numbers):
        if n is None:
            return f"it returned {describe_value(answer)}"
    for answer, n, args in zip(answers, numbers, arguments):
        what = _handed_back(answer, n, args if isinstance(args, tuple) else (args,))
        if what:
            return f"it returned {what} unchanged"
    flat = np.concatenate([leaf.ravel() for n in numbers for leaf in n]) if numbers else np.array([])
    if flat.size > 1 and np.all(flat == flat[0]):
        return f"it returned {flat[0]:g} everywhere, whatever its input"
    if len(numbers) > 1 and all(_same(n, numbers[0]) for n in numbers[1:]):
        return "it returned the same answer for inputs with different values"
    return ""


def _call(student, function, args, kwargs):
    try:
        return student.call(function, *copy.deepcopy(args), **copy.deepcopy(kwargs)), None
    except StudentError as error:
        return None, error


def _passes(rng, n):
    """Two orders of the n cases: the second pass never starts with the case that ended the first."""
    first, second = [int(i) for i in rng.permutation(n)], [int(i) for i in rng.permutation(n)]
    if n > 1 and second[0] == first[-1]:
        second = second[1:] + second[:1]
    return first + second


def computes_on(student, function, cases, rng, kwargs=None, answer=None) -> str:
    """Why function computes nothing on these cases, or '' if the evidence says it computes
    (the module docstring's rules (a) to (d)). cases: argument tuples (at least two, of the same
    shapes, with different values and different right answers); kwargs: keyword arguments for
    every call; answer: picks the computed part of a result (e.g. x of gradient_descent's
    (x, history)), applied where it can be."""
    kwargs = kwargs or {}
    cases = [tuple(c) for c in cases]
    results = [[] for _ in cases]
    for i in _passes(rng, len(cases)):
        results[i].append(_call(student, function, cases[i], kwargs))
    return judge(results, cases, answer)


def judge(results, cases, answer=None, distinct=True) -> str:
    """computes_on's verdict on calls already made: results[i] holds the two (answer, StudentError or
    None) of cases[i], asked in a stream the module could not tell apart (e.g. one_stream's).
    distinct=False leaves out rule (a) (different answers for different values): only where the
    right answers themselves, given the student's own building block, are all the same."""
    cases = [tuple(c) for c in cases]
    errors = [e for pair in results for _, e in pair if e is not None]
    answered = [i for i, pair in enumerate(results) if all(e is None for _, e in pair)]
    if len(answered) < 2:
        if errors:
            which = "every input" if not answered else "every input but one"
            kind, message = getattr(errors[0], "type", type(errors[0]).__name__), getattr(errors[0], "error_message",
                                                                                          str(errors[0]))
            return f"it raised {kind} ({message[:200]}) for {which}"
        return "it answered too few inputs to tell"
    for i, pair in enumerate(results):
        if (pair[0][1] is None) != (pair[1][1] is None):
            return "it raised an error for an input the first time and answered it the next time (or the other way)"
    picked = []
    for i in answered:
        first, second = (_pick(r, answer) for r, _ in results[i])
        a, b = _numbers(first), _numbers(second)
        if a is None:
            return f"it returned {describe_value(first)}"
        if b is None or not _same(a, b):
            return ("it gave different answers to the same input asked twice (the same generator seed, where "
                    "there is one): an answer must come from the input alone, not from state kept between calls "
                    "or from random numbers of its own")
        picked.append(first)
    if not distinct:
        for answer_, args in zip(picked, [cases[i] for i in answered]):
            what = _handed_back(answer_, _numbers(answer_), args)
            if what:
                return f"it returned {what} unchanged"
        return ""
    why = computes_nothing(picked, [cases[i] for i in answered])
    if why:
        return why
    groups = {}
    for i, first in zip(answered, picked):
        groups.setdefault(_shapes(cases[i]), []).append(_numbers(first))
    pairs = [g for g in groups.values() if len(g) > 1]
    if not pairs:
        raised = f" (it raised {getattr(errors[0], 'type', type(errors[0]).__name__)} for others)" if errors else ""
        return "it answered no two inputs of the same shape" + raised
    for group in pairs:
        if all(_same(n, group[0]) for n in group[1:]):
            return "it returned the same answer for inputs of the same shape with different values"
    return ""


def one_stream(student, calls, rng):
    """Every call of calls ((function, args, kwargs) each) made twice, all in one rng-shuffled stream of
    two passes (copies of the arguments; the engine's Call, with the arguments as they were after the
    call and the warnings, where it answers). Returns, per call, its two (Call or None, StudentError
    or None). The graders judge a building block on these very answers and a later function on the
    same inputs against the same answers, so a module cannot answer one way for the grade and
    another for the credit: nothing tells the calls apart."""
    results = [[] for _ in calls]
    for i in _passes(rng, len(calls)):
        function, args, kwargs = calls[i]
        try:
            results[i].append((student.call(function, *copy.deepcopy(tuple(args)), return_args=True,
                                            **copy.deepcopy(dict(kwargs))), None))
        except StudentFailure as error:  # an error, not implemented yet, missing, timed out: that call's answer
            results[i].append((None, error))
    return results


def _shapes(args):
    """What makes two cases "of the same shape": the shapes of their arrays and numbers, list lengths."""
    def shape(value):
        if isinstance(value, (list, tuple)):
            return (type(value).__name__, tuple(shape(v) for v in value))
        if isinstance(value, (np.ndarray, int, float, np.integer, np.floating)):
            return np.shape(value)
        return type(value).__name__
    return tuple(shape(a) for a in args)


def _pick(result, answer):
    if answer is None:
        return result
    try:
        return answer(result)
    except (TypeError, IndexError, KeyError, ValueError, AttributeError):
        return result


def expect_computes_on(student, function, cases, what, rng, kwargs=None, answer=None):
    """Fail unless function computes something on these cases (computes_on): a property test's and
    a lecture test's points, and credit for a building block's error, go only to such code."""
    why = computes_on(student, function, cases, rng, kwargs, answer)
    if why:
        fail_nothing(what, why)


def fail_nothing(what, why):
    raise AssertionError(
        f"{what}: {why}, so this test has nothing to judge. Its points go to code that computes its answer "
        "from its input (right or wrong: the values are judged by the other tests).")


def expect_computes(answers, what, arguments=()):
    """For answers already at hand (one each, no repeat: use expect_computes_on where the student can
    be called again): fail if computes_nothing says the function computes nothing."""
    why = computes_nothing(answers, arguments)
    if why:
        fail_nothing(what, why)
